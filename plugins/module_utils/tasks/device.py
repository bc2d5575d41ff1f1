# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What each module does, independent of how it was invoked (module or action plugin).

Each ``run_*`` takes validated parameters and returns the task result, or raises
``TaskFailed`` with a message (and partial result).
"""
from __future__ import annotations

from typing import Any, Callable, Optional

from ansible_collections.netsync.fleet.plugins.module_utils.common import settings as settings_rules
from ansible_collections.netsync.fleet.plugins.module_utils.common.errors import (
    internal_error_message, internal_traceback, is_internal_error,
)
from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.args import target_from_params
from ansible_collections.netsync.fleet.plugins.module_utils.device.session import (
    DeviceError, DeviceSession, Target, open_session,
)
from ansible_collections.netsync.fleet.plugins.module_utils.device.render import render_read, sha256_text
from ansible_collections.netsync.fleet.plugins.module_utils.device.secrets import mask_text, mask_xml


class TaskFailed(Exception):
    def __init__(self, msg: str, **result: Any) -> None:
        super().__init__(msg)
        self.msg = msg
        self.result = result


Opener = Callable[[Target], DeviceSession]


def open_task_store(params: dict[str, Any], create: bool = False, check_mode: bool = False,
                    pending_ok: bool = False) -> st.Store:
    """The store of a task's ``store`` parameter; TaskFailed when it cannot be opened.

    Only importing a device and settings may create one (``create``); in check mode they use an
    empty store in memory when the file does not exist yet, so nothing is written. ``pending_ok``
    (auto_resync, resync): in check mode the same, because the import earlier in this check-mode
    run (onboarding) wrote nothing; see :func:`device_or_pending`."""
    url = params.get("store") or st.default_store_url()
    try:
        if check_mode and (create or pending_ok) and st.sqlite_path_missing(url):
            return st.open_store(":memory:")
        return st.open_store(url, create=create and not check_mode)
    except st.StoreError as exc:
        raise TaskFailed("store: %s" % exc) from None
    except Exception as exc:  # sqlite3/psycopg errors on open (a bug in our code goes up as itself)
        if is_internal_error(exc):
            raise
        raise TaskFailed("store: cannot open %s: %s" % (st.redact_url(url), exc)) from exc


def stored_device(store: st.Store, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The task's device (``name``, else ``host``) and its row; TaskFailed when the store lacks it."""
    name = str(params.get("name") or params.get("host") or "")
    row = store.devices.get(name)
    if row is None:
        raise TaskFailed("device %r is not in the store %s: import it with netsync.fleet.device first"
                         % (name, store.url))
    return name, row


def device_or_pending(store: st.Store, params: dict[str, Any], check_mode: bool,
                      opener: Opener) -> tuple[str, dict[str, Any], bool]:
    """:func:`stored_device`, except in check mode: a device not in the store yet (its import
    earlier in this check-mode run wrote nothing) gives a provisional row from the device itself
    (platform from its hello) and ``pending`` True, so the task can say what it would do."""
    name = str(params.get("name") or params.get("host") or "")
    if not check_mode or store.devices.get(name) is not None:
        found, row = stored_device(store, params)
        return found, row, False
    target = task_target(params)
    try:
        with opener(target) as session:
            platform = session.platform_name
    except DeviceError as exc:
        raise TaskFailed(str(exc), error=exc.kind) from exc
    row = {"name": name, "host": target.host, "port": target.port, "platform": platform,
           "managed_status": st.OUT_OF_SYNC, "connection_state": None, "status_reason": None, "facts": {},
           "last_synced": None}
    return name, row, True


PENDING_NOTE = "check mode: device %s is not in the store yet (nothing was imported in check mode); this is what " \
               "the task would do after the import"


def task_target(params: dict[str, Any]) -> Target:
    try:
        return target_from_params(params)
    except ValueError as exc:
        raise TaskFailed(str(exc)) from exc


def device_view(devices: st.DeviceStore, row: dict[str, Any]) -> dict[str, Any]:
    latest = devices.latest_snapshot(row["name"])
    return {
        "name": row["name"], "host": row["host"], "port": row["port"], "platform": row["platform"],
        "managed_status": row["managed_status"], "connection_state": row["connection_state"],
        "status_reason": row["status_reason"], "facts": row["facts"], "last_synced": row["last_synced"],
        "snapshot_version": int(latest["version"]) if latest else None,
        "auto_resync": bool(devices.get_settings(row["name"])["auto_resync"]),
    }


def run_device(params: dict[str, Any], check_mode: bool, diff: bool,
               opener: Opener = open_session) -> dict[str, Any]:
    """Import (state=present) or remove (state=absent) a device."""
    with open_task_store(params, create=True, check_mode=check_mode) as store:
        name = str(params.get("name") or params["host"])  # one of them: DEVICE_CHECKS
        current = store.devices.get(name)
        if params["state"] == "absent":
            if current is None:
                return {"changed": False, "device": None}
            if not check_mode:
                store.devices.remove(name)
            out: dict[str, Any] = {"changed": True, "device": None}
            if diff:
                out["diff"] = {"before": {"name": name, "platform": current["platform"]}, "after": {}}
            return out
        target = task_target(params)
        try:
            with opener(target) as session:
                facts = session.facts()
                read = session.read_config() if current is None or store.devices.latest_snapshot(name) is None else None
                platform = session.platform_name
        except DeviceError as exc:
            raise TaskFailed(str(exc), error=exc.kind) from exc
        before = None if current is None else {"host": current["host"], "port": current["port"],
                                               "platform": current["platform"], "facts": current["facts"]}
        after = {"host": target.host, "port": target.port, "platform": platform, "facts": facts}
        changed = before != after
        if check_mode:
            view = {"name": name, "managed_status": current["managed_status"] if current else st.OUT_OF_SYNC}
            view.update(after)
            result: dict[str, Any] = {"changed": changed, "device": view}
        else:
            store.devices.upsert(name, target.host, target.port, platform, facts)
            if read is not None:
                text = render_read(read)
                store.devices.add_snapshot(name, read.fmt, read.config, text, sha256_text(text),
                                           read.commit_time, read.commit_user, read.commit_seq,
                                           commit_comment=read.commit_comment)
                with store.transaction():
                    store.devices.mark_synced(name, read.commit_time)
                    store.devices.set_status(name, st.IN_SYNC, "first snapshot taken at import", "up")
            row = store.devices.get(name)
            if row is None:
                raise TaskFailed("device %r vanished from the store while it was imported" % name)
            result = {"changed": changed, "device": device_view(store.devices, row)}
        if diff and changed:
            result["diff"] = {"before": before or {}, "after": after}
        return result


def listener_jobs(state: Optional[dict[str, Any]]) -> dict[str, Any]:
    """What the listener decided for a device, from its persisted damper state."""
    pending = (state or {}).get("pending")
    running = (state or {}).get("running")
    out: dict[str, Any] = {"pending": None, "running": None}
    if pending:
        out["pending"] = {"due": pending.get("due"), "kind": pending.get("kind"), "created": pending.get("created_at"),
                          "postponed": pending.get("postponed", 0)}
    if running:
        started = running.get("started_at") is not None
        out["running"] = {"job_id": running.get("job_id") or running.get("dispatch_id"),
                          "state": "started" if started else "dispatched",
                          "dispatched_at": running.get("dispatched_at"), "started_at": running.get("started_at"),
                          "deadline": running.get("deadline")}
    return out


def _snapshot_view(snap: dict[str, Any]) -> dict[str, Any]:
    return {"version": int(snap["version"]), "taken_at": snap["taken_at"], "sha256": snap["sha256"],
            "format": snap["format"], "job_id": snap["job_id"],
            "commit": {"time": snap["commit_time"], "user": snap["commit_user"], "sequence": snap["commit_seq"],
                       "comment": snap.get("commit_comment")}}


def run_device_info(params: dict[str, Any], check_mode: bool = False, diff: bool = False) -> dict[str, Any]:
    """Read the store: devices, snapshots, a config version, a diff between versions."""
    with open_task_store(params) as store:
        rows = store.devices.all()
        name = params.get("name")
        if name:
            rows = [r for r in rows if r["name"] == name]
            if not rows:
                raise TaskFailed("device %r is not in the store %s" % (name, store.url))
        devices = []
        for row in rows:
            view = device_view(store.devices, row)
            view["snapshots"] = [_snapshot_view(s) for s in store.devices.list_snapshots(row["name"])]
            if params.get("history"):
                view["status_history"] = store.devices.status_history(row["name"], params["history"])
            devices.append(view)
        states = store.jobs.load_damper_states()
        for view in devices:
            view["auto_resync_jobs"] = listener_jobs(states.get(view["name"]))
        result: dict[str, Any] = {"changed": False, "devices": devices, "store": store.url,
                                  "listener": store.jobs.listener_counters()}
        if params.get("version") is not None:
            snap = store.devices.get_snapshot(name or "", params["version"])
            if snap is None:
                raise TaskFailed("%s has no snapshot version %s" % (name, params["version"]))
            cli = str(snap["format"]).endswith("-cli")  # CLI text as read holds unmasked secrets: no config_xml
            if params.get("show_secrets"):
                result["config"] = snap["rendered"]
                if not cli:
                    result["config_xml"] = snap["config"]
            else:
                key = store.mask_key()
                result["config"] = mask_text(snap["rendered"], key, str(snap["format"]))
                if not cli:
                    result["config_xml"] = mask_xml(snap["config"], key)
        if params.get("diff_from") is not None or params.get("diff_to") is not None:
            latest = store.devices.latest_snapshot(name or "")
            to_v = params.get("diff_to") or (int(latest["version"]) if latest else 0)
            from_v = params.get("diff_from") if params.get("diff_from") is not None else max(to_v - 1, 0)
            snaps = []
            for v in (from_v, to_v):
                snap = store.devices.get_snapshot(name or "", v) if v else None
                if v and snap is None:
                    raise TaskFailed("%s has no snapshot version %s" % (name, v))
                snaps.append(snap)
            if snaps[1] is None:
                raise TaskFailed("%s has no snapshot to compare" % name)
            mask = None if params.get("show_secrets") else store.mask_key()
            from ansible_collections.netsync.fleet.plugins.module_utils.history.text import snapshot_diff

            # each platform's own text: Junos `delete`/`set` lines, others a unified diff
            result["diff"] = snapshot_diff(snaps[0], snaps[1], mask, "%s v%s" % (name, from_v),
                                           "%s v%s" % (name, to_v))
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
    try:
        wanted = settings_rules.check_all(wanted)  # the same rules in check mode as in the store
    except settings_rules.SettingError as exc:
        raise TaskFailed(str(exc)) from None
    with open_task_store(params, create=True, check_mode=check_mode) as store:
        if device is not None and store.devices.get(device) is None:
            raise TaskFailed("device %r is not in the store %s" % (device, store.url))
        before = store.devices.get_settings(device)
        globals_ = store.devices.get_settings(None)
        try:
            if check_mode:
                probe = dict(store.devices.device_overrides(device)) if device else {}
                changed_keys = {k: v for k, v in wanted.items()
                                if (v is None and k in probe) or (v is not None and before.get(k) != v)
                                or (v is not None and device is not None and k not in probe)}
            else:
                changed_keys = store.devices.set_settings(wanted, device)
        except st.StoreError as exc:
            raise TaskFailed(str(exc)) from exc
        after = store.devices.get_settings(device) if not check_mode else dict(before, **{
            k: (globals_[k] if v is None else v) for k, v in wanted.items()})
        result: dict[str, Any] = {"changed": bool(changed_keys), "settings": after,
                                  "overrides": store.devices.device_overrides(device) if device else {}}
        if diff and changed_keys:
            result["diff"] = {"before": before, "after": after}
        return result


def module_main(spec: dict[str, Any], task_fn: Callable[..., dict[str, Any]], **checks: Any) -> None:
    """A module's ``main()``: validate ``spec``, run ``task_fn(params, check_mode, diff)``, exit.

    The action plugins call the same ``task_fn`` on the controller; this path serves a module
    run on its own (``ansible -m``, or an action plugin bypassed).
    """
    from ansible.module_utils.basic import AnsibleModule

    module = AnsibleModule(argument_spec=spec, supports_check_mode=True, **checks)
    try:
        result = task_fn(module.params, module.check_mode, module._diff)
    except TaskFailed as exc:
        module.fail_json(msg=exc.msg, **exc.result)
    except Exception as exc:  # a bug (or a store/library error): internal, with the traceback
        module.fail_json(msg=internal_error_message(exc), error="internal", exception=internal_traceback(exc))
    module.exit_json(**result)
