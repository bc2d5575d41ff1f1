"""Shared pytest fixtures: the real peers (netconfd behind sshd, PostgreSQL) and the Junos simulator."""
from tests.sims.fixtures import junos_fleet, junos_sim, syslog_udp  # noqa: F401
from tests.testbed.fixtures import (  # noqa: F401
    netconfd_devices, netconfd_fleet, netconfd_fleet_factory, postgres_database, postgres_server,
)
