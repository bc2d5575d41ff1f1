"""Command line of the simulator: ``python -m tests.sims.junos_sim --count N ...``.

Runs N simulators on one loop until SIGTERM/SIGINT. When all listen, writes the
known_hosts file and then the ready file (JSON: name -> port) atomically; removes the
ready file on exit.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
from pathlib import Path

from tests.sims.junos_sim import SimFleet


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Options of the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.sims.junos_sim", description="Run simulated Junos NETCONF devices."
    )
    parser.add_argument("--count", type=int, default=1, help="number of devices")
    parser.add_argument("--base-port", type=int, default=0, help="first port (consecutive); 0 = free ports")
    parser.add_argument("--prefix", default="r", help="host name prefix (r1, r2, ...)")
    parser.add_argument("--user", default="admin")
    parser.add_argument("--password", default="secret")
    parser.add_argument("--authorized-keys", type=Path, help="OpenSSH authorized_keys file for --user")
    parser.add_argument("--known-hosts", type=Path, help="known_hosts file to write")
    parser.add_argument("--ready-file", type=Path, help="JSON name -> port, written when ready")
    parser.add_argument("--host-key-dir", type=Path, help="keep host keys here across runs (created when missing)")
    return parser.parse_args(argv)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


async def run(args: argparse.Namespace) -> None:
    """Start the fleet, announce it, wait for a signal, stop."""
    keys: dict[str, list[str]] = {}
    if args.authorized_keys:
        keys[args.user] = [
            line for line in args.authorized_keys.read_text().splitlines() if line.strip() and not line.startswith("#")
        ]
    if args.host_key_dir:
        args.host_key_dir.mkdir(parents=True, exist_ok=True)
    fleet = SimFleet(
        args.count,
        prefix=args.prefix,
        base_port=args.base_port,
        host_key_dir=args.host_key_dir,
        users={args.user: args.password},
        authorized_keys=keys,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        ports = await fleet.start_async()
        if args.known_hosts:
            _write_atomic(args.known_hosts, "".join(f"{x}\n" for x in fleet.known_hosts_lines()))
        if args.ready_file:
            _write_atomic(args.ready_file, json.dumps(ports, indent=1, sort_keys=True) + "\n")
        print(f"junos sim: {len(ports)} devices listening", flush=True)
        await stop.wait()
    finally:
        await fleet.stop_async()
        if args.ready_file:
            args.ready_file.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    asyncio.run(run(parse_args(argv)))
    return 0
