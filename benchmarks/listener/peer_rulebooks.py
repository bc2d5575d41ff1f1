"""The peers of ``bench_rulebook.py``: ansible-rulebook's own throttles in front of the resync playbook.

``per_host_rulebook(names, delay, batch)``: the damping ours gives, built from ansible-rulebook
parts. ansible-rulebook 1.3 cannot open a ``once_after`` window per group: drools'
``OnceAfterDefinition`` inserts one ``start_once_after`` control event per *rule* (keyed by the rule
name only) when the first matching event of any group arrives, and fires once when it expires with
every group seen meanwhile. ``group_by_attributes`` only de-duplicates inside that one window. So a
window per device needs a rule per device. The generated rulebook has two rulesets:

* ``damp``: the plain syslog source, and one rule per device
  (``event.syslog.hostname == "<name>"``, ``throttle: once_after: <delay>``): each device's window
  opens at its own first commit notification and closes ``delay`` later, as ours (``resync_delay``
  after the device's first notification). Its action only posts ``{"due": "<name>"}`` to ``batch``.
* ``batch``: one rule, ``throttle: once_after: <batch>`` grouped by ``event.due``: the devices that
  fall due within ``batch`` of the first one go to one ``run_playbook`` (``events.m_0``, ``m_1``, ...),
  as ours (``batch_window``). ansible-rulebook runs that ruleset's actions one after the other
  (sequential, its default), as for ours.

``benchmarks/listener/peer_rulebook.yml`` is the earlier peer (one ``once_after`` rule grouped by
host): one window for the whole fleet, opened at the first commit, so a device that first commits
4 s into the window is read 1 s later; it does not give each device ``delay`` of damping.
"""
from __future__ import annotations

from typing import Any

RESYNC_ACTION: dict[str, Any] = {
    "run_playbook": {
        "name": "netsync.fleet.resync",
        "extra_vars": {
            "netsync_targets": "{{ (events.values() | map(attribute='due') | join(','))"
                               " if events is defined else event.due }}",
        },
    },
}


def per_host_rulebook(names: list[str], delay: float, batch: float) -> list[dict[str, Any]]:
    """The two-ruleset peer rulebook for these device names (see the module docstring)."""
    if any('"' in name or "\\" in name for name in names):
        raise ValueError("device names must not hold quotes or backslashes")
    rules = [{
        "name": "damp %s" % name,
        "condition": 'event.syslog.msgid == "UI_COMMIT_COMPLETED" and event.syslog.hostname == "%s"' % name,
        "throttle": {"once_after": _amount(delay), "group_by_attributes": ["event.syslog.hostname"]},
        "action": {"post_event": {"ruleset": "batch", "event": {"due": name}}},
    } for name in names]
    return [
        {"name": "damp", "hosts": "all",
         "sources": [{"name": "plain syslog",
                      "plain_syslog": {"host": "127.0.0.1", "port": "{{ netsync_peer_port }}"}}],
         "rules": rules},
        {"name": "batch", "hosts": "all",
         "sources": [{"name": "nothing", "idle": {}}],
         "rules": [{"name": "Resync the devices due",
                    "condition": "event.due is defined",
                    "throttle": {"once_after": _amount(batch), "group_by_attributes": ["event.due"]},
                    "action": RESYNC_ACTION}]},
    ]


def _amount(seconds: float) -> str:
    """ansible-rulebook's time amount: whole seconds, else milliseconds."""
    if float(seconds).is_integer():
        return "%d seconds" % seconds
    return "%d milliseconds" % round(seconds * 1000)
