# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cisco IOS / IOS-XE over network_cli (`ansible_network_os: cisco.ios.ios`)."""
from __future__ import annotations

from typing import Any

from ansible_collections.netsync.fleet.plugins.module_utils.device.cli import CliPlatform, first


class IosPlatform(CliPlatform):
    name = "ios"
    fmt = "ios-cli"
    vendor = "Cisco"
    volatile = (
        r"^Building configuration\.\.\.$",
        r"^Current configuration : \d+ bytes$",
        r"^! Last configuration change at ",
        r"^! NVRAM config last updated at ",
        r"^! No configuration change since last restart",
        r"^ntp clock-period \d+$",
    )
    commit_line = r"^! Last configuration change at (.+?) by (?P<user>\S+)\s*$"
    notification = "%SYS-5-CONFIG_I: Configured from console by USER on vty0 (SOURCE)"

    def facts(self, manager: Any) -> dict[str, Any]:
        text = str(manager.get(command="show version"))
        return {"hostname": first(r"^(\S+) uptime is", text),
                "model": first(r"^[Cc]isco (\S+) .*(?:processor|bytes of memory)", text),
                "version": first(r"Version ([^\s,]+)", text),
                "serial": first(r"[Pp]rocessor [Bb]oard ID (\S+)", text),
                "vendor": self.vendor}

    def logging_lines(self, host: str, port: int) -> list[str]:
        return ["logging host %s transport udp port %d" % (host, port)]

    def logging_prefix(self, host: str) -> str:
        return "logging host %s" % host
