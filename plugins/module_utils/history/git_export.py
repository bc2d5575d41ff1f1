# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Git export: every stored snapshot becomes one commit, one file per device, secrets masked.

- The file is the snapshot's readable text (``history/text.py``: Junos ``display set``, CLI
  lines, indented NETCONF), at ``path_template`` (default ``{group}/{name}``).
- Author: the user who committed on the device (snapshot ``commit_user``; ``authors`` maps it to
  ``Name <email>``, else ``user <user@device>``; unknown: ``unknown <unknown@device>``). Author
  date: the device's commit time (``commit_time``), else when the snapshot was taken. Committer:
  ``committer`` (netsync), at the time of the export.
- The message names the device and version, the job and how many notifications it covered (the
  report's rule, ``history.coverage``), and the device's commit comment (when the
  store has one); its trailers ``Netsync-Device``, ``Netsync-Version``, ``Netsync-Path`` are the
  export's state: a run exports, per device, the versions newer than the newest one on the
  branch, so a second run adds nothing and the first one backfills the whole history.
- One export at a time per repository (``_git.locked``); optional push to ``remote``.
"""
from __future__ import annotations

import heapq
import os
import re
import time
from typing import Any, Iterator, Optional

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.module_utils.history import _git
from ansible_collections.netsync.fleet.plugins.module_utils.history.text import snapshot_text
from ansible_collections.netsync.fleet.plugins.module_utils.history.coverage import covered_notifications

FIELDS = ("name", "group", "platform")
_IDENT = re.compile(r"^\s*(.*?)\s*<([^<>]*)>\s*$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


class ExportError(Exception):
    """The export cannot run (a bad option, git failed); ``result`` holds what was done."""

    def __init__(self, message: str, **result: Any) -> None:
        super().__init__(message)
        self.result = result


def _segment(value: str) -> str:
    """A field value as one safe path segment (no slash, no leading dot, no control character)."""
    value = _CONTROL.sub("", value).replace("/", "_").replace("\\", "_").strip()
    return ("_" + value[1:] if value.startswith(".") else value) or "_"


def device_path(template: str, name: str, group: str, platform: str) -> str:
    """The file of a device; ExportError naming ``path_template`` when it is unusable."""
    if "{name}" not in template:
        raise ExportError("path_template must contain {name} (one file per device), got %r" % template)
    try:
        path = template.format(name=_segment(name), group=_segment(group), platform=_segment(platform))
    except (KeyError, IndexError, ValueError) as exc:
        raise ExportError("path_template %r: unknown field or bad format (%s); fields are %s"
                          % (template, exc, ", ".join("{%s}" % f for f in FIELDS))) from None
    parts = [p for p in path.replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts or ".." in parts or parts[0] == ".git":
        raise ExportError("path_template %r gives %r for %s: a path inside the repository is needed"
                          % (template, path, name))
    return "/".join(parts)


def author_of(user: Optional[str], device: str, authors: dict[str, Any]) -> str:
    """``Name <email>`` of the device user: ``authors[user]``, else ``user <user@device>``."""
    if not user:
        return "unknown <unknown@%s>" % _git.ident(device)
    mapped = authors.get(user)
    if isinstance(mapped, str) and mapped.strip():
        m = _IDENT.match(mapped)
        if m:
            return "%s <%s>" % (_git.ident(m.group(1) or user), _git.ident(m.group(2)))
        return "%s <%s@%s>" % (_git.ident(mapped), _git.ident(user), _git.ident(device))
    return "%s <%s@%s>" % (_git.ident(user), _git.ident(user), _git.ident(device))


def _one_line(text: Optional[str], limit: int = 500) -> str:
    return " ".join(_CONTROL.sub(" ", text or "").split())[:limit]


def message(snap: dict[str, Any], path: str, notifications: Optional[int]) -> str:
    name, version = str(snap["device"]), int(snap["version"])
    comment = _one_line(snap.get("commit_comment"))
    user = _one_line(snap.get("commit_user"), 100) or None
    when = snap.get("commit_time") if snap.get("commit_time") is not None else snap.get("taken_at")
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(float(when or 0)))
    if comment:
        subject = "%s v%d: %s" % (name, version, comment)
    else:
        subject = "%s v%d by %s" % (name, version, user or "unknown user")
    body = ["Device %s, snapshot version %d, committed on the device by %s at %s%s."
            % (name, version, user or "an unknown user", stamp,
               "" if snap.get("commit_time") is not None else " (the device gave no commit time: snapshot time)")]
    job = _one_line(snap.get("job_id"), 100)
    if job:
        body.append("Job %s covered %d notification%s." % (job, notifications or 0,
                                                           "" if notifications == 1 else "s"))
    else:
        body.append("No job: the snapshot was taken when the device was imported.")
    body.append("Comment: %s" % (comment or "(none)"))
    trailers = ["%s: %s" % (_git.TRAILER_DEVICE, name), "%s: %d" % (_git.TRAILER_VERSION, version),
                "%s: %s" % (_git.TRAILER_PATH, path)]
    if job:
        trailers += ["Netsync-Job: %s" % job, "Netsync-Notifications: %d" % (notifications or 0)]
    return "%s\n\n%s\n\n%s\n" % (subject, "\n".join(body), "\n".join(trailers))


def _covered(store: st.Store, name: str, job_ids: set[str]) -> dict[str, int]:
    """Notifications covered by each of ``job_ids`` (the report's rule), reading only what counts."""
    reads = store.jobs.reads([name])
    wanted = [float(r["read_at"]) for r in reads if r["id"] in job_ids]
    if not wanted:
        return {}
    floor = max((float(r["read_at"]) for r in reads if float(r["read_at"]) < min(wanted)), default=0.0)
    counts, _pending = covered_notifications(reads, store.jobs.accepted_notifications([name], floor))
    return counts


class Plan:
    """What an export writes: the snapshots not on the branch yet, oldest first."""

    def __init__(self, store: st.Store, params: dict[str, Any], state: dict[str, _git.Exported]) -> None:
        self.store = store
        self.params = params
        self.state = state
        rows = store.devices.all()
        wanted = params.get("devices")
        if wanted:
            missing = sorted(set(wanted) - {r["name"] for r in rows})
            if missing:
                raise ExportError("devices: %s not in the store %s" % (", ".join(missing), store.url))
            rows = [r for r in rows if r["name"] in set(wanted)]
        groups = params.get("groups") or {}
        self.paths = {r["name"]: device_path(params["path_template"], r["name"],
                                             str(groups.get(r["name"]) or "ungrouped"), r["platform"]) for r in rows}
        queues = []
        for row in rows:
            done = state.get(row["name"])
            newer = [s for s in store.devices.list_snapshots(row["name"])
                     if done is None or int(s["version"]) > done.latest]
            queues.append(newer)
        self.snapshots = list(heapq.merge(*queues, key=_when))
        self.jobs: dict[str, set[str]] = {}
        for snap in self.snapshots:
            if snap["job_id"]:
                self.jobs.setdefault(str(snap["device"]), set()).add(str(snap["job_id"]))

    def __len__(self) -> int:
        return len(self.snapshots)

    def devices(self) -> list[str]:
        return sorted({str(s["device"]) for s in self.snapshots})

    def commits(self, key: bytes, now: int) -> Iterator[tuple[dict[str, Any], _git.Commit]]:
        authors = self.params.get("authors") or {}
        committer = self.params["committer"]
        m = _IDENT.match(committer)
        committer = "%s <%s>" % (_git.ident(m.group(1)), _git.ident(m.group(2))) if m else \
            "%s <netsync@localhost>" % _git.ident(committer)
        covered: dict[str, dict[str, int]] = {}
        where = {name: (entry.path or self.paths.get(name)) for name, entry in self.state.items()}
        for meta in self.snapshots:
            name = str(meta["device"])
            if name not in covered:
                covered[name] = _covered(self.store, name, self.jobs.get(name, set()))
            snap = self.store.devices.get_snapshot(name, int(meta["version"]))
            if snap is None:  # removed meanwhile
                continue
            path = self.paths[name]
            files: dict[str, Optional[str]] = {path: snapshot_text(snap, key)}
            if where.get(name) and where[name] != path:
                files[str(where[name])] = None  # the path template changed: the file moves
            where[name] = path
            job = snap.get("job_id")
            yield snap, _git.Commit(author=author_of(snap.get("commit_user"), name, authors),
                                    author_time=int(_when(snap)), committer=committer, committer_time=now,
                                    message=message(snap, path, covered[name].get(str(job)) if job else None),
                                    files=files)


def _when(snap: dict[str, Any]) -> float:
    value = snap.get("commit_time")
    return float(value if value is not None else snap.get("taken_at") or 0)


def _diffs(repo: Optional[str], head: Optional[str], plan: Plan, key: bytes) -> list[dict[str, Any]]:
    """Per device file that changes: its text at the branch's tip and after the export."""
    out = []
    for name in plan.devices():
        last = max(int(s["version"]) for s in plan.snapshots if s["device"] == name)
        snap = plan.store.devices.get_snapshot(name, last)
        if snap is None:
            continue
        path = plan.paths[name]
        before = _git.show(repo, head, path) if repo else None
        out.append({"before": before or "", "after": snapshot_text(snap, key),
                    "before_header": "%s (%s)" % (path, head[:12] if head and before is not None else "absent"),
                    "after_header": "%s (v%d)" % (path, last)})
    return out


def run_git_export(params: dict[str, Any], check_mode: bool = False, diff: bool = False) -> dict[str, Any]:
    """Export the store's snapshots to the git repository ``repo``. Raises ExportError, StoreError."""
    repo = os.path.abspath(os.path.expanduser(str(params["repo"])))
    branch = str(params.get("branch") or "main")
    if _git.git("/", "check-ref-format", "--branch", branch, check=False).returncode != 0:
        raise ExportError("branch %r is not a valid git branch name" % branch)
    remote = params.get("remote") or None
    result: dict[str, Any] = {"repo": repo, "branch": branch, "commits": 0, "devices": [], "exported": [],
                              "pushed": False}
    with st.open_store(params.get("store"), create=False) as store:
        if check_mode:
            own = _git.own_git_dir(repo) is not None
            head = _git.tip(repo, branch) if own else None
            plan = Plan(store, params, _git.exported(repo, branch) if own else {})
            result.update(changed=len(plan) > 0, commits=len(plan), devices=plan.devices(), head=head)
            if diff and len(plan):
                key = store.stored_mask_key() or os.urandom(32)  # no key yet: nothing was masked before
                result["diff"] = _diffs(repo if own else None, head, plan, key)
            return result
        try:
            _git.ensure_repo(repo, bool(params.get("bare")), branch)
            with _git.locked(repo, float(params.get("lock_timeout") or 300.0)):
                head = _git.tip(repo, branch)
                plan = Plan(store, params, _git.exported(repo, branch))
                key = store.mask_key()
                pairs = list(plan.commits(key, int(store.clock())))
                ids = _git.fast_import(repo, branch, head, (c for _s, c in pairs)) if pairs else []
                new = ids[-1] if ids else head
                if ids and new is not None:
                    warning = _git.update_worktree(repo, branch, head, new)
                    if warning:
                        result["warnings"] = [warning]
                result.update(commits=len(ids), devices=plan.devices(), head=new,
                              exported=[{"device": s["device"], "version": int(s["version"]), "commit": ids[n],
                                         "path": plan.paths[str(s["device"])]} for n, (s, _c) in enumerate(pairs)])
                if diff and ids:
                    result["diff"] = _diffs(repo, head, plan, key)
                if remote:
                    try:
                        result["pushed"] = _git.push(repo, str(remote), branch)
                    except _git.GitError as exc:
                        raise ExportError("%d commit(s) are in %s, but the push failed: %s (the next run pushes "
                                          "again)" % (len(ids), repo, exc), **result) from None
        except _git.GitError as exc:
            raise ExportError(str(exc), **result) from None
    result["changed"] = bool(result["commits"]) or bool(result["pushed"])
    return result
