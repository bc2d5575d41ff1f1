# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cisco IOS-XR over network_cli (`ansible_network_os: cisco.iosxr.iosxr`)."""
from __future__ import annotations

from typing import Any

from ansible_collections.netsync.fleet.plugins.module_utils.device.cli import CliPlatform, first

_WEEKDAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) "


class IosxrPlatform(CliPlatform):
    name = "iosxr"
    fmt = "iosxr-cli"
    vendor = "Cisco"
    volatile = (
        r"^Building configuration\.\.\.$",
        r"^!! Last configuration change at ",
        # the exec timestamp XR prints before output unless "terminal exec prompt no-timestamp"
        r"^" + _WEEKDAY + r"\w{3} +\d+ \d\d:\d\d:\d\d\.\d+ \S+$",
    )
    commit_line = r"^!! Last configuration change at (.+?) by (?P<user>\S+)\s*$"
    notification = ("%MGBL-CONFIG-6-DB_COMMIT : Configuration committed by user 'USER'. "
                    "Use 'show configuration commit changes ID' to view the changes.")

    def facts(self, manager: Any) -> dict[str, Any]:
        text = str(manager.get(command="show version"))
        try:
            inventory = str(manager.get(command="show inventory"))
        except Exception:  # some images refuse it to non-root users: facts stay partial
            inventory = ""
        hostname = str(manager.get(command="show running-config hostname"))
        return {"hostname": first(r"^hostname (\S+)", hostname),
                "model": first(r"^cisco (.+?) \(.*\) processor", text) or first(r'DESCR: "[Cc]isco (.+?)"', inventory),
                "version": first(r"Version (\S+)", text),
                "serial": first(r"SN: (\S+)", inventory),
                "vendor": self.vendor}

    def logging_lines(self, host: str, port: int) -> list[str]:
        return ["logging %s vrf default severity info port %d" % (host, port)]

    def logging_prefix(self, host: str) -> str:
        return "logging %s" % host
