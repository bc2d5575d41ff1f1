"""The report's history view (versions, who, when, comment, masked diff) and the device filter's script."""
from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from ansible_collections.netsync.fleet.plugins.module_utils import report as rp
from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.module_utils.device.render import sha256_text
from ansible_collections.netsync.fleet.plugins.module_utils.device.secrets import marker
from ansible_collections.netsync.fleet.plugins.module_utils.report._history import FILTER_JS, anchor

XSS = "<script>alert(1)</script>"


def _store(path: Path) -> str:
    url = str(path / "fleet.db")
    with st.open_store(url) as s:
        for name in ("r1", XSS):
            s.devices.upsert(name, "127.0.0.1", 830, "junos", {})
        # an IOS device: its readable text is the stored rendering (Junos text is tested in history/test_text.py)
        texts = ["hostname r1\nsnmp-server community public ro\n",
                 "hostname r1\nsnmp-server community private ro\n",
                 "hostname r1\nsnmp-server community private ro\ninterface Gi0/1\n description %s\n" % XSS,
                 "hostname r1b\nsnmp-server community private ro\n"]
        for i, text in enumerate(texts):
            s.devices.add_snapshot("r1", "ios-cli", text, text, sha256_text(text), commit_user="u%d" % i,
                                   commit_time=100.0 + i, job_id="j%d" % i)
    return url


def test_history_of_the_newest_versions_with_masked_diffs(tmp_path: Path) -> None:
    url = _store(tmp_path)
    with st.open_store(url) as s:
        data = rp.collect(s, history=2)
        key = s.mask_key()
    r1 = data["history"]["r1"]
    assert r1["total"] == 4 and [v["version"] for v in r1["versions"]] == [4, 3]
    assert [(v["user"], v["commit_time"], v["job_id"], v["comment"]) for v in r1["versions"]] == [
        ("u3", 103.0, "j3", None), ("u2", 102.0, "j2", None)]
    assert r1["versions"][0]["diff"] == (
        "--- r1 v3\n+++ r1 v4\n@@ -1,4 +1,2 @@\n-hostname r1\n+hostname r1b\n"
        " snmp-server community %s ro\n-interface Gi0/1\n- description %s\n" % (marker("private", key), XSS))
    assert data["history"][XSS] == {"total": 0, "versions": []}
    page = rp.render_html(data)
    assert '<a href="#%s">r1</a>' % anchor("r1") in page and 'id="%s"' % anchor("r1") in page
    assert "r1 <span class=\"count\">4 versions (newest 2 of 4)</span>" in page
    assert "public" not in page and "private" not in page.replace(marker("private", key), "")
    assert page.count("<script") == 1 and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    digest = base64.b64encode(hashlib.sha256(FILTER_JS.encode()).digest()).decode()
    assert "script-src 'sha256-%s'" % digest in page  # the CSP allows exactly the filter


def test_first_version_and_no_history(tmp_path: Path) -> None:
    url = _store(tmp_path)
    with st.open_store(url) as s:
        everything = rp.collect(s, history=10)
        none = rp.collect(s, history=0)
    assert [v["version"] for v in everything["history"]["r1"]["versions"]] == [4, 3, 2, 1]
    assert everything["history"]["r1"]["versions"][-1]["diff"] == ""
    assert none["history"] is None and 'id="history"' not in rp.render_html(none)
    assert 'id="history"' in rp.render_html(everything) and "first version" in rp.render_html(everything)
