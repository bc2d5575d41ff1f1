# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private: which process holds a device's claim, and whether it has died (Linux ``/proc``).

A resync killed outright (SIGKILL, out of memory, its container stopped) cannot give its device
back: its claim used to hold the device until it expired (at least 120 s), and a resync started
meanwhile failed ``busy``. The claim now names its process: the kernel's boot
id, the PID namespace, the pid and the process's start time. Another resync that finds the claim
can tell it is dead only when it runs on the same machine (boot id) in the same PID namespace (a
container sees its own pids) and that pid is gone, is a zombie or started at another time (the
pid was reused). Anything else, or anything it cannot read, counts as alive: the claim then
expires as before. Never a live claim taken over.
"""
from __future__ import annotations

import os
from typing import Optional

VERSION = "p1"
_cache: dict[int, Optional[str]] = {}


def _read(path: str) -> Optional[str]:
    try:
        with open(path) as fh:
            return fh.read().strip()
    except OSError:
        return None


def _machine() -> Optional[tuple[str, str]]:
    boot = _read("/proc/sys/kernel/random/boot_id")
    try:
        pidns = os.readlink("/proc/self/ns/pid")
    except OSError:
        return None
    return (boot, pidns) if boot else None


def _start_time(pid: int) -> Optional[tuple[str, str]]:
    """The process's state and start time (clock ticks since boot), or None if there is none."""
    stat = _read("/proc/%d/stat" % pid)
    if stat is None:
        return None
    fields = stat[stat.rfind(")") + 2:].split()  # after "pid (comm) ": comm may hold spaces and parentheses
    return (fields[0], fields[19]) if len(fields) > 19 else None


def this_process() -> Optional[str]:
    """This process's identity for a claim, or None where it cannot be told (then nobody judges it dead)."""
    pid = os.getpid()
    if pid not in _cache:  # per pid: a forked worker is another process
        machine, started = _machine(), _start_time(pid)
        _cache[pid] = None if machine is None or started is None else ":".join(
            (VERSION, machine[0], machine[1], str(pid), started[1]))
    return _cache[pid]


def is_dead(owner: Optional[str]) -> bool:
    """True only when ``owner`` names a process of this machine and PID namespace that has ended."""
    if not owner:
        return False
    parts = owner.split(":")
    # p1 : boot id : pid:[inode] (the namespace link holds one colon) : pid : start time
    if len(parts) != 6 or parts[0] != VERSION:
        return False
    boot, pidns, pid, started = parts[1], parts[2] + ":" + parts[3], parts[4], parts[5]
    if _machine() != (boot, pidns) or not pid.isdigit() or int(pid) == os.getpid():
        return False
    found = _start_time(int(pid))
    if found is None:
        return os.path.exists("/proc/self/stat")  # no such process (where /proc can be read at all)
    state, start = found
    return state == "Z" or start != started
