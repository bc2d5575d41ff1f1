"""Pure helpers shared by unit and system tests: no servers, no processes (generated site data, a fake device)."""
