"""The configuration databases of one simulated Junos device: the commit history (the committed
configuration first), the shared candidate, private candidates and the exclusive lock, and
reading them. Editing and committing: ``junos_device.py``. Thread-safe (one re-entrant lock).
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from tests.sims.junos_config import Element, canonical
from tests.sims.junos_formats import compare
from tests.sims.junos_text import render_text


class RpcFailure(Exception):
    """An ``<rpc-error>`` the device answers with."""

    def __init__(
        self,
        message: str,
        tag: str = "operation-failed",
        error_type: str = "protocol",
        info: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.tag = tag
        self.error_type = error_type
        self.info = info or {}


def localtime(seconds: float) -> str:
    """Junos local time text (the simulator's time zone is UTC)."""
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


@dataclass
class CommitRecord:
    """One entry of ``show system commit``, with the configuration it committed."""

    seconds: int
    user: str
    client: str
    comment: str | None
    config: Element = field(repr=False)


@dataclass
class Lock:
    session_id: int
    user: str
    since: float


@dataclass
class Candidate:
    tree: Element
    changed: float
    owner: int | None = None  # session that made uncommitted changes


class ConfigDatabases:
    """Configuration databases of one device; every public method is thread-safe."""

    def __init__(
        self,
        hostname: str,
        config: Element,
        version: str,
        model_oid: str = "129",
        clock: Callable[[], float] = time.time,
        mgd_pid: int = 4242,
    ) -> None:
        self.default_hostname = hostname
        self.version = version
        self.model_oid = model_oid
        self.mgd_pid = mgd_pid
        self.clock = clock
        self._mutex = threading.RLock()
        now = int(clock())
        self._history = [CommitRecord(now, "root", "cli", None, config)]
        self._candidate = Candidate(copy.deepcopy(config), now)
        self._lock: Lock | None = None
        self.booted = now
        #: private candidates (``configure private``): session -> (tree, commit seconds it is based on)
        self._private: dict[int, tuple[Element, int]] = {}

    # -- reading ---------------------------------------------------------------------------
    @property
    def hostname(self) -> str:
        """``system host-name`` of the committed configuration."""
        with self._mutex:
            return self._history[0].config.findtext("system/host-name") or self.default_hostname

    def committed(self) -> tuple[Element, dict[str, str]]:
        """A copy of the committed configuration and its junos:commit-* attributes."""
        with self._mutex:
            rec = self._history[0]
            attrs = {
                "commit-seconds": str(rec.seconds),
                "commit-localtime": localtime(rec.seconds),
                "commit-user": rec.user,
            }
            return copy.deepcopy(rec.config), attrs

    def candidate(self, session_id: int | None = None) -> tuple[Element, dict[str, str]]:
        """A copy of the candidate (the session's private one in private mode)."""
        with self._mutex:
            if session_id in self._private:
                tree = self._private[session_id][0]
                return copy.deepcopy(tree), {}
            cand = self._candidate
            seconds = int(cand.changed)
            attrs = {"changed-seconds": str(seconds), "changed-localtime": localtime(seconds)}
            return copy.deepcopy(cand.tree), attrs

    def history(self) -> list[CommitRecord]:
        """Commit history, newest first (index = Junos sequence number / rollback number)."""
        with self._mutex:
            return list(self._history)

    def text(self, database: str = "committed", session_id: int | None = None) -> str:
        """Curly-brace text of a database, with the Junos ``## Last commit`` header."""
        with self._mutex:
            if database == "committed":
                rec = self._history[0]
                header = f"## Last commit: {localtime(rec.seconds)} by {rec.user}"
                return render_text(rec.config, header)
            header = f"## Last changed: {localtime(self._candidate.changed)}"
            return render_text(self._tree(session_id or 0), header)

    def compare(self, rollback: int, session_id: int | None = None) -> str:
        """``show | compare rollback N``: Junos ``[edit ...]`` blocks, rollback against candidate."""
        with self._mutex:
            return compare(self._rollback(rollback).config, self._tree(session_id or 0))

    def _rollback(self, rollback: int) -> CommitRecord:
        if not 0 <= rollback < len(self._history):
            raise RpcFailure(f"rollback {rollback} does not exist", tag="invalid-value")
        return self._history[rollback]

    # -- the shared candidate and private ones -----------------------------------------------
    def open_private(self, session_id: int) -> None:
        """``<open-configuration><private/>``: a private candidate copied from the committed one.

        Refused, as on Junos, while another session holds the exclusive lock or the shared
        candidate has uncommitted changes.
        """
        with self._mutex:
            self._check_writable(session_id)
            if not self._candidate_clean():
                raise RpcFailure("shared configuration database modified", tag="lock-denied")
            rec = self._history[0]
            self._private[session_id] = (copy.deepcopy(rec.config), rec.seconds)

    def close_private(self, session_id: int) -> None:
        """``<close-configuration/>``: the private candidate and its changes are dropped."""
        with self._mutex:
            self._private.pop(session_id, None)

    def _tree(self, session_id: int) -> Element:
        private = self._private.get(session_id)
        return self._candidate.tree if private is None else private[0]

    def _put_tree(self, session_id: int, tree: Element) -> None:
        private = self._private.get(session_id)
        if private is None:
            self._candidate.tree = tree
        else:
            self._private[session_id] = (tree, private[1])

    def _candidate_clean(self) -> bool:
        return canonical(self._candidate.tree) == canonical(self._history[0].config)

    def _discard(self) -> None:
        self._candidate = Candidate(copy.deepcopy(self._history[0].config), self.clock())

    # -- locking ---------------------------------------------------------------------------
    def _locked_message(self) -> str:
        assert self._lock is not None
        return (
            "configuration database locked by:\n"
            f"  {self._lock.user} (pid {self._lock.session_id}) on since "
            f"{localtime(self._lock.since)}\n      exclusive [edit]"
        )

    def _check_writable(self, session_id: int) -> None:
        if self._lock is not None and self._lock.session_id != session_id:
            raise RpcFailure(
                self._locked_message(),
                tag="lock-denied",
                info={"session-id": str(self._lock.session_id)},
            )

    def lock(self, session_id: int, user: str) -> None:
        """Take the exclusive lock (``<lock-configuration/>``, ``<lock>`` on candidate)."""
        with self._mutex:
            self._check_writable(session_id)
            cand = self._candidate
            if cand.owner not in (None, session_id) and not self._candidate_clean():
                raise RpcFailure("configuration database modified", tag="lock-denied")
            self._lock = Lock(session_id, user, self.clock())

    def unlock(self, session_id: int) -> None:
        """Release the lock; as on Junos, uncommitted changes are discarded."""
        with self._mutex:
            self._check_writable(session_id)
            if self._lock is not None:
                self._lock = None
                self._discard()

    def session_closed(self, session_id: int) -> None:
        """A session ended: release its lock (discarding its uncommitted changes)."""
        with self._mutex:
            self._private.pop(session_id, None)
            if self._lock is not None and self._lock.session_id == session_id:
                self._lock = None
                self._discard()

    def locked_by(self) -> int | None:
        """Session id holding the exclusive lock, if any."""
        with self._mutex:
            return None if self._lock is None else self._lock.session_id
