"""Generic RFC 6241 devices: the hostname fact from ietf-system (/system/hostname)."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils.device._ietf_system import FILTER, hostname
from ansible_collections.netsync.fleet.plugins.module_utils.device.platforms import GenericPlatform

SYSTEM_CAP = "urn:ietf:params:xml:ns:yang:ietf-system?module=ietf-system&revision=2014-08-06"
BASE = ["urn:ietf:params:netconf:base:1.0", "urn:ietf:params:netconf:capability:candidate:1.0"]


def reply(data: str) -> Any:
    return SimpleNamespace(xml='<rpc-reply xmlns="urn:ietf:params:xml:ns:netconf:base:1.0" message-id="1">'
                               '<data>%s</data></rpc-reply>' % data)


class Manager:
    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.calls: list[dict[str, Any]] = []

    def get_config(self, **kwargs: Any) -> Any:
        self.calls.append(kwargs)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def test_hostname_from_running_with_a_subtree_filter() -> None:
    m = Manager(reply('<system xmlns="urn:ietf:params:xml:ns:yang:ietf-system"><hostname>core-7</hostname>'
                      '<location>B7</location></system>'))
    facts = GenericPlatform(BASE + [SYSTEM_CAP]).facts(m)
    assert facts["hostname"] == "core-7"
    assert m.calls == [{"source": "running", "filter": ("subtree", FILTER)}]


def test_not_offered_means_not_asked() -> None:
    m = Manager(reply(""))
    assert GenericPlatform(BASE).facts(m)["hostname"] is None
    assert m.calls == []


@pytest.mark.parametrize("answer", [
    reply(""),  # offered but not configured
    reply('<system xmlns="urn:ietf:params:xml:ns:yang:ietf-system"><hostname>  </hostname></system>'),
    reply('<system xmlns="urn:ietf:params:xml:ns:yang:ietf-system"><hostname>two words</hostname></system>'),
    reply('<other><hostname>not-system</hostname></other>'),
    RuntimeError("rpc-error: operation-not-supported"),
])
def test_refused_or_absent_leaves_the_fact_empty(answer: Any) -> None:
    m = Manager(answer)
    assert hostname(m, BASE + ["urn:ietf:params:netconf:capability:yang-library:1.1"]) is None
    assert len(m.calls) == 1  # the YANG library capability: the module may be there, so it is asked
