"""netsync.fleet.search through the real ansible-playbook: the module and the lookup on the same store,
masked secrets, configuration text never templated, a bad regular expression named, check mode."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.module_utils.device.render import sha256_text
from ansible_collections.netsync.fleet.plugins.module_utils.device.secrets import marker
from tests.system.helpers import run_playbook

pytestmark = pytest.mark.system

R1 = ('system host-name r1\nsystem login user ops authentication encrypted-password "$6$hunter2"\n'
      'interfaces interface ge-0/0/1 description "{{ 6 * 7 }}"\n')
R2 = "system host-name r2\ninterfaces interface ge-0/0/1 description uplink\n"

PLAY = [{"name": "search", "hosts": "localhost", "connection": "local", "gather_facts": False, "tasks": [
    {"name": "module", "netsync.fleet.search": {"pattern": "ge-0/0/1 description"}, "register": "found"},
    {"name": "module regex", "netsync.fleet.search": {"pattern": r"^system host-name r\d$", "regex": True,
                                                      "devices": ["r2"]}},
    {"name": "secret", "netsync.fleet.search": {"pattern": "hunter2"}},
    {"name": "lookup", "ansible.builtin.set_fact": {
        "hits": "{{ query('netsync.fleet.search', 'description', 'encrypted-password') }}"}},
    {"name": "show", "ansible.builtin.debug": {"msg": "{{ hits[0].line }}"}},
    {"name": "bad regex", "netsync.fleet.search": {"pattern": "ge-(0", "regex": True}, "ignore_errors": True},
    {"name": "bad lookup", "ansible.builtin.debug": {"msg": "{{ query('netsync.fleet.search', 'x(', regex=true) }}"},
     "ignore_errors": True},
]}]


def test_search_module_and_lookup(tmp_path: Path) -> None:
    url = str(tmp_path / "fleet.db")
    with st.open_store(url) as s:
        for name, text in (("r1", R1), ("r2", R2)):
            s.devices.upsert(name, "127.0.0.1", 830, "junos", {})
            s.devices.add_snapshot(name, "junos-xml", "<c/>", text, sha256_text(text))
        key = s.mask_key()
    playbook = tmp_path / "search.yml"
    playbook.write_text(yaml.safe_dump(PLAY, sort_keys=False))
    inventory = tmp_path / "hosts.ini"
    inventory.write_text("localhost ansible_connection=local\n")
    for extra in ((), ("--check",)):
        run = run_playbook(playbook, inventory, url, *extra)
        assert run.rc == 0, run.stdout[-3000:] + run.stderr[-3000:]
        found = run.results("module")["localhost"]
        assert found["changed"] is False and found["truncated"] is False and found["texts_searched"] == 2
        assert [(m["device"], m["version"], m["line_number"], m["line"]) for m in found["matches"]] == [
            ("r1", 1, 3, 'interfaces interface ge-0/0/1 description "{{ 6 * 7 }}"'),
            ("r2", 1, 2, "interfaces interface ge-0/0/1 description uplink")]
        assert [m["line"] for m in run.results("module regex")["localhost"]["matches"]] == ["system host-name r2"]
        assert run.results("secret")["localhost"]["matches"] == []
        hits = run.results("lookup")["localhost"]["ansible_facts"]["hits"]
        assert [(h["pattern"], h["device"], h["line_number"]) for h in hits] == [
            ("description", "r1", 3), ("description", "r2", 2), ("encrypted-password", "r1", 2)]
        assert hits[2]["line"] == "system login user ops authentication encrypted-password %s" % marker(
            "$6$hunter2", key)
        assert run.results("show")["localhost"]["msg"] == 'interfaces interface ge-0/0/1 description "{{ 6 * 7 }}"'
        bad = run.results("bad regex")["localhost"]
        assert bad["failed"] is True and bad["msg"] == (
            "pattern 'ge-(0' is not a valid regular expression: missing ), unterminated subpattern at position 3")
        bad = run.results("bad lookup")["localhost"]
        assert bad["failed"] is True and "netsync.fleet.search: pattern 'x(' is not a valid regular expression" \
            in bad["msg"]
        assert "hunter2" not in run.stdout
