"""The CLI simulators as a raw SSH terminal sees them: prompts, enable, configuration mode
and its sub-modes, ``no``, IOS-XR commit/abort, commit syslog, refused logins."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable

import asyncssh
import pytest

from tests.sims.cli_fixtures import cli_sim  # noqa: F401
from tests.sims.cli_sim import CliSim
from tests.sims.helpers import UdpReceiver

SimFactory = Callable[..., CliSim]
PROMPT = re.compile(r"(?:[\w/:.-]+(?:\([\w-]+\))?[>#]|Password: |\[cancel\]:)$")


class Terminal:
    def __init__(self, process: asyncssh.SSHClientProcess) -> None:  # type: ignore[type-arg]
        self.process = process
        self.buffer = ""

    async def read_prompt(self) -> str:
        while not PROMPT.search(self.buffer):
            self.buffer += await asyncio.wait_for(self.process.stdout.read(4096), 5)
        out, self.buffer = self.buffer, ""
        return out

    async def send(self, line: str) -> tuple[str, str]:
        """Send ``line``; returns (output without the echo, the prompt that followed)."""
        self.process.stdin.write(line + "\r")
        text = (await self.read_prompt()).replace("\r\n", "\n")
        prompt = text.rsplit("\n", 1)[-1]
        body = text[: len(text) - len(prompt)]
        if body.startswith(line + "\n") and line:
            body = body[len(line) + 1:]
        return body.strip("\n"), prompt


async def session(sim: CliSim, script: Callable[[Terminal], object], password: str = "secret") -> None:
    async with asyncssh.connect("127.0.0.1", sim.port, username="admin", password=password, known_hosts=None) as conn:
        process = await conn.create_process(term_type="vt100")
        term = Terminal(process)
        await term.read_prompt()
        await script(term)  # type: ignore[misc]


def test_ios_enable_config_mode_no_and_syslog(cli_sim: SimFactory) -> None:  # noqa: F811
    receiver = UdpReceiver()
    sim = cli_sim(platform="ios", hostname="edge1", syslog_hosts=[("127.0.0.1", receiver.port)])

    async def script(t: Terminal) -> None:
        assert (await t.send("terminal length 0"))[1] == "edge1>"
        assert "Invalid input" in (await t.send("show running-config"))[0]  # not privileged yet
        assert (await t.send("enable"))[1] == "Password: "
        out, prompt = await t.send("wrong")
        assert "% Access denied" in out and prompt == "edge1>"
        await t.send("enable")
        assert (await t.send("enpass"))[1] == "edge1#"
        assert (await t.send("show privilege"))[0] == "Current privilege level is 15"
        assert (await t.send("configure terminal"))[1] == "edge1(config)#"
        assert (await t.send("interface GigabitEthernet2"))[1] == "edge1(config-if)#"
        await t.send("description to-core")
        assert (await t.send("end"))[1] == "edge1#"
        assert " description to-core" in (await t.send("show running-config"))[0]
        await t.send("configure terminal")
        await t.send("interface GigabitEthernet2")
        await t.send("no description")
        await t.send("exit")
        assert (await t.send("hostname edge9"))[1] == "edge9(config)#"
        await t.send("end")
        running = (await t.send("show running-config"))[0]
        assert "to-core" not in running and "hostname edge9" in running
        await t.send("configure terminal")
        await t.send("end")  # no change: no syslog

    try:
        asyncio.run(session(sim, script))
        got = receiver.receive(3, timeout=2)
    finally:
        receiver.close()
    assert len(got) == 2, got
    assert "%SYS-5-CONFIG_I: Configured from console by admin on vty0 (127.0.0.1)" in got[0]
    assert [c.user for c in sim.device.changes] == ["admin", "admin"]


def test_iosxr_candidate_commit_and_abort(cli_sim: SimFactory) -> None:  # noqa: F811
    receiver = UdpReceiver()
    sim = cli_sim(platform="iosxr", hostname="xr1", syslog_hosts=[("127.0.0.1", receiver.port)])

    async def script(t: Terminal) -> None:
        assert (await t.send("show version"))[1] == "RP/0/RP0/CPU0:xr1#"
        assert (await t.send("configure terminal"))[1] == "RP/0/RP0/CPU0:xr1(config)#"
        await t.send("ntp server 192.0.2.50")
        assert "ntp server 192.0.2.50" not in (await t.send("do show running-config"))[0]  # not committed
        assert "Uncommitted changes found" in (await t.send("end"))[1]
        assert (await t.send("no"))[1] == "RP/0/RP0/CPU0:xr1#"  # discarded
        await t.send("configure terminal")
        await t.send("ntp server 192.0.2.51")
        await t.send("commit")
        await t.send("abort")
        assert "ntp server 192.0.2.51" in (await t.send("show running-config"))[0]
        assert "ntp server 192.0.2.51" in (await t.send("show configuration commit changes 1000000001"))[0]
        assert re.search(r"^1 +1000000001 +admin ", (await t.send("show configuration commit list"))[0], re.M)

    try:
        asyncio.run(session(sim, script))
        got = receiver.receive(2, timeout=2)
    finally:
        receiver.close()
    assert len(got) == 1 and "Use 'show configuration commit changes 1000000001'" in got[0], got
    assert "ntp server 192.0.2.50" not in sim.running_config()


def test_refused_login_and_loopback_only_syslog(cli_sim: SimFactory) -> None:  # noqa: F811
    sim = cli_sim(platform="nxos", hostname="n1", config="hostname {hostname}\nlogging server 192.0.2.99 5 port 514")
    sim.faults.reject_auth = True
    with pytest.raises(asyncssh.PermissionDenied):
        asyncio.run(session(sim, lambda t: asyncio.sleep(0)))
    sim.faults.reject_auth = False
    with pytest.raises(asyncssh.PermissionDenied):
        asyncio.run(session(sim, lambda t: asyncio.sleep(0), password="wrong"))
    change = sim.configure(["ntp server 192.0.2.1"])
    assert change is not None and len(sim.syslog_sent) == 1  # formatted, but 192.0.2.99 is not loopback
    assert sim.configure(["ntp server 192.0.2.1"]) is None  # nothing changed, nothing sent
    assert len(sim.syslog_sent) == 1
