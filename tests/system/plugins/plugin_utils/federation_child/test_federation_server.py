"""The child server's API: auth, pages, deletions, index, limits, JSON errors, TLS, the one command."""
from __future__ import annotations

import json
import ssl
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_child.api import server_config
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_child.server import (
    main,
    parse_listen,
    read_token,
)
from tests.support.datagen import fill, ietf_config, put_device
from tests.system.federation.servers import ProcessChild, ThreadChild, new_token, self_signed

pytestmark = pytest.mark.system  # child servers, the Junos simulator or ansible-* processes

TOKEN = "t0ken-for-tests-0123456789"


@pytest.fixture
def child(tmp_path: Path) -> Iterator[ThreadChild]:
    store = st.open_store(str(tmp_path / "site.db"))
    fill(store, ["sw%d" % i for i in range(3)], 2)
    srv = ThreadChild(server_config(store=store, site="paris", token=TOKEN, max_page=4, refresh_interval=0))
    srv.store = store  # the site's store, for the tests that change it
    try:
        yield srv.start()
    finally:
        srv.stop()
        store.close()


def call(url: str, path: str, token: Optional[str] = TOKEN, body: Any = None, raw: Optional[bytes] = None,
         ctx: Any = None) -> tuple[int, dict[str, Any]]:
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(url + "/api/v1" + path, data=data, method="POST" if data is not None else "GET")
    if token is not None:
        req.add_header("Authorization", "Bearer " + token)
    req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30, context=ctx) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_time_and_types(child: ThreadChild) -> None:
    status, doc = call(child.url, "/time")
    assert status == 200 and doc["site"] == "paris" and isinstance(doc["server_time"], float)
    status, doc = call(child.url, "/topology/types")
    assert status == 200 and [t["name"] for t in doc["types"]] == ["Address", "Device", "Interface"]
    assert "managed_status" in doc["types"][1]["properties"]


@pytest.mark.parametrize("token", [None, "", "wrong-token", TOKEN + "x", TOKEN[:-1]])
def test_bad_or_missing_token_is_401_json(child: ThreadChild, token: Optional[str]) -> None:
    status, doc = call(child.url, "/topology/changes", token=token)
    assert status == 401 and doc["error"] == "unauthorized"
    assert child.counters["/topology/changes"]["objects"] == 0


def test_changes_are_paginated_with_deletions(child: ThreadChild) -> None:
    seen, since, pages = [], 0, 0
    while True:
        status, page = call(child.url, "/topology/changes?since=%d&limit=4" % since)
        assert status == 200 and page["deleted"] == []
        seen += [o["key"] for o in page["objects"]]
        since, pages = page["cursor"], pages + 1
        if not page["more"]:
            break
    assert len(seen) == len(set(seen)) == 3 * 5 and pages == 4  # 15 objects, pages of 4
    store = child.store
    put_device(store, "sw1", "netconf", ietf_config("sw1", 1))  # eth1 and its address go
    status, page = call(child.url, "/topology/changes?since=%d&epoch=%s" % (since, page["epoch"]))
    assert status == 200
    deleted = sorted(d["key"] for d in page["deleted"])
    assert len(deleted) == 2 and deleted[0].startswith("Address:sw1:eth1:10.") and deleted[1] == "Interface:sw1:eth1"
    assert [o["key"] for o in page["objects"]] == ["Device:sw1"]
    assert child.counters["/topology/changes"]["deleted"] == 2


def test_index_and_objects(child: ThreadChild) -> None:
    status, first = call(child.url, "/topology/index?limit=10")
    assert status == 200 and first["more"] is True and len(first["objects"]) == 10
    status, rest = call(child.url, "/topology/index?limit=10&after=" + urllib.request.quote(first["next"]))
    keys = [k for _t, k, _v in first["objects"] + rest["objects"]]
    assert rest["more"] is False and len(keys) == 15 and keys == sorted(keys)
    status, doc = call(child.url, "/topology/objects", body={"keys": keys[:3] + ["Device:nope"]})
    assert status == 200 and [o["key"] for o in doc["objects"]] == keys[:3]
    assert child.counters["/topology/objects"]["objects"] == 3


@pytest.mark.parametrize("path,body,raw,status,code", [
    ("/topology/changes?limit=5", None, None, 400, "bad_parameter"),  # over max_page (4)
    ("/topology/changes?since=abc", None, None, 400, "bad_parameter"),
    ("/topology/changes?epoch=other", None, None, 410, "epoch_changed"),
    ("/topology/objects", {"keys": ["a"] * 5}, None, 413, "too_many_keys"),
    ("/topology/objects", {"keys": "Device:x"}, None, 400, "bad_request"),
    ("/topology/objects", None, b"{not json", 400, "bad_json"),
    ("/topology/objects", None, b"x" * (2 * 1024 * 1024), 413, "request_too_large"),
    ("/nothing/here", None, None, 404, "not_found"),
])
def test_errors_are_clear_json(child: ThreadChild, path: str, body: Any, raw: Optional[bytes], status: int,
                               code: str) -> None:
    got, doc = call(child.url, path, body=body, raw=raw)
    assert (got, doc["error"]) == (status, code) and doc["message"]


def test_expired_cursor_is_410(child: ThreadChild) -> None:
    store = child.store
    store.devices.remove("sw2")
    child.refresh()
    store.topology.prune_tombstones(store.topology.cursor())
    assert call(child.url, "/topology/changes?since=1")[1]["error"] == "cursor_expired"
    assert call(child.url, "/topology/changes?since=0")[0] == 200


def test_clock_offset_shifts_server_time(tmp_path: Path) -> None:
    with st.open_store(str(tmp_path / "s.db")) as store:
        srv = ThreadChild(server_config(store=store, site="x", token=TOKEN, clock_offset=-3600.0,
                                       clock=lambda: 10000.0)).start()
        try:
            assert call(srv.url, "/time")[1]["server_time"] == 6400.0
        finally:
            srv.stop()


def test_tls_with_a_ca(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)
    with st.open_store(str(tmp_path / "s.db")) as store:
        srv = ThreadChild(server_config(store=store, site="x", token=TOKEN), ssl_ctx=server_ctx).start()
        try:
            assert srv.url.startswith("https://")
            assert call(srv.url, "/time", ctx=ssl.create_default_context(cafile=cert))[0] == 200
            with pytest.raises(urllib.error.URLError):
                call(srv.url, "/time", ctx=ssl.create_default_context())  # not trusted without the CA
        finally:
            srv.stop()


def test_command_line_helpers(tmp_path: Path, capsys: Any) -> None:
    assert parse_listen("127.0.0.1:8443") == ("127.0.0.1", 8443)
    assert parse_listen("[::1]:0") == ("::1", 0)
    with pytest.raises(ValueError):
        parse_listen("8443")
    short = tmp_path / "short"
    short.write_text("abc\n")
    with pytest.raises(ValueError):
        read_token(str(short))
    assert main(["--store", str(tmp_path / "s.db"), "--token-file", str(short)]) == 2
    assert "at least 16" in capsys.readouterr().err


def test_the_one_command_serves_https_and_stops(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token = new_token()
    token_file.write_text(token + "\n")
    with st.open_store(str(tmp_path / "site.db")) as store:
        fill(store, ["r1"], 2)
    cert, key = self_signed(tmp_path)
    child = ProcessChild(str(tmp_path / "site.db"), "lyon", token_file, tls=(cert, key))
    try:
        child.start()
        ctx = ssl.create_default_context(cafile=cert)
        status, doc = call(child.url, "/topology/changes", token=token, ctx=ctx)
        assert status == 200 and len(doc["objects"]) == 5
        assert call(child.url, "/stats", token=token, ctx=ctx)[1]["counters"]["/topology/changes"]["objects"] == 5
    finally:
        child.stop()
    assert child.proc is not None and child.proc.returncode == 0, sys.stderr
