"""Real peers for tests, the demo and benchmarks: netconfd behind sshd, PostgreSQL."""
