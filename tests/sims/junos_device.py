"""State of one simulated Junos device: candidate and committed databases, commit history,
the exclusive configuration lock and commit syslog. Thread-safe (one re-entrant lock).
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from tests.sims.junos_config import (
    ConfigError,
    Element,
    canonical,
    merge,
    parse_xml,
)
from tests.sims.junos_formats import compare
from tests.sims.junos_syslog import CommitEvent, send_commit_syslog
from tests.sims.junos_text import apply_set_lines, parse_text, render_text

MAX_ROLLBACKS = 50


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


class DeviceLockedError(RuntimeError):
    """An out-of-band (CLI) commit refused because a session holds the exclusive lock."""


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
class _Lock:
    session_id: int
    user: str
    since: float


@dataclass
class _Candidate:
    tree: Element
    changed: float
    owner: int | None = None  # session that made uncommitted changes


class JunosDevice:
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
        self._clock = clock
        self.clock = clock
        self._mutex = threading.RLock()
        now = int(clock())
        self._history = [CommitRecord(now, "root", "cli", None, config)]
        self._candidate = _Candidate(copy.deepcopy(config), now)
        self._lock: _Lock | None = None
        self.booted = now
        #: private candidates (``configure private``): session -> (tree, commit seconds it is based on)
        self._private: dict[int, tuple[Element, int]] = {}
        #: seconds per minute of ``confirm-timeout`` (tests shorten it)
        self.confirm_unit = 60.0
        self._confirm: threading.Timer | None = None

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

    # -- private mode ----------------------------------------------------------------------
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
            self._lock = _Lock(session_id, user, self._clock())

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

    # -- editing ---------------------------------------------------------------------------
    def _candidate_clean(self) -> bool:
        return canonical(self._candidate.tree) == canonical(self._history[0].config)

    def _discard(self) -> None:
        self._candidate = _Candidate(copy.deepcopy(self._history[0].config), self._clock())

    def discard(self, session_id: int) -> None:
        """``<discard-changes/>``: candidate back to the committed configuration."""
        with self._mutex:
            self._check_writable(session_id)
            if session_id in self._private:
                self._private[session_id] = (copy.deepcopy(self._history[0].config), self._history[0].seconds)
            else:
                self._discard()

    def _touch(self, session_id: int) -> None:
        self._candidate.changed = self._clock()
        self._candidate.owner = session_id

    def _ensure_version(self, tree: Element) -> None:
        if tree.find("version") is None:
            version = tree.makeelement("version", {})
            version.text = self.version
            tree.insert(0, version)

    def load_xml(self, session_id: int, patch: Element, action: str = "merge") -> None:
        """``load merge|replace|override|update`` of a ``<configuration>`` element."""
        with self._mutex:
            self._check_writable(session_id)
            if action in {"override", "update"}:
                tree = copy.deepcopy(patch)
                tree.tag = "configuration"
                tree.attrib.clear()
                work = tree.makeelement("configuration", {})
                merge(work, tree, honour_replace=False)
                self._ensure_version(work)
                self._put_tree(session_id, work)
            elif action in {"merge", "replace"}:
                merge(self._tree(session_id), patch, honour_replace=action == "replace")
            else:
                raise RpcFailure(f"invalid action: {action}", tag="invalid-value")
            self._touch(session_id)

    def load_text(self, session_id: int, text: str, action: str = "merge") -> None:
        """``load`` of curly-brace text."""
        self.load_xml(session_id, parse_text(text), action)

    def load_set(self, session_id: int, lines: Iterable[str]) -> None:
        """``load set``: apply set/delete lines; all or nothing."""
        with self._mutex:
            self._check_writable(session_id)
            work = copy.deepcopy(self._tree(session_id))
            apply_set_lines(work, lines)
            self._put_tree(session_id, work)
            self._touch(session_id)

    def load_rollback(self, session_id: int, rollback: int) -> None:
        """``<load-configuration rollback="N"/>``."""
        with self._mutex:
            self._check_writable(session_id)
            self._put_tree(session_id, copy.deepcopy(self._rollback(rollback).config))
            self._touch(session_id)

    def _rollback(self, rollback: int) -> CommitRecord:
        if not 0 <= rollback < len(self._history):
            raise RpcFailure(f"rollback {rollback} does not exist", tag="invalid-value")
        return self._history[rollback]

    # -- committing ------------------------------------------------------------------------
    def commit(
        self,
        session_id: int,
        user: str,
        client: str,
        comment: str | None = None,
        check: bool = False,
        confirm_minutes: float | None = None,
    ) -> CommitRecord | None:
        """Commit the candidate (or only check it). Sends commit syslog; returns the record.

        Commit seconds never repeat: a commit in the same second as the previous one is
        stamped one second later (a real commit takes longer than a second anyway).
        ``confirm_minutes`` makes it ``commit confirmed``: unless another commit (or a
        commit check) follows within that time, the previous configuration comes back.
        A private session commits its private candidate; it is refused when someone
        committed since the session entered private mode, as on Junos.
        """
        with self._mutex:
            self._check_writable(session_id)
            self._cancel_confirm()
            if check:
                return None
            private = self._private.get(session_id)
            if private is not None and private[1] != self._history[0].seconds:
                raise RpcFailure("configuration database modified", tag="operation-failed")
            shared_clean = self._candidate_clean()
            before = self._history[0]
            new = copy.deepcopy(self._tree(session_id))
            self._ensure_version(new)
            seconds = max(int(self._clock()), before.seconds + 1)
            rec = CommitRecord(seconds, user, client, comment, new)
            self._history.insert(0, rec)
            del self._history[MAX_ROLLBACKS + 1 :]
            if private is None or shared_clean:
                self._candidate = _Candidate(copy.deepcopy(new), seconds)
            if private is not None:
                self._private[session_id] = (copy.deepcopy(new), seconds)
            if confirm_minutes is not None:
                self._arm_confirm(confirm_minutes, before.config)
            hostname = new.findtext("system/host-name") or self.default_hostname
        event = CommitEvent(
            hostname=hostname,
            pid=self.mgd_pid,
            user=user,
            comment=comment,
            when=datetime.fromtimestamp(self._clock(), timezone.utc),
            model_oid=self.model_oid,
        )
        send_commit_syslog(event, before.config, new)
        return rec

    # -- commit confirmed ------------------------------------------------------------------
    def _arm_confirm(self, minutes: float, previous: Element) -> None:
        timer = threading.Timer(minutes * self.confirm_unit, self._confirm_expired, (copy.deepcopy(previous),))
        timer.daemon = True
        self._confirm = timer
        timer.start()

    def _cancel_confirm(self) -> None:
        if self._confirm is not None:
            self._confirm.cancel()
            self._confirm = None

    @property
    def confirm_pending(self) -> bool:
        """True while a ``commit confirmed`` waits for its confirmation."""
        with self._mutex:
            return self._confirm is not None

    def _confirm_expired(self, previous: Element) -> None:
        with self._mutex:
            if self._confirm is None or threading.current_thread() is not self._confirm:
                return
            self._confirm = None
            self._candidate.tree = previous
            self._private.clear()
            lock, self._lock = self._lock, None
            try:
                self.commit(0, "root", "other", "commit confirmed rollback")
            finally:
                self._lock = lock

    def close(self) -> None:
        """Stop a pending ``commit confirmed`` timer (the simulator stops)."""
        with self._mutex:
            self._cancel_confirm()

    def cli_commit(
        self,
        user: str = "ops",
        set_commands: Iterable[str] = (),
        xml: Element | str | None = None,
        comment: str | None = None,
    ) -> CommitRecord:
        """What a CLI user's ``configure``; set ...; ``commit`` does (client "cli").

        The shared candidate is edited, so another session's uncommitted changes are
        committed too, as on Junos. Raises DeviceLockedError when a NETCONF session holds
        the exclusive lock, and ConfigError for a bad statement (nothing changes then).
        """
        with self._mutex:
            if self._lock is not None:
                raise DeviceLockedError(self._locked_message())
            work = copy.deepcopy(self._candidate.tree)
            apply_set_lines(work, set_commands)
            if xml is not None:
                patch = parse_xml(xml) if isinstance(xml, str) else xml
                if patch.tag != "configuration":
                    raise ConfigError("xml must be a <configuration> element")
                merge(work, patch)
            self._candidate.tree = work
            rec = self.commit(0, user, "cli", comment)
            assert rec is not None
            return rec
