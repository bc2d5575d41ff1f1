"""The event source's DOCUMENTATION is valid YAML and documents exactly the arguments it accepts."""
from __future__ import annotations

import yaml

from ansible_collections.netsync.fleet.extensions.eda.plugins.event_source import commit_events


def test_documentation_matches_the_arguments() -> None:
    doc = yaml.safe_load(commit_events.DOCUMENTATION)
    assert isinstance(doc["description"], list) and all(isinstance(x, str) for x in doc["description"])
    documented = set(doc["options"])
    for name in documented:  # every documented option is accepted ...
        commit_events.parse_args({name: None})
    try:  # ... and an undocumented one is refused with the list of known ones
        commit_events.parse_args({"no_such_option": 1})
    except ValueError as exc:
        known = str(exc).split("known: ")[1].rstrip(".").split(", ")
    else:
        raise AssertionError("an unknown argument was accepted")
    assert set(known) == documented
    defaults = commit_events.parse_args({})
    assert defaults["udp"] == ("127.0.0.1", 5514)
    assert defaults["batch_window"] == doc["options"]["batch_window"]["default"]
    assert yaml.safe_load(commit_events.EXAMPLES)[0]["sources"][0]["netsync.fleet.commit_events"]
