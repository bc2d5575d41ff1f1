# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether the running task is run by the fleet strategy inside ansible-playbook (not in a
worker process): the resync batch, which forks, stands down there."""
from __future__ import annotations

import contextvars

IN_PROCESS: contextvars.ContextVar[bool] = contextvars.ContextVar("netsync_fleet_in_process", default=False)


def in_process() -> bool:
    return IN_PROCESS.get()
