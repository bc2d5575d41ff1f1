"""Process, user and directory helpers shared by the test-bed peers.

Every server is started through :func:`spawn`: as the unprivileged test user when
we are root, with ``setpriv --pdeathsig TERM`` so it dies with the Python process
that started it, in its own process group, and recorded so :func:`stop_all`
(registered with ``atexit``) can end it if a finaliser never ran.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import getpass
import os
import pwd
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

TEST_USER = "netsync-test"
OOB_USER = "netsync-oob"
_STATE_DIR = Path("/var/lib/netsync-testbed")
_LOCK_FILE = Path("/run/netsync-testbed.lock")


class TestbedError(RuntimeError):
    """A peer could not be started or stopped; the message says why."""

    __test__ = False  # not a pytest test class, despite the name


@dataclass(frozen=True)
class Identity:
    """The account the peers run as and the SSH logins that work against them."""

    username: str
    uid: int
    gid: int
    home: str
    password: str | None
    oob_username: str

    @property
    def switch_user(self) -> bool:
        """True when processes must drop from root to this account."""
        return os.geteuid() == 0 and self.uid != 0


@contextlib.contextmanager
def _root_lock() -> Iterator[None]:
    _LOCK_FILE.parent.mkdir(parents=True, exist_ok=True)
    with open(_LOCK_FILE, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run(argv: list[str], stdin: str | None = None) -> None:
    done = subprocess.run(argv, input=stdin, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise TestbedError(f"{' '.join(argv[:2])} failed: {done.stderr.strip()}")


def _ensure_user(name: str) -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        home = f"/var/lib/{name}"
        _run(["useradd", "--system", "--create-home", "--home-dir", home,
              "--shell", "/bin/sh", name])
        return pwd.getpwnam(name)


def _shared_password() -> str:
    """One random password for the test user, kept root-only so parallel runs agree."""
    _STATE_DIR.mkdir(mode=0o700, exist_ok=True)
    path = _STATE_DIR / "password"
    if path.exists():
        return path.read_text().strip()
    password = secrets.token_urlsafe(18)
    path.touch(mode=0o600)
    path.write_text(password + "\n")
    return password


def resolve_identity() -> Identity:
    """Root: create/refresh the test users. Otherwise: the current user, key auth only."""
    if os.geteuid() != 0:
        entry = pwd.getpwuid(os.getuid())
        name = getpass.getuser()
        return Identity(name, entry.pw_uid, entry.pw_gid, entry.pw_dir, None, name)
    with _root_lock():
        entry = _ensure_user(TEST_USER)
        _ensure_user(OOB_USER)
        password = _shared_password()
        # UsePAM no: sshd checks /etc/shadow itself, so the hash must be real and the
        # OOB account must not be locked ("!"), or sshd refuses it even for keys.
        _run(["chpasswd"], stdin=f"{TEST_USER}:{password}\n")
        _run(["usermod", "-p", "*", OOB_USER])
    return Identity(TEST_USER, entry.pw_uid, entry.pw_gid, entry.pw_dir, password, OOB_USER)


def check_traversable(path: Path, ident: Identity) -> None:
    """Fail early when ``ident`` could not reach files under ``path``."""
    if not ident.switch_user:
        return
    for part in [path, *path.parents]:
        st = part.stat()
        if st.st_uid == ident.uid:
            ok = bool(st.st_mode & stat.S_IXUSR)
        elif st.st_gid == ident.gid:
            ok = bool(st.st_mode & stat.S_IXGRP)
        else:
            ok = bool(st.st_mode & stat.S_IXOTH)
        if not ok:
            raise TestbedError(f"{ident.username} cannot traverse {part}; pick another workdir")


def make_rundir(parent: str | os.PathLike[str] | None, prefix: str, ident: Identity) -> Path:
    """A fresh directory owned by ``ident`` (short path: unix sockets live in it)."""
    base = Path(parent) if parent is not None else Path(tempfile.gettempdir())
    base.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=base))
    path.chmod(0o755)
    if ident.switch_user:
        os.chown(path, ident.uid, ident.gid)
    check_traversable(path, ident)
    return path


def own(path: Path, ident: Identity, mode: int | None = None) -> Path:
    """chown ``path`` to ``ident`` (when root) and optionally chmod it."""
    if ident.switch_user:
        os.chown(path, ident.uid, ident.gid)
    if mode is not None:
        path.chmod(mode)
    return path


def free_port() -> int:
    """A currently unused loopback TCP port (the caller retries if it gets taken)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def spawn(argv: list[str], *, ident: Identity | None, log: Path, env: dict[str, str],
          cwd: Path) -> subprocess.Popen[bytes]:
    """Start ``argv`` (as ``ident`` if given and we are root) with output to ``log``."""
    # Parent death is per *thread* on Linux: only the main thread may ask for it, or the
    # servers would die with a short-lived worker thread (atexit still covers those).
    main = threading.current_thread() is threading.main_thread()
    full = ["setpriv", "--pdeathsig", "TERM", "--", *argv] if main else list(argv)
    extra: dict[str, object] = {}
    if ident is not None and ident.switch_user:
        extra = {"user": ident.uid, "group": ident.gid, "extra_groups": []}
    with open(log, "ab") as out:
        proc: subprocess.Popen[bytes] = subprocess.Popen(  # type: ignore[call-overload]
            full, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            env=env, cwd=cwd, process_group=0, **extra,
        )
    return proc


def is_alive(pid: int) -> bool:
    """True if ``pid`` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def stop_process(proc: subprocess.Popen[bytes], *, sig: int = signal.SIGTERM,
                 timeout: float = 10.0) -> None:
    """Signal the process group of ``proc``, wait, then SIGKILL what is left."""
    stop_processes([proc], sig=sig, timeout=timeout)


def stop_processes(group: list[subprocess.Popen[bytes]], *, sig: int = signal.SIGTERM,
                   timeout: float = 10.0) -> None:
    """:func:`stop_process` for many at once (netconfd takes ~1 s to exit on SIGTERM).

    Processes already reaped are left alone: their group id may belong to someone else.
    """
    group = [proc for proc in group if proc.returncode is None]
    for proc in group:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
    deadline = time.monotonic() + timeout
    for proc in group:
        try:
            proc.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout)
        # children left in the group go too (the group id stays reserved while they live)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)


def descendants(pid: int) -> list[int]:
    """pids of every process below ``pid`` (children, grandchildren, ...)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    found: list[int] = []
    todo = list(children.get(pid, []))
    while todo:
        child = todo.pop()
        found.append(child)
        todo += children.get(child, [])
    return found


def kill_pids(pids: list[int], timeout: float = 5.0) -> None:
    """SIGTERM then SIGKILL the given pids (ours: collected from our own process tree)."""
    def none_alive() -> bool:
        return not any(is_alive(pid) for pid in pids)

    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            if is_alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, sig)
        with contextlib.suppress(TestbedError):
            wait_for(none_alive, timeout, "processes to exit")


def pids_referencing(path: Path) -> list[int]:
    """Live processes whose command line mentions ``path`` (our own temp dir)."""
    needle = str(path).encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                cmdline = handle.read()
        except OSError:
            continue
        if needle in cmdline and is_alive(int(entry)):
            found.append(int(entry))
    return found


def kill_stragglers(path: Path, timeout: float = 5.0) -> None:
    """End, by pid, processes still running from ``path`` (e.g. netconf-subsystem)."""
    kill_pids(pids_referencing(path), timeout)


def wait_for(cond: Callable[[], bool], timeout: float, what: str,
             interval: float = 0.02) -> None:
    """Poll ``cond`` until true; raise :class:`TestbedError` naming ``what`` otherwise."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise TestbedError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def tail(path: Path, lines: int = 25) -> str:
    """Last lines of a log file, for error messages."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"<no {path}>"


def remove_tree(path: Path) -> None:
    """Remove a run directory; a missing one is fine."""
    shutil.rmtree(path, ignore_errors=True)


class Stoppable(Protocol):
    """Anything the atexit hook can stop."""

    def stop(self) -> None: ...


_LIVE: list[Stoppable] = []


def register(obj: Stoppable) -> None:
    """Remember ``obj`` so it is stopped at interpreter exit if nobody else did."""
    _LIVE.append(obj)


def unregister(obj: Stoppable) -> None:
    """Forget ``obj`` (it stopped)."""
    with contextlib.suppress(ValueError):
        _LIVE.remove(obj)


@atexit.register
def stop_all() -> None:
    """Stop everything still registered, newest first."""
    for obj in list(reversed(_LIVE)):
        with contextlib.suppress(Exception):
            obj.stop()

