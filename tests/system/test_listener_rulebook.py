"""Auto-resync end to end: Junos simulator syslog -> real ansible-rulebook running
extensions/eda/rulebooks/auto_resync.yml -> netsync.fleet.resync playbook -> store."""
from __future__ import annotations

import shutil
import socket
import subprocess
from pathlib import Path
from typing import Any, Callable

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from tests.system.helpers import REPO, from_sim, run_playbook, write_inventory
from tests.system.rulebook import RulebookRunner, free_port, jobs_of, rulebook_runner, settled

pytestmark = pytest.mark.system

__all__ = ["rulebook_runner"]  # the fixture, imported for pytest
DEADLINE = 120.0


def auto_jobs(store: st.Store) -> list[dict[str, Any]]:
    return jobs_of(store, "r1", "auto")


def test_commit_burst_gives_one_resync_run(tmp_path: Path, junos_sim: Callable[..., Any],
                                           rulebook_runner: Callable[..., RulebookRunner]) -> None:
    store_url = str(tmp_path / "fleet.db")
    port = free_port()
    sim = junos_sim(hostname="r1")
    host = "set system syslog host 127.0.0.1"
    sim.cli_commit(set_commands=[f"{host} port {port}", f"{host} any notice", f"{host} structured-data"])
    known = sim.write_known_hosts(tmp_path / "known_hosts")
    inv = write_inventory(tmp_path / "inventory.yml", [from_sim("r1", sim)], known_hosts=known)
    run = run_playbook(REPO / "playbooks/onboard.yml", inv, store_url)
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-3000:]

    with st.open_store(store_url) as store:
        assert store.devices.latest_snapshot("r1")["version"] == 1  # type: ignore[index]
        store.devices.set_settings({"resync_delay": 3, "damping_window": 2, "damper_interval": 1})
        runner = rulebook_runner(inv, store_url, {"netsync_syslog_udp": f"127.0.0.1:{port}",
                                                  "netsync_tick": 0.2, "netsync_job_timeout": 120})
        runner.start()

        for n in range(3):  # a burst: one resync run syncs all three commits
            sim.cli_commit(user="ops", set_commands=[f"set interfaces ge-0/0/1 description burst-{n}"])
        runner.wait_for("one resync run", lambda: settled(store, "r1", 1))
        jobs = auto_jobs(store)
        assert len(jobs) == 1 and jobs[0]["state"] == "done"
        snap = store.devices.latest_snapshot("r1")
        assert snap is not None and snap["version"] == 2 and snap["job_id"] == jobs[0]["id"]
        config = store.devices.get_snapshot("r1", 2)
        assert config is not None and "burst-2" in config["rendered"]
        accepted = store.db.query("SELECT kind, accepted FROM notifications WHERE device = 'r1'")
        assert accepted and all(r["accepted"] == 1 for r in accepted)

        logger = shutil.which("logger")
        assert logger is not None, "util-linux logger is a test dependency (requirements/debian.txt)"
        subprocess.run([logger, "-n", "127.0.0.1", "-P", str(port), "-d", "--rfc5424", "-t", "mgd",
                        "--msgid", "UI_COMMIT_COMPLETED", "-p", "local7.notice", "commit complete"],
                       check=True, timeout=30)
        runner.wait_for("a resync run for the logger line", lambda: settled(store, "r1", 2))
        assert len(auto_jobs(store)) == 2
        assert store.devices.latest_snapshot("r1")["version"] == 2  # type: ignore[index]  # nothing changed


# -- the event source alone (no ansible-rulebook): UDP and TCP, arguments ---------------------

def _event_source() -> Any:
    from ansible_collections.netsync.fleet.extensions.eda.plugins.event_source import commit_events
    return commit_events


@pytest.mark.parametrize("args, words", [
    ({"syslog_udp": "nope"}, "syslog_udp must be 'host:port'"),
    ({"syslog_tcp": "127.0.0.1:99999"}, "port from 0 to 65535"),
    ({"tick": -1}, "tick must be a positive number"),
    ({"job_timeout": "soon"}, "job_timeout must be a number"),
    ({"stor": "x"}, "Unknown argument(s) stor"),
])
def test_event_source_rejects_bad_arguments(args: dict[str, Any], words: str) -> None:
    import asyncio
    with pytest.raises(ValueError, match=words.replace("(", r"\(").replace(")", r"\)")):
        asyncio.run(_event_source().main(asyncio.Queue(), args))


def test_event_source_udp_and_tcp_to_one_event(tmp_path: Path) -> None:
    import asyncio
    store_url = str(tmp_path / "fleet.db")
    with st.open_store(store_url) as store:
        store.devices.upsert("r1", "127.0.0.1", 830, "junos", {"hostname": "r1"})
        store.devices.set_settings({"resync_delay": 0.5})
    udp, tcp = free_port(), free_port(socket.SOCK_STREAM)
    line = (b"<189>1 2026-07-06T03:52:49.972Z r1 mgd 97400 UI_COMMIT_COMPLETED "
            b"[junos@2636.1.1.1.2.129 ] commit complete")

    async def scenario() -> dict[str, Any]:
        queue: asyncio.Queue[Any] = asyncio.Queue()
        task = asyncio.create_task(_event_source().main(queue, {
            "store": store_url, "syslog_udp": f"127.0.0.1:{udp}", "syslog_tcp": f"127.0.0.1:{tcp}",
            "tick": 0.1}))
        try:
            for _ in range(100):  # wait for the TCP server
                try:
                    _, writer = await asyncio.open_connection("127.0.0.1", tcp)
                    break
                except OSError:
                    await asyncio.sleep(0.1)
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                sock.sendto(b"\xff\xfe UI_COMMIT garbage", ("127.0.0.1", udp))
                sock.sendto(b"", ("127.0.0.1", udp))
            writer.write(b"%d " % len(line) + line + b"garbage UI_COMMIT line\n")
            await writer.drain()
            event = await asyncio.wait_for(queue.get(), DEADLINE)
            writer.close()
            return dict(event)
        finally:
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    event = asyncio.run(scenario())
    assert event["netsync"]["devices"] == ["r1"] and event["meta"] == {"hosts": ["r1"]}
    with st.open_store(store_url) as store:
        rows = store.db.query("SELECT source, accepted FROM notifications")
        assert rows == [{"source": "syslog-tcp:127.0.0.1", "accepted": 1}]
        assert store.jobs.load_damper_states()["r1"]["running"]["dispatched_at"] is not None
