"""Running the real ansible-rulebook with extensions/eda/rulebooks/auto_resync.yml in tests.

``RulebookRunner`` starts, stops and restarts one ansible-rulebook process group; the
``rulebook_runner`` fixture stops every process it started, even when a test fails.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

import pytest
import yaml

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from tests.system.helpers import REPO, VENV_BIN

RULEBOOK = REPO / "extensions/eda/rulebooks/auto_resync.yml"
JAVA_HOME = "/usr/lib/jvm/java-17-openjdk-amd64"
DEADLINE = 120.0


def free_port(kind: int = socket.SOCK_DGRAM) -> int:
    """A free loopback port (UDP by default)."""
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rulebook_env(store: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
        "ANSIBLE_COLLECTIONS_PATH": str(REPO / ".collections"),
        "ANSIBLE_NOCOLOR": "1",
        "NETSYNC_STORE": store,
        "PATH": "%s:%s" % (VENV_BIN, env.get("PATH", "")),
    })
    if "JAVA_HOME" not in env and Path(JAVA_HOME).is_dir():
        env["JAVA_HOME"] = JAVA_HOME
    return env


class RulebookRunner:
    """One ansible-rulebook at a time; logs appended to ``log``.

    ``rulebook`` is a path or a collection rulebook name (``netsync.fleet.auto_resync``);
    ``env_extra`` overrides the environment (e.g. ``ANSIBLE_COLLECTIONS_PATH``).
    """

    def __init__(self, workdir: Path, inventory: Path, store: str, variables: dict[str, Any],
                 rulebook: Path | str = RULEBOOK, source_dir: Optional[Path] = None,
                 env_extra: Optional[dict[str, str]] = None) -> None:
        self.workdir, self.inventory, self.store = workdir, inventory, store
        self.variables, self.rulebook, self.source_dir = variables, rulebook, source_dir
        self.env_extra = dict(env_extra or {})
        self.log = workdir / "rulebook.log"
        self.proc: Optional[subprocess.Popen[bytes]] = None
        self.starts = 0
        self.command = [str(VENV_BIN / "ansible-rulebook")]  # the benchmark may run a wrapper of it

    def start(self, ready: bytes = b"syslog UDP on") -> None:
        vars_file = self.workdir / "vars.yml"
        vars_file.write_text(yaml.safe_dump(self.variables))
        cmd = [*self.command, "--rulebook", str(self.rulebook), "-i", str(self.inventory),
               "--vars", str(vars_file), "-v"]
        if self.source_dir is not None:
            cmd += ["-S", str(self.source_dir)]
        mark = self.log.stat().st_size if self.log.exists() else 0
        env = dict(rulebook_env(self.store), **self.env_extra)
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(cmd, cwd=str(self.workdir), env=env, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        self.starts += 1
        self.wait_for("the listener to start", lambda: ready in self.log.read_bytes()[mark:])

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(20)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def wait_for(self, what: str, check: Callable[[], Any], timeout: float = DEADLINE) -> Any:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            value = check()
            if value:
                return value
            if self.proc is None or self.proc.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError("timed out waiting for %s; ansible-rulebook output:\n%s" % (what, self.output()[-5000:]))


@pytest.fixture
def rulebook_runner(tmp_path: Path) -> Iterator[Callable[..., RulebookRunner]]:
    """Factory of RulebookRunner; every runner is stopped at teardown."""
    runners: list[RulebookRunner] = []

    def make(inventory: Path, store: str, variables: dict[str, Any], **kwargs: Any) -> RulebookRunner:
        runner = RulebookRunner(tmp_path, inventory, store, variables, **kwargs)
        runners.append(runner)
        return runner

    yield make
    for runner in runners:
        runner.stop()


# -- reading the store ----------------------------------------------------------------------

def jobs_of(store: st.Store, device: str, origin: Optional[str] = None) -> list[dict[str, Any]]:
    """Jobs of ``device``, oldest first; only ``origin`` ones when given."""
    jobs = [j for j in store.jobs.recent(device) if origin is None or j["origin"] == origin]
    return sorted(jobs, key=lambda j: float(j["created_at"]))


def settled(store: st.Store, device: str, jobs: int, status: str = st.IN_SYNC) -> bool:
    """At least ``jobs`` auto jobs, all ended; the damper has nothing pending or running; ``status``."""
    done = jobs_of(store, device, "auto")
    state = store.jobs.load_damper_states().get(device, {})
    row = store.devices.get(device) or {}
    return (len(done) >= jobs and all(j["state"] in ("done", "failed") for j in done)
            and state.get("pending") is None and state.get("running") is None
            and state.get("status") == status and row.get("managed_status") == status)


def statuses(store: st.Store, device: str) -> list[str]:
    """The device's managed status history, oldest first."""
    return [r["status"] for r in store.devices.status_history(device, 1000)]
