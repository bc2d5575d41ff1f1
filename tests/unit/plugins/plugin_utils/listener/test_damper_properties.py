"""Property-based tests of the damper: random timelines on a simulated clock.

A small driver plays the listener: it delivers notifications, runs every job
the damper dispatches (and some manual ones) with random latencies, failures,
hangs and read reports, and checks the invariants after every step.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.netsync.fleet.plugins.plugin_utils.listener import damper as d
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.damper import (
    IN_SYNC,
    OUT_OF_SYNC,
    STATUSES,
    SYNC_FAILED,
    SYNCHRONIZING,
    DeviceState,
    Settings,
)

OFFSET = 1.0e9  # the device's clock runs OFFSET ahead of the listener's
MODES = ("plain", "time", "seq", "both")
MAX_LAUNCH = 3.0
MAX_JOB = 13.0  # read + lag + finish
FAST = settings(max_examples=300, deadline=None)


@dataclass(frozen=True)
class JobPlan:
    launch: float
    read: float
    lag: float
    finish: float
    outcome: str  # ok | fail | hang (never ends) | lost (never starts)
    report: bool  # reports its read before finishing
    read_mode: str  # which commit identifiers the read report carries
    read_at: bool  # the report says when the read happened


OK_PLAN = JobPlan(0.5, 1.0, 0.0, 1.0, "ok", True, "both", True)


@dataclass
class Scenario:
    settings: Settings
    commits: list[tuple[float, str, float]]  # commit time, notification mode, latency
    manual: list[float]
    changes: list[tuple[float, Settings]]
    plans: list[JobPlan]


@dataclass
class Job:
    plan: JobPlan
    started: float | None = None
    read_at: float | None = None
    version: int = 0


@dataclass
class Sim:
    """The listener, the jobs and one device, on a simulated clock."""

    sc: Scenario
    state: DeviceState = field(init=False)
    heap: list[tuple[float, int, str, Any]] = field(default_factory=list)
    jobs: dict[str, Job] = field(default_factory=dict)
    live: set[str] = field(default_factory=set)
    timed_out: set[str] = field(default_factory=set)
    receipts: dict[int, float] = field(default_factory=dict)
    finished_ok: list[tuple[float, int]] = field(default_factory=list)
    store_version: int = 0
    now: float = 0.0

    def __post_init__(self) -> None:
        self.state = DeviceState("r1", self.sc.settings)
        self.times = [t for t, _seq, _lat in self.sc.commits]
        self.order = itertools.count()
        self.ids = itertools.count()
        self.plans = iter(self.sc.plans)
        for seq, (t, mode, latency) in enumerate(self.sc.commits, start=1):
            self.push(t + latency, "notify", (seq, mode))
        for t in self.sc.manual:
            self.push(t, "manual", None)
        for t, new in self.sc.changes:
            self.push(t, "settings", new)
        ends = [t + lat for t, _seq, lat in self.sc.commits] + self.sc.manual
        ends += [t for t, _change in self.sc.changes]
        self.push(max(ends, default=0.0) + 1.0, "final", None)

    def push(self, when: float, kind: str, arg: Any) -> None:
        heapq.heappush(self.heap, (when, next(self.order), kind, arg))

    def commit_time(self, version: int) -> float:
        return OFFSET + (self.times[version - 1] if version else -100.0)

    def launch(self, prefix: str) -> None:
        jid = f"{prefix}{next(self.ids)}"
        plan = next(self.plans, OK_PLAN)
        self.jobs[jid] = Job(plan)
        if plan.outcome != "lost":
            self.push(self.now + plan.launch, "start", jid)

    # -- events -----------------------------------------------------------
    def on_notify(self, arg: tuple[int, str]) -> None:
        seq, mode = arg
        before = self.state.status
        ct = self.commit_time(seq) if mode in ("time", "both") else None
        cs = seq if mode in ("seq", "both") else None
        decision = d.notify(self.state, self.now, ct, cs)
        self.receipts[seq] = self.now
        if decision.action == d.IGNORE:
            assert self.store_version >= seq  # really in the store already
            assert self.state.status == before
        elif decision.action == d.COVER and "already read" in decision.reason:
            assert self.state.status == before
        else:
            assert self.state.status == OUT_OF_SYNC
        if not self.state.settings.auto_resync:
            assert decision.action in (d.IGNORE, d.COVER, d.DISABLED)
        else:
            assert decision.action != d.DISABLED

    def on_start(self, jid: str) -> None:
        before = self.state.status
        decision = d.job_started(self.state, jid, self.now)
        if decision.action == d.REJECT:
            assert self.state.status == before
            assert self.live  # only a running job can make it refuse
            return
        assert decision.action == d.START, decision
        assert self.state.status == SYNCHRONIZING
        job = self.jobs[jid]
        job.started = self.now
        self.live.add(jid)
        assert len(self.live) <= 1, self.live
        self.push(self.now + job.plan.read, "read", jid)

    def on_read(self, jid: str) -> None:
        job = self.jobs[jid]
        job.read_at, job.version = self.now, bisect.bisect_right(self.times, self.now)
        if job.plan.report:
            self.push(self.now + job.plan.lag, "report", jid)
        if job.plan.outcome != "hang":
            self.push(self.now + job.plan.lag + job.plan.finish, "finish", jid)

    def on_report(self, jid: str) -> None:
        job = self.jobs[jid]
        mode = job.plan.read_mode
        ct = self.commit_time(job.version) if mode in ("time", "both") else None
        cs = job.version if mode in ("seq", "both") else None
        at = job.read_at if job.plan.read_at else None
        decisions = d.config_read(self.state, jid, self.now, ct, cs, read_at=at)
        expected = d.IGNORE if jid in self.timed_out else d.READ
        assert decisions[0].action == expected, decisions

    def on_finish(self, jid: str) -> None:
        job = self.jobs[jid]
        ok = job.plan.outcome == "ok"
        decisions = d.job_finished(self.state, jid, self.now, ok)
        self.live.discard(jid)
        if jid in self.timed_out:
            assert decisions[0].action == d.IGNORE
            return
        if not ok:
            assert decisions[0].action == d.FAIL and self.state.status == SYNC_FAILED
            return
        assert decisions[0].action == d.FINISH
        assert job.version >= self.store_version
        self.store_version = job.version
        assert job.started is not None
        self.finished_ok.append((job.started, job.version))
        assert (self.state.status == IN_SYNC) == (not self.state.backlog)
        assert self.state.status in (IN_SYNC, OUT_OF_SYNC)

    def on_settings(self, new: Settings) -> None:
        d.set_settings(self.state, new, self.now)

    def on_final(self, _arg: None) -> None:
        final = self.state.settings.with_overrides({"auto_resync": True, "job_timeout": 600.0})
        d.set_settings(self.state, final, self.now)

    def on_tick(self) -> None:
        for decision in d.tick([self.state], self.now):
            if decision.action == d.DISPATCH:
                self.launch("j")
            elif decision.action == d.TIMEOUT:
                if decision.job_id is not None:
                    self.timed_out.add(decision.job_id)
                    self.live.discard(decision.job_id)
                assert self.state.status == SYNC_FAILED

    # -- driver -----------------------------------------------------------
    def check(self) -> None:
        s = self.state
        assert s.status in STATUSES
        if s.status == IN_SYNC:  # nothing notified is missing from the store
            assert all(seq <= self.store_version for seq in self.receipts)
        if s.pending is not None:
            assert s.settings.auto_resync
        if s.settings.auto_resync and s.running is None and (s.backlog or s.failures):
            assert s.pending is not None
        restored = DeviceState.from_dict(json.loads(json.dumps(s.to_dict())))
        assert restored == s
        self.state = restored  # as if the listener restarted

    def run(self) -> None:
        for _step in range(100_000):
            wake = d.next_wakeup([self.state])
            if not self.heap and wake is None:
                break
            if self.heap and (wake is None or self.heap[0][0] <= wake):
                when, _order, kind, arg = heapq.heappop(self.heap)
                assert when >= self.now
                self.now = when
                if kind == "manual":
                    self.launch("m")
                else:
                    getattr(self, f"on_{kind}")(arg)
            else:
                assert wake is not None and wake >= self.now
                self.now = wake
                self.on_tick()
            self.check()
        else:
            raise AssertionError("simulation did not settle")
        s = self.state
        assert (s.pending, s.running, s.backlog, s.failures) == (None, None, {}, 0)
        assert s.status == IN_SYNC
        assert self.store_version == len(self.times)  # no commit left unsynced


# -- strategies ---------------------------------------------------------------
def floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def settings_st(auto: st.SearchStrategy[bool], timeouts: list[float]) -> st.SearchStrategy[Settings]:
    return st.builds(Settings, auto_resync=auto, resync_delay=floats(0, 40),
                     damping_window=floats(0, 40), damper_interval=floats(1, 30),
                     job_timeout=st.sampled_from(timeouts), max_retry_delay=floats(0, 200))


def plans_st(outcomes: list[str]) -> st.SearchStrategy[list[JobPlan]]:
    plan = st.builds(JobPlan, launch=floats(0, MAX_LAUNCH), read=floats(0, 5), lag=floats(0, 3),
                     finish=floats(0, 5), outcome=st.sampled_from(outcomes), report=st.booleans(),
                     read_mode=st.sampled_from(MODES), read_at=st.booleans())
    return st.lists(plan, max_size=30)


@st.composite
def scenarios(draw: st.DrawFn, faults: bool = True, max_gap: float = 60.0,
              max_commits: int = 25, max_latency: float = 40.0) -> Scenario:
    gaps = draw(st.lists(st.one_of(floats(0.01, 5), floats(0.01, max_gap)), max_size=max_commits))
    modes = st.sampled_from(MODES)
    latency = st.one_of(floats(0, min(2, max_latency)), floats(0, max_latency))
    commits = [(t, draw(modes), draw(latency)) for t in itertools.accumulate(gaps)]
    horizon = commits[-1][0] if commits else 100.0
    manual = draw(st.lists(floats(0, horizon), max_size=5))
    if faults:
        first = draw(settings_st(st.booleans(), [8.0, 15.0, 30.0, 600.0]))
        changes = draw(st.lists(st.tuples(floats(0, horizon),
                                          settings_st(st.booleans(), [8.0, 30.0, 600.0])),
                                max_size=3))
        plans = draw(plans_st(["ok", "ok", "ok", "fail", "hang", "lost"]))
    else:
        first = draw(settings_st(st.just(True), [600.0]))
        changes, plans = [], draw(plans_st(["ok"]))
    return Scenario(first, commits, manual, changes, plans)


# -- properties ---------------------------------------------------------------
@FAST
@given(scenarios())
def test_random_timelines_end_in_sync_with_nothing_unsynced(sc: Scenario) -> None:
    Sim(sc).run()


def latency_bound(s: Settings) -> float:
    return max(s.resync_delay, MAX_LAUNCH + MAX_JOB + s.damper_interval) + MAX_LAUNCH


def assert_prompt(sim: Sim) -> None:
    """Every notified commit is read by a job that started within the bound."""
    bound = latency_bound(sim.sc.settings)
    for seq, received in sim.receipts.items():
        starts = [start for start, version in sim.finished_ok if version >= seq]
        assert starts and min(starts) <= received + bound + 1e-6, (seq, received, starts)


@FAST
@given(scenarios(faults=False))
def test_every_commit_is_synced_promptly_without_faults(sc: Scenario) -> None:
    sim = Sim(sc)
    sim.run()
    assert_prompt(sim)


@settings(max_examples=100, deadline=None)
@given(scenarios(faults=False, max_commits=0), floats(2.0, 40.0),
       st.lists(st.tuples(floats(0.0, 1.0), st.sampled_from(MODES)), min_size=20, max_size=60))
def test_notification_storm_does_not_starve_the_device(
        base: Scenario, window: float, storm: list[tuple[float, str]]) -> None:
    """Notifications closer than the damping window, for a long time."""
    config = base.settings.with_overrides({"damping_window": window})
    start, t, commits = 5.0, 5.0, []
    for fraction, mode in storm:
        commits.append((t, mode, 0.0))
        t += 1e-3 + fraction * (window - 2e-3)  # always within the window
    sim = Sim(Scenario(config, commits, [], [], base.plans))
    sim.run()
    assert sim.state.burst_start == start  # one single burst
    first = min(started for started, _end in sim.finished_ok)
    # the pending job is never pushed out by later notifications of the burst
    assert start + config.resync_delay <= first <= start + config.resync_delay + MAX_LAUNCH
    assert_prompt(sim)
