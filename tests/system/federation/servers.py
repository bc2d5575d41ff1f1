"""Child servers for tests: in-process (a thread with its own loop) or the real one-command process."""
from __future__ import annotations

import asyncio
import datetime
import os
import secrets
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Optional

import yaml
from aiohttp import web

from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_child.api import ServerConfig
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_child.app import API_KEY, make_app

REPO = Path(__file__).resolve().parents[3]
MODULE = "ansible_collections.netsync.fleet.plugins.plugin_utils.federation_child.server"


def new_token() -> str:
    return secrets.token_urlsafe(24)


class ThreadChild:
    """A child server on 127.0.0.1:<free port> in a background thread; ``stop()`` always."""

    def __init__(self, cfg: ServerConfig, ssl_ctx: Any = None, max_request: int = 1024 * 1024) -> None:
        self.cfg = cfg
        self.loop = asyncio.new_event_loop()
        self.app = make_app(cfg, max_request)
        self.runner = web.AppRunner(self.app, access_log=None)
        self.ssl_ctx = ssl_ctx
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.url = ""

    def start(self) -> "ThreadChild":
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(30)
        return self

    async def _start(self) -> None:
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0, ssl_context=self.ssl_ctx)
        await site.start()
        port = self.runner.addresses[0][1]
        self.url = "%s://127.0.0.1:%d" % ("https" if self.ssl_ctx else "http", port)

    @property
    def counters(self) -> dict[str, dict[str, int]]:
        return self.cfg.counters

    def reset_counters(self) -> None:
        self.cfg.counters.clear()

    def refresh(self) -> None:
        asyncio.run_coroutine_threadsafe(self.app[API_KEY].refresh(force=True), self.loop).result(60)

    def stop(self) -> None:
        if self.thread.is_alive():
            asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(30)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
        self.loop.close()


class ProcessChild:
    """The real child server started by its one command; ``stop()`` terminates it."""

    def __init__(self, store: str, site: str, token_file: Path, tls: Optional[tuple[str, str]] = None,
                 clock_offset: float = 0.0, extra: tuple[str, ...] = ()) -> None:
        self.cmd = [sys.executable, "-m", MODULE, "--store", store, "--site", site, "--listen", "127.0.0.1:0",
                    "--token-file", str(token_file), "--refresh-interval", "0", *extra]
        if tls:
            self.cmd += ["--tls-cert", tls[0], "--tls-key", tls[1]]
        if clock_offset:
            self.cmd += ["--clock-offset", str(clock_offset)]
        self.proc: Optional[subprocess.Popen[str]] = None
        self.url = ""

    def start(self, timeout: float = 60) -> "ProcessChild":
        env = dict(os.environ)
        env["PYTHONPATH"] = "%s:%s" % (REPO / ".collections", env.get("PYTHONPATH", ""))
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        assert self.proc.stdout is not None
        box: list[str] = []
        reader = threading.Thread(target=lambda: box.append(self.proc.stdout.readline()), daemon=True)  # type: ignore
        reader.start()
        reader.join(timeout)
        line = box[0] if box else ""
        if not line.startswith("listening on "):
            self.stop()
            raise RuntimeError("child server did not start: %r %s" % (line, self.stderr()))
        self.url = line.split()[-1]
        return self

    def stderr(self) -> str:
        if self.proc is None or self.proc.poll() is None or self.proc.stderr is None:
            return ""
        return self.proc.stderr.read()[-3000:]

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def self_signed(directory: Path, name: str = "localhost") -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1 and localhost; returns (cert, key) paths."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / ("%s.crt" % name), directory / ("%s.key" % name)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    return str(cert_path), str(key_path)


@contextmanager
def tls_children(directory: Path, stores: dict[str, str], **settings: Any) -> Iterator[dict[str, Any]]:
    """One real child server per store (``ProcessChild`` named ``site-<name>``, TLS with one self-signed
    certificate, a token of its own in ``directory/<name>.token``) and the federation file naming them
    all, ``directory/sites.federation.yml`` (master store ``directory/master.db``; ``settings``: more of
    its keys). Yields ``children``, ``tokens``, ``config``, ``path``, ``cert``, ``key``; stops every child."""
    cert, key = self_signed(directory)
    tokens = {n: new_token() for n in stores}
    children: dict[str, ProcessChild] = {}
    try:
        for name in stores:
            token_file = directory / ("%s.token" % name)
            token_file.write_text(tokens[name] + "\n")
            children[name] = ProcessChild(stores[name], "site-" + name, token_file, tls=(cert, key)).start()
        config = {"plugin": "netsync.fleet.federation", "store": str(directory / "master.db"), **settings,
                  "children": [{"name": n, "url": c.url, "token_file": "%s.token" % n, "ca_path": cert}
                               for n, c in children.items()]}
        path = directory / "sites.federation.yml"
        path.write_text(yaml.safe_dump(config))
        yield {"children": children, "tokens": tokens, "config": config, "path": path, "cert": cert, "key": key}
    finally:
        for child in children.values():
            child.stop()
