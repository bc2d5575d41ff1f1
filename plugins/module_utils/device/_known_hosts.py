# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private: known_hosts read once per file, and only the lines of the host a session connects to.

paramiko's ``HostKeys.load`` parses every line into a key object and checks each new line
against all the lines before it, and ncclient loads the file (and ``~/.ssh/known_hosts``) again
for every session: with N devices in known_hosts that is O(N^2) per session and O(N^3) for a
fleet resync (measured: more than half of a resync's CPU with 100 devices). Here each file is
split into lines once (cached by path, size, mtime and inode, so an edited file is read again),
indexed by host name; a session gets a ``HostKeys`` holding only the lines that name its host
(``host`` or ``[host]:port``) or are hashed (``|1|...``, which only paramiko can match), in file
order and with paramiko's own de-duplication, so ``lookup`` and ``check`` answer as they would
with the whole file.
"""
from __future__ import annotations

import os
import threading
from typing import Any, Optional

_LOCK = threading.Lock()
_CACHE: dict[str, tuple[tuple[int, int, int], "_Index"]] = {}


class _Index:
    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.by_name: dict[str, list[int]] = {}
        self.hashed: list[int] = []
        for number, line in enumerate(lines):
            names = line.split(None, 1)[0].split(",")
            for name in names:
                if name.startswith("|1|"):
                    self.hashed.append(number)
                else:
                    self.by_name.setdefault(name, []).append(number)

    def candidates(self, names: list[str]) -> list[str]:
        numbers = set(self.hashed)
        for name in names:
            numbers.update(self.by_name.get(name, ()))
        return [self.lines[n] for n in sorted(numbers)]


def _index(path: str) -> Optional[_Index]:
    try:
        info = os.stat(path)
    except OSError:
        return None
    signature = (info.st_size, info.st_mtime_ns, info.st_ino)
    with _LOCK:
        cached = _CACHE.get(path)
        if cached is not None and cached[0] == signature:
            return cached[1]
    with open(path, "r") as fh:
        lines = [line.strip() for line in fh]
    index = _Index([line for line in lines if line and not line.startswith("#")])
    with _LOCK:
        _CACHE[path] = (signature, index)
    return index


def load_for(host_keys: Any, path: str, host: str, port: int) -> None:
    """Add to paramiko ``host_keys`` the lines of ``path`` that can match ``host``/``[host]:port``,
    as ``HostKeys.load`` would add them (IOError when the file cannot be read)."""
    from paramiko.hostkeys import HostKeyEntry  # type: ignore[import-untyped]
    from paramiko.ssh_exception import SSHException  # type: ignore[import-untyped]

    index = _index(path)
    if index is None:
        raise IOError("cannot read %s" % path)
    for line in index.candidates([host, "[%s]:%s" % (host, port)]):
        try:
            entry = HostKeyEntry.from_line(line)
        except SSHException:
            continue
        if entry is None:
            continue
        for name in list(entry.hostnames):
            if host_keys.check(name, entry.key):
                entry.hostnames.remove(name)
        if entry.hostnames:
            host_keys._entries.append(entry)
