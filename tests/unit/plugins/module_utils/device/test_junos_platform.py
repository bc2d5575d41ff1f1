"""JunosPlatform's reading of Junos XML replies (facts, commit history, the committed configuration)
over a fake ncclient manager: fields found by local name, in the order asked, leaves' text only."""
from __future__ import annotations

from typing import Any

from ansible_collections.netsync.fleet.plugins.module_utils.device.platforms import JunosPlatform, _text
from ansible_collections.netsync.fleet.plugins.module_utils.common.xml import parse_xml
from ansible_collections.netsync.fleet.plugins.module_utils.device.render import render, render_read, sha256_text
from ansible_collections.netsync.fleet.plugins.module_utils.device.types import KnownCommit

JUNOS = 'xmlns="urn:ietf:params:xml:ns:netconf:base:1.0" xmlns:junos="http://xml.juniper.net/junos/23.4R1/junos"'


class Reply:
    def __init__(self, xml: str) -> None:
        self.xml = xml


class FakeManager:
    def __init__(self, replies: dict[str, str]) -> None:
        self.replies = replies
        self.sent: list[str] = []

    def dispatch(self, rpc: Any) -> Reply:
        name = rpc.tag
        self.sent.append(name)
        if name not in self.replies:
            raise KeyError(name)
        return Reply(self.replies[name])


COMMITS = """<rpc-reply %s><commit-information>
<commit-history><sequence-number>0</sequence-number><user>alice</user><client>cli</client>
<date-time junos:seconds="1796000000">2026-11-30 10:00:00 UTC</date-time><log> change 42 </log></commit-history>
<commit-history><sequence-number>1</sequence-number><user>bob</user><client>netconf</client>
<date-time junos:seconds="1795000000">2026-11-19 00:00:00 UTC</date-time><comment>older</comment></commit-history>
</commit-information></rpc-reply>""" % JUNOS

CONFIG = """<rpc-reply %s><configuration junos:commit-seconds="1796000000" junos:commit-user="alice">
<system><host-name>r1</host-name></system></configuration></rpc-reply>""" % JUNOS


def test_last_commit_is_the_newest_entry() -> None:
    info = JunosPlatform().last_commit(FakeManager({"get-commit-information": COMMITS}))
    assert info is not None
    assert (info.seconds, info.user, info.client, info.comment, info.sequence) == (
        1796000000.0, "alice", "cli", "change 42", "0")


def test_read_config_takes_the_commit_fields_when_the_commit_is_the_one_read() -> None:
    manager = FakeManager({"get-configuration": CONFIG, "get-commit-information": COMMITS})
    read = JunosPlatform().read_config(manager)
    assert manager.sent == ["get-configuration", "get-commit-information"]
    assert (read.commit_time, read.commit_user, read.commit_seq, read.commit_comment) == (
        1796000000.0, "alice", "0", "change 42")
    assert "<host-name>r1</host-name>" in read.config


def _stored(manager_config: str = CONFIG, **kw: Any) -> KnownCommit:
    """The store's latest snapshot of a read of ``manager_config``."""
    read = JunosPlatform().read_config(FakeManager({"get-configuration": manager_config,
                                                    "get-commit-information": COMMITS}))
    fields = dict(commit_time=read.commit_time, sha256=sha256_text(render_read(read)), sequence="0",
                  comment="change 42")
    fields.update(kw)
    return KnownCommit(**fields)


def test_read_config_asks_no_commit_history_when_commit_and_text_are_the_stored_ones() -> None:
    manager = FakeManager({"get-configuration": CONFIG, "get-commit-information": COMMITS})
    read = JunosPlatform().read_config(manager, _stored(sequence="7", comment="as stored"))
    assert manager.sent == ["get-configuration"]
    # this very commit: the stored sequence and comment are its own
    assert (read.commit_time, read.commit_user, read.commit_seq, read.commit_comment) == (
        1796000000.0, "alice", "7", "as stored")
    assert render_read(read) == render(read.root)


def test_read_config_asks_the_commit_history_for_a_new_commit_or_new_text() -> None:
    for known in (_stored(commit_time=1795000000.0),  # another commit
                  _stored(sha256="0" * 64)):  # the same second, another text (two commits in one second)
        manager = FakeManager({"get-configuration": CONFIG, "get-commit-information": COMMITS})
        read = JunosPlatform().read_config(manager, known)
        assert manager.sent == ["get-configuration", "get-commit-information"]
        assert (read.commit_seq, read.commit_comment) == ("0", "change 42")


def test_facts() -> None:
    software = ("<rpc-reply %s><software-information><host-name>r1</host-name><product-model>mx204"
                "</product-model><junos-version>23.4R1.10</junos-version></software-information></rpc-reply>" % JUNOS)
    chassis = ("<rpc-reply %s><chassis-inventory><chassis><name>Chassis</name><serial-number>AB123"
               "</serial-number></chassis></chassis-inventory></rpc-reply>" % JUNOS)
    facts = JunosPlatform().facts(FakeManager({"get-software-information": software,
                                               "get-chassis-inventory": chassis}))
    assert facts == {"hostname": "r1", "model": "mx204", "version": "23.4R1.10", "serial": "AB123",
                     "vendor": "Juniper Networks"}


def test_text_order_of_names_empty_leaves_and_elements_with_children() -> None:
    root = parse_xml('<a xmlns="urn:x"><log>   </log><comment>kept</comment><c>own<y>2</y></c><u/></a>')
    assert _text(root, "log", "comment") == "kept"  # an empty first name falls through to the next
    assert _text(root, "comment", "log") == "kept"
    assert _text(root, "c") == "own"  # its own text, not its children's
    assert _text(root, "u") is None
    assert _text(root, "missing") is None
    assert _text(root, "a") is None  # the root itself is looked at: it has no text of its own
