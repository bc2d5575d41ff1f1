# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Auto-resync on the CLI platforms: the logging destination that sends commit syslog.

Enabling configures, through the vendor cliconf plugin's ``edit_config`` (configuration mode,
and ``commit`` on IOS-XR / a configuration session on EOS), the line of the platform that
sends syslog to the listener: IOS ``logging host H transport udp port P``, NX-OS
``logging server H 5 port P``, IOS-XR ``logging H vrf default severity info port P``, EOS
``logging host H P``. Other lines for the same host (another port) are replaced. ``absent``
removes every logging line for the host. The running configuration is read first: nothing
is configured when it is already as wanted.
"""
from __future__ import annotations

from typing import Any

from ansible_collections.netsync.fleet.plugins.module_utils.device.cli import CliSession
from ansible_collections.netsync.fleet.plugins.module_utils.device.types import DeviceError
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.device import Opener, TaskFailed, task_target


def cli_changes(existing: list[str], wanted: list[str]) -> list[str]:
    """Configuration commands that turn the ``existing`` logging lines into ``wanted``."""
    return ["no " + line for line in existing if line not in wanted] + [w for w in wanted if w not in existing]


def cli_device_step(params: dict[str, Any], name: str, platform: str, check_mode: bool,
                    opener: Opener) -> tuple[list[str], list[str], bool]:
    """Read the logging lines for the listener, configure if needed. Returns (before, after, configured)."""
    host = params.get("listener_host")
    if not host:
        raise TaskFailed("listener_host is required for state=%s on %s device %s: set it or the "
                         "netsync_listener_host inventory variable" % (params["state"], platform, name))
    port = int(params.get("listener_port") or 5514)
    target = task_target(params)
    try:
        with opener(target) as session:
            if not isinstance(session, CliSession):
                raise DeviceError("unsupported", "%s is a CLI platform: run it over ansible.netcommon.network_cli"
                                  % platform)
            before = session.platform.logging_lines_for(session.read_config().config, host)
            after = session.platform.logging_lines(host, port) if params["state"] == "enabled" else []
            commands = cli_changes(before, after)
            if commands and not check_mode:
                session.configure(commands)
    except DeviceError as exc:
        raise TaskFailed("auto-resync %s on %s failed: %s" % (params["state"], name, exc), error=exc.kind) from exc
    return before, after, bool(commands)
