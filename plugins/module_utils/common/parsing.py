# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Small option parsers shared by the child server, the listener's event source and the modules.

Booleans are ansible-core's (:func:`ansible.module_utils.parsing.convert_bool.boolean`).
"""
from __future__ import annotations

from typing import Any

from ansible.module_utils.parsing.convert_bool import boolean


class HostPortError(ValueError):
    """Not ``host:port``; ``bad_port`` when only the port is wrong (not a number from 0 to 65535)."""

    def __init__(self, message: str, bad_port: bool = False) -> None:
        super().__init__(message)
        self.bad_port = bad_port


def parse_host_port(text: Any) -> tuple[str, int]:
    """``host:port`` or ``[v6]:port`` to ``(host, port)``; ``HostPortError`` otherwise."""
    if not isinstance(text, str) or ":" not in text:
        raise HostPortError("%r is not host:port" % (text,))
    host, _sep, port = text.rpartition(":")
    host = host.strip("[]")
    if not host:
        raise HostPortError("%r has no host" % (text,))
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise HostPortError("%r has no port from 0 to 65535" % (text,), bad_port=True)
    return host, int(port)


def parse_flag(value: Any) -> bool:
    """A boolean option as Ansible reads one (``yes``/``no``, ``true``/``false``, ``1``/``0``, ...).

    ValueError (a TypeError from ansible-core) when it is none of them.
    """
    try:
        return boolean(value, strict=True)
    except TypeError as exc:
        raise ValueError(str(exc)) from None
