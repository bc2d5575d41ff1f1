"""NETCONF notifications, pure part and listener ingest: no servers (fake clock, fake sessions)."""
from __future__ import annotations

import queue
import threading
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.notify_inventory import (
    load_inventory_targets, wanted_targets,
)
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener._notify_session import NcclientSubscription
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.core import Listener
from ansible_collections.netsync.fleet.plugins.module_utils.device.session import DeviceError, Target
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.notify import (
    Backoff, NotificationParseError, SubscriptionManager, parse_event_time, parse_notification,
    wants_subscription,
)

T0 = 1_000_000.0
# What netconfd (yuma123 2.13, ietf-netconf-notifications loaded) sent for an edit-config + commit.
CHANGE = b"""<?xml version="1.0" encoding="UTF-8"?>
<notification xmlns="urn:ietf:params:xml:ns:netconf:notification:1.0">
  <eventTime>2026-11-22T03:34:09Z</eventTime>
  <netconf-config-change xmlns="urn:ietf:params:xml:ns:yang:ietf-netconf-notifications">
    <changed-by>
      <username>netsync-oob</username>
      <session-id>2</session-id>
      <source-host>127.0.0.1</source-host>
    </changed-by>
    <edit>
      <target
        xmlns:if="urn:ietf:params:xml:ns:yang:ietf-interfaces">/if:interfaces/if:interface[if:name='eth0']/if:description</target>
      <operation>replace</operation>
    </edit>
    <edit>
      <target
        xmlns:if="urn:ietf:params:xml:ns:yang:ietf-interfaces">/if:interfaces/if:interface[if:name='eth1']/if:description</target>
      <operation>replace</operation>
    </edit>
  </netconf-config-change>
</notification>"""
SESSION_START = b"""<notification xmlns="urn:ietf:params:xml:ns:netconf:notification:1.0">
  <eventTime>2026-11-22T03:33:34Z</eventTime>
  <netconf-session-start xmlns="urn:ietf:params:xml:ns:yang:ietf-netconf-notifications">
    <username>netsync-oob</username><session-id>2</session-id><source-host>127.0.0.1</source-host>
  </netconf-session-start></notification>"""
STARTUP_CHANGE = CHANGE.replace(b"</changed-by>", b"</changed-by><datastore>startup</datastore>")


# -- parsing ------------------------------------------------------------------------------------
def test_parse_netconfd_config_change() -> None:
    change = parse_notification(CHANGE)
    assert change is not None
    assert (change.user, change.session_id, change.source_host) == ("netsync-oob", "2", "127.0.0.1")
    assert change.event_time == parse_event_time("2026-11-22T03:34:09Z") == 1795318449.0
    assert change.datastore == "running"
    assert change.edits == ("replace /if:interfaces/if:interface[if:name='eth0']/if:description",
                            "replace /if:interfaces/if:interface[if:name='eth1']/if:description")
    assert change.summary()["session_id"] == "2"


def test_parse_other_notifications_and_datastores() -> None:
    assert parse_notification(SESSION_START) is None
    startup = parse_notification(STARTUP_CHANGE)
    assert startup is not None and startup.datastore == "startup"
    server = parse_notification(CHANGE.replace(b"<username>netsync-oob</username>", b"<server/>"))
    assert server is not None and server.user == "(server)"
    bare = parse_notification(b'<notification xmlns="urn:ietf:params:xml:ns:netconf:notification:1.0">'
                              b'<netconf-config-change xmlns="urn:ietf:params:xml:ns:yang:ietf-netconf-'
                              b'notifications"/></notification>')
    assert bare is not None and (bare.event_time, bare.user, bare.edits) == (None, None, ())


@pytest.mark.parametrize("data, reason", [
    (b"not xml at all", "bad-xml"),
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><notification/>', "bad-xml"),
    (b"<rpc-reply xmlns='urn:ietf:params:xml:ns:netconf:base:1.0'><ok/></rpc-reply>", "not-a-notification"),
    (b"<notification>" + b"x" * (1024 * 1024) + b"</notification>", "too-large"),
])
def test_parse_refuses_malformed(data: bytes, reason: str) -> None:
    with pytest.raises(NotificationParseError) as exc:
        parse_notification(data)
    assert exc.value.reason == reason


@pytest.mark.parametrize("text, expected", [
    ("2026-11-22T03:34:09Z", 1795318449.0),
    ("2026-11-22T05:34:09.25+02:00", 1795318449.25),
    ("2026-11-21T22:34:09-05:00", 1795318449.0),
    ("2026-13-22T03:34:09Z", None),
    ("yesterday", None),
    (None, None),
])
def test_event_time(text: Optional[str], expected: Optional[float]) -> None:
    assert parse_event_time(text) == expected


@pytest.mark.parametrize("platform, overrides, wanted", [
    ("netconf", {"auto_resync": True}, True),
    ("netconf", {"auto_resync": False}, True),  # disabled: notified, no job
    ("netconf", {}, False),  # never enabled
    ("netconf", {"resync_delay": 5}, False),
    ("junos", {"auto_resync": True}, False),  # Junos notifies by syslog
])
def test_wants_subscription(platform: str, overrides: dict[str, Any], wanted: bool) -> None:
    assert wants_subscription(platform, overrides) is wanted


# -- backoff and the subscription manager -------------------------------------------------------
def test_backoff_doubles_up_to_the_cap_with_bounded_jitter() -> None:
    backoff = Backoff(initial=1.0, factor=2.0, cap=10.0, jitter=0.25)
    assert [backoff.delay(n, 0.0) for n in range(1, 7)] == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    assert backoff.delay(3, 0.999) == pytest.approx(4.0 * (1 - 0.25 * 0.999))
    assert backoff.delay(10_000, 0.5) == 10.0 * 0.875
    with pytest.raises(ValueError):
        Backoff(initial=5.0, cap=1.0)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


class FakeHandle:
    def __init__(self, target: Any) -> None:
        self.target = target
        self.state = "connecting"
        self.subscribed = False
        self.error: Optional[str] = None
        self.message = ""
        self.closed = False

    def up(self) -> None:
        self.state, self.subscribed = "up", True

    def down(self, error: str = "unreachable") -> None:
        self.state, self.error, self.message = "down", error, "cannot reach it"

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def manager() -> tuple[SubscriptionManager, Clock, list[tuple[str, FakeHandle]]]:
    clock = Clock()
    opened: list[tuple[str, FakeHandle]] = []

    def opener(name: str, target: Any) -> FakeHandle:
        handle = FakeHandle(target)
        opened.append((name, handle))
        return handle
    return SubscriptionManager(opener, clock, Backoff(initial=1.0, cap=8.0, jitter=0.5), rand=lambda: 0.0), \
        clock, opened


def test_manager_subscribes_retries_with_backoff_and_counts_reconnects(manager: Any) -> None:
    mgr, clock, opened = manager
    mgr.update({"nc01": "target-a"})
    assert mgr.poll() == [] and [n for n, _ in opened] == ["nc01"]
    opened[-1][1].down()  # first attempt fails: retries at 1, 2, 4, 8, 8 s
    delays = []
    for _ in range(5):
        events = mgr.poll()
        assert [e.kind for e in events] == ["failed"]
        delays.append(events[0].retry_in)
        assert mgr.next_wakeup() == clock.now + events[0].retry_in
        clock.now += events[0].retry_in - 0.001
        assert mgr.poll() == [] and len(opened) == len(delays)  # not yet due
        clock.now += 0.001
        mgr.poll()
        opened[-1][1].down()
    assert delays == [1.0, 2.0, 4.0, 8.0, 8.0]
    mgr.poll()
    clock.now += 8.0
    mgr.poll()
    opened[-1][1].up()
    first_up = mgr.poll()
    assert [(e.kind, e.reconnect) for e in first_up] == [("up", False)] and mgr.is_up("nc01")
    clock.now += mgr.stable_after
    opened[-1][1].down("malformed_reply")  # a stable session lost: reconnect after the first delay again
    lost = mgr.poll()
    assert [(e.kind, e.error, e.retry_in) for e in lost] == [("lost", "malformed_reply", 1.0)]
    assert opened[-1][1].closed and not mgr.is_up("nc01")
    clock.now += 1.0
    mgr.poll()
    opened[-1][1].up()
    again = mgr.poll()
    assert [(e.kind, e.reconnect, e.reconnects) for e in again] == [("up", True, 1)]
    assert mgr.counters["netconf:reconnects"] == 1 and mgr.counters["netconf:lost"] == 1
    assert mgr.counters["netconf:failed"] == 6 and mgr.counters["netconf:failed:unreachable"] == 6


def test_flapping_device_backs_off_and_catches_up_once(manager: Any) -> None:
    """A device that drops every session right after subscribing is retried at growing delays, and
    the restored subscription yields one catch-up once it is stable, not one per reconnect."""
    mgr, clock, opened = manager
    mgr.update({"nc01": "a"})
    mgr.poll()
    opened[-1][1].up()
    assert [(e.kind, e.reconnect) for e in mgr.poll()] == [("up", False)]
    clock.now += mgr.stable_after  # a stable first session, then flaps
    delays, catch_ups = [], 0
    for _ in range(5):
        opened[-1][1].down()
        lost = mgr.poll()
        assert [e.kind for e in lost] == ["lost"]
        delays.append(lost[0].retry_in)
        clock.now += lost[0].retry_in
        mgr.poll()
        opened[-1][1].up()
        events = mgr.poll()
        assert [(e.kind, e.reconnect) for e in events] == [("up", True)]
        clock.now += 0.5  # drops half a second after subscribing
        catch_ups += sum(e.kind == "catch_up" for e in mgr.poll())
    assert delays == [1.0, 2.0, 4.0, 8.0, 8.0]
    assert catch_ups == 0
    clock.now += mgr.stable_after  # now it stays up
    assert [(e.kind, e.device) for e in mgr.poll()] == [("catch_up", "nc01")]
    clock.now += mgr.stable_after
    assert mgr.poll() == []  # once
    opened[-1][1].down()
    assert mgr.poll()[0].retry_in == 1.0  # a stable session's loss starts again at the first delay
    assert mgr.counters["netconf:catch-ups"] == 1 and mgr.counters["netconf:reconnects"] == 5


def test_manager_jitter_comes_from_rand() -> None:
    clock = Clock()
    handles: list[FakeHandle] = []

    def opener(name: str, target: Any) -> FakeHandle:
        handles.append(FakeHandle(target))
        return handles[-1]
    mgr = SubscriptionManager(opener, clock, Backoff(initial=4.0, cap=60.0, jitter=0.5), rand=lambda: 0.5)
    mgr.update({"nc01": 1})
    mgr.poll()
    handles[-1].down()
    assert mgr.poll()[0].retry_in == 3.0  # 4 s minus half of the 50 % jitter


def test_manager_follows_the_wanted_devices(manager: Any) -> None:
    mgr, clock, opened = manager
    mgr.update({"nc01": "a", "nc02": "b"})
    mgr.poll()
    handles = dict(opened)
    for handle in handles.values():
        handle.up()
    assert sorted(e.device for e in mgr.poll()) == ["nc01", "nc02"]
    events = mgr.update({"nc01": "a2"})  # nc02 removed, nc01's settings changed
    assert sorted((e.device, e.kind) for e in events) == [("nc01", "closed"), ("nc02", "closed")]
    assert handles["nc01"].closed and handles["nc02"].closed
    mgr.poll()
    assert opened[-1][0] == "nc01" and opened[-1][1].target == "a2" and "nc02" not in mgr.entries
    assert mgr.update({"nc01": "a2"}) == [] and not opened[-1][1].closed  # unchanged: kept
    mgr.close_all()
    assert opened[-1][1].closed and mgr.entries == {}


def test_manager_loss_between_polls_is_a_loss(manager: Any) -> None:
    mgr, clock, opened = manager
    mgr.update({"nc01": "a"})
    mgr.poll()
    opened[-1][1].up()
    opened[-1][1].down()  # up and down before the manager looked
    assert [e.kind for e in mgr.poll()] == ["lost"]
    clock.now += 1.0
    mgr.poll()
    opened[-1][1].up()
    assert [(e.kind, e.reconnect) for e in mgr.poll()] == [("up", True)]


def test_manager_survives_an_opener_that_raises() -> None:
    clock = Clock()

    def opener(name: str, target: Any) -> FakeHandle:
        raise RuntimeError("bug")
    mgr = SubscriptionManager(opener, clock, Backoff(), rand=lambda: 0.0)
    mgr.update({"nc01": 1})
    assert [(e.kind, e.error) for e in mgr.poll()] == [("failed", "opener")]
    assert mgr.next_wakeup() == T0 + 1.0


# -- the session thread, with a fake ncclient manager -------------------------------------------
class FakeNcManager:
    def __init__(self, caps: list[str]) -> None:
        self.server_capabilities = caps
        self.connected = True
        self.notes: queue.Queue[Any] = queue.Queue()
        self.subscribed: Optional[str] = None
        self.keepalives = 0

    def create_subscription(self, stream_name: Optional[str] = None) -> None:
        self.subscribed = stream_name

    def take_notification(self, block: bool = True, timeout: Optional[float] = None) -> Any:
        try:
            return self.notes.get(block, 0.05)
        except queue.Empty:
            return None

    def get_config(self, source: str, filter: Any = None) -> None:  # noqa: A002 - ncclient's name
        self.keepalives += 1


class FakeSession:
    def __init__(self, manager: FakeNcManager) -> None:
        self.manager = manager
        self.closed = threading.Event()

    def close(self) -> None:
        self.closed.set()


class Note:
    def __init__(self, xml: str) -> None:
        self.notification_xml = xml


CAPS = ["urn:ietf:params:netconf:base:1.1", "urn:ietf:params:netconf:capability:notification:1.0",
        "urn:ietf:params:netconf:capability:interleave:1.0"]


def wait_until(check: Any) -> None:
    for _ in range(400):
        if check():
            return
        threading.Event().wait(0.01)
    raise AssertionError("condition not reached")


def test_session_thread_delivers_keeps_alive_and_notices_the_loss() -> None:
    nc = FakeNcManager(CAPS)
    session = FakeSession(nc)
    got: list[tuple[str, bytes]] = []
    sub = NcclientSubscription("nc01", Target("nc01", "127.0.0.1"), lambda n, d, at: got.append((n, d)),
                               keepalive=0.0, opener=lambda target: session)  # type: ignore[arg-type,return-value]
    wait_until(lambda: sub.state == "up")
    assert nc.subscribed == "NETCONF" and sub.subscribed
    nc.notes.put(Note(CHANGE.decode()))
    wait_until(lambda: got)
    assert got == [("nc01", CHANGE)]
    wait_until(lambda: nc.keepalives > 0)  # :interleave: keepalive RPCs on the subscribed session
    nc.connected = False
    wait_until(lambda: sub.state == "down")
    assert sub.error == "unreachable" and "closed the NETCONF session" in sub.message
    assert sub.join(5) and session.closed.is_set()


def test_session_thread_failures_are_named() -> None:
    def refuse(target: Target) -> Any:
        raise DeviceError("auth_failed", "authentication failed for user 'u' on nc01")
    sub = NcclientSubscription("nc01", Target("nc01", "127.0.0.1", password="pw"), lambda *a: None, opener=refuse)
    assert sub.join(5) and (sub.state, sub.error, sub.subscribed) == ("down", "auth_failed", False)
    plain = FakeSession(FakeNcManager(["urn:ietf:params:netconf:base:1.1"]))
    sub = NcclientSubscription("nc02", Target("nc02", "127.0.0.1"), lambda *a: None,
                               opener=lambda target: plain)  # type: ignore[arg-type,return-value]
    assert sub.join(5) and (sub.state, sub.error) == ("down", "unsupported") and plain.closed.is_set()
    good = FakeSession(FakeNcManager(CAPS))
    sub = NcclientSubscription("nc03", Target("nc03", "127.0.0.1"), lambda *a: None,
                               opener=lambda target: good)  # type: ignore[arg-type,return-value]
    wait_until(lambda: sub.state == "up")
    sub.close()
    assert sub.join(5) and sub.state == "down" and sub.error == "closed" and good.closed.is_set()
    assert "pw" not in repr(sub.target)


# -- the listener: ingest_netconf -----------------------------------------------------------------
@pytest.fixture
def store(tmp_path: Path) -> Iterator[st.Store]:
    clock = Clock()
    s = st.open_store(str(tmp_path / "fleet.db"), clock=clock)
    for name, platform in (("nc01", "netconf"), ("nc02", "netconf"), ("nc03", "netconf"), ("r1", "junos")):
        s.devices.upsert(name, "127.0.0.1", 830, platform, {})
        s.devices.set_status(name, "In Sync", "test")
    s.devices.set_settings({"auto_resync": True}, "nc01")
    s.devices.set_settings({"auto_resync": False}, "nc02")
    s.devices.set_settings({"auto_resync": True}, "r1")
    s.devices.set_settings({"resync_delay": 20})
    yield s
    s.close()


def records(store: st.Store) -> list[dict[str, Any]]:
    return store.db.query("SELECT device, source, kind, accepted, reason, commit_user, detail FROM notifications "
                          "ORDER BY id")


def test_config_change_schedules_a_job_and_records_who(store: st.Store) -> None:
    listener = Listener(store)
    decision = listener.ingest_netconf("nc01", CHANGE, T0)
    assert decision is not None and decision.action == "schedule" and decision.due == T0 + 20
    assert listener.ingest_netconf("nc01", SESSION_START, T0 + 1) is None
    assert listener.ingest_netconf("nc01", STARTUP_CHANGE, T0 + 1) is None
    assert listener.ingest_netconf("nc01", b"<garbage", T0 + 1) is None
    listener.flush()
    assert store.devices.get("nc01")["managed_status"] == "Out of Sync"  # type: ignore[index]
    [rec] = records(store)
    assert (rec["device"], rec["source"], rec["kind"], rec["accepted"], rec["commit_user"]) == (
        "nc01", "netconf:nc01", "netconf-config-change", 1, "netsync-oob")
    assert '"session_id": "2"' in rec["detail"] and "eth1" in rec["detail"]
    assert listener.counters["not-a-commit"] == 2 and listener.counters["malformed:netconf-bad-xml"] == 1
    assert [e["netsync"]["devices"] for e in listener.tick(T0 + 20)] == [["nc01"]]


def test_disabled_device_goes_out_of_sync_without_a_job(store: st.Store) -> None:
    listener = Listener(store)
    decision = listener.ingest_netconf("nc02", CHANGE, T0)
    assert decision is not None and decision.action == "disabled"
    listener.flush()
    assert store.devices.get("nc02")["managed_status"] == "Out of Sync"  # type: ignore[index]
    assert listener.tick(T0 + 3600) == [] and listener.next_wakeup() is None


def test_unknown_device_and_resubscription(store: st.Store) -> None:
    listener = Listener(store)
    assert listener.ingest_netconf("gone", CHANGE, T0) is None
    decision = listener.ingest_netconf("nc01", b"subscription restored (reconnect 1)", T0 + 2, resubscribed=True)
    assert decision is not None and decision.action == "schedule"
    listener.flush()
    rows = records(store)
    assert [(r["device"], r["kind"], r["accepted"]) for r in rows] == [
        (None, "netconf-config-change", 0), ("nc01", "netconf-resubscribed", 1)]
    assert listener.counters["dropped:unknown-device"] == 1 and rows[1]["detail"].startswith("subscription")


def test_wanted_targets_from_store_and_inventory(store: st.Store) -> None:
    wanted, missing = wanted_targets(store.devices, None)  # no inventory: the store's address
    assert sorted(wanted) == ["nc01", "nc02"] and missing == []
    assert (wanted["nc01"].host, wanted["nc01"].port, wanted["nc01"].password) == ("127.0.0.1", 830, None)
    inventory = {"nc01": Target("nc01", "127.0.0.1", 2830, "u", "pw")}
    wanted, missing = wanted_targets(store.devices, inventory)
    assert wanted == {"nc01": inventory["nc01"]} and missing == ["nc02"]


def test_inventory_targets_are_templated_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "inventory.yml"
    path.write_text("""
all:
  vars: {device_pw: s3cret}
  children:
    routers:
      vars: {netsync_host_key_checking: "false", netsync_known_hosts_file: /nonexistent/known_hosts}
      hosts:
        nc01: {ansible_host: 127.0.0.1, ansible_port: 2830, ansible_user: ops, ansible_password: "{{ device_pw }}"}
        nc02: {ansible_host: 127.0.0.1, ansible_port: not-a-port}
        nc03: {ansible_host: 127.0.0.1, ansible_password: "{{ nowhere_defined }}"}
""")
    targets, problems = load_inventory_targets(str(path))
    assert list(targets) == ["nc01"]
    nc01 = targets["nc01"]
    assert (nc01.host, nc01.port, nc01.username, nc01.password) == ("127.0.0.1", 2830, "ops", "s3cret")
    assert nc01.host_key_checking is False and nc01.known_hosts_file == "/nonexistent/known_hosts"
    assert problems == ["nc02: invalid connection settings (port)", "nc03: AnsibleUndefinedVariable"]
    assert "s3cret" not in repr(nc01) and not any("s3cret" in p for p in problems)


# -- the event source's arguments ----------------------------------------------------------------
def _parse(args: dict[str, Any]) -> dict[str, Any]:
    from ansible_collections.netsync.fleet.extensions.eda.plugins.event_source import commit_events
    return dict(commit_events.parse_args(args))


def test_event_source_netconf_arguments(tmp_path: Path) -> None:
    inv = tmp_path / "inventory.yml"
    inv.write_text("all: {}\n")
    opts = _parse({"netconf_notifications": "True", "inventory": str(inv), "netconf_refresh": "2",
                   "netconf_keepalive": 5, "netconf_max_backoff": 60})
    assert (opts["netconf"], opts["inventory"], opts["netconf_refresh"]) == (True, str(inv), 2.0)
    assert (opts["netconf_keepalive"], opts["netconf_max_backoff"]) == (5.0, 60.0)
    defaults = _parse({"netconf_notifications": "", "inventory": ""})
    assert (defaults["netconf"], defaults["inventory"], defaults["netconf_refresh"]) == (True, None, 30.0)
    assert _parse({"netconf_notifications": False})["netconf"] is False
    assert defaults["match_hostname"] is False and _parse({"syslog_match_hostname": "yes"})["match_hostname"] is True
    assert defaults["batch_window"] == 1.0 and _parse({"batch_window": "0"})["batch_window"] == 0.0
    with pytest.raises(ValueError, match="batch_window must be a number of seconds, 0 or more"):
        _parse({"batch_window": -1})


@pytest.mark.parametrize("args, words", [
    ({"netconf_notifications": "maybe"}, "netconf_notifications must be true or false"),
    ({"inventory": "/nonexistent/inventory.yml"}, "does not exist"),
    ({"inventory": 3}, "inventory must be the path"),
    ({"netconf_max_backoff": 0}, "netconf_max_backoff must be a positive number"),
    ({"netconf_refresh": "soon"}, "netconf_refresh must be a number"),
])
def test_event_source_rejects_bad_netconf_arguments(args: dict[str, Any], words: str) -> None:
    with pytest.raises(ValueError, match=words):
        _parse(args)


def test_a_bug_of_ours_in_the_subscription_is_an_internal_error_not_a_device_fault(
        caplog: pytest.LogCaptureFixture) -> None:
    def buggy_open(target: Target) -> Any:
        return {}["missing"]  # a KeyError raised in our code, not by the device or a transport library
    sub = NcclientSubscription("nc01", Target("nc01", "127.0.0.1"), lambda *a: None, opener=buggy_open)
    assert sub.join(5) and (sub.state, sub.error) == ("down", "internal")
    assert sub.message.startswith("internal error in netsync.fleet") and "KeyError" in sub.message
    assert "Traceback" in caplog.text and "buggy_open" in caplog.text  # logged with its traceback

    class Broken(FakeNcManager):
        def take_notification(self, *args: Any, **kwargs: Any) -> Any:
            raise AttributeError("'NoneType' object has no attribute 'tag'")
    session = FakeSession(Broken(CAPS))
    sub = NcclientSubscription("nc02", Target("nc02", "127.0.0.1"), lambda *a: None,
                               opener=lambda target: session)  # type: ignore[arg-type,return-value]
    assert sub.join(5) and (sub.state, sub.error) == ("down", "internal") and session.closed.is_set()
