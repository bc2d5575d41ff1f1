# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The auto-resync settings and their rules: the one place the settings module, the store and
the damper check a value.

| setting | default | allowed |
|---|---|---|
| ``auto_resync`` | true | a boolean (``true``/``false``, ``yes``/``no``, ``on``/``off``, 1/0) |
| ``resync_delay`` | 20 s | 0 to 86,400 s |
| ``damping_window`` | 25 s | 0 to 86,400 s |
| ``damper_interval`` | 20 s | 0.1 to 3,600 s (0 would re-check a running job's device in a loop) |
"""
from __future__ import annotations

import math
from typing import Any

from ansible.module_utils.parsing.convert_bool import boolean

DEFAULTS: dict[str, Any] = {
    "auto_resync": True,
    "resync_delay": 20.0,
    "damping_window": 25.0,
    "damper_interval": 20.0,
}
BOUNDS: dict[str, tuple[float, float]] = {
    "resync_delay": (0.0, 86400.0),
    "damping_window": (0.0, 86400.0),
    "damper_interval": (0.1, 3600.0),
}


class SettingError(ValueError):
    """A setting that is unknown or out of its bounds; the message names it."""


def check(key: str, value: Any) -> Any:
    """The value of ``key`` as stored (bool or float seconds); raises SettingError naming the setting."""
    if key not in DEFAULTS:
        raise SettingError("unknown setting %r (known: %s)" % (key, ", ".join(sorted(DEFAULTS))))
    if key == "auto_resync":
        try:
            return boolean(value, strict=True)
        except TypeError:
            raise SettingError("setting auto_resync must be true or false, got %r" % (value,)) from None
    low, high = BOUNDS[key]
    if isinstance(value, bool):
        number = math.nan
    else:
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
    if not math.isfinite(number):
        raise SettingError("setting %s must be a number of seconds, got %r" % (key, value))
    if not low <= number <= high:
        raise SettingError("setting %s must be from %g to %g seconds, got %r" % (key, low, high, value))
    return number


def check_all(values: dict[str, Any]) -> dict[str, Any]:
    """``check`` for each item (``None`` passes through: it removes a device's own value)."""
    return {key: (None if value is None else check(key, value)) for key, value in values.items()}


def effective(stored: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Settings to use from stored values: a value that breaks the rules (an older store, a hand
    edit) falls back to the default instead of stopping the device; returns the values and, per
    bad key, why it was ignored."""
    values, ignored = dict(DEFAULTS), {}
    for key, value in stored.items():
        if key not in DEFAULTS:
            continue
        try:
            values[key] = check(key, value)
        except SettingError as exc:
            ignored[key] = str(exc)
    return values, ignored
