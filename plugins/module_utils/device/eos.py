# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Arista EOS over network_cli (`ansible_network_os: arista.eos.eos`)."""
from __future__ import annotations

import json
from typing import Any

from ansible_collections.netsync.fleet.plugins.module_utils.device.cli import CliPlatform
from ansible_collections.netsync.fleet.plugins.module_utils.device.types import DeviceError

_EOS_SECRETS = (
    r"^\s*username \S+ (?:.* )?secret(?: \d+| sha512)? (?P<s>\S+)",
    r"^\s*(?:ip ospf authentication-key|ntp authentication-key \d+ md5|neighbor \S+ password)(?: [0-7])? (?P<s>\S+)",
)


class EosPlatform(CliPlatform):
    name = "eos"
    fmt = "eos-cli"
    vendor = "Arista"
    volatile = (
        r"^! Startup-config last modified at ",
        r"^! Time: ",
    )
    secrets = _EOS_SECRETS + CliPlatform.secrets
    notification = "%SYS-5-CONFIG_I: Configured from console by USER on vty3 (SOURCE)"

    def facts(self, manager: Any) -> dict[str, Any]:
        try:
            data = json.loads(str(manager.get(command="show version | json")))
            host = json.loads(str(manager.get(command="show hostname | json")))
        except ValueError as exc:
            raise DeviceError("malformed_reply", "show version | json did not answer JSON: %s" % exc) from exc
        return {"hostname": host.get("hostname"), "model": data.get("modelName"), "version": data.get("version"),
                "serial": data.get("serialNumber") or None, "vendor": self.vendor}

    def logging_lines(self, host: str, port: int) -> list[str]:
        return ["logging host %s %d" % (host, port)]

    def logging_prefix(self, host: str) -> str:
        return "logging host %s" % host
