from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils.common import settings


@pytest.mark.parametrize("key,value,expected", [
    ("auto_resync", "yes", True), ("auto_resync", False, False), ("auto_resync", "off", False),
    ("resync_delay", "0", 0.0), ("resync_delay", 86400, 86400.0), ("damping_window", 25, 25.0),
    ("damper_interval", 0.1, 0.1), ("damper_interval", "3600", 3600.0),
])
def test_accepted(key: str, value: Any, expected: Any) -> None:
    assert settings.check(key, value) == expected


@pytest.mark.parametrize("key,value,words", [
    ("damper_interval", 0, "damper_interval must be from 0.1 to 3600"),
    ("resync_delay", 1e12, "resync_delay must be from 0 to 86400"),
    ("resync_delay", -1, "resync_delay must be from 0"),
    ("damping_window", "soon", "damping_window must be a number of seconds"),
    ("damping_window", float("nan"), "damping_window must be a number"),
    ("resync_delay", True, "resync_delay must be a number"),
    ("auto_resync", "maybe", "auto_resync must be true or false"),
    ("resync_dealy", 5, "unknown setting 'resync_dealy'"),
])
def test_refused_with_the_setting_named(key: str, value: Any, words: str) -> None:
    with pytest.raises(settings.SettingError) as err:
        settings.check(key, value)
    assert words in str(err.value)


def test_bad_stored_values_fall_back_to_defaults() -> None:
    values, ignored = settings.effective({"damper_interval": 0, "resync_delay": 5, "other": 1})
    assert values["damper_interval"] == 20.0 and values["resync_delay"] == 5.0
    assert list(ignored) == ["damper_interval"] and "damper_interval" in ignored["damper_interval"]


def test_check_all_keeps_removals() -> None:
    assert settings.check_all({"resync_delay": None, "damping_window": "30"}) == {
        "resync_delay": None, "damping_window": 30.0}
