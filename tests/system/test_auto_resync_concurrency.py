"""The listener under ansible-rulebook and four ansible-playbook runs at once on one store, while
the devices commit: no lock errors, no lost or duplicate snapshot versions, every device back
`In Sync` with its last commit stored — on SQLite and on PostgreSQL."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any, Callable

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from tests.system.helpers import REPO, VENV_BIN, ansible_env, from_sim, run_playbook, write_inventory
from tests.system.rulebook import RulebookRunner, free_port, jobs_of, rulebook_runner, settled

pytestmark = pytest.mark.system
__all__ = ["rulebook_runner"]

DEVICES = 6
ERRORS = ("locked", "deadlock", "could not serialize", "traceback")


def _messages(rows: list[dict[str, Any]]) -> dict[str, int]:
    """Messages per kind; a row "(and N more like it)" stands for N + 1."""
    out: dict[str, int] = {}
    for row in rows:
        more = re.search(r"\(and (\d+) more like it\)", row["reason"])
        out[row["kind"]] = out.get(row["kind"], 0) + 1 + (int(more.group(1)) if more else 0)
    return out


def _all_settled(store: st.Store, names: list[str]) -> bool:
    return all(settled(store, name, 1) for name in names)


def test_four_playbooks_and_the_listener_on_one_store(tmp_path: Path, junos_fleet: Callable[..., Any],
                                                      rulebook_runner: Callable[..., RulebookRunner],
                                                      store_url: str) -> None:
    udp = free_port()
    fleet = junos_fleet(DEVICES, users={"admin": "secret"})
    known = fleet.write_known_hosts(tmp_path / "known_hosts")
    ssh_config = tmp_path / "ssh_config"
    ssh_config.write_text("Host *\n  UserKnownHostsFile %s\n" % known)
    names = sorted(s.hostname for s in fleet.sims)
    inv = write_inventory(tmp_path / "inv.yml", [from_sim(s.hostname, s) for s in fleet.sims], known_hosts=known,
                          extra_vars={"netsync_listener_host": "127.0.0.1", "netsync_listener_port": udp})
    run = run_playbook(REPO / "playbooks/onboard.yml", inv, store_url, "--forks", str(DEVICES))
    assert run.rc == 0, run.stdout[-3000:]

    with st.open_store(store_url) as store:
        store.devices.set_settings({"resync_delay": 1, "damping_window": 1, "damper_interval": 0.5})
        runner = rulebook_runner(inv, store_url, {"netsync_syslog_udp": "127.0.0.1:%d" % udp, "netsync_tick": 0.2})
        runner.start()

        env = ansible_env(store_url)
        base = [str(VENV_BIN / "ansible-playbook"), "-i", str(inv), "--forks", str(DEVICES)]
        netconf = ["-e", "ansible_connection=ansible.netcommon.netconf",
                   "-e", "ansible_network_os=junipernetworks.junos.junos",
                   "-e", "ansible_netconf_ssh_config=%s" % ssh_config, "-e", "netsync_description=in-band"]
        commands = [
            base + [str(REPO / "playbooks/resync.yml")],
            base + [str(REPO / "playbooks/resync.yml")],
            base + [str(REPO / "tests/system/playbooks/commit_notify_describe.yml")] + netconf,
            base + [str(REPO / "tests/system/playbooks/device_info.yml")],
        ]
        env_for = [env, env, dict(env, ANSIBLE_CALLBACKS_ENABLED="netsync.fleet.commit_notify"), env]
        procs = [subprocess.Popen(cmd, cwd=str(REPO), env=e, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True) for cmd, e in zip(commands, env_for, strict=True)]
        for round_ in range(3):  # out-of-band commits while the playbooks run
            for sim in fleet.sims:
                sim.cli_commit(user="ops", set_commands=["set interfaces ge-0/0/5 description oob-%d" % round_])
        outputs = [p.communicate(timeout=600)[0] for p in procs]
        assert [p.returncode for p in procs] == [0, 0, 0, 0], "\n----\n".join(o[-2500:] for o in outputs)

        runner.wait_for("every device back In Sync", lambda: _all_settled(store, names), timeout=240)
        logs = "\n".join(outputs) + runner.output()
        assert not [e for e in ERRORS if e in logs.lower()], logs[-5000:]
        for name in names:
            versions = [int(x["version"]) for x in store.devices.list_snapshots(name)]
            assert versions == list(range(1, len(versions) + 1)) and len(versions) >= 2, (name, versions)
            latest = store.devices.get_snapshot(name, versions[-1])
            assert latest is not None
            assert "description oob-2" in latest["rendered"] and "description in-band" in latest["rendered"]
            jobs = store.jobs.recent(name)
            assert all(j["state"] == "done" for j in jobs), (name, jobs)
            auto = jobs_of(store, name, "auto")
            # 7 notifications per device (3 commits x UI_COMMIT + UI_COMMIT_COMPLETED, 1 in-band): damped
            # into the pending job, or into one follow-up of a running one; seen here: 2 per device
            assert 1 <= len(auto) <= 3, (name, len(auto))
            # every message the listener accepted, by kind ("and N more like it": one row, several messages):
            # 3 CLI commits and the in-band one (UI_COMMIT_COMPLETED), the callback's inbox row, and the first
            # UI_COMMIT only (later ones are covered by the completions the device is then known to send)
            rows = store.db.query("SELECT kind, reason FROM notifications WHERE device = ? AND accepted = 1",
                                  (name,))
            assert _messages(rows) == {"commit-started": 1, "commit": 4, "inbox": 1}, (name, rows)
