"""Unit tests of the callback plugins (a package: its test modules share basenames with system tests)."""
