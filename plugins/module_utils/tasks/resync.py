# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The resync task: read a device's committed configuration and store a snapshot if it changed.

Promises that hold when things fail:

- Never two resyncs of one device at once, whoever starts them: the job claims the device in
  the store, a lease its process renews (``tasks/lease.py``) for at most ``claim_ttl`` seconds
  (four RPC timeouts, at least two minutes). A second resync waits up to its timeout for the
  claim, then fails with ``error: busy``. A claim of a killed run is taken over at once when its
  process is seen dead on this machine (``store/_process.py``), else when its lease lapses; its
  device, left ``Synchronizing``, is recovered, the killed job ends failed, and the status history
  says so.
- A late writer whose claim is gone (expired, taken over) changes nothing: its job ends
  failed (``claim lost``) and the newer snapshot stays the latest.
- A cancel (SIGTERM, SIGINT: ``tasks/cancel.py``, whichever thread runs the job), a store error or
  a bug ends the job as failed and puts back the device's status from before the job, never
  leaving ``Synchronizing``.

``only_if_changed`` is the cheap consistency check that catches a commit whose notification
was lost: where the device tells its last commit without a configuration read (Junos
``get-commit-information``), nothing more is read, and no job is recorded, when that commit is
the one the latest snapshot holds; anywhere else the configuration is read and compared by hash.
"""
from __future__ import annotations

import time
import uuid
from typing import Any, Optional

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.module_utils.alarms.service import record_resync
from ansible_collections.netsync.fleet.plugins.module_utils.device.render import render_read, sha256_text
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.lease import kept, lease_seconds
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.cancel import (
    Cancelled, abandon, cancellable, in_flight, stop_reason,
)
from ansible_collections.netsync.fleet.plugins.module_utils.device.session import DeviceError, open_session
from ansible_collections.netsync.fleet.plugins.module_utils.device.types import ConfigRead, KnownCommit
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.device import (
    PENDING_NOTE, Opener, TaskFailed, device_or_pending, open_task_store, task_target,
)

CLAIM_POLL = 0.5


def claim_ttl(timeout: float) -> float:
    return max(120.0, 4.0 * float(timeout))


def _claim(store: st.Store, name: str, job_id: str, timeout: float, lease: float) -> Optional[dict[str, Any]]:
    """Claim the device for one lease (``tasks/lease.py``), waiting up to ``timeout`` for another
    job's claim; the holder if still busy."""
    deadline = time.monotonic() + timeout
    owner = st.claim_owner()  # this process: a resync that finds it dead takes the claim over at once
    while True:
        holder = store.devices.claim(name, job_id, min(lease, claim_ttl(timeout)), owner)
        if holder is None or time.monotonic() >= deadline:
            return holder
        time.sleep(CLAIM_POLL)


def _start(store: st.Store, name: str, job_id: str, origin: str, row: dict[str, Any]) -> None:
    reason = "job %s started" % job_id
    recovered = row["managed_status"] == st.SYNCHRONIZING
    if recovered:
        reason += " (recovered: the previous job left the device Synchronizing and never finished)"
    with store.transaction():
        if recovered:  # this job holds the claim: a job of the device still running was killed or lost it
            store.jobs.fail_running_of(name, "ended without a result: its process was killed or it lost its "
                                             "claim; job %s recovered the device" % job_id)
        store.jobs.started(job_id, name, origin)
        store.devices.set_status(name, st.SYNCHRONIZING, reason)


def _abandon(store: st.Store, name: str, job_id: str, before: str, why: str) -> None:
    try:
        abandon(store, name, job_id, before, why)
    except Exception:  # the store itself failed: the claim expires and the next resync recovers
        pass


def run_resync(params: dict[str, Any], check_mode: bool, diff: bool,
               opener: Opener = open_session) -> dict[str, Any]:
    """Read the committed configuration and store a new snapshot if it differs."""
    with open_task_store(params, check_mode=check_mode, pending_ok=True) as store:
        name, row, pending = device_or_pending(store, params, check_mode, opener)
        target = task_target(params)
        if target.platform == "auto":
            target.platform = row["platform"]
        consistent = _last_commit_unchanged(store, name, target, opener) if params.get("only_if_changed") else None
        if consistent is not None:
            return {"changed": False, "drifted": False, "checked": "last_commit",
                    "managed_status": row["managed_status"], "snapshot_version": int(consistent["version"]),
                    "job_id": None, "commit_time": consistent["commit_time"], "commit_user": consistent["commit_user"]}
        if check_mode:
            result = _read_and_compare(store, name, row, target, opener, diff)
            if pending:
                result["pending_import"], result["msg"] = True, PENDING_NOTE % name
            return result
        job_id: str = params.get("job_id") or "manual-%s" % uuid.uuid4().hex[:12]
        try:
            lease = lease_seconds()
        except ValueError as exc:
            raise TaskFailed(str(exc), error="invalid_environment") from None
        holder = _claim(store, name, job_id, target.timeout, lease)
        if holder is not None:
            raise TaskFailed("device %s is being resynced by job %s; it did not finish within %ss"
                             % (name, holder.get("claim_job"), target.timeout), error="busy",
                             managed_status=row["managed_status"])
        limit = store.clock() + claim_ttl(target.timeout)
        with cancellable(), in_flight(store.open_url, name, job_id, row["managed_status"]), \
                kept(store.open_url, name, job_id, limit, lease):
            try:
                _start(store, name, job_id, params.get("origin") or "manual", row)
                return _resync(store, name, row, target, job_id, opener, diff)
            except TaskFailed:
                raise
            except BaseException as exc:  # cancel, store error, bug: a true status, never Synchronizing
                why = str(exc) if isinstance(exc, Cancelled) else "%s: %s" % (type(exc).__name__, exc)
                _abandon(store, name, job_id, row["managed_status"], why)
                raise


def _last_commit_unchanged(store: st.Store, name: str, target: Any, opener: Opener) -> Optional[dict[str, Any]]:
    """The latest snapshot when the device's last commit is the one it holds; None to read in full
    (no snapshot, no commit time, a platform without commit metadata, a commit since, or an error:
    the full read then records what is wrong)."""
    previous = store.devices.latest_snapshot(name)
    if previous is None or previous["commit_time"] is None:
        return None
    try:
        with opener(target) as session:
            last = session.last_commit()
    except DeviceError:
        return None
    if last is None or last.seconds is None or float(last.seconds) != float(previous["commit_time"]):
        return None
    return previous


def _known(previous: Optional[dict[str, Any]]) -> Optional[KnownCommit]:
    """The latest snapshot's commit, for a read that finds it unchanged (``Platform.read_config``)."""
    if previous is None or previous["commit_time"] is None:
        return None
    return KnownCommit(float(previous["commit_time"]), str(previous["sha256"]), previous["commit_seq"],
                       previous["commit_comment"])


def _read(store: st.Store, name: str, target: Any, opener: Opener, job_id: Optional[str],
          previous: Optional[dict[str, Any]], since: float, before: str) -> ConfigRead:
    try:
        with opener(target) as session:
            return session.read_config(_known(previous))
    except DeviceError as exc:
        stopping = stop_reason()
        if job_id is not None and stopping is not None:
            # the process is stopping and cut this session: the job is given back (run_resync), the
            # device keeps its status from before, and no alarm says it failed
            raise Cancelled(stopping) from exc
        if job_id is not None:
            with store.transaction():
                state = "down" if exc.kind in ("unreachable", "timeout") else None
                if store.devices.holds_claim(name, job_id):
                    store.devices.set_status(name, st.SYNC_FAILED, str(exc), state)
                    store.devices.release(name, job_id)
                    store.jobs.finished(job_id, False, str(exc))
                    record_resync(store.alarms, store.metrics, name, False, since, str(exc), down=state == "down")
                else:  # given back or taken over meanwhile: the device is not this job's any more
                    store.jobs.fail_if_running(job_id, str(exc))
        raise TaskFailed("resync of %s failed: %s" % (name, exc), error=exc.kind,
                         managed_status=st.SYNC_FAILED if job_id is not None else before,
                         snapshot_version=int(previous["version"]) if previous else None) from exc


def _read_and_compare(store: st.Store, name: str, row: dict[str, Any], target: Any, opener: Opener,
                      diff: bool) -> dict[str, Any]:
    """Check mode: read and compare, write nothing."""
    previous = store.devices.latest_snapshot(name)
    read = _read(store, name, target, opener, None, previous, store.clock(), row["managed_status"])
    text = render_read(read)
    digest = sha256_text(text)
    created = previous is None or previous["sha256"] != digest
    version = int(previous["version"]) + (1 if created else 0) if previous else 1
    return _result(store, name, previous, read, text, digest, created, version, row["managed_status"], None, diff)


def _resync(store: st.Store, name: str, row: dict[str, Any], target: Any, job_id: str, opener: Opener,
            diff: bool) -> dict[str, Any]:
    previous = store.devices.latest_snapshot(name)
    since = store.clock()
    read = _read(store, name, target, opener, job_id, previous, since, row["managed_status"])
    text = render_read(read)
    digest = sha256_text(text)
    with store.transaction():
        if not store.devices.holds_claim(name, job_id):  # a late writer: changes nothing
            store.jobs.finished(job_id, False, "claim lost: another job took the device; nothing stored")
            lost = True
        else:
            lost = False
            store.jobs.read(job_id, read.commit_time)
            version, created = store.devices.add_snapshot(name, read.fmt, read.config, text, digest,
                                                          read.commit_time, read.commit_user, read.commit_seq,
                                                          job_id, read.commit_comment)
            store.devices.mark_synced(name, read.commit_time)
            status, reason = st.IN_SYNC, "job %s read the configuration" % job_id
            if store.jobs.notified_since(name, since, read.commit_time):
                status, reason = st.OUT_OF_SYNC, "a commit was notified that job %s did not read" % job_id
            store.devices.set_status(name, status, reason, "up")
            store.devices.release(name, job_id)
            store.jobs.finished(job_id, True, "snapshot %d%s" % (version, " (new)" if created else ""))
            record_resync(store.alarms, store.metrics, name, True, since, size=len(read.config.encode("utf-8")))
    if lost:
        raise TaskFailed("resync of %s: job %s lost its claim on the device (it took longer than %ss, and "
                         "another job took over); nothing was stored" % (name, job_id, claim_ttl(target.timeout)),
                         error="claim_lost")
    return _result(store, name, previous, read, text, digest, created, version, status, job_id, diff)


def _result(store: st.Store, name: str, previous: Optional[dict[str, Any]], read: ConfigRead, text: str,
            digest: str, created: bool, version: int, status: str, job_id: Optional[str],
            diff: bool) -> dict[str, Any]:
    result: dict[str, Any] = {"changed": created, "managed_status": status, "snapshot_version": version,
                              "sha256": digest, "job_id": job_id,
                              "commit_time": read.commit_time, "commit_user": read.commit_user,
                              "commit_seq": read.commit_seq, "commit_comment": read.commit_comment}
    if diff and created:
        from ansible_collections.netsync.fleet.plugins.module_utils.history.text import snapshot_text

        snap = store.devices.get_snapshot(name, int(previous["version"])) if previous is not None else None
        key = store.mask_key()  # secrets are shown as stable markers, never in clear
        # each platform's own text (Junos: display set), as history.text gives it for every output
        before = snapshot_text(snap, key) if snap is not None else ""
        after = snapshot_text({"format": read.fmt, "config": read.config, "rendered": text}, key)
        result["diff"] = {"before": before, "after": after,
                          "before_header": "%s v%s" % (name, previous["version"] if previous else 0),
                          "after_header": "%s v%s" % (name, version)}
    return result
