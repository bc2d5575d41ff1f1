"""`make demo`: the main job on the embedded default, start to finish, printed as it happens.

Starts three simulated Junos devices on loopback, imports them into a fresh SQLite store with
the real `netsync.fleet.onboard` playbook, commits a change on one device as a CLI user would,
resyncs with `--diff`, and prints the status table and the stored diff.
"""
from __future__ import annotations

import datetime
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / ".collections"), str(REPO)]

from ansible_collections.netsync.fleet.plugins.module_utils import store as st  # noqa: E402
from ansible_collections.netsync.fleet.plugins.module_utils.tasks import run_device_info  # noqa: E402
from tests.sims.junos_sim import SimFleet  # noqa: E402
from tests.system.helpers import from_sim, write_inventory  # noqa: E402

WORK = REPO / ".demo"
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
        for dev in s.list_devices():
            snaps = s.list_snapshots(dev["name"])
            last = snaps[-1] if snaps else None
            rows.append((dev["name"], dev["platform"], dev["facts"].get("model") or "-", dev["managed_status"],
                         str(len(snaps)), when(dev["last_synced"]),
                         "%s @ %s" % (last["commit_user"], when(last["commit_time"])) if last else "-"))
    head = ("device", "platform", "model", "managed status", "snapshots", "last synced", "last commit")
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
    for row in [head] + rows:
        print("  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))


def main() -> int:
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir()
    store_url = str(WORK / "fleet.db")
    say("Starting 3 simulated Junos devices (NETCONF over SSH on 127.0.0.1)")
    fleet = SimFleet(3, users={"admin": "secret"})
    try:
        ports = fleet.start()
        sims = sorted(fleet.sims, key=lambda s: s.hostname)
        for sim in sims:
            print("  %s  127.0.0.1:%d" % (sim.hostname, ports[sim.hostname]))
        known = fleet.write_known_hosts(WORK / "known_hosts")
        inventory = write_inventory(WORK / "inventory.yml", [from_sim(s.hostname, s) for s in sims],
                                    known_hosts=known)

        say("Onboarding: import each device (facts + first snapshot) into the SQLite store %s" % store_url)
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

        say("Stored diff of %s between snapshot 1 and 2 (netsync.fleet.device_info)" % target.hostname)
        info = run_device_info({"store": store_url, "name": target.hostname, "version": None,
                                "diff_from": 1, "diff_to": 2, "history": 0})
        print(info["diff"])
    finally:
        fleet.stop()
    say("Done. The store is %s; the simulated devices are stopped." % store_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
