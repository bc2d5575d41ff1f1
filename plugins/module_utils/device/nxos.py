# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cisco NX-OS over network_cli (`ansible_network_os: cisco.nxos.nxos`)."""
from __future__ import annotations

from typing import Any

from ansible_collections.netsync.fleet.plugins.module_utils.device.cli import CliPlatform, first


class NxosPlatform(CliPlatform):
    name = "nxos"
    fmt = "nxos-cli"
    vendor = "Cisco"
    volatile = (
        r"^!Time: ",
        r"^!Running configuration last done at: ",
    )
    commit_line = r"^!Running configuration last done at: (.+?)\s*$"
    notification = "%VSHD-5-VSHD_SYSLOG_CONFIG_I: Configured from vty by USER on SOURCE@pts/0"

    def facts(self, manager: Any) -> dict[str, Any]:
        text = str(manager.get(command="show version"))
        return {"hostname": first(r"Device name:\s*(\S+)", text),
                "model": first(r"^\s*cisco (.+?) [Cc]hassis", text),
                "version": first(r"(?:NXOS|system):\s+version\s*(\S+)", text),
                "serial": first(r"Processor Board ID (\S+)", text),
                "vendor": self.vendor}

    def logging_lines(self, host: str, port: int) -> list[str]:
        return ["logging server %s 5 port %d" % (host, port)]

    def logging_prefix(self, host: str) -> str:
        return "logging server %s" % host
