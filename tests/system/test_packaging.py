"""The released collection: `ansible-galaxy collection build` holds only what users need; installed
into an empty collections path, it onboards, resyncs, runs the listener and the federation inventory
from outside the repository; ansible-builder makes build contexts for the EE and the DE."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import yaml

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from tests.system.helpers import REPO, VENV_BIN, listener_inventory
from tests.system.rulebook import RulebookRunner, free_port, settled

pytestmark = pytest.mark.system

NEEDED = ("plugins/modules/resync.py", "plugins/module_utils/store/__init__.py", "plugins/inventory/federation.py",
          "extensions/eda/rulebooks/auto_resync.yml", "extensions/eda/plugins/event_source/commit_events.py",
          "extensions/ee/execution-environment.yml", "extensions/ee/decision-environment.yml",
          "roles/onboard/tasks/main.yml", "roles/listener/tasks/main.yml", "playbooks/resync.yml",
          "meta/runtime.yml", "meta/execution-environment.yml", "requirements.txt", "bindep.txt",
          "docs/auto-resync.md", "MANIFEST.json")
NOT_WANTED = ("tests/", "benchmarks/", "scripts/", ".hypothesis/", ".venv/", ".collections/", ".demo/",
              "extensions/molecule",
              "Makefile", "ansible.cfg", "pyproject.toml", "requirements/")


@pytest.fixture(scope="module")
def tarball(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("build")
    proc = subprocess.run([str(VENV_BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(out),
                           str(REPO)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    [path] = list(out.glob("netsync-fleet-*.tar.gz"))
    return path


@pytest.fixture(scope="module")
def installed(tarball: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    cols = tmp_path_factory.mktemp("collections")
    proc = subprocess.run([str(VENV_BIN / "ansible-galaxy"), "collection", "install", "--force", str(tarball),
                           "-p", str(cols)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert (cols / "ansible_collections/netsync/fleet/MANIFEST.json").is_file()
    return cols


def test_tarball_holds_only_what_users_need(tarball: Path) -> None:
    with tarfile.open(tarball) as tar:
        names = tar.getnames()
    for path in NEEDED:
        assert path in names, path
    unwanted = [n for n in names if n.startswith(NOT_WANTED) or n in NOT_WANTED]
    assert unwanted == []


def _env(cols: Path, workdir: Path, store: str) -> dict[str, str]:
    cfg = workdir / "ansible.cfg"
    cfg.write_text("[defaults]\ncollections_path = %s\nhost_key_checking = True\nstdout_callback = ansible.posix.json\n"
                   % cols)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "PYTHONPATH"))}
    env.update({"ANSIBLE_CONFIG": str(cfg), "ANSIBLE_COLLECTIONS_PATH": str(cols), "NETSYNC_STORE": store,
                "PATH": "%s:%s" % (VENV_BIN, env.get("PATH", ""))})
    return env


def _run(cmd: list[str], workdir: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, cwd=str(workdir), env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, (cmd, proc.stdout[-3000:], proc.stderr[-3000:])
    return proc


@pytest.fixture
def stop_later() -> Iterator[list[Any]]:
    """Rulebook runners and processes to stop at teardown, even when the test failed."""
    things: list[Any] = []
    yield things
    for thing in things:
        if isinstance(thing, RulebookRunner):
            thing.stop()
        elif thing.poll() is None:
            thing.terminate()
            thing.wait(15)


def test_installed_collection_works_outside_the_repo(tmp_path: Path, installed: Path, junos_sim: Callable[..., Any],
                                                     stop_later: list[Any]) -> None:
    work = tmp_path / "elsewhere"
    work.mkdir()
    store = str(work / "fleet.db")
    env = _env(installed, work, store)
    udp = free_port()
    sim = junos_sim(hostname="r1")
    inv = listener_inventory(work, sim, udp)
    playbook = str(VENV_BIN / "ansible-playbook")
    _run([playbook, "-i", str(inv), "netsync.fleet.onboard"], work, env)
    with st.open_store(store) as s:
        assert s.devices.latest_snapshot("r1") is not None and s.devices.device_overrides("r1") == {"auto_resync": True}
        s.devices.set_settings({"resync_delay": 1, "damping_window": 1, "damper_interval": 0.5})

    # the listener: the collection's rulebook by name, the installed event source
    outside = {"ANSIBLE_CONFIG": env["ANSIBLE_CONFIG"], "ANSIBLE_COLLECTIONS_PATH": str(installed)}
    runner = RulebookRunner(work, inv, store, {"netsync_syslog_udp": "127.0.0.1:%d" % udp, "netsync_tick": 0.2},
                            rulebook="netsync.fleet.auto_resync", env_extra=outside)
    stop_later.append(runner)
    runner.start()
    sim.cli_commit(user="ops", set_commands=["set interfaces ge-0/0/2 description from-the-tarball"])
    with st.open_store(store) as s:
        runner.wait_for("the resync", lambda: settled(s, "r1", 1))
    runner.stop()
    _run([playbook, "-i", str(inv), "netsync.fleet.resync"], work, env)

    # the federation: the installed child server, the installed inventory plugin
    token = work / "site.token"
    token.write_text("t0ken-for-the-test\n")
    child_env = dict(env, PYTHONPATH=str(installed))
    child = subprocess.Popen([sys.executable, "-m", "ansible_collections.netsync.fleet.plugins.plugin_utils."
                              "federation_child.server", "--store", store, "--site", "lab", "--listen", "127.0.0.1:0",
                              "--token-file", str(token)], cwd=str(work), env=child_env, stdout=subprocess.PIPE,
                             text=True)
    stop_later.append(child)
    assert child.stdout is not None
    line = child.stdout.readline()
    assert line.startswith("listening on "), line
    (work / "sites.federation.yml").write_text(yaml.safe_dump({
        "plugin": "netsync.fleet.federation", "store": str(work / "master.db"), "refresh_interval": 0,
        "children": [{"name": "lab", "url": line.split()[-1], "token_file": str(token)}]}))
    listed = _run([str(VENV_BIN / "ansible-inventory"), "-i", "sites.federation.yml", "--list"], work, env)
    data = json.loads(listed.stdout)
    assert "r1" in data["_meta"]["hostvars"]
    assert "from-the-tarball" in json.dumps(data["_meta"]["hostvars"]["r1"])


def test_ansible_builder_contexts_for_the_ee_and_the_de(tmp_path: Path, tarball: Path, installed: Path) -> None:
    builder = VENV_BIN / "ansible-builder"
    assert builder.exists(), "ansible-builder is a test dependency (requirements/test.txt)"
    shipped = installed / "ansible_collections/netsync/fleet/extensions/ee"
    for name in ("execution-environment.yml", "decision-environment.yml", "requirements.yml"):
        shutil.copy(shipped / name, tmp_path / name)
    shutil.copy(tarball, tmp_path / "netsync-fleet.tar.gz")
    for name, wants in (("execution-environment.yml", "ansible-runner"),
                        ("decision-environment.yml", "ansible-rulebook")):
        context = tmp_path / ("ctx-" + name.split("-")[0])
        proc = subprocess.run([str(builder), "create", "-f", name, "-c", str(context)], cwd=str(tmp_path),
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        containerfile = next(p for p in (context / "Containerfile", context / "Dockerfile") if p.exists())
        text = containerfile.read_text()
        assert "ansible-galaxy collection install" in text and "introspect" in text
        assert (context / "_build/collections/netsync-fleet.tar.gz").is_file()
        assert wants in (context / "_build/requirements.txt").read_text() + text
    assert "java-17-openjdk-headless" in (tmp_path / "ctx-decision/_build/bindep.txt").read_text()

    # what the collection itself declares (meta/execution-environment.yml), as the build will see it
    proc = subprocess.run([str(builder), "introspect", str(installed)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "ncclient" in proc.stdout and "aiohttp" in proc.stdout and "openjdk-17-jre-headless" in proc.stdout
