# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CLI platforms by ``ansible_network_os``: one module each (``ios``, ``nxos``, ``iosxr``, ``eos``)
on the common base of ``cli.py``."""
from __future__ import annotations

from typing import Any, Optional

from ansible_collections.netsync.fleet.plugins.module_utils.device.cli import NETWORK_OS, CliPlatform, CliSession
from ansible_collections.netsync.fleet.plugins.module_utils.device.eos import EosPlatform
from ansible_collections.netsync.fleet.plugins.module_utils.device.ios import IosPlatform
from ansible_collections.netsync.fleet.plugins.module_utils.device.iosxr import IosxrPlatform
from ansible_collections.netsync.fleet.plugins.module_utils.device.nxos import NxosPlatform
from ansible_collections.netsync.fleet.plugins.module_utils.device.session import Target
from ansible_collections.netsync.fleet.plugins.module_utils.device.types import DeviceError

_CLASSES: dict[str, type[CliPlatform]] = {"ios": IosPlatform, "nxos": NxosPlatform, "iosxr": IosxrPlatform,
                                          "eos": EosPlatform}


def platform_for(network_os: Optional[str]) -> CliPlatform:
    """The platform module of an ``ansible_network_os`` value."""
    name = NETWORK_OS.get((network_os or "").strip())
    if name in _CLASSES:
        return _CLASSES[name]()
    raise DeviceError("unsupported", "ansible_network_os %r is not supported over network_cli; use one of %s"
                      % (network_os, ", ".join(sorted(k for k in NETWORK_OS if "." in k))))


def cli_opener(connection: Any, network_os: Optional[str]) -> Any:
    """An opener for ``tasks.device.run_*``: ``Target`` -> ``CliSession`` over ``connection``."""
    platform = platform_for(network_os)

    def opener(target: Target) -> CliSession:
        return CliSession(target, connection, platform)

    return opener
