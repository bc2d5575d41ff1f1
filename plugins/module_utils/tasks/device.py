# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What each module does, independent of how it was invoked (module or action plugin).

Each ``run_*`` takes validated parameters and returns the task result, or raises
``TaskFailed`` with a message (and partial result).
"""
from __future__ import annotations

import uuid
from typing import Any, Callable

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.args import target_from_params
from ansible_collections.netsync.fleet.plugins.module_utils.device.session import (
    DeviceError, DeviceSession, Target, open_session,
)
from ansible_collections.netsync.fleet.plugins.module_utils.device.render import render_read, sha256_text, unified_diff


class TaskFailed(Exception):
    def __init__(self, msg: str, **result: Any) -> None:
        super().__init__(msg)
        self.msg = msg
        self.result = result


Opener = Callable[[Target], DeviceSession]


def _open_store(params: dict[str, Any]) -> st.Store:
    try:
        return st.open_store(params.get("store"))
    except st.StoreError as exc:
        raise TaskFailed("store: %s" % exc)
    except Exception as exc:  # sqlite3/psycopg errors on open
        raise TaskFailed("store: cannot open %s: %s" % (params.get("store") or st.default_store_url(), exc))


def _target(params: dict[str, Any]) -> Target:
    try:
        return target_from_params(params)
    except ValueError as exc:
        raise TaskFailed(str(exc))


def device_view(store: st.Store, row: dict[str, Any]) -> dict[str, Any]:
    latest = store.latest_snapshot(row["name"])
    return {
        "name": row["name"], "host": row["host"], "port": row["port"], "platform": row["platform"],
        "managed_status": row["managed_status"], "connection_state": row["connection_state"],
        "status_reason": row["status_reason"], "facts": row["facts"], "last_synced": row["last_synced"],
        "snapshot_version": int(latest["version"]) if latest else None,
        "auto_resync": bool(store.get_settings(row["name"])["auto_resync"]),
    }


def run_device(params: dict[str, Any], check_mode: bool, diff: bool,
               opener: Opener = open_session) -> dict[str, Any]:
    """Import (state=present) or remove (state=absent) a device."""
    with _open_store(params) as store:
        name = params.get("name") or params.get("host")
        if not name:
            raise TaskFailed("no device name: run against an inventory host or set name")
        current = store.get_device(name)
        if params["state"] == "absent":
            if current is None:
                return {"changed": False, "device": None}
            if not check_mode:
                store.remove_device(name)
            out: dict[str, Any] = {"changed": True, "device": None}
            if diff:
                out["diff"] = {"before": {"name": name, "platform": current["platform"]}, "after": {}}
            return out
        target = _target(params)
        try:
            with opener(target) as session:
                facts = session.facts()
                read = session.read_config() if current is None or store.latest_snapshot(name) is None else None
                platform = session.platform_name
        except DeviceError as exc:
            raise TaskFailed(str(exc), error=exc.kind)
        before = None if current is None else {"host": current["host"], "port": current["port"],
                                               "platform": current["platform"], "facts": current["facts"]}
        after = {"host": target.host, "port": target.port, "platform": platform, "facts": facts}
        changed = before != after
        if check_mode:
            view = {"name": name, "managed_status": current["managed_status"] if current else st.OUT_OF_SYNC}
            view.update(after)
            result: dict[str, Any] = {"changed": changed, "device": view}
        else:
            store.upsert_device(name, target.host, target.port, platform, facts)
            if read is not None:
                text = render_read(read)
                store.add_snapshot(name, read.fmt, read.config, text, sha256_text(text),
                                   read.commit_time, read.commit_user)
                with store.transaction():
                    store.mark_synced(name, read.commit_time)
                    store.set_status(name, st.IN_SYNC, "first snapshot taken at import", "up")
            row = store.get_device(name)
            if row is None:
                raise TaskFailed("device %r vanished from the store while it was imported" % name)
            result = {"changed": changed, "device": device_view(store, row)}
        if diff and changed:
            result["diff"] = {"before": before or {}, "after": after}
        return result


def run_resync(params: dict[str, Any], check_mode: bool, diff: bool,
               opener: Opener = open_session) -> dict[str, Any]:
    """Read the committed configuration and store a new snapshot if it differs."""
    with _open_store(params) as store:
        name = params.get("name") or params.get("host") or ""
        row = store.get_device(name)
        if row is None:
            raise TaskFailed("device %r is not in the store %s: import it with netsync.fleet.device first"
                             % (name, store.url))
        target = _target(params)
        if target.platform == "auto":
            target.platform = row["platform"]
        previous = store.latest_snapshot(name)
        job_id: str = params.get("job_id") or "manual-%s" % uuid.uuid4().hex[:12]
        if not check_mode:
            with store.transaction():
                store.job_started(job_id, name, params.get("origin") or "manual")
                store.set_status(name, st.SYNCHRONIZING, "job %s started" % job_id)
        since = store.clock()
        try:
            with opener(target) as session:
                read = session.read_config()
        except DeviceError as exc:
            if not check_mode:
                with store.transaction():
                    state = "down" if exc.kind in ("unreachable", "timeout") else None
                    store.set_status(name, st.SYNC_FAILED, str(exc), state)
                    store.job_finished(job_id, False, str(exc))
                    store.record_resync(name, False, since, str(exc), down=state == "down")  # alarms, metrics
            raise TaskFailed("resync of %s failed: %s" % (name, exc), error=exc.kind,
                             managed_status=st.SYNC_FAILED if not check_mode else row["managed_status"],
                             snapshot_version=int(previous["version"]) if previous else None)
        text = render_read(read)
        digest = sha256_text(text)
        created = previous is None or previous["sha256"] != digest
        if check_mode:
            version = int(previous["version"]) + (1 if created else 0) if previous else 1
            status = row["managed_status"]
        else:
            with store.transaction():
                store.job_read(job_id, read.commit_time)
                version, created = store.add_snapshot(name, read.fmt, read.config, text, digest,
                                                      read.commit_time, read.commit_user, None, job_id)
                store.mark_synced(name, read.commit_time)
                status = st.IN_SYNC
                reason = "job %s read the configuration" % job_id
                if store.notified_since(name, since, read.commit_time):
                    status, reason = st.OUT_OF_SYNC, "a commit was notified that job %s did not read" % job_id
                store.set_status(name, status, reason, "up")
                store.job_finished(job_id, True, "snapshot %d%s" % (version, " (new)" if created else ""))
                store.record_resync(name, True, since, size=len(read.config.encode("utf-8")))  # alarms, metrics
        result: dict[str, Any] = {"changed": created, "managed_status": status, "snapshot_version": version,
                                  "sha256": digest, "job_id": None if check_mode else job_id,
                                  "commit_time": read.commit_time, "commit_user": read.commit_user}
        if diff and created:
            before = ""
            if previous is not None:
                snap = store.get_snapshot(name, int(previous["version"]))
                before = snap["rendered"] if snap else ""
            result["diff"] = {"before": before, "after": text,
                              "before_header": "%s v%s" % (name, previous["version"] if previous else 0),
                              "after_header": "%s v%s" % (name, version)}
        return result


def _snapshot_view(snap: dict[str, Any]) -> dict[str, Any]:
    return {"version": int(snap["version"]), "taken_at": snap["taken_at"], "sha256": snap["sha256"],
            "format": snap["format"], "job_id": snap["job_id"],
            "commit": {"time": snap["commit_time"], "user": snap["commit_user"], "sequence": snap["commit_seq"]}}


def run_device_info(params: dict[str, Any], check_mode: bool = False, diff: bool = False) -> dict[str, Any]:
    """Read the store: devices, snapshots, a config version, a diff between versions."""
    with _open_store(params) as store:
        rows = store.list_devices()
        name = params.get("name")
        if name:
            rows = [r for r in rows if r["name"] == name]
            if not rows:
                raise TaskFailed("device %r is not in the store %s" % (name, store.url))
        devices = []
        for row in rows:
            view = device_view(store, row)
            view["snapshots"] = [_snapshot_view(s) for s in store.list_snapshots(row["name"])]
            if params.get("history"):
                view["status_history"] = store.status_history(row["name"], params["history"])
            devices.append(view)
        result: dict[str, Any] = {"changed": False, "devices": devices, "store": store.url}
        wants = [params.get(k) is not None for k in ("version", "diff_from", "diff_to")]
        if any(wants) and not name:
            raise TaskFailed("version, diff_from and diff_to need name")
        if params.get("version") is not None:
            snap = store.get_snapshot(name or "", params["version"])
            if snap is None:
                raise TaskFailed("%s has no snapshot version %s" % (name, params["version"]))
            result["config"] = snap["rendered"]
            if not str(snap["format"]).endswith("-cli"):  # CLI text as read holds unmasked secrets
                result["config_xml"] = snap["config"]
        if params.get("diff_from") is not None or params.get("diff_to") is not None:
            latest = store.latest_snapshot(name or "")
            to_v = params.get("diff_to") or (int(latest["version"]) if latest else 0)
            from_v = params.get("diff_from") if params.get("diff_from") is not None else max(to_v - 1, 0)
            texts = []
            for v in (from_v, to_v):
                snap = store.get_snapshot(name or "", v) if v else None
                if v and snap is None:
                    raise TaskFailed("%s has no snapshot version %s" % (name, v))
                texts.append(snap["rendered"] if snap else "")
            result["diff"] = unified_diff(texts[0], texts[1], "%s v%s" % (name, from_v), "%s v%s" % (name, to_v))
        return result


def run_settings(params: dict[str, Any], check_mode: bool, diff: bool) -> dict[str, Any]:
    """Read or set auto-resync settings, globally or for one device."""
    keys = ("auto_resync", "resync_delay", "damping_window", "damper_interval")
    wanted = {k: params[k] for k in keys if params.get(k) is not None}
    device = params.get("device")
    for key in params.get("reset") or []:
        if key in wanted:
            raise TaskFailed("%s is both set and reset" % key)
        if device is None:
            raise TaskFailed("reset removes a device's own value: it needs device")
        wanted[key] = None
    with _open_store(params) as store:
        if device is not None and store.get_device(device) is None:
            raise TaskFailed("device %r is not in the store %s" % (device, store.url))
        before = store.get_settings(device)
        globals_ = store.get_settings(None)
        try:
            if check_mode:
                probe = dict(store.device_overrides(device)) if device else {}
                changed_keys = {k: v for k, v in wanted.items()
                                if (v is None and k in probe) or (v is not None and before.get(k) != v)
                                or (v is not None and device is not None and k not in probe)}
            else:
                changed_keys = store.set_settings(wanted, device)
        except st.StoreError as exc:
            raise TaskFailed(str(exc))
        after = store.get_settings(device) if not check_mode else dict(before, **{
            k: (globals_[k] if v is None else v) for k, v in wanted.items()})
        result: dict[str, Any] = {"changed": bool(changed_keys), "settings": after,
                                  "overrides": store.device_overrides(device) if device else {}}
        if diff and changed_keys:
            result["diff"] = {"before": before, "after": after}
        return result


def module_main(spec: dict[str, Any], task_fn: Callable[..., dict[str, Any]]) -> None:
    """A module's ``main()``: validate ``spec``, run ``task_fn(params, check_mode, diff)``, exit.

    The action plugins call the same ``task_fn`` on the controller; this path serves a module
    run on its own (``ansible -m``, or an action plugin bypassed).
    """
    from ansible.module_utils.basic import AnsibleModule

    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    try:
        module.exit_json(**task_fn(module.params, module.check_mode, module._diff))
    except TaskFailed as exc:
        module.fail_json(msg=exc.msg, **exc.result)
