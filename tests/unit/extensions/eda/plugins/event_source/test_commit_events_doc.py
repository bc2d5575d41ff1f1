"""The event source's DOCUMENTATION is valid YAML and documents exactly the arguments it accepts."""
from __future__ import annotations

import pytest
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


def test_schema_beside_the_source_matches_the_documentation() -> None:
    """``schemas/commit_events.json`` lists exactly the documented arguments, with their type, default, text."""
    import json
    from pathlib import Path

    schema = json.loads((Path(commit_events.__file__).parent / "schemas" / "commit_events.json").read_text())
    options = yaml.safe_load(commit_events.DOCUMENTATION)["options"]
    assert schema["type"] == "object" and schema["$schema"].startswith("https://json-schema.org/")
    assert set(schema["properties"]) == set(options)
    types = {"str": "string", "float": "number", "bool": "boolean", "int": "integer"}
    for name, opt in options.items():
        prop = schema["properties"][name]
        assert prop["type"] == types[opt["type"]], name
        assert prop.get("default") == opt.get("default") and ("default" in prop) == ("default" in opt), name
        text = opt["description"]
        assert isinstance(text, str) or all(isinstance(t, str) for t in text), name
        assert prop["description"] == (text if isinstance(text, str) else " ".join(text)), name
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate({"syslog_udp": "0.0.0.0:514", "tick": 0.5, "netconf_notifications": False}, schema)


def test_the_leader_lease_outlasts_three_passes() -> None:
    assert commit_events.parse_args({})["leader_lease"] == 15.0
    assert commit_events.parse_args({"tick": 0.2, "leader_lease": 3})["leader_lease"] == 3.0
    with pytest.raises(ValueError, match=r"leader_lease must be at least 3 times tick .* got 2 with tick 1"):
        commit_events.parse_args({"tick": 1, "leader_lease": 2})
    with pytest.raises(ValueError, match="leader_lease must be a positive number of seconds"):
        commit_events.parse_args({"leader_lease": -1})
