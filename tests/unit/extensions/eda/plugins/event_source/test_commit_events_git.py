"""The git_export_repo option: validated, absolute, carried by every event for the resync playbook."""
from __future__ import annotations

import os

import pytest

from ansible_collections.netsync.fleet.extensions.eda.plugins.event_source import commit_events


def test_git_export_repo_is_optional_and_made_absolute() -> None:
    assert commit_events.parse_args({})["git_export_repo"] is None
    assert commit_events.parse_args({"git_export_repo": ""})["git_export_repo"] is None
    assert commit_events.parse_args({"git_export_repo": "configs"})["git_export_repo"] == os.path.abspath("configs")
    with pytest.raises(ValueError, match="git_export_repo must be the path of a git repository directory"):
        commit_events.parse_args({"git_export_repo": 3})


def test_events_carry_the_repository_only_when_set() -> None:
    event = {"netsync": {"type": "resync", "devices": ["r1"]}, "meta": {"hosts": ["r1"]}}
    assert commit_events.with_git_export(dict(event), None) == event
    out = commit_events.with_git_export({"netsync": {"type": "check"}}, "/srv/configs")
    assert out == {"netsync": {"type": "check", "git_export_repo": "/srv/configs"}}
