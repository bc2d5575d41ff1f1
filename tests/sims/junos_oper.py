"""Operational RPC replies of the simulator that PyEZ's facts and engineers' scripts read.

Shapes follow real Junos replies (PyEZ's ``tests/unit/facts/rpc-reply`` fixtures, Junos
``| display xml`` output): the body element carries its own Junos namespace
(``.../junos-chassis`` for the chassis RPCs), times carry ``junos:seconds``.
"""

from __future__ import annotations

from lxml import etree

from tests.sims.junos_config import Element
from tests.sims.junos_db import localtime

#: Simulated memory of the routing engine, in kilobytes.
MEMORY_KB = 4_141_816


def _length(seconds: int) -> str:
    """Junos' ``time-length`` text: ``6w2d 18:01`` or ``00:02:11``."""
    weeks, rest = divmod(seconds, 7 * 86400)
    days, rest = divmod(rest, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if weeks or days:
        return f"{weeks}w{days}d {hours:02d}:{minutes:02d}"
    return f"{hours:02d}:{minutes:02d}:{secs:02d}"


def _up_time(seconds: int) -> str:
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{days} days, {hours} hours, {minutes} minutes, {secs} seconds"


def _sub(parent: Element, tag: str, text: str | None = None, attrs: dict[str, str] | None = None) -> Element:
    el = etree.SubElement(parent, tag, attrs or {})
    if text is not None:
        el.text = text
    return el


def route_engine_information(junos_ns: str, model: str, serial: str, booted: int, now: int) -> Element:
    """``<get-route-engine-information/>`` of a single routing engine (slot 0, master)."""
    ns = junos_ns + "-chassis"
    seconds = f"{{{junos_ns}}}seconds"
    out = etree.Element(f"{{{ns}}}route-engine-information", nsmap={None: ns, "junos": junos_ns})
    re0 = _sub(out, f"{{{ns}}}route-engine")
    for tag, text in (
        ("slot", "0"),
        ("mastership-state", "master"),
        ("mastership-priority", "master (default)"),
        ("status", "OK"),
        ("memory-dram-size", f"{MEMORY_KB // 1024} MB"),
        ("memory-installed-size", f"({MEMORY_KB // 1024} MB installed)"),
        ("memory-buffer-utilization", "15"),
        ("cpu-user", "1"),
        ("cpu-background", "0"),
        ("cpu-system", "1"),
        ("cpu-interrupt", "0"),
        ("cpu-idle", "98"),
        ("model", f"RE-{model.upper()}"),
        ("serial-number", serial),
    ):
        _sub(re0, f"{{{ns}}}{tag}", text)
    _sub(re0, f"{{{ns}}}start-time", localtime(booted), {seconds: str(booted)})
    _sub(re0, f"{{{ns}}}up-time", _up_time(now - booted), {seconds: str(now - booted)})
    _sub(re0, f"{{{ns}}}last-reboot-reason", "Router rebooted after a normal shutdown.")
    for tag, text in (("load-average-one", "0.12"), ("load-average-five", "0.08"), ("load-average-fifteen", "0.05")):
        _sub(re0, f"{{{ns}}}{tag}", text)
    return out


def system_uptime_information(
    junos_ns: str, booted: int, now: int, last_commit: int, last_user: str
) -> Element:
    """``<get-system-uptime-information/>`` (``show system uptime``)."""
    ns = junos_ns
    seconds = f"{{{junos_ns}}}seconds"
    out = etree.Element(f"{{{ns}}}system-uptime-information", nsmap={None: ns, "junos": junos_ns})

    def stamp(tag: str, when: int, user: str | None = None) -> None:
        box = _sub(out, f"{{{ns}}}{tag}")
        _sub(box, f"{{{ns}}}date-time", localtime(when), {seconds: str(when)})
        if tag != "current-time":
            _sub(box, f"{{{ns}}}time-length", _length(now - when), {seconds: str(now - when)})
        if user is not None:
            _sub(box, f"{{{ns}}}user", user)

    stamp("current-time", now)
    _sub(out, f"{{{ns}}}time-source", " LOCAL CLOCK ")
    stamp("system-booted-time", booted)
    stamp("protocols-started-time", booted + 60 if now - booted > 60 else booted)
    stamp("last-configured-time", last_commit, last_user)
    info = _sub(out, f"{{{ns}}}uptime-information")
    _sub(info, f"{{{ns}}}date-time", localtime(now), {seconds: str(now)})
    _sub(info, f"{{{ns}}}up-time", _length(now - booted), {seconds: str(now - booted)})
    _sub(info, f"{{{ns}}}active-user-count", "1", {"format": "1 user"})
    for tag, text in (("load-average-1", "0.12"), ("load-average-5", "0.08"), ("load-average-15", "0.05")):
        _sub(info, f"{{{ns}}}{tag}", text)
    return out


def system_memory_information(junos_ns: str) -> Element:
    """``<get-system-memory-information/>`` (``show system memory``): the summary block."""
    ns = junos_ns
    out = etree.Element(f"{{{ns}}}system-memory-information", nsmap={None: ns, "junos": junos_ns})
    summary = _sub(out, f"{{{ns}}}system-memory-summary-information")
    parts = {"reserved": 3, "wired": 14, "active": 22, "inactive": 10, "cache": 6, "free": 45}
    _sub(summary, f"{{{ns}}}system-memory-total", str(MEMORY_KB))
    _sub(summary, f"{{{ns}}}system-memory-total-percent", "100")
    for name, percent in parts.items():
        _sub(summary, f"{{{ns}}}system-memory-{name}", str(MEMORY_KB * percent // 100))
        _sub(summary, f"{{{ns}}}system-memory-{name}-percent", str(percent))
    return out
