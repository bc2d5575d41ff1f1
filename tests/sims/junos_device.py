"""One simulated Junos device: its configuration databases (``junos_db.py``) edited
(``load``, ``discard``) and committed (``commit``, ``commit confirmed``, a CLI user's commit),
each commit sending commit syslog. Thread-safe (the databases' re-entrant lock).
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable
from datetime import datetime, timezone

from tests.sims.junos_config import ConfigError, Element, merge, parse_xml
from tests.sims.junos_db import Candidate, CommitRecord, ConfigDatabases, RpcFailure
from tests.sims.junos_syslog import CommitEvent, send_commit_syslog
from tests.sims.junos_text import apply_set_lines, parse_text

MAX_ROLLBACKS = 50


class DeviceLockedError(RuntimeError):
    """An out-of-band (CLI) commit refused because a session holds the exclusive lock."""


class JunosDevice(ConfigDatabases):
    """The configuration databases of one device, edited and committed; every public method is thread-safe."""

    #: seconds per minute of ``confirm-timeout`` (tests shorten it)
    confirm_unit = 60.0
    _confirm: threading.Timer | None = None

    # -- editing ---------------------------------------------------------------------------
    def discard(self, session_id: int) -> None:
        """``<discard-changes/>``: candidate back to the committed configuration."""
        with self._mutex:
            self._check_writable(session_id)
            if session_id in self._private:
                self._private[session_id] = (copy.deepcopy(self._history[0].config), self._history[0].seconds)
            else:
                self._discard()

    def _touch(self, session_id: int) -> None:
        self._candidate.changed = self.clock()
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
            seconds = max(int(self.clock()), before.seconds + 1)
            rec = CommitRecord(seconds, user, client, comment, new)
            self._history.insert(0, rec)
            del self._history[MAX_ROLLBACKS + 1 :]
            if private is None or shared_clean:
                self._candidate = Candidate(copy.deepcopy(new), seconds)
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
            when=datetime.fromtimestamp(self.clock(), timezone.utc),
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
