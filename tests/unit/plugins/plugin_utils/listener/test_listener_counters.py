"""The listener's counters reach the store (device_info, the report) when they change alone: the UDP
receiver's kernel drops are counted between messages, and must not wait for the next notification."""
from __future__ import annotations

from pathlib import Path

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.core import Listener


def test_a_counter_changed_alone_is_written_by_the_next_flush(tmp_path: Path) -> None:
    with st.open_store(str(tmp_path / "fleet.db")) as s:
        lis = Listener(s)
        assert not lis.has_unflushed()
        lis.counters["udp:kernel-drops"] = 7  # what UdpSyslog.poll_drops does at a pass
        assert lis.has_unflushed()
        lis.flush()
        assert (s.jobs.listener_counters() or {})["counters"]["udp:kernel-drops"] == 7
        assert not lis.has_unflushed()  # nothing more to write: an idle listener writes nothing
