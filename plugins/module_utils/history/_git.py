# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to ``history``: the git command line, the only code here that runs git.

Commits are written by one ``git fast-import`` process per export (a backfill of thousands of
snapshots is one process, not four per commit); fast-import refuses to move a branch that is
not a fast-forward of what it started from, and an export holds ``netsync-export.lock`` in the
git directory (``flock``) while it reads the state and writes, so two exports never interleave.
The state of an export is kept in git itself: trailers of the commit messages.
"""
from __future__ import annotations

import fcntl
import os
import re
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Optional

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
TRAILER_DEVICE = "Netsync-Device"
TRAILER_VERSION = "Netsync-Version"
TRAILER_PATH = "Netsync-Path"
_CREDENTIALS = re.compile(r"(//)[^/@\s]+@")
_IDENT_BAD = re.compile(r"[<>\x00-\x1f\x7f]")


class GitError(Exception):
    """A git command failed (its message says which, credentials in URLs removed)."""


def redact(text: str) -> str:
    """``https://user:token@host`` -> ``https://***@host``."""
    return _CREDENTIALS.sub(r"\1***@", text)


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY")}
    env.update(GIT_TERMINAL_PROMPT="0", LC_ALL="C")
    return env


def git(repo: str, *args: str, stdin: Optional[bytes] = None, check: bool = True,
        timeout: float = 600) -> subprocess.CompletedProcess[bytes]:
    try:
        proc = subprocess.run(["git", "-C", repo, *args], input=stdin, capture_output=True, env=_env(),
                              timeout=timeout, check=False)
    except FileNotFoundError:
        raise GitError("the git command is not installed on the controller (install the git package)") from None
    except subprocess.TimeoutExpired:
        raise GitError("git %s did not finish within %ss" % (args[0], timeout)) from None
    if check and proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(redact("git %s failed (%d): %s" % (args[0], proc.returncode, " / ".join(err[-5:]))))
    return proc


def out(repo: str, *args: str) -> str:
    return git(repo, *args).stdout.decode("utf-8", "replace").strip()


def ident(name: str) -> str:
    """A name or address git accepts in an ident (no angle brackets or control characters)."""
    return _IDENT_BAD.sub("", name).strip() or "unknown"


def own_git_dir(repo: str) -> Optional[str]:
    """The git directory of ``repo`` when ``repo`` itself is a repository (not a folder inside one)."""
    if not os.path.isdir(repo):
        return None
    proc = git(repo, "rev-parse", "--absolute-git-dir", check=False)
    if proc.returncode != 0:
        return None
    found = os.path.realpath(proc.stdout.decode("utf-8", "replace").strip())
    top = os.path.realpath(repo)
    return found if found in (top, os.path.join(top, ".git")) else None


def is_bare(repo: str) -> bool:
    return git(repo, "rev-parse", "--is-bare-repository", check=False).stdout.strip() == b"true"


def ensure_repo(repo: str, bare: bool, branch: str) -> None:
    """Create the repository (and its directory) when it is not one yet. Two first exports at once
    (two playbook runs, a run and the listener's) would both run ``git init`` and collide on its
    files ("could not lock config file"): the creation holds a ``flock`` on the directory itself
    (the export lock lives in the git directory, which does not exist yet) and looks again inside it."""
    os.makedirs(repo, exist_ok=True)
    if own_git_dir(repo) is not None:
        return
    fd = os.open(repo, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # git init takes milliseconds: the other creator waits for it
        if own_git_dir(repo) is None:
            git(repo, "init", "-q", *(["--bare"] if bare else []), "--initial-branch=%s" % branch)
    finally:
        os.close(fd)  # closing releases the lock


def git_dir(repo: str) -> str:
    return out(repo, "rev-parse", "--absolute-git-dir")


def tip(repo: str, branch: str) -> Optional[str]:
    proc = git(repo, "rev-parse", "-q", "--verify", "refs/heads/%s^{commit}" % branch, check=False)
    return proc.stdout.decode().strip() or None if proc.returncode == 0 else None


@dataclass
class Exported:
    """What the branch holds of one device: the versions exported and the file of the newest."""

    versions: set[int] = field(default_factory=set)
    path: Optional[str] = None

    @property
    def latest(self) -> int:
        return max(self.versions, default=0)


def exported(repo: str, branch: str) -> dict[str, Exported]:
    """Per device, from the trailers of every commit on ``branch`` (newest first)."""
    if tip(repo, branch) is None:
        return {}
    text = out(repo, "log", "--format=%x1e%(trailers:only,unfold)", "refs/heads/%s" % branch)
    state: dict[str, Exported] = {}
    for record in text.split("\x1e"):
        fields: dict[str, str] = {}
        for line in record.splitlines():
            key, sep, value = line.partition(":")
            if sep:
                fields.setdefault(key.strip(), value.strip())
        device, version = fields.get(TRAILER_DEVICE), fields.get(TRAILER_VERSION, "")
        if not device or not version.isdigit():
            continue
        entry = state.setdefault(device, Exported())
        entry.versions.add(int(version))
        if entry.path is None:
            entry.path = fields.get(TRAILER_PATH)
    return state


def show(repo: str, rev: Optional[str], path: str) -> Optional[str]:
    """A file's content at ``rev`` (None when absent)."""
    if rev is None:
        return None
    proc = git(repo, "show", "%s:%s" % (rev, path), check=False)
    return proc.stdout.decode("utf-8", "replace") if proc.returncode == 0 else None


@contextmanager
def locked(repo: str, timeout: float) -> Iterator[None]:
    """Hold ``<git dir>/netsync-export.lock`` (flock), waiting up to ``timeout`` seconds."""
    path = os.path.join(own_git_dir(repo) or git_dir(repo), "netsync-export.lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise GitError("another export holds %s since more than %ss" % (path, timeout)) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # closing releases the lock


@dataclass
class Commit:
    """One commit for fast-import; ``files`` maps a path to its content (None: delete it)."""

    author: str  # "Name <email>"
    author_time: int
    committer: str
    committer_time: int
    message: str
    files: dict[str, Optional[str]]


def _data(text: str) -> bytes:
    raw = text.encode("utf-8")
    return b"data %d\n%s\n" % (len(raw), raw)


def _path(path: str) -> bytes:
    """A path as fast-import reads it: C-style quoted (no control characters reach here)."""
    return b'"%s"' % path.replace("\\", "\\\\").replace('"', '\\"').encode("utf-8")


def _stream(commits: Iterable[Commit], branch: str, parent: Optional[str]) -> Iterator[bytes]:
    for number, commit in enumerate(commits, start=1):
        chunk = b"commit refs/heads/%s\nmark :%d\n" % (branch.encode(), number)
        chunk += b"author %s %d +0000\n" % (commit.author.encode("utf-8"), commit.author_time)
        chunk += b"committer %s %d +0000\n" % (commit.committer.encode("utf-8"), commit.committer_time)
        chunk += _data(commit.message)
        if number == 1 and parent is not None:
            chunk += b"from %s\n" % parent.encode()
        for path, content in commit.files.items():
            if content is None:
                chunk += b"D %s\n" % _path(path)
            else:
                chunk += b"M 100644 inline %s\n" % _path(path) + _data(content)
        yield chunk + b"\n"


def fast_import(repo: str, branch: str, parent: Optional[str], commits: Iterable[Commit]) -> list[str]:
    """Append ``commits`` to ``branch`` (after ``parent``); returns their ids in order. When making a
    commit fails (a store error), fast-import is stopped before ``done``: the branch does not move."""
    with tempfile.TemporaryDirectory(prefix="netsync-git-") as tmp:
        marks = os.path.join(tmp, "marks")
        with open(os.path.join(tmp, "stderr"), "w+b") as errors:  # a file: a full pipe never blocks git
            proc = subprocess.Popen(["git", "-C", repo, "fast-import", "--quiet", "--done",
                                     "--export-marks=%s" % marks], stdin=subprocess.PIPE,
                                    stdout=subprocess.DEVNULL, stderr=errors, env=_env())
            if proc.stdin is None:
                raise GitError("git fast-import has no input pipe")
            count = 0
            try:
                for chunk in _stream(commits, branch, parent):
                    proc.stdin.write(chunk)
                    count += 1
                proc.stdin.write(b"done\n")
                proc.stdin.close()
            except BrokenPipeError:
                pass
            except BaseException:
                proc.kill()
                proc.wait()
                raise
            code = proc.wait()
            errors.seek(0)
            stderr = errors.read()[-4000:]
        if code != 0:
            raise GitError("git fast-import failed: %s" % stderr.decode("utf-8", "replace").strip()[-2000:])
        ids: dict[int, str] = {}
        if count:
            with open(marks, encoding="ascii") as handle:
                for line in handle:
                    mark, sha = line.split()
                    ids[int(mark[1:])] = sha
        return [ids[n] for n in range(1, count + 1)]


def update_worktree(repo: str, branch: str, old: Optional[str], new: str) -> Optional[str]:
    """Bring a checked-out ``branch``'s files to ``new`` (a fast-forward from ``old``); a warning
    when local changes are in the way (they are kept, the files stay as they were)."""
    if is_bare(repo):
        return None
    head = git(repo, "symbolic-ref", "-q", "HEAD", check=False).stdout.decode().strip()
    if head != "refs/heads/%s" % branch:
        return None
    proc = git(repo, "read-tree", "-m", "-u", old or EMPTY_TREE, new, check=False)
    if proc.returncode != 0:
        return ("the files in %s were left as they were (local changes): %s; the branch %s holds the export"
                % (repo, proc.stderr.decode("utf-8", "replace").strip()[-300:], branch))
    return None


def push(repo: str, remote: str, branch: str) -> bool:
    """Push ``branch`` to ``remote`` (a URL or a configured remote) with the usual git credentials;
    True when the remote's branch moved."""
    ref = "refs/heads/%s" % branch
    proc = git(repo, "push", "--porcelain", remote, "%s:%s" % (ref, ref), timeout=300)
    text = proc.stdout.decode("utf-8", "replace")
    for line in text.splitlines():
        if "\t%s:%s\t" % (ref, ref) in line:
            return line[:1] in (" ", "*", "+")
    return False
