"""The playbook netsync.fleet.change_notice through the real ansible-playbook: the notice read from the
store (lookup netsync.fleet.change_notice) is mailed by community.general.mail to a local SMTP receiver
and posted to a local webhook; a bad version is a clear failure."""
from __future__ import annotations

import socketserver
import threading
from email import message_from_bytes
from email.policy import default as email_policy
from pathlib import Path
from typing import Any, Iterator

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.module_utils.device.render import sha256_text
from ansible_collections.netsync.fleet.plugins.module_utils.device.secrets import marker
from tests.system.helpers import REPO, run_playbook
from tests.system.test_change_notices import Receiver

pytestmark = pytest.mark.system


class _Smtp(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) for smtplib: no extensions, every message kept."""

    def _say(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self._say("220 localhost test SMTP")
        while True:
            line = self.rfile.readline(65536)
            if not line:
                return
            verb = line.decode(errors="replace").strip().split(" ")[0].upper()
            if verb in ("EHLO", "HELO", "MAIL", "RCPT", "RSET", "NOOP"):
                self._say("250 ok")
            elif verb == "DATA":
                self._say("354 go on")
                data = b""
                while not data.endswith(b"\r\n.\r\n"):
                    chunk = self.rfile.readline(65536)
                    if not chunk:
                        return
                    data += chunk
                self.server.messages.append(data[:-5])  # type: ignore[attr-defined]
                self._say("250 queued")
            elif verb == "QUIT":
                self._say("221 bye")
                return
            else:
                self._say("502 not implemented")


@pytest.fixture
def smtp() -> Iterator[Any]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Smtp)
    server.daemon_threads = True
    server.messages = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(10)


@pytest.fixture
def webhook() -> Iterator[Receiver]:
    rec = Receiver()
    yield rec
    rec.close()


def test_change_notice_playbook_mails_and_posts(tmp_path: Path, smtp: Any, webhook: Receiver) -> None:
    url = str(tmp_path / "fleet.db")
    # an IOS device (its readable text is its stored lines; Junos notices: test_change_notices.py)
    texts = ["hostname r1\nsnmp-server community s3cret-one ro\n",
             "hostname r1\nsnmp-server community s3cret-two ro\ninterface Gi0/1\n description x\n"]
    with st.open_store(url) as s:
        s.devices.upsert("r1", "127.0.0.1", 22, "ios", {})
        for i, text in enumerate(texts):
            s.devices.add_snapshot("r1", "ios-cli", text, text, sha256_text(text), commit_user="u%d" % i)
        key = s.mask_key()
    inventory = tmp_path / "hosts.ini"
    inventory.write_text("r1 ansible_connection=local\n")
    args = ["-e", "netsync_change_device=r1", "-e", "netsync_change_new=2", "-e", "netsync_mail_to=noc@example.com",
            "-e", "netsync_mail_port=%d" % smtp.server_address[1], "-e", "netsync_mail_host=127.0.0.1",
            "-e", "netsync_mail_secure=never", "-e", "netsync_webhook_url=%s" % webhook.url]
    run = run_playbook(REPO / "playbooks/change_notice.yml", inventory, url, *args)
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert len(smtp.messages) == 1 and len(webhook.posts) == 1
    mail = message_from_bytes(smtp.messages[0], policy=email_policy)
    assert mail["Subject"] == "[netsync] r1 v1 -> v2 by u1: 3 lines added, 1 removed"
    assert mail["To"] == "noc@example.com"
    body = mail.get_body(preferencelist=("plain",)).get_content()  # community.general.mail: multipart/mixed
    diff = ("--- r1 v1\n+++ r1 v2\n@@ -1,2 +1,4 @@\n hostname r1\n-snmp-server community %s ro\n"
            "+snmp-server community %s ro\n+interface Gi0/1\n+ description x\n"
            % (marker("s3cret-one", key), marker("s3cret-two", key)))
    assert body.replace("\r\n", "\n").strip() == ("r1 v1 -> v2 by u1: 3 lines added, 1 removed\n\n" + diff).strip()
    assert webhook.posts[0]["json"]["text"] == "r1 v1 -> v2 by u1: 3 lines added, 1 removed\n```\n%s```" % diff
    assert b"s3cret" not in smtp.messages[0] and "s3cret" not in run.stdout

    bad = run_playbook(REPO / "playbooks/change_notice.yml", inventory, url, "-e", "netsync_change_device=r1",
                       "-e", "netsync_change_new=7", "-e", "netsync_webhook_url=%s" % webhook.url)
    assert bad.rc != 0 and len(webhook.posts) == 1
    assert "netsync.fleet.change_notice: device 'r1' has no snapshot version 7 in the store" in bad.stdout

