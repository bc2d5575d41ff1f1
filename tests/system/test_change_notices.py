"""Change notices end to end: a commit on the Junos simulator, the real resync playbook stores the
snapshot, the real ansible-rulebook running extensions/eda/rulebooks/change_notices.yml sees it
(event source netsync.fleet.changes) and runs the playbook netsync.fleet.change_notice, which
posts Slack-compatible JSON to a local HTTP receiver. The diff masks the changed secret, a
``{{ ... }}`` in the configuration arrives as text (never templated), a restart neither repeats
nor loses a notice."""
from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.module_utils.device.secrets import marker
from tests.system.helpers import REPO, from_sim, run_playbook, write_inventory
from tests.system.rulebook import RulebookRunner, rulebook_runner

pytestmark = pytest.mark.system

__all__ = ["rulebook_runner"]  # the fixture, imported for pytest
RULEBOOK = REPO / "extensions/eda/rulebooks/change_notices.yml"


class Receiver:
    """A local webhook: every POST body (JSON) is kept; answers 200."""

    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []
        received = self.posts

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                received.append({"path": self.path, "type": self.headers.get("Content-Type"),
                                 "json": json.loads(body)})
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/hooks/netsync" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver()
    yield rec
    rec.close()


def test_change_notice_reaches_the_webhook(tmp_path: Path, junos_sim: Callable[..., Any], receiver: Receiver,
                                           rulebook_runner: Callable[..., RulebookRunner]) -> None:
    store_url = str(tmp_path / "fleet.db")
    sim = junos_sim(hostname="r1")
    sim.cli_commit(set_commands=['set snmp community oldcommunity authorization read-only'])
    known = sim.write_known_hosts(tmp_path / "known_hosts")
    inv = write_inventory(tmp_path / "inventory.yml", [from_sim("r1", sim)], known_hosts=known)
    run = run_playbook(REPO / "playbooks/onboard.yml", inv, store_url)
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-3000:]

    runner = rulebook_runner(inv, store_url, {"netsync_webhook_url": receiver.url, "netsync_changes_interval": 0.5,
                                              "netsync_store": store_url}, rulebook=RULEBOOK)
    runner.start(ready=b"netsync.fleet.changes: polling")
    sim.cli_commit(user="alice", set_commands=[
        "delete snmp community oldcommunity", "set snmp community newcommunity authorization read-only",
        'set interfaces ge-0/0/1 description "{{ 6 * 7 }}"'])
    run = run_playbook(REPO / "playbooks/resync.yml", inv, store_url)
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-3000:]
    runner.wait_for("the webhook post", lambda: receiver.posts)
    with st.open_store(store_url) as store:
        key = store.mask_key()
    post = receiver.posts[0]
    assert post["path"] == "/hooks/netsync" and post["type"] == "application/json"
    notice = post["json"]["netsync_change"]
    assert (notice["device"], notice["old_version"], notice["new_version"], notice["user"]) == ("r1", 1, 2, "alice")
    diff = notice["diff"].splitlines()  # Junos: delete lines, then set lines, a Junos engineer can paste
    assert diff[0] == "delete snmp community %s" % marker("oldcommunity", key)
    assert sorted(diff[1:]) == sorted([
        "set snmp community %s authorization read-only" % marker("newcommunity", key),
        'set interfaces ge-0/0/1 description "{{ 6 * 7 }}"'])
    text = post["json"]["text"]
    assert text.startswith("r1 v1 -> v2 by alice: 2 lines added, 1 removed\n```\ndelete snmp community <secret:")
    # configuration text is never templated (markers are hex: they may hold "42" by chance)
    assert '"{{ 6 * 7 }}"' in text and "42" not in re.sub(r"<secret:[0-9a-f]+>", "", text)
    assert "oldcommunity" not in json.dumps(post) and "newcommunity" not in json.dumps(post)

    # a restart: the cursor is in the store, so no notice comes twice, and one made meanwhile is not lost
    runner.stop()
    sim.cli_commit(user="bob", set_commands=["set interfaces ge-0/0/2 description while-stopped"])
    run = run_playbook(REPO / "playbooks/resync.yml", inv, store_url)
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-3000:]
    runner.start(ready=b"netsync.fleet.changes: polling")
    runner.wait_for("the second post", lambda: len(receiver.posts) >= 2)
    time.sleep(3)  # several more polls: nothing else comes
    assert [(p["json"]["netsync_change"]["new_version"], p["json"]["netsync_change"]["user"])
            for p in receiver.posts] == [(2, "alice"), (3, "bob")]
    second = receiver.posts[1]["json"]["netsync_change"]["diff"].splitlines()
    assert second == ["set interfaces ge-0/0/2 description while-stopped"]  # overwrites "spare": no delete
