"""A throw-away PostgreSQL server on a free loopback port, run as the test user.

``postgres`` runs in the foreground under our pid (no ``pg_ctl`` daemon), so it is
stopped by pid and dies with the test process. Local (socket) connections are
``trust`` inside a 0700 socket directory; TCP connections need the password.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import signal
import subprocess
from pathlib import Path
from types import TracebackType

import psycopg
from psycopg import sql

from . import procs
from .procs import Identity, TestbedError

_PORT_TRIES = 5


def pg_bindir() -> Path:
    """Directory of initdb/postgres: ``pg_config --bindir``, else the newest Debian one."""
    candidates = []
    if shutil.which("pg_config"):
        done = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True,
                              check=False)
        candidates.append(done.stdout.strip())
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                         key=lambda p: int(p.split("/")[-2]) if p.split("/")[-2].isdigit() else 0,
                         reverse=True)
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").exists():
            return Path(candidate)
    raise TestbedError("PostgreSQL server binaries not found (install Debian 'postgresql')")


class PostgresServer:
    """``with PostgresServer() as pg: psycopg.connect(pg.url)``."""

    def __init__(self, workdir: str | os.PathLike[str] | None = None, *,
                 dbname: str = "netsync", user: str = "netsync", keep: bool = False) -> None:
        self.workdir = workdir
        self.dbname = dbname
        self.user = user
        self.password = secrets.token_urlsafe(18)
        self.host = "127.0.0.1"
        self.port = 0
        self.keep = keep
        self.rundir: Path | None = None
        self.ident: Identity | None = None
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """``postgresql://user:pw@127.0.0.1:PORT/db`` (password auth over TCP)."""
        return self.url_for(self.dbname)

    def url_for(self, dbname: str) -> str:
        """URL of another database on this server, as the same user."""
        return f"postgresql://{self.user}:{self.password}@{self.host}:{self.port}/{dbname}"

    @property
    def socket_dir(self) -> Path:
        """Unix socket directory (inside the run directory)."""
        assert self.rundir is not None, "not started"
        return self.rundir / "sock"

    @property
    def pid(self) -> int | None:
        """The postmaster's pid once started."""
        return self.proc.pid if self.proc is not None else None

    def start(self) -> PostgresServer:
        """initdb, start postgres, create the password user and its database."""
        procs.register(self)
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        bindir = pg_bindir()
        ident = self.ident = procs.resolve_identity()
        rundir = self.rundir = procs.make_rundir(self.workdir, "nspg-", ident)
        data, sock = rundir / "data", rundir / "sock"
        sock.mkdir()
        procs.own(sock, ident, 0o700)
        env = {"PATH": f"{bindir}:/usr/bin:/bin", "HOME": str(rundir), "LANG": "C.UTF-8",
               "LC_ALL": "C.UTF-8"}
        initdb = subprocess.run(  # type: ignore[call-overload]
            [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-E", "UTF8",
             "--locale=C", "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync"],
            capture_output=True, text=True, env=env, cwd=rundir, check=False,
            **_as_user(ident),
        )
        if initdb.returncode != 0:  # initdb refuses to run as root: hence _as_user
            raise TestbedError(f"initdb failed: {initdb.stderr.strip()[-2000:]}")
        for _ in range(_PORT_TRIES):
            self.port = procs.free_port()
            if self._run_postgres(bindir, data, sock, env):
                break
        else:
            raise TestbedError(f"postgres could not bind a free port in {_PORT_TRIES} tries")
        self._create_user_and_db()

    def _run_postgres(self, bindir: Path, data: Path, sock: Path, env: dict[str, str]) -> bool:
        assert self.rundir is not None
        log = self.rundir / "postgres.log"
        mark = log.stat().st_size if log.exists() else 0
        settings = {"listen_addresses": self.host, "port": str(self.port),
                    "unix_socket_directories": str(sock), "fsync": "off",
                    "synchronous_commit": "off", "full_page_writes": "off",
                    "max_connections": "200", "logging_collector": "off"}
        argv = [str(bindir / "postgres"), "-D", str(data)]
        for key, value in settings.items():
            argv += ["-c", f"{key}={value}"]
        proc = self.proc = procs.spawn(argv, ident=self.ident, log=log, env=env, cwd=self.rundir)

        def ready() -> bool:
            text = log.read_bytes()[mark:]
            if proc.poll() is not None:
                return True
            return b"ready to accept connections" in text
        procs.wait_for(ready, 60, "postgres to start")
        if proc.poll() is None:
            return True
        text = log.read_bytes()[mark:].decode(errors="replace")
        if "could not bind" in text or "could not create any TCP/IP sockets" in text:
            return False
        raise TestbedError(f"postgres exited with {proc.returncode}:\n{procs.tail(log)}")

    def admin_connect(self, dbname: str = "postgres") -> psycopg.Connection[tuple[object, ...]]:
        """Superuser connection over the unix socket (autocommit)."""
        return psycopg.connect(host=str(self.socket_dir), port=self.port, user="postgres",
                               dbname=dbname, autocommit=True)

    def _create_user_and_db(self) -> None:
        with self.admin_connect() as conn:
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN CREATEDB PASSWORD {}").format(
                sql.Identifier(self.user), sql.Literal(self.password)))
        self.create_database(self.dbname)

    def create_database(self, dbname: str) -> str:
        """Create an empty database owned by :attr:`user`; returns its URL."""
        with self.admin_connect() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(
                sql.Identifier(dbname), sql.Identifier(self.user)))
        return self.url_for(dbname)

    def stop(self) -> None:
        """Fast shutdown (SIGINT), then remove the run directory. Idempotent."""
        if self.proc is not None:
            procs.stop_process(self.proc, sig=signal.SIGINT, timeout=30)
        if self.rundir is not None:
            procs.kill_stragglers(self.rundir)
            if not self.keep:
                procs.remove_tree(self.rundir)
        procs.unregister(self)


def _as_user(ident: Identity) -> dict[str, object]:
    if not ident.switch_user:
        return {}
    return {"user": ident.uid, "group": ident.gid, "extra_groups": []}
