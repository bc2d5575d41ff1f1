# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private: value types of the device-access layer (re-exported by ``netconf``)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional


@dataclass
class ConfigRead:
    """A configuration as read from a device, with the commit facts it carries."""

    fmt: str
    config: str
    root: Any
    commit_time: Optional[float] = None
    commit_user: Optional[str] = None
    commit_seq: Optional[str] = None
    commit_comment: Optional[str] = None
    # CLI platforms: the stable text (volatile lines dropped, secrets kept: outputs mask them); XML formats: None
    # until rendered (Junos keeps its rendering here when it compared the text with the stored snapshot's)
    rendered: Optional[str] = None


@dataclass(frozen=True)
class KnownCommit:
    """What the store holds for a device's latest snapshot: a read that finds this very commit and text
    needs no commit history RPC (the sequence and comment are the ones stored with it)."""

    commit_time: float
    sha256: str
    sequence: Optional[str] = None
    comment: Optional[str] = None


@dataclass(frozen=True)
class CommitInfo:
    """The device's last commit, as its commit history says (Junos ``get-commit-information``)."""

    seconds: Optional[float]
    user: Optional[str] = None
    client: Optional[str] = None
    comment: Optional[str] = None
    sequence: Optional[str] = None


class DeviceError(Exception):
    """A named failure talking to a device; ``kind`` is one of KINDS."""

    KINDS = ("unreachable", "auth_failed", "host_key_unknown", "host_key_mismatch", "timeout",
             "rpc_error", "malformed_reply", "unsupported")

    def __init__(self, kind: str, message: str) -> None:
        super().__init__("%s: %s" % (kind, message))
        self.kind = kind
        self.message = message
