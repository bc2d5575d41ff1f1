"""Federation system-test helpers: child servers on loopback, playbooks (site data: tests/support/datagen.py)."""
