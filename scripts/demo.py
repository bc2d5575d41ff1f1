"""`make demo`: the main job on the embedded default, start to finish, printed as it happens.

Starts three simulated Junos devices on loopback, onboards them into a fresh SQLite store with
the real `netsync.fleet.onboard` playbook (import, auto-resync on: a syslog stanza towards the
listener, first snapshot), commits a change on one device as a CLI user would, resyncs with
`--diff`, and prints the status table and the stored diff. Then it starts the listener under
the real ansible-rulebook (`extensions/eda/rulebooks/auto_resync.yml`), makes a burst of three
commits on another device, and shows the one damped resync and the status history. It ends by
exporting the store's history to a git repository (`netsync.fleet.git_export`, one commit per
snapshot, authors and dates from the devices) and printing its `git log`.

Everything is written under `.demo/` of the checkout (emptied first), or under the folder
`NETSYNC_DEMO_DIR` names, which must be missing or empty (`tests/system/test_demo.py` runs the
demo that way).
"""
from __future__ import annotations

import datetime
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / ".collections"), str(REPO)]

from ansible_collections.netsync.fleet.plugins.module_utils import store as st  # noqa: E402
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.device import run_device_info  # noqa: E402
from tests.sims.junos_sim import SimFleet  # noqa: E402
from tests.system.helpers import from_sim, write_inventory  # noqa: E402
from tests.system.rulebook import RulebookRunner, free_port, settled  # noqa: E402

WORK = Path(os.environ.get("NETSYNC_DEMO_DIR") or REPO / ".demo").resolve()
BOLD, DIM, END = ("\033[1m", "\033[2m", "\033[0m") if sys.stdout.isatty() else ("", "", "")


def say(text: str) -> None:
    print("\n%s==> %s%s" % (BOLD, text, END), flush=True)


def playbook(name: str, inventory: Path, *args: str) -> None:
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), NETSYNC_STORE=str(WORK / "fleet.db"),
               ANSIBLE_FORCE_COLOR="1" if sys.stdout.isatty() else "0")
    cmd = [str(REPO / ".venv/bin/ansible-playbook"), "-i", str(inventory), str(REPO / "playbooks" / name), *args]
    print("%s$ ansible-playbook -i .demo/inventory.yml playbooks/%s %s%s" % (DIM, name, " ".join(args), END))
    subprocess.run(cmd, cwd=str(REPO), env=env, check=True)


def when(epoch: float | None) -> str:
    if not epoch:
        return "-"
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%H:%M:%S")


def status_table(store_url: str) -> None:
    with st.open_store(store_url) as s:
        rows = []
        for dev in s.devices.all():
            snaps = s.devices.list_snapshots(dev["name"])
            last = snaps[-1] if snaps else None
            rows.append((dev["name"], dev["platform"], dev["facts"].get("model") or "-", dev["managed_status"],
                         str(len(snaps)), when(dev["last_synced"]),
                         "%s @ %s" % (last["commit_user"], when(last["commit_time"])) if last else "-"))
    head = ("device", "platform", "model", "managed status", "snapshots", "last synced", "last commit")
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
    for row in [head] + rows:
        print("  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))


def auto_resync(store_url: str, inventory: Path, udp: int, sim: Any) -> None:
    """The listener under ansible-rulebook; a burst of commits; one damped resync."""
    fast = {"resync_delay": 3, "damping_window": 3, "damper_interval": 1}
    with st.open_store(store_url) as store:
        store.devices.set_settings(fast)
    say("Auto-resync: starting the listener under ansible-rulebook (settings scaled down for the demo: %s)"
        % ", ".join("%s %ss" % kv for kv in fast.items()))
    print("%s$ ansible-rulebook --rulebook extensions/eda/rulebooks/auto_resync.yml -i .demo/inventory.yml "
          "--vars .demo/vars.yml%s" % (DIM, END))
    runner = RulebookRunner(WORK, inventory, store_url, {"netsync_syslog_udp": "127.0.0.1:%d" % udp,
                                                         "netsync_tick": 0.2, "netsync_batch_window": 0.2})
    try:
        runner.start(ready=b"Waiting for events")  # the rules engine is up, not only the source
        name = sim.hostname
        say("A burst: user 'ops' commits 3 times on %s; the device sends each commit to the listener" % name)
        with st.open_store(store_url) as store:
            since = store.clock()
            for n in range(3):
                sim.cli_commit(user="ops", set_commands=["set interfaces ge-0/0/3 description burst-%d" % n])
                print("  %+6.2fs  commit %d on %s" % (store.clock() - since, n + 1, name))
            runner.wait_for("the damped resync", lambda: settled(store, name, 1))
            print("\n  status history of %s (seconds after the first commit):" % name)
            for row in store.devices.status_history(name, 20):
                if float(row["at"]) >= since:
                    print("  %+6.2fs  %-14s %s" % (float(row["at"]) - since, row["status"], row["reason"]))
            print("\n  notifications the listener recorded for %s:" % name)
            for row in store.db.query("SELECT received_at, source, reason FROM notifications WHERE device = ? "
                                      "AND received_at >= ? ORDER BY id", (name, since)):
                print("  %+6.2fs  %-22s %s" % (float(row["received_at"]) - since, row["source"], row["reason"]))
            jobs = [j for j in store.jobs.recent(name) if j["origin"] == "auto"]
            print("\n  %d resync job for 3 commits (%s); latest snapshot v%s"
                  % (len(jobs), ", ".join(j["id"] for j in jobs),
                     (store.devices.latest_snapshot(name) or {}).get("version")))
        runs = [line for line in runner.output().splitlines() if "commit_events: resync" in line]
        print("  listener events: %s" % ("; ".join(line.split(" - ")[-1] for line in runs) or "none"))
    finally:
        runner.stop()


def git_history(inventory: Path, devices: list[str]) -> None:
    """Export every snapshot to .demo/configs and show it the way engineers look at history."""
    repo = WORK / "configs"
    say("Git export: every snapshot becomes one commit in %s (author and date from the device)" % repo)
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), NETSYNC_STORE=str(WORK / "fleet.db"))
    cmd = [str(REPO / ".venv/bin/ansible"), "-i", str(inventory), "localhost", "-m", "netsync.fleet.git_export",
           "-a", "repo=%s" % repo]
    print("%s$ ansible -i .demo/inventory.yml localhost -m netsync.fleet.git_export -a repo=.demo/configs%s"
          % (DIM, END))
    out = subprocess.run(cmd, cwd=str(REPO), env=env, check=True, capture_output=True, text=True).stdout
    result = json.loads(out[out.index("{"):])
    print("  %d commits for %s; branch %s at %s" % (result["commits"], ", ".join(result["devices"]),
                                                    result["branch"], (result["head"] or "-")[:12]))
    paths = ["routers/%s" % d for d in devices]
    print("%s$ git -C .demo/configs log -- %s%s" % (DIM, " ".join(paths), END), flush=True)
    subprocess.run(["git", "-C", str(repo), "--no-pager", "log", "--date=format:%Y-%m-%d %H:%M:%S",
                    "--format=%h  %ad  %<(6)%an %s", "--", *paths], check=True)
    print("%s$ git -C .demo/configs log -1 --format=%%B -- %s   (the listener's damped job)%s"
          % (DIM, paths[-1], END), flush=True)
    subprocess.run(["git", "-C", str(repo), "--no-pager", "log", "-1", "--format=%B", "--", paths[-1]], check=True)
    print("%s$ git -C .demo/configs log -1 -p -- %s   (set lines a Junos engineer can paste)%s"
          % (DIM, paths[1], END), flush=True)
    subprocess.run(["git", "-C", str(repo), "--no-pager", "log", "-1", "-p", "--format=%an, %ad: %s",
                    "--date=format:%Y-%m-%d %H:%M:%S", "--", paths[1]], check=True)


def main() -> int:
    if os.environ.get("NETSYNC_DEMO_DIR"):
        if WORK.exists() and any(WORK.iterdir()):
            print("NETSYNC_DEMO_DIR=%s is not empty: the demo writes only into a new or empty folder" % WORK,
                  file=sys.stderr)
            return 2
    else:
        shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True, exist_ok=True)
    store_url = str(WORK / "fleet.db")
    say("Starting 3 simulated Junos devices (NETCONF over SSH on 127.0.0.1)")
    fleet = SimFleet(3, users={"admin": "secret"})
    try:
        ports = fleet.start()
        sims = sorted(fleet.sims, key=lambda s: s.hostname)
        for sim in sims:
            print("  %s  127.0.0.1:%d" % (sim.hostname, ports[sim.hostname]))
        known = fleet.write_known_hosts(WORK / "known_hosts")
        udp = free_port()
        inventory = write_inventory(WORK / "inventory.yml", [from_sim(s.hostname, s) for s in sims],
                                    known_hosts=known, extra_vars={"netsync_listener_host": "127.0.0.1",
                                                                   "netsync_listener_port": udp})

        say("Onboarding: import each device (facts + first snapshot) into the SQLite store %s, and enable "
            "auto-resync (commit messages to the listener at 127.0.0.1:%d)" % (store_url, udp))
        playbook("onboard.yml", inventory)

        target = sims[1]
        say("Out-of-band change: user 'ops' commits on %s from the CLI" % target.hostname)
        commands = ["set interfaces ge-0/0/1 description \"uplink to core-2\"",
                    "set interfaces ge-0/0/1 mtu 9192"]
        for command in commands:
            print("  [edit] ops@%s# %s" % (target.hostname, command))
        target.cli_commit(user="ops", set_commands=commands, comment="demo change")
        print("  commit complete")

        say("Resync every device (a new snapshot only where the configuration changed)")
        playbook("resync.yml", inventory, "--diff")

        say("Status of the store")
        status_table(store_url)

        with st.open_store(store_url) as s:
            latest = int((s.devices.latest_snapshot(target.hostname) or {"version": 1})["version"])
        say("Stored diff of %s between snapshot %d and %d (netsync.fleet.device_info)"
            % (target.hostname, latest - 1, latest))
        info = run_device_info({"store": store_url, "name": target.hostname, "version": None,
                                "diff_from": latest - 1, "diff_to": latest, "history": 0})
        print(info["diff"])

        auto_resync(store_url, inventory, udp, sims[2])
        git_history(inventory, [s.hostname for s in sims])
    finally:
        fleet.stop()
    say("Done. The store is %s; the simulated devices are stopped." % store_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
