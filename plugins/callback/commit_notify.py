# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Callback: configuration changes made by Ansible become commit notifications in the store inbox."""
from __future__ import annotations

DOCUMENTATION = r"""
name: commit_notify
type: notification
short_description: Turn in-band configuration changes into netsync.fleet commit notifications
description:
  - When a configuration task (see O(modules)) reports C(changed) for a host that is a device in the
    netsync.fleet store, puts one row into the store's notification inbox for that device. The auto-resync
    listener claims inbox rows and treats each one as a commit notification, so the store catches up with
    changes Ansible itself made without waiting for syslog.
  - Check mode runs and unchanged results are ignored. Hosts that are not in the store get no row; they are
    counted and named in the run summary.
  - The plugin never fails or slows a play. It makes no network call per task; it keeps one store handle
    open for the playbook run (opened on first need, closed at the end) and disables itself with one
    warning when the store cannot be used.
  - Without a configured store and without the default store file C(~/.netsync/fleet.db) the plugin
    disables itself with a warning.
  - The detail of a notification holds the module, the task and play names and the local user; never the
    task arguments.
version_added: 0.1.0
requirements:
  - enable it, for example with C(ANSIBLE_CALLBACKS_ENABLED=netsync.fleet.commit_notify)
options:
  store:
    description:
      - The store to notify, a SQLite file path, C(sqlite:///path) or a C(postgresql://) URL.
      - When unset, C(~/.netsync/fleet.db) is used if that file exists.
    type: str
    env:
      - name: NETSYNC_STORE
    ini:
      - section: callback_commit_notify
        key: store
  modules:
    description:
      - The modules whose C(changed) results are configuration commits.
      - An entry with dots matches the task's action or resolved action (FQCN); an entry without dots
        matches the last part of either, so V(junos_config) matches V(junipernetworks.junos.junos_config).
    type: list
    elements: str
    default:
      - junipernetworks.junos.junos_config
      - junipernetworks.junos.junos_interfaces
      - junipernetworks.junos.junos_l2_interfaces
      - junipernetworks.junos.junos_l3_interfaces
      - junipernetworks.junos.junos_vlans
      - junipernetworks.junos.junos_static_routes
      - junipernetworks.junos.junos_system
      - junipernetworks.junos.junos_hostname
      - junipernetworks.junos.junos_user
      - ansible.netcommon.netconf_config
      - ansible.netcommon.cli_config
      - juniper.device.config
      - juniper.device.junos_config
      - cisco.ios.ios_config
      - cisco.iosxr.iosxr_config
      - cisco.nxos.nxos_config
      - arista.eos.eos_config
    env:
      - name: NETSYNC_COMMIT_NOTIFY_MODULES
    ini:
      - section: callback_commit_notify
        key: modules
  source:
    description:
      - The source label of the inbox rows (the listener shows it as the origin of the notification).
    type: str
    default: ansible
    env:
      - name: NETSYNC_COMMIT_NOTIFY_SOURCE
    ini:
      - section: callback_commit_notify
        key: source
  summary:
    description:
      - Print a one-line summary of the notifications at the end of each playbook, on standard error so
        that machine-readable standard output (for example the C(ansible.posix.json) callback) stays intact.
    type: bool
    default: true
    env:
      - name: NETSYNC_COMMIT_NOTIFY_SUMMARY
    ini:
      - section: callback_commit_notify
        key: summary
"""

import getpass
import json
import os
from typing import Any, Optional

from ansible import context
from ansible.plugins.callback import CallbackBase

try:
    from ansible_collections.netsync.fleet.plugins.module_utils.store import Store, open_store
    HAS_STORE = True
    STORE_IMPORT_ERROR = ""
except Exception as exc:  # pylint: disable=broad-exception-caught
    HAS_STORE = False
    STORE_IMPORT_ERROR = str(exc)

DEFAULT_STORE_FILE = "~/.netsync/fleet.db"


def module_matches(fq_names: "set[str]", short_names: "set[str]", *actions: Optional[str]) -> bool:
    """Whether an action (task action or resolved action) is in ``fq_names`` or its last part in ``short_names``."""
    for action in actions:
        if action and (action in fq_names or action.rsplit(".", 1)[-1] in short_names):
            return True
    return False


def store_exists(url: str) -> bool:
    """False only for a SQLite store whose file does not exist (PostgreSQL URLs are assumed to exist)."""
    if url.startswith(("postgresql://", "postgres://")):
        return True
    if url.startswith("sqlite://"):
        url = url[len("sqlite://"):]
    return os.path.exists(os.path.expanduser(url))


def _local_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # pylint: disable=broad-exception-caught
        return ""


class CallbackModule(CallbackBase):
    """Puts one inbox row per changed configuration task on a known device."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "notification"
    CALLBACK_NAME = "netsync.fleet.commit_notify"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display: Any = None, options: Any = None) -> None:
        super().__init__(display=display, options=options)
        self.disabled = False
        self._url = ""
        self._fq_patterns: set[str] = set()
        self._short_patterns: set[str] = set()
        self._source = "ansible"
        self._summary = True
        self._store: Optional[Store] = None
        self._known: set[str] = set()
        self._play = ""
        self._user = _local_user()
        self._warned_unknown = False
        self._reset_counts()

    def _reset_counts(self) -> None:
        self.notified = 0
        self.devices: set[str] = set()
        self.unknown: dict[str, int] = {}

    # -- configuration ------------------------------------------------------------------------
    def set_options(self, task_keys: Any = None, var_options: Any = None, direct: Any = None) -> None:
        super().set_options(task_keys=task_keys, var_options=var_options, direct=direct)
        modules = [str(m).strip() for m in (self.get_option("modules") or []) if str(m).strip()]
        self._fq_patterns = {m for m in modules if "." in m}
        self._short_patterns = {m for m in modules if "." not in m}
        self._source = str(self.get_option("source") or "ansible")
        self._summary = bool(self.get_option("summary"))
        self._url = str(self.get_option("store") or "")
        if not HAS_STORE:
            self._disable("cannot import the netsync.fleet store: %s" % STORE_IMPORT_ERROR)
        elif not self._url:
            if store_exists(DEFAULT_STORE_FILE):
                self._url = os.path.expanduser(DEFAULT_STORE_FILE)
            else:
                self._disable("no store configured (NETSYNC_STORE or [callback_commit_notify] store) "
                              "and %s does not exist" % DEFAULT_STORE_FILE)
        elif not store_exists(self._url):
            self._disable("the store %s does not exist" % self._url)

    def _disable(self, why: str) -> None:
        if not self.disabled:
            self._display.warning("netsync.fleet.commit_notify disabled: %s" % why)
        self.disabled = True
        self._close()

    # -- store --------------------------------------------------------------------------------
    def _open(self) -> Store:
        if self._store is None:
            self._store = open_store(self._url, create=False)
        return self._store

    def _close(self) -> None:
        store, self._store = self._store, None
        if store is not None:
            try:
                store.close()
            except Exception:  # pylint: disable=broad-exception-caught
                pass

    # -- events -------------------------------------------------------------------------------
    def v2_playbook_on_play_start(self, play: Any) -> None:
        try:
            self._play = str(play.get_name() or "")
        except Exception:  # pylint: disable=broad-exception-caught
            self._play = ""

    def v2_runner_on_ok(self, result: Any) -> None:
        if self.disabled:
            return
        try:
            self._handle_ok(result)
        except Exception as exc:  # pylint: disable=broad-exception-caught
            self._disable("store error: %s" % exc)

    def _is_check_mode(self, task: Any, res: dict[str, Any]) -> bool:
        if res.get("check_mode") or res.get("_ansible_check_mode"):
            return True
        task_check = getattr(task, "check_mode", None)
        if isinstance(task_check, bool):
            return task_check
        return bool(context.CLIARGS.get("check", False))

    def _handle_ok(self, result: Any) -> None:
        res = result._result
        if not isinstance(res, dict) or not res.get("changed"):
            return
        task = result._task
        action = getattr(task, "action", None)
        resolved = getattr(task, "resolved_action", None)
        if not module_matches(self._fq_patterns, self._short_patterns, action, resolved):
            return
        if self._is_check_mode(task, res):
            return
        host = result._host.get_name()
        store = self._open()
        if host not in self._known:
            if store.devices.get(host) is None:
                self.unknown[host] = self.unknown.get(host, 0) + 1
                if not self._warned_unknown:
                    self._warned_unknown = True
                    self._display.warning("netsync.fleet.commit_notify: %s changed but is not a device in the "
                                          "store %s; no notification (see the summary)" % (host, store.url))
                return
            self._known.add(host)
        detail = json.dumps({"action": resolved or action, "task": task.get_name(), "play": self._play,
                             "user": self._user}, sort_keys=True)
        store.jobs.inbox_put(host, self._source, detail)
        self.notified += 1
        self.devices.add(host)

    def v2_playbook_on_stats(self, stats: Any) -> None:
        self._close()
        if self._summary and not self.disabled:
            line = "netsync.fleet.commit_notify: %d change(s) notified for %d device(s)" % (
                self.notified, len(self.devices))
            if self.unknown:
                line += "; %d change(s) on %d host(s) not in the store: %s" % (
                    sum(self.unknown.values()), len(self.unknown), ", ".join(sorted(self.unknown)))
            self._display.display(line, stderr=True)
        self._reset_counts()
