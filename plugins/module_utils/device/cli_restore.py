# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Restore on the CLI platforms that have a whole-configuration replace netsync.fleet can drive.

Arista EOS: a configuration session (``configure session``), ``rollback clean-config`` (the
session starts from an empty configuration), the stored lines, then ``commit timer`` (EOS' commit
confirmed), confirmed by ``configure session <name> commit`` once the connection still works
(``cli_restore_eos.py``): the running configuration becomes exactly the stored one, atomically, and a
line the device rejects aborts the session without touching the running configuration.

Cisco IOS-XR: ``commit replace confirmed`` of the stored lines entered in a configuration
session (``cli_restore_iosxr.py``). Cisco IOS/IOS-XE: the stored text written to the device's
flash through ``tclsh``, then ``configure replace … force revert trigger error timer`` and
``configure confirm`` (``cli_restore_ios.py``).

NX-OS is not here: ``restore`` refuses it. NX-OS 9.3(1)+ ``configure replace <file>`` with a
``commit-timeout`` would be its mechanism (a file on bootflash, as on IOS-XE); earlier releases only
roll back to checkpoint files. See docs/history.md.
"""
from __future__ import annotations

from typing import Any, Callable

from ansible_collections.netsync.fleet.plugins.module_utils.device.cli_restore_eos import eos_restore
from ansible_collections.netsync.fleet.plugins.module_utils.device.cli_restore_ios import ios_restore
from ansible_collections.netsync.fleet.plugins.module_utils.device.cli_restore_iosxr import iosxr_restore

#: (cliconf connection, stored raw text, commit comment, confirm timeout in seconds) -> how it committed
Restorer = Callable[[Any, str, str, int], str]

#: platform name -> (stored formats it restores, how)
RESTORERS: dict[str, tuple[tuple[str, ...], Restorer]] = {
    "eos": (("eos-cli",), eos_restore),
    "iosxr": (("iosxr-cli",), iosxr_restore),
    "ios": (("ios-cli",), ios_restore),
}
