"""The strategy's routing: resync tasks to the in-process runner with ansible-core's bookkeeping,
everything else to the base class's ``_queue_task``; missing internals mean every task goes to it."""
from __future__ import annotations

from typing import Any

from ansible_collections.netsync.fleet.plugins.plugin_utils.fleet_strategy import strategy as fs
from ansible_collections.netsync.fleet.plugins.plugin_utils.fleet_strategy.context import in_process


class Queue:
    def __init__(self) -> None:
        self.sent: list[Any] = []

    def send_task_result(self, result: Any) -> None:
        self.sent.append(result)


class Tqm:
    def __init__(self) -> None:
        self.callbacks: list[tuple[Any, ...]] = []

    def send_callback(self, name: str, *args: Any) -> None:
        self.callbacks.append((name, *args))


class Base:
    """Stands for ansible-core's linear StrategyModule."""

    def __init__(self, tqm: Any) -> None:
        self._tqm = tqm
        self._queued_task_cache: dict[Any, Any] = {}
        self._pending_results = 0
        self._final_q = Queue()
        self._loader = None
        self._variable_manager = None
        self._workers = [None, None, None]
        self.to_workers: list[str] = []
        self.cleaned = False

    def _queue_task(self, host: Any, task: Any, task_vars: Any, play_context: Any) -> None:
        self.to_workers.append(host.name)

    def cleanup(self) -> None:
        self.cleaned = True

    def _wait_on_pending_results(self, iterator: Any) -> list[Any]:
        self.waited = getattr(self, "waited", 0) + 1
        return []


class Strategy(fs.FleetStrategyMixin, Base):
    pass


class Host:
    def __init__(self, name: str) -> None:
        self.name = name


class Task:
    def __init__(self, action: str, **keywords: Any) -> None:
        self.action = action
        self._uuid = "uuid-" + action
        self.collections: list[str] = []
        self.connection = "ssh"
        names = ("name", "args", "when", "no_log", "vars", *fs._KEYWORD_ATTRS.values())
        self.fattributes = {key: None for key in names}
        for key in self.fattributes:
            setattr(self, key, keywords.get(key))

    def get_name(self) -> str:
        return self.action


class Runner:
    def __init__(self) -> None:
        self.submitted: list[str] = []
        self.direct: dict[str, bool] = {}
        self.closed = False
        self.releases = 0

    def submit(self, host: Any, task: Any, task_vars: Any, play_context: Any, direct: bool = False) -> None:
        self.submitted.append(host.name)
        self.direct[host.name] = direct

    def release_stores(self) -> None:
        self.releases += 1

    def close(self) -> None:
        self.closed = True


def strategy(monkeypatch: Any) -> Strategy:
    monkeypatch.setattr(fs, "_resolve", lambda name, collections: {"resync": "netsync.fleet.resync"}.get(name, name))
    s = Strategy(Tqm())
    s._netsync_runner = Runner()  # type: ignore[assignment]
    s._netsync_processes = 0  # threads here (the pool processes: tests/system)
    return s


def test_resync_hosts_are_queued_in_process_with_ansible_cores_bookkeeping(monkeypatch: Any) -> None:
    s = strategy(monkeypatch)
    task = Task("resync")
    for name in ("r1", "r2"):
        s._queue_task(Host(name), task, {"ansible_connection": "local"}, "pc")
    s._queue_task(Host("r3"), task, {"ansible_connection": "ansible.netcommon.network_cli"}, "pc")
    assert s._netsync_runner.submitted == []  # type: ignore[union-attr]  # started once all are queued
    s._wait_on_pending_results(None)
    assert s._netsync_runner.submitted == ["r1", "r2"] and s.waited == 1  # type: ignore[union-attr]
    assert s._netsync_runner.releases == 1  # type: ignore[union-attr]  # the task's store handles closed
    assert s.to_workers == ["r3"]
    assert s._pending_results == 2  # the base class counts r3 itself when it forks its worker
    assert sorted(s._queued_task_cache) == [("r1", "uuid-resync"), ("r2", "uuid-resync")]
    assert s._queued_task_cache[("r1", "uuid-resync")]["play_context"] == "pc"
    assert [(c[0], c[1].name) for c in s._tqm.callbacks] == [("v2_runner_on_start", "r1"), ("v2_runner_on_start", "r2")]


def test_other_tasks_and_resync_tasks_with_worker_keywords_go_to_workers(monkeypatch: Any) -> None:
    s = strategy(monkeypatch)
    s._queue_task(Host("r1"), Task("ansible.builtin.debug"), {}, "pc")
    s._queue_task(Host("r2"), Task("resync", delegate_to="localhost"), {}, "pc")
    s._wait_on_pending_results(None)
    assert s.to_workers == ["r1", "r2"] and s._netsync_runner.submitted == []  # type: ignore[union-attr]
    assert s._pending_results == 0 and s._tqm.callbacks == []


def test_missing_internals_send_every_task_to_workers(monkeypatch: Any) -> None:
    warnings: list[str] = []
    monkeypatch.setattr("ansible.utils.display.Display.warning", lambda self, msg, *a, **k: warnings.append(msg))
    monkeypatch.setattr(Base, "__init__", _without_cache)
    s = strategy(monkeypatch)
    s._queue_task(Host("r1"), Task("resync"), {}, "pc")
    assert s.to_workers == ["r1"]
    assert len(warnings) == 1 and "_queued_task_cache" in warnings[0]


def _without_cache(self: Any, tqm: Any) -> None:
    self._tqm, self._pending_results, self._final_q = tqm, 0, Queue()
    self._loader = self._variable_manager = None
    self._workers = []
    self.to_workers = []


def test_internals_missing_names_what_is_missing() -> None:
    class Bare:
        pass

    assert fs.internals_missing(Bare()) == "StrategyBase has no _queued_task_cache"
    base = Base(Tqm())
    assert fs.internals_missing(base) is None
    base._final_q = object()  # type: ignore[assignment]
    assert fs.internals_missing(base) == "the final queue has no send_task_result"


def test_a_templated_connection_is_templated_with_the_hosts_variables(monkeypatch: Any) -> None:
    s = strategy(monkeypatch)
    s._loader = __import__("ansible.parsing.dataloader", fromlist=["DataLoader"]).DataLoader()
    from ansible._internal._datatag._tags import TrustedAsTemplate  # as inventory values are

    task, conn = Task("resync"), TrustedAsTemplate().tag("{{ conn }}")
    s._queue_task(Host("r1"), task, {"ansible_connection": conn, "conn": "ansible.netcommon.network_cli"}, "pc")
    s._queue_task(Host("r2"), task, {"ansible_connection": conn, "conn": "local"}, "pc")
    s._wait_on_pending_results(None)
    assert s.to_workers == ["r1"] and s._netsync_runner.submitted == ["r2"]  # type: ignore[union-attr]


def test_cleanup_closes_the_pool_then_the_base(monkeypatch: Any) -> None:
    s = strategy(monkeypatch)
    runner = s._netsync_runner
    s.cleanup()
    assert runner.closed is True and s.cleaned is True and s._netsync_runner is None  # type: ignore[union-attr]


def test_in_process_is_false_outside_the_pool() -> None:
    assert in_process() is False


def test_plain_tasks_take_the_direct_path_on_connections_that_need_no_plugin(monkeypatch: Any) -> None:
    monkeypatch.delenv("NETSYNC_FLEET_DIRECT", raising=False)
    s = strategy(monkeypatch)
    plain = Task("resync", args={"origin": "manual"})
    s._queue_task(Host("r1"), plain, {"ansible_connection": "ansible.netcommon.netconf"}, "pc")
    s._queue_task(Host("r2"), plain, {}, "pc")  # the task's connection (ssh)
    s._queue_task(Host("r3"), plain, {"ansible_connection": "paramiko_ssh"}, "pc")  # its own port default: 22
    s._wait_on_pending_results(None)
    assert s._netsync_runner.direct == {"r1": True, "r2": True, "r3": False}  # type: ignore[union-attr]


def test_templated_or_conditional_tasks_go_through_the_task_executor(monkeypatch: Any) -> None:
    monkeypatch.delenv("NETSYNC_FLEET_DIRECT", raising=False)
    s = strategy(monkeypatch)
    tasks = {"r1": Task("resync", args={"origin": "{{ why }}"}), "r2": Task("resync", when=["x"]),
             "r3": Task("resync", name="resync {{ inventory_hostname }}"), "r4": Task("resync", vars={"a": "{{ b }}"})}
    for name, task in tasks.items():
        task._uuid = "uuid-" + name
        s._queue_task(Host(name), task, {}, "pc")
    s._wait_on_pending_results(None)
    # task vars are the host's own (templated lazily): not a reason
    assert s._netsync_runner.direct == {"r1": False, "r2": False, "r3": False, "r4": True}  # type: ignore[union-attr]


def test_direct_path_switched_off(monkeypatch: Any) -> None:
    monkeypatch.setenv("NETSYNC_FLEET_DIRECT", "0")
    s = strategy(monkeypatch)
    s._queue_task(Host("r1"), Task("resync"), {}, "pc")
    s._wait_on_pending_results(None)
    assert s._netsync_runner.direct == {"r1": False}  # type: ignore[union-attr]
