"""What the listener's unit tests share (``test_listener*.py``): the seed's time, settings and
Junos commit messages; the fixtures over them are in ``conftest.py``."""
from __future__ import annotations

from typing import Any

from ansible_collections.netsync.fleet.plugins.module_utils import store as st

T0 = 1_000_000.0
SETTINGS = {"resync_delay": 20, "damping_window": 25, "damper_interval": 20}  # the seed's defaults
ROUTERS = (("r1", "10.0.0.1", "r1"), ("r2", "10.0.0.2", "r2"))  # (name, address, hostname fact)


def started(host: str, user: str = "ops") -> bytes:
    """Junos's RFC 5424 ``UI_COMMIT`` from ``host``."""
    return (f"<189>1 2026-07-06T03:52:49.972Z {host} mgd 97400 UI_COMMIT "
            f'[junos@2636.1.1.1.2.129 username="{user}" command="commit"] '
            f"User '{user}' requested 'commit' operation").encode()


def completed(host: str) -> bytes:
    """Junos's RFC 5424 ``UI_COMMIT_COMPLETED`` from ``host``."""
    return (f"<189>1 2026-07-06T03:52:49.972Z {host} mgd 97400 UI_COMMIT_COMPLETED "
            "[junos@2636.1.1.1.2.129 ] commit complete").encode()


COMMIT = started("r1")


def seed(store: st.Store, devices: Any = ROUTERS) -> None:
    """``devices`` (name, address, hostname) In Sync, and the seed's settings."""
    for name, host, hostname in devices:
        store.devices.upsert(name, host, 830, "junos", {"hostname": hostname})
        store.devices.set_status(name, "In Sync", "test")
    store.devices.set_settings(SETTINGS)
