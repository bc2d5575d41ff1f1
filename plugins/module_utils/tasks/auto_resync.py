# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Enable or disable auto-resync on one device (module netsync.fleet.auto_resync).

Junos: a ``system syslog host <listener>`` stanza sends the commit messages
(``UI_COMMIT``, ``UI_COMMIT_COMPLETED``) to the listener; adding or removing it is
a commit on the device. Generic RFC 6241 devices need nothing on the device: the
listener subscribes to their NETCONF stream. CLI platforms (IOS, NX-OS, IOS-XR, EOS) get
a logging destination (see ``auto_resync_cli``). In every case the store keeps the
device's ``auto_resync`` setting.
"""
from __future__ import annotations

import copy
from typing import Any, Optional
from xml.sax.saxutils import escape

from ansible_collections.netsync.fleet.plugins.module_utils.tasks.args import CONNECTION_SPEC, STORE_SPEC
from ansible_collections.netsync.fleet.plugins.module_utils.device.session import DeviceError, open_session
from ansible_collections.netsync.fleet.plugins.module_utils.common.xml import local_name, parse_xml
from ansible_collections.netsync.fleet.plugins.module_utils.device.render import render
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.device import (
    PENDING_NOTE, Opener, TaskFailed, device_or_pending, open_task_store, task_target,
)
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.auto_resync_cli import cli_device_step
from ansible_collections.netsync.fleet.plugins.module_utils.device.cli import CLI_PLATFORMS

AUTO_RESYNC_SPEC: dict[str, Any] = dict(
    CONNECTION_SPEC, **STORE_SPEC,
    state={"type": "str", "default": "enabled", "choices": ["enabled", "disabled", "absent"]},
    listener_host={"type": "str"},
    listener_port={"type": "int", "default": 5514},
)

# option -> inventory variables tried in order (first defined wins), besides args.HOSTVARS
LISTENER_HOSTVARS: dict[str, tuple[str, ...]] = {
    "listener_host": ("netsync_listener_host",),
    "listener_port": ("netsync_listener_port",),
}

COMMIT_MATCH = "UI_COMMIT|UI_COMMIT_COMPLETED"
ENABLE_COMMENT = "netsync.fleet: enable auto-resync"
REMOVE_COMMENT = "netsync.fleet: remove auto-resync"
STANZA_PREFIX = "system syslog "


def host_xml(host: str, port: int, attrs: str = "") -> str:
    """The wanted ``<host>`` element of ``system syslog`` (``attrs``: load attributes)."""
    return ('<host%s><name>%s</name><port>%d</port><contents><name>any</name><notice/></contents>'
            '<match>%s</match><structured-data/></host>' % (attrs, escape(host), int(port), escape(COMMIT_MATCH)))


def enable_config(host: str, port: int) -> str:
    """Configuration to load (action replace): the stanza, replacing any previous one for ``host``."""
    return "<configuration><system><syslog>%s</syslog></system></configuration>" % host_xml(
        host, port, ' replace="replace"')


def remove_config(host: str) -> str:
    """Configuration to load: deletes the stanza for ``host``."""
    return ('<configuration><system><syslog><host delete="delete"><name>%s</name></host>'
            '</syslog></system></configuration>' % escape(host))


def find_host(config: Any, host: str) -> Optional[Any]:
    """The ``system syslog host <host>`` element of a ``<configuration>``, or None."""
    for elem in config.iter():
        if local_name(elem.tag) != "host":
            continue
        parent = elem.getparent()
        grand = parent.getparent() if parent is not None else None
        if parent is None or grand is None or local_name(parent.tag) != "syslog" or local_name(grand.tag) != "system":
            continue
        for child in elem:
            if local_name(child.tag) == "name" and (child.text or "").strip() == host:
                return elem
    return None


def stanza_lines(host_elem: Optional[Any]) -> list[str]:
    """Rendered lines (``system syslog host ...``) of a host element; [] for None."""
    if host_elem is None:
        return []
    wrapper = parse_xml("<syslog/>")
    wrapper.append(copy.deepcopy(host_elem))
    return [STANZA_PREFIX + line for line in render(wrapper).splitlines()]


def wanted_lines(host: str, port: int) -> list[str]:
    return stanza_lines(parse_xml(host_xml(host, port)))


def _device_step(params: dict[str, Any], name: str, platform: str, check_mode: bool,
                 opener: Opener) -> tuple[list[str], list[str], bool]:
    """Junos: read the committed stanza, commit if needed. Returns (before, after, committed)."""
    host = params.get("listener_host")
    if not host:
        raise TaskFailed("listener_host is required for state=%s on Junos device %s: set it or the "
                         "netsync_listener_host inventory variable" % (params["state"], name))
    port = int(params.get("listener_port") or 5514)
    target = task_target(params)
    target.platform = platform
    try:
        with opener(target) as session:
            read = session.read_config()
            before = stanza_lines(find_host(read.root, host))
            if params["state"] == "enabled":
                after = wanted_lines(host, port)
                needed = sorted(before) != sorted(after)
                config, comment = enable_config(host, port), ENABLE_COMMENT
            else:
                after = []
                needed = bool(before)
                config, comment = remove_config(host), REMOVE_COMMENT
            if needed and not check_mode:
                session.load_and_commit(config, "replace", comment)
    except DeviceError as exc:
        raise TaskFailed("auto-resync %s on %s failed: %s" % (params["state"], name, exc), error=exc.kind) from exc
    return before, after, needed


def _flag_line(value: Optional[bool]) -> str:
    return "netsync auto_resync %s\n" % ("(default)" if value is None else str(value).lower())


def run_auto_resync(params: dict[str, Any], check_mode: bool, diff: bool,
                    opener: Opener = open_session) -> dict[str, Any]:
    """Enable (state=enabled), disable (disabled) or remove (absent) auto-resync for one device."""
    state = params["state"]
    want = state == "enabled"
    with open_task_store(params, check_mode=check_mode, pending_ok=True) as store:
        name, row, pending = device_or_pending(store, params, check_mode, opener)
        platform = params.get("platform") or "auto"
        if platform == "auto":
            platform = row["platform"]
        before: list[str] = []
        after: list[str] = []
        committed = False
        if platform == "junos" and state != "disabled":
            before, after, committed = _device_step(params, name, platform, check_mode, opener)
        elif platform in CLI_PLATFORMS and state != "disabled":
            before, after, committed = cli_device_step(params, name, platform, check_mode, opener)
        flag_before = store.devices.device_overrides(name).get("auto_resync")
        # absent: no setting of its own (the listener no longer subscribes to a generic device)
        flag: Optional[bool] = None if state == "absent" else want
        if check_mode:
            flag_changed = flag_before != flag
        else:
            flag_changed = bool(store.devices.set_settings({"auto_resync": flag}, name))
        result: dict[str, Any] = {
            "changed": committed or flag_changed, "auto_resync": want, "platform": platform,
            "device_changed": committed,
            "listener": {"host": params.get("listener_host"), "port": int(params.get("listener_port") or 5514)},
        }
        if pending:
            result["pending_import"], result["msg"] = True, PENDING_NOTE % name
        if diff and result["changed"]:
            result["diff"] = {"before": "".join(line + "\n" for line in before) + _flag_line(flag_before),
                              "after": "".join(line + "\n" for line in after) + _flag_line(flag),
                              "before_header": "%s (before)" % name, "after_header": "%s (after)" % name}
        return result
