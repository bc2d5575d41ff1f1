"""The pure parts of the git export: file paths, authors, messages, inventory folders, redaction."""
from __future__ import annotations

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils.history import _git
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.git_export import inventory_groups
from ansible_collections.netsync.fleet.plugins.module_utils.history.git_export import (
    ExportError, author_of, device_path, message,
)


def test_device_path_keeps_every_device_inside_the_repository() -> None:
    assert device_path("{group}/{name}", "r1", "paris", "junos") == "paris/r1"
    assert device_path("{group}/{platform}/{name}.set", "r1", "paris", "junos") == "paris/junos/r1.set"
    assert device_path("{group}/{name}", "../../etc/passwd", "..", "junos") == "_./_._.._etc_passwd"
    assert device_path("{name}", ".git", "g", "junos") == "_git"
    with pytest.raises(ExportError, match="path_template must contain {name}"):
        device_path("{group}", "r1", "g", "junos")
    with pytest.raises(ExportError, match="unknown field"):
        device_path("{site}/{name}", "r1", "g", "junos")


def test_authors_from_the_device_user() -> None:
    assert author_of("ops", "r1", {}) == "ops <ops@r1>"
    assert author_of(None, "r1", {}) == "unknown <unknown@r1>"
    assert author_of("ops", "r1", {"ops": "Olga Petrova <olga@example.com>"}) == "Olga Petrova <olga@example.com>"
    assert author_of("ops", "r1", {"ops": "Olga"}) == "Olga <ops@r1>"
    assert author_of("evil <x@y>\nz", "r1", {}) == "evil x@yz <evil x@yz@r1>"  # no ident injection


def test_message_names_job_notifications_comment_and_carries_the_trailers() -> None:
    snap = {"device": "r1", "version": 7, "commit_user": "ops", "commit_time": 1790000000.0, "taken_at": 1.0,
            "job_id": "auto-1", "commit_comment": "change 42\n\nNetsync-Device: r9"}
    text = message(snap, "paris/r1", 3)
    subject, body, trailers = text.rstrip("\n").split("\n\n")
    assert subject == "r1 v7: change 42 Netsync-Device: r9"  # one line: the comment cannot add trailers
    assert "Job auto-1 covered 3 notifications." in body and "at 2026-09-21T" in body
    assert trailers.splitlines() == ["Netsync-Device: r1", "Netsync-Version: 7", "Netsync-Path: paris/r1",
                                     "Netsync-Job: auto-1", "Netsync-Notifications: 3"]
    imported = message(dict(snap, job_id=None, commit_comment=None, commit_time=None), "r1", None)
    assert imported.startswith("r1 v7 by ops\n\n") and "No job: the snapshot was taken when the device was " \
        "imported." in imported and "(the device gave no commit time: snapshot time)" in imported


def test_inventory_groups_prefer_sites() -> None:
    groups = {"all": ["r1", "r2", "r3"], "ungrouped": ["r3"], "routers": ["r1", "r2"], "site_paris": ["r2"],
              "core": ["r1"]}
    assert inventory_groups(groups) == {"r1": "core", "r2": "site_paris"}


def test_credentials_in_urls_are_redacted() -> None:
    assert _git.redact("fatal: https://user:tok@git.example.com/x.git") == "fatal: https://***@git.example.com/x.git"
