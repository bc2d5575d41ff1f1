# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test callback: one JSON line per runner event (as AWX records job events), to the file named by
``NETSYNC_TEST_EVENT_LOG``. Only for tests/system."""
from __future__ import annotations

import json
import os
import threading

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: event_log
type: aggregate
short_description: Test callback writing one JSON line per runner event
description: [Test only.]
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "event_log"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._path = os.environ.get("NETSYNC_TEST_EVENT_LOG", "")

    def _write(self, event: str, host: str, task: str, **extra: object) -> None:
        if not self._path:
            return
        line = json.dumps(dict(event=event, host=host, task=task, **extra), sort_keys=True)
        with self._lock, open(self._path, "a") as fh:
            fh.write(line + "\n")

    def v2_runner_on_start(self, host, task):  # type: ignore[no-untyped-def]
        self._write("start", host.get_name(), task.get_name())

    def v2_runner_on_ok(self, result):  # type: ignore[no-untyped-def]
        self._write("ok", result._host.get_name(), result._task.get_name(), changed=bool(result._result.get("changed")))

    def v2_runner_on_failed(self, result, ignore_errors=False):  # type: ignore[no-untyped-def]
        self._write("failed", result._host.get_name(), result._task.get_name(), ignore_errors=bool(ignore_errors))

    def v2_runner_on_unreachable(self, result):  # type: ignore[no-untyped-def]
        self._write("unreachable", result._host.get_name(), result._task.get_name())

    def v2_runner_on_skipped(self, result):  # type: ignore[no-untyped-def]
        self._write("skipped", result._host.get_name(), result._task.get_name())

    def v2_on_file_diff(self, result):  # type: ignore[no-untyped-def]
        self._write("diff", result._host.get_name(), result._task.get_name())
