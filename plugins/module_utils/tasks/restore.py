# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The restore task: put stored version N of a device's configuration back on the device.

- The device's configuration is read first and compared with version N by the hash of their
  stable renderings: equal means ``changed: false`` and nothing is sent. Check mode stops after
  this comparison; ``--diff`` shows device (before) against version (after), secrets masked.
- The platform's safe mechanism puts it back (``DeviceSession.restore``): Junos ``load override``
  and ``commit confirmed``, confirmed once the session still works; generic RFC 6241 devices a
  candidate ``edit-config`` replace and a confirmed commit where offered. Other platforms are
  refused before anything is sent.
- The configuration is read again: it must now be version N, else the task fails and says so.
- The store is not written: the next resync (the commit notification triggers one with
  auto-resync) stores the result as a new version, as for any other commit.
- Secrets: the store keeps the raw configuration, so version N goes back with the secrets it
  had; outputs show them masked. A version whose stored text holds masked markers
  (``<secret:…>``) is refused: the real values are not known.
"""
from __future__ import annotations

from typing import Any

from ansible_collections.netsync.fleet.plugins.module_utils.device.render import render_read, sha256_text
from ansible_collections.netsync.fleet.plugins.module_utils.device.secrets import mask_text
from ansible_collections.netsync.fleet.plugins.module_utils.device.session import DeviceError, open_session
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.device import (
    Opener, TaskFailed, open_task_store, stored_device, task_target,
)

MASKED = "<secret:"


def run_restore(params: dict[str, Any], check_mode: bool, diff: bool,
                opener: Opener = open_session) -> dict[str, Any]:
    """Restore version ``params['version']`` of the device's stored configuration."""
    version = int(params["version"])
    with open_task_store(params) as store:
        name, row = stored_device(store, params)
        snap = store.devices.get_snapshot(name, version)
        if snap is None:
            raise TaskFailed("device %s has no stored version %d" % (name, version), error="unknown_version")
        if MASKED in snap["config"]:
            raise TaskFailed("version %d of %s holds masked secrets (<secret:...>): their real values are not "
                             "stored, so it cannot be restored" % (version, name), error="masked_secrets")
        key = store.mask_key()
        target = task_target(params)
        if target.platform == "auto":
            target.platform = row["platform"]
        comment = params.get("comment") or "netsync.fleet.restore of %s version %d" % (name, version)
        try:
            with opener(target) as session:
                platform = session.platform
                if snap["format"] not in getattr(platform, "restore_formats", ()):
                    raise TaskFailed(
                        "restore is not supported for %s (platform %s, stored format %s): it needs a replace "
                        "mechanism netsync.fleet can drive safely; nothing was sent"
                        % (name, platform.name, snap["format"]), error="unsupported")
                before = render_read(session.read_config())
                changed = sha256_text(before) != snap["sha256"]
                result: dict[str, Any] = {"changed": changed, "version": version, "platform": platform.name,
                                          "mechanism": None, "verified": None}
                if diff and changed:
                    result["diff"] = {"before": mask_text(before, key), "after": mask_text(snap["rendered"], key),
                                      "before_header": "%s (device)" % name,
                                      "after_header": "%s v%d" % (name, version)}
                if check_mode or not changed:
                    return result
                result["mechanism"] = session.restore(snap["format"], snap["config"], comment,
                                                      int(params["confirm_timeout"]))
                after = render_read(session.read_config())
        except DeviceError as exc:
            raise TaskFailed("restore of %s version %d failed: %s" % (name, version, exc), error=exc.kind) from exc
        result["verified"] = sha256_text(after) == snap["sha256"]
        if not result["verified"]:
            raise TaskFailed("restore of %s: the configuration was committed (%s) but the device's configuration "
                             "now differs from version %d" % (name, result["mechanism"], version),
                             error="not_verified", **{k: v for k, v in result.items() if k != "changed"})
        return result
