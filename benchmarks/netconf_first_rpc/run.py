"""First RPC after the hello, under load: hangs and session time, ours against ncclient's default.

Starts 4 netconfd devices behind loopback sshd, loads both cores with busy processes, and
opens ``--sessions`` sessions (8 at a time) that each read the running configuration and
close, through the collection's ``open_session``. Variants, measured in the same run:

- ``ours``: our session class (TICK 0.002 for our sessions only, the first RPC resent when
  no byte came back within 1 s);
- ``no_resend``: the same tick without the resend (what main shipped before: shows the fault);
- ``ncclient_default``: ncclient's own TICK (0.1 s), the peer.

``python -m benchmarks.netconf_first_rpc.run --sessions 3000 --peer-sessions 1000``
"""
from __future__ import annotations

import argparse
import collections
import json
import multiprocessing
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO), str(REPO / ".collections")]

from ansible_collections.netsync.fleet.plugins.module_utils.device import session as netconf  # noqa: E402
from ansible_collections.netsync.fleet.plugins.module_utils.device.types import DeviceError  # noqa: E402
from tests.testbed.netconfd import NetconfdFleet  # noqa: E402

VARIANTS = {"ours": ("0.002", "1.0"), "no_resend": ("0.002", "0"), "ncclient_default": ("0.1", "0")}


def _burn(stop: Any) -> None:
    while not stop.is_set():
        pass


def run_variant(devices: list[Any], name: str, sessions: int, timeout: float) -> dict[str, Any]:
    os.environ["NETSYNC_NCCLIENT_TICK"], os.environ["NETSYNC_FIRST_REPLY_WAIT"] = VARIANTS[name]
    outcomes: collections.Counter[str] = collections.Counter()
    times: list[float] = []
    resent = [0]

    def one(i: int) -> None:
        dev = devices[i % len(devices)]
        target = netconf.Target(name=dev.name, host=dev.host, port=dev.port, username=dev.username,
                                password=dev.password, key_file=dev.key_file,
                                known_hosts_file=str(dev.known_hosts), timeout=timeout)
        start = time.perf_counter()
        try:
            with netconf.open_session(target) as session:
                session.read_config()
                resent[0] += getattr(session.manager._session, "resent", 0)
            outcomes["ok"] += 1
        except DeviceError as exc:
            outcomes[exc.kind] += 1
        times.append(time.perf_counter() - start)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, range(sessions)))
    times.sort()
    return {"variant": name, "sessions": sessions, "outcomes": dict(outcomes), "first_rpc_resent": resent[0],
            "median_s": round(statistics.median(times), 4), "p99_s": round(times[int(len(times) * 0.99)], 4)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=3000)
    parser.add_argument("--peer-sessions", type=int, default=1000)
    parser.add_argument("--burners", type=int, default=3, help="busy processes loading the 2 cores")
    parser.add_argument("--timeout", type=float, default=4.0)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results.json"))
    args = parser.parse_args(argv)
    stop = multiprocessing.Event()
    burners = [multiprocessing.Process(target=_burn, args=(stop,)) for _ in range(args.burners)]
    results = []
    with NetconfdFleet(4) as devices:
        for proc in burners:
            proc.start()
        try:
            for name in VARIANTS:
                count = args.sessions if name == "ours" else args.peer_sessions
                results.append(run_variant(devices, name, count, args.timeout))
                print(json.dumps(results[-1]), flush=True)
        finally:
            stop.set()
            for proc in burners:
                proc.join()
    ours, peer = results[0], results[-1]
    summary = {"load": os.getloadavg(), "results": results,
               "median_ratio_ours_to_ncclient_default": round(ours["median_s"] / peer["median_s"], 3)}
    Path(args.out).write_text(json.dumps(summary, indent=2) + "\n")
    print("median ratio ours/ncclient default: %.3f" % summary["median_ratio_ours_to_ncclient_default"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
