"""Device simulators for tests, the demo and benchmarks (``junos_sim``: Junos over NETCONF)."""
