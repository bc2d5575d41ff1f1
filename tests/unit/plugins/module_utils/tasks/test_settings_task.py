"""The settings module applies the same rules as the store and the damper, in check mode too."""
from __future__ import annotations

from pathlib import Path

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.device import TaskFailed, run_settings


@pytest.mark.parametrize("check_mode", [True, False])
@pytest.mark.parametrize("key,value,words", [
    ("damper_interval", 0.0, "damper_interval must be from 0.1 to 3600 seconds"),
    ("resync_delay", 1e12, "resync_delay must be from 0 to 86400 seconds"),
])
def test_out_of_bounds_settings_are_refused(tmp_path: Path, check_mode: bool, key: str, value: float,
                                            words: str) -> None:
    path = str(tmp_path / "fleet.db")
    st.open_store(path).close()
    with pytest.raises(TaskFailed) as err:
        run_settings({"store": path, key: value}, check_mode=check_mode, diff=False)
    assert words in err.value.msg
    with st.open_store(path) as store:
        assert store.devices.get_settings()[key] == st.DEFAULT_SETTINGS[key]
