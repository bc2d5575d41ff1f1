"""The Junos simulator as ncclient (Junos device handler) and a raw SSH client see it."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import asyncssh
import pytest
from lxml import etree
from ncclient import manager
from ncclient.operations.errors import TimeoutExpiredError
from ncclient.operations.rpc import RPCError
from ncclient.transport.errors import AuthenticationError, SSHError, SSHUnknownHostError

from tests.sims.helpers import UdpReceiver, ncclient_kwargs
from tests.sims.junos_device import DeviceLockedError
from tests.sims.junos_sim import JunosSim, SimFleet

pytestmark = pytest.mark.system  # child servers, the Junos simulator or ansible-* processes

SimFactory = Callable[..., JunosSim]
COMMITTED = '<get-configuration database="committed"/>'


def connect(sim: JunosSim, tmp_path: Path, **kwargs: object) -> manager.Manager:
    params = ncclient_kwargs(sim, tmp_path)
    params.update(kwargs)
    return manager.connect(**params)


def commit_attrs(m: manager.Manager) -> dict[str, str]:
    conf = m.rpc(COMMITTED).xpath("//configuration")[0]
    return dict(conf.attrib)


def test_hello_capabilities_and_session_id(junos_sim: SimFactory, tmp_path: Path) -> None:
    sim = junos_sim()
    with connect(sim, tmp_path) as m:
        caps = set(m.server_capabilities)
        assert {
            "urn:ietf:params:netconf:base:1.0",
            "urn:ietf:params:netconf:capability:candidate:1.0",
            "urn:ietf:params:netconf:capability:confirmed-commit:1.0",
            "urn:ietf:params:netconf:capability:validate:1.0",
            "http://xml.juniper.net/netconf/junos/1.0",
            "http://xml.juniper.net/dmi/system/1.0",
        } <= caps
        assert any(c.startswith("urn:ietf:params:netconf:capability:url:1.0") for c in caps)
        assert not any("base:1.1" in c for c in caps)
        assert int(m.session_id) > 0


async def _raw_exchange(sim: JunosSim, rpc: bytes) -> tuple[bytes, bytes]:
    known = asyncssh.import_known_hosts(sim.known_hosts_line() + "\n")
    async with asyncssh.connect("127.0.0.1", sim.port, username="admin", password="secret", known_hosts=known) as conn:
        writer, reader, _ = await conn.open_session(subsystem="netconf", encoding=None)
        hello = await reader.readuntil(b"]]>]]>")
        writer.write(
            b'<hello xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><capabilities>'
            b"<capability>urn:ietf:params:netconf:base:1.0</capability>"
            b"</capabilities></hello>]]>]]>"
        )
        writer.write(rpc + b"]]>]]>")
        reply = await reader.readuntil(b"]]>]]>")
        return hello, reply


def test_wire_format_is_junos_like(junos_sim: SimFactory) -> None:
    sim = junos_sim()
    rpc = (
        b'<rpc xmlns="urn:ietf:params:xml:ns:netconf:base:1.0" message-id="m-7">'
        b'<get-configuration database="committed"/></rpc>'
    )
    hello, reply = asyncio.run(_raw_exchange(sim, rpc))
    assert b"<session-id>" in hello and b"<?xml" not in hello
    text = reply.decode().strip()
    assert not text.startswith("<?xml")
    assert text.startswith(
        '<rpc-reply xmlns="urn:ietf:params:xml:ns:netconf:base:1.0" '
        'xmlns:junos="http://xml.juniper.net/junos/21.4R3/junos" message-id="m-7">'
    )
    assert text.endswith("</rpc-reply>]]>]]>")
    assert re.search(
        r'<configuration junos:commit-seconds="\d+" '
        r'junos:commit-localtime="\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC" '
        r'junos:commit-user="root">',
        text,
    )
    etree.fromstring(text[: -len("]]>]]>")].encode())  # well-formed


def test_committed_config_and_operational_rpcs(junos_sim: SimFactory, tmp_path: Path) -> None:
    sim = junos_sim(hostname="edge7", serial="VMTEST123", model="mx480")
    with connect(sim, tmp_path) as m:
        attrs = commit_attrs(m)
        assert attrs["commit-user"] == "root" and int(attrs["commit-seconds"]) > 0
        conf = m.rpc(COMMITTED)
        assert conf.xpath("//system/host-name")[0].text == "edge7"
        assert conf.xpath("//interfaces/interface[name='ge-0/0/0']/description")[0].text == "to core"
        soft = m.rpc("<get-software-information/>")
        assert soft.xpath("//host-name")[0].text == "edge7"
        assert soft.xpath("//product-model")[0].text == "mx480"
        assert soft.xpath("//junos-version")[0].text == "21.4R3.15"
        assert m.rpc("<get-chassis-inventory/>").xpath("//chassis/serial-number")[0].text == "VMTEST123"
        assert m.command("show version").xpath("//host-name")[0].text == "edge7"
        text = m.get_configuration(format="text").xpath("//configuration-text")[0].text
        assert "host-name edge7;" in text and "ge-0/0/0 {" in text
        running = m.get_config(source="running")
        assert running.xpath("//data/configuration/system/host-name")[0].text == "edge7"


def test_load_set_commit_records_history(junos_sim: SimFactory, tmp_path: Path) -> None:
    sim = junos_sim()
    with connect(sim, tmp_path) as m:
        before = int(commit_attrs(m)["commit-seconds"])
        m.load_configuration(
            action="set", config=['set interfaces ge-0/0/1 description "new uplink"', "delete interfaces ge-0/0/2"]
        )
        cand = m.get_configuration()  # Junos default database: candidate
        assert cand.xpath("//interface[name='ge-0/0/1']/description")[0].text == "new uplink"
        assert commit_attrs(m)["commit-seconds"] == str(before)  # not committed yet
        reply = m.commit(comment="via netconf")
        assert reply.xpath("//commit-success")
        attrs = commit_attrs(m)
        assert int(attrs["commit-seconds"]) > before and attrs["commit-user"] == "admin"
        conf = m.rpc(COMMITTED)
        assert conf.xpath("//interface[name='ge-0/0/1']/description")[0].text == "new uplink"
        assert not conf.xpath("//interface[name='ge-0/0/2']")
        hist = m.rpc("<get-commit-information/>").xpath("//commit-history")
        assert [h.findtext("sequence-number") for h in hist] == ["0", "1"]
        assert (hist[0].findtext("user"), hist[0].findtext("client"), hist[0].findtext("log")) == (
            "admin",
            "netconf",
            "via netconf",
        )
        assert hist[0].find("date-time").get("seconds") == attrs["commit-seconds"]


def test_load_xml_text_check_and_discard(junos_sim: SimFactory, tmp_path: Path) -> None:
    sim = junos_sim()
    with connect(sim, tmp_path) as m:
        patch = etree.fromstring("<system><host-name>r1-new</host-name></system>")
        m.load_configuration(config=patch)
        m.load_configuration(format="text", config="interfaces { ge-0/0/5 { description spare5; } }")
        check = m.commit(check=True)
        assert check.xpath("//commit-check-success")
        assert len(sim.commit_history()) == 1
        m.discard_changes()
        assert m.get_configuration().xpath("//system/host-name")[0].text == "r1"
        m.load_configuration(
            config=etree.fromstring(
                '<interfaces><interface delete="delete"><name>ge-0/0/0</name></interface></interfaces>'
            )
        )
        m.commit()
        assert not m.rpc(COMMITTED).xpath("//interface[name='ge-0/0/0']")


def test_out_of_band_cli_commit_is_visible(junos_sim: SimFactory, tmp_path: Path) -> None:
    sim = junos_sim()
    with connect(sim, tmp_path) as m:
        before = int(commit_attrs(m)["commit-seconds"])
        sim.cli_commit(user="ops", set_commands=["set interfaces ge-0/0/1 description uplink"], comment="maintenance")
        attrs = commit_attrs(m)
        assert int(attrs["commit-seconds"]) > before and attrs["commit-user"] == "ops"
        assert m.rpc(COMMITTED).xpath("//interface[name='ge-0/0/1']/description")[0].text == "uplink"
        top = m.rpc("<get-commit-information/>").xpath("//commit-history")[0]
        assert (top.findtext("sequence-number"), top.findtext("user"), top.findtext("client")) == ("0", "ops", "cli")
        assert top.findtext("log") == "maintenance"
        sim.cli_commit(xml="<configuration><system><host-name>r9</host-name></system></configuration>")
        assert m.rpc("<get-software-information/>").xpath("//host-name")[0].text == "r9"


def test_lock_contention(junos_sim: SimFactory, tmp_path: Path) -> None:
    sim = junos_sim()
    with connect(sim, tmp_path) as m1, connect(sim, tmp_path) as m2:
        m1.rpc("<lock-configuration/>")
        with pytest.raises(RPCError) as err:
            m2.rpc("<lock-configuration/>")
        assert "configuration database locked by" in err.value.message
        assert err.value.tag == "lock-denied"
        with pytest.raises(RPCError, match="configuration database locked by"):
            m2.load_configuration(action="set", config=["set system host-name x"])
        with pytest.raises(DeviceLockedError):
            sim.cli_commit(set_commands=["set system host-name y"])
        m1.load_configuration(action="set", config=["set system host-name locked-change"])
        m1.rpc("<unlock-configuration/>")  # Junos discards uncommitted changes on unlock
        assert m2.get_configuration().xpath("//system/host-name")[0].text == "r1"
        m2.lock(target="candidate")
        with pytest.raises(RPCError, match="configuration database locked by"):
            m1.rpc("<lock-configuration/>")
    with connect(sim, tmp_path) as m3:  # m2's session ended: its lock is gone
        m3.rpc("<lock-configuration/>")


def test_unknown_rpc_is_a_junos_syntax_error(junos_sim: SimFactory, tmp_path: Path) -> None:
    sim = junos_sim()
    with connect(sim, tmp_path) as m:
        with pytest.raises(RPCError) as err:
            m.rpc("<get-bogus-information/>")
        assert (err.value.type, err.value.tag, err.value.severity, err.value.message) == (
            "protocol",
            "operation-not-supported",
            "error",
            "syntax error",
        )
        assert m.rpc("<get-software-information/>").xpath("//host-name")  # session still usable


def test_faults(junos_sim: SimFactory, tmp_path: Path) -> None:
    sim = junos_sim()
    with connect(sim, tmp_path) as m:
        sim.faults.malformed_reply = True
        with pytest.raises(etree.XMLSyntaxError):
            m.rpc("<get-software-information/>")
        assert m.rpc("<get-software-information/>").xpath("//host-name")
        sim.faults.rpc_error_on = "get-configuration"
        with pytest.raises(RPCError, match="simulated failure"):
            m.rpc(COMMITTED)
        sim.faults.rpc_error_on = None
        sim.faults.delay = 1.5
        m.timeout = 0.3
        with pytest.raises(TimeoutExpiredError):
            m.rpc("<get-software-information/>")
        sim.faults.delay = 0
        m.timeout = 30  # the late reply still arrives first; the session goes on
        assert m.rpc("<get-software-information/>").xpath("//host-name")
    sim.faults.reject_auth = True
    with pytest.raises(AuthenticationError):
        connect(sim, tmp_path)


def test_syslog_rfc5424_on_netconf_commit(junos_sim: SimFactory, tmp_path: Path, syslog_udp: UdpReceiver) -> None:
    sim = junos_sim()
    host = "set system syslog host 127.0.0.1"
    sim.cli_commit(set_commands=[f"{host} port {syslog_udp.port}", f"{host} any any", f"{host} structured-data"])
    # the enabling commit started under the old settings: only its completion is logged
    first = syslog_udp.receive(1)
    assert len(first) == 1 and " UI_COMMIT_COMPLETED " in first[0]
    with connect(sim, tmp_path) as m:
        m.load_configuration(action="set", config=["set interfaces ge-0/0/1 description x"])
        m.commit(comment="ticket 42")
    commit, done = syslog_udp.receive(2)
    assert re.fullmatch(
        r"<189>1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z r1 mgd \d+ UI_COMMIT "
        r'\[junos@2636\.1\.1\.1\.2\.129 username="admin" command="commit" message="ticket 42"\] '
        r"User 'admin' requested 'commit' operation \(comment: ticket 42\)",
        commit,
    )
    assert re.fullmatch(
        r"<189>1 \S+ r1 mgd \d+ UI_COMMIT_COMPLETED \[junos@2636\.1\.1\.1\.2\.129 \] "
        r"commit complete",
        done,
    )


def test_syslog_rfc3164_on_cli_commit(junos_sim: SimFactory, syslog_udp: UdpReceiver) -> None:
    config = f"""
    system {{ host-name r5; syslog {{ host 127.0.0.1 {{ port {syslog_udp.port}; any any; }} }} }}
    interfaces {{ ge-0/0/0 {{ description a; }} }}
    """
    sim = junos_sim(hostname="r5", config=config)
    sim.cli_commit(user="ops", set_commands=["set interfaces ge-0/0/0 description b"], comment="why")
    commit, done = syslog_udp.receive(2)
    assert re.fullmatch(
        r"<189>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d r5 mgd\[\d+\]: UI_COMMIT: "
        r"User 'ops' requested 'commit' operation \(comment: why\)",
        commit,
    )
    assert re.fullmatch(
        r"<189>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d r5 mgd\[\d+\]: UI_COMMIT_COMPLETED: "
        r"commit complete",
        done,
    )


def test_public_key_auth(junos_sim: SimFactory, tmp_path: Path) -> None:
    key = asyncssh.generate_private_key("ssh-ed25519")
    key_file = tmp_path / "id_ed25519"
    key.write_private_key(str(key_file))
    public = key.export_public_key().decode()
    sim = junos_sim(users={}, authorized_keys={"netops": [public]})
    with connect(sim, tmp_path, username="netops", password=None, key_filename=str(key_file)) as m:
        assert m.rpc("<get-software-information/>").xpath("//host-name")[0].text == "r1"
    other = asyncssh.generate_private_key("ssh-ed25519")
    other_file = tmp_path / "other"
    other.write_private_key(str(other_file))
    with pytest.raises(AuthenticationError):
        connect(sim, tmp_path, username="netops", password=None, key_filename=str(other_file))


def test_wrong_password_refused(junos_sim: SimFactory, tmp_path: Path) -> None:
    sim = junos_sim(users={"admin": "secret"})
    with pytest.raises(AuthenticationError):
        connect(sim, tmp_path, password="wrong")
    with pytest.raises(AuthenticationError):
        connect(sim, tmp_path, username="nobody")


def test_host_key_mismatch_refused(junos_sim: SimFactory, tmp_path: Path) -> None:
    sim, impostor = junos_sim(hostname="r1"), junos_sim(hostname="r2")
    params = ncclient_kwargs(sim, tmp_path)
    Path(tmp_path / "known_hosts-r1").write_text(f"[127.0.0.1]:{sim.port} {impostor.host_public_key}\n")
    with pytest.raises(SSHUnknownHostError):
        manager.connect(**params)


def test_stop_start_keeps_port_key_and_config(junos_sim: SimFactory, tmp_path: Path) -> None:
    sim = junos_sim()
    port, line = sim.port, sim.known_hosts_line()
    sim.cli_commit(set_commands=["set system host-name kept"])
    sim.stop()
    assert not sim.running
    with pytest.raises((SSHError, OSError)):
        connect(sim, tmp_path, timeout=5)
    assert sim.start() == port and sim.known_hosts_line() == line
    with connect(sim, tmp_path) as m:
        assert m.rpc(COMMITTED).xpath("//system/host-name")[0].text == "kept"


def test_standard_netconf_operations(junos_sim: SimFactory, tmp_path: Path) -> None:
    sim = junos_sim()
    with connect(sim, tmp_path) as m:
        m.lock(target="candidate")
        m.edit_config(
            target="candidate",
            config="<config><configuration><system><host-name>std</host-name></system></configuration></config>",
        )
        assert m.get_config(source="candidate").xpath("//configuration/system/host-name")[0].text == "std"
        assert m.get_config(source="running").xpath("//configuration/system/host-name")[0].text == "r1"
        m.validate(source="candidate")
        m.commit()
        m.unlock(target="candidate")
        assert m.get_config(source="running").xpath("//configuration/system/host-name")[0].text == "std"
        filtered = m.rpc(
            '<get-configuration database="committed"><configuration><interfaces><interface>'
            "<name>ge-0/0/1</name></interface></interfaces></configuration></get-configuration>"
        )
        assert [e.text for e in filtered.xpath("//interface/name")] == ["ge-0/0/1"]
        assert not filtered.xpath("//system")


def test_fleet_serves_concurrent_sessions_on_one_loop(junos_fleet: Callable[..., SimFleet], tmp_path: Path) -> None:
    fleet = junos_fleet(20)
    assert len(set(fleet.ports.values())) == 20
    assert sum(t.name == "junos-fleet" for t in threading.enumerate()) == 1
    with ThreadPoolExecutor(max_workers=20) as pool:
        managers = list(pool.map(lambda sim: connect(sim, tmp_path), fleet))
        try:
            assert sum(sim.session_count for sim in fleet) == 20
            names = list(pool.map(lambda m: m.rpc(COMMITTED).xpath("//system/host-name")[0].text, managers))
        finally:
            list(pool.map(lambda m: m.close_session(), managers))
    assert names == [f"r{i}" for i in range(1, 21)]


def test_command_line_runs_until_sigterm(tmp_path: Path) -> None:
    ready, known_hosts = tmp_path / "ready.json", tmp_path / "known_hosts"
    root = Path(__file__).resolve().parents[3]
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.sims.junos_sim", "--count", "3", "--user", "u", "--password", "p",
         "--known-hosts", str(known_hosts), "--ready-file", str(ready)],
        cwd=root, env={**os.environ, "PYTHONPATH": str(root)},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not ready.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        ports = json.loads(ready.read_text())
        assert sorted(ports) == ["r1", "r2", "r3"]
        config = tmp_path / "ssh_config"
        config.write_text(f"Host *\n    UserKnownHostsFile {known_hosts}\n")
        with manager.connect(
            host="127.0.0.1", port=ports["r2"], username="u", password="p", device_params={"name": "junos"},
            hostkey_verify=True, ssh_config=str(config), look_for_keys=False, allow_agent=False,
        ) as m:  # fmt: skip
            assert m.rpc("<get-software-information/>").xpath("//host-name")[0].text == "r2"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0
    assert not ready.exists()
