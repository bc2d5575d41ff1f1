"""Federation test helpers: generated site data and child servers on loopback."""
