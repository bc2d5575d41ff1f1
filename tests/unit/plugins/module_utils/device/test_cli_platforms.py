"""The CLI platform modules (ios, nxos, iosxr, eos): what is read, what is volatile, what is
secret, facts and commit facts, over a fake cliconf connection fed by the simulators' output."""
from __future__ import annotations

from typing import Any, Optional

import pytest
from ansible_collections.netsync.fleet.plugins.module_utils.device.cli_platforms import platform_for
from ansible_collections.netsync.fleet.plugins.module_utils.device.cli import (
    CliSession, classify_cli, parse_ctime,
)
from ansible_collections.netsync.fleet.plugins.module_utils.device.render import render_read, sha256_text
from ansible_collections.netsync.fleet.plugins.module_utils.device.secrets import marker, mask_text
from ansible_collections.netsync.fleet.plugins.module_utils.device.session import Target
from ansible_collections.netsync.fleet.plugins.module_utils.device.types import DeviceError

from tests.sims.cli_device import CliDevice
from tests.sims.cli_platforms import eos_version_json

PLATFORMS = ("ios", "nxos", "iosxr", "eos")
KEY = b"k" * 32


class FakeCliconf:
    """The cliconf methods our platforms call, answered by a simulated device."""

    def __init__(self, device: CliDevice) -> None:
        self.device = device
        self.sent: list[str] = []

    def get_config(self, source: str = "running", flags: Optional[str] = None) -> str:
        self.sent.append("show running-config" + (" " + flags if flags else ""))
        return self.device.running_config(flags or "")

    def get(self, command: str) -> str:
        self.sent.append(command)
        p, s = self.device.platform, self.device.state
        if command == "show version | json":
            return eos_version_json(s)
        if command == "show hostname | json":
            return '{"hostname": "%s", "fqdn": "%s"}' % (self.device.hostname, self.device.hostname)
        if command == "show version":
            s.hostname = self.device.hostname
            return p.show_version(s)
        if command == "show inventory":
            return 'NAME: "Chassis", DESCR: "Cisco %s"\nPID: X , VID: V01 , SN: %s\n' % (s.model, s.serial)
        if command == "show running-config hostname":
            return "hostname %s" % self.device.hostname
        raise AssertionError("unexpected command %r" % command)


def session(platform: str, **kw: Any) -> tuple[CliSession, CliDevice]:
    dev = CliDevice(platform, "edge1", serial="SN123", **kw)
    conn = FakeCliconf(dev)
    return CliSession(Target(name="edge1", host="192.0.2.1", port=22), conn, platform_for(platform)), dev


@pytest.mark.parametrize("platform", PLATFORMS)
def test_facts(platform: str) -> None:
    sess, dev = session(platform)
    assert sess.facts() == {"hostname": "edge1", "model": dev.state.model, "version": dev.state.version,
                            "serial": "SN123", "vendor": "Arista" if platform == "eos" else "Cisco"}
    assert sess.platform_name == platform


@pytest.mark.parametrize("platform", PLATFORMS)
def test_volatile_lines_change_nothing(platform: str) -> None:
    sess, dev = session(platform)
    first = sess.read_config()
    dev.state.changed_at += 3600  # a commit that changed nothing, an hour later
    dev.state.saved_at += 7200
    second = sess.read_config()
    assert first.config != second.config  # the device printed new timestamps ...
    assert render_read(first) == render_read(second)  # ... which are not in the rendering
    assert sha256_text(render_read(first)) == sha256_text(render_read(second))
    for volatile in ("Last configuration change", "NVRAM config last updated", "!Time:", "last done at",
                     "Startup-config last modified", "Building configuration", "Current configuration",
                     "ntp clock-period"):
        assert volatile not in render_read(first)
    assert "hostname edge1" in render_read(first)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_real_change_changes_the_hash(platform: str) -> None:
    sess, dev = session(platform)
    before = render_read(sess.read_config())
    dev.config.apply("ntp server 192.0.2.200", None)
    after = render_read(sess.read_config())
    assert sha256_text(before) != sha256_text(after) and "ntp server 192.0.2.200" in after


SECRETS = [  # platform, configuration line, the secret
    ("ios", "enable secret 9 $9$abcDEF$xyz", "$9$abcDEF$xyz"),
    ("ios", "username ops privilege 15 secret 9 $9$user$hash", "$9$user$hash"),
    ("ios", "username old password 7 0822455D0A16", "0822455D0A16"),
    ("ios", "snmp-server community Pr1vate RW", "Pr1vate"),
    ("ios", "tacacs-server key 7 070C285F4D06", "070C285F4D06"),
    ("ios", "ntp authentication-key 1 md5 0822455D0A16 7", "0822455D0A16"),
    ("ios", " neighbor 192.0.2.7 password 7 104D000A0618", "104D000A0618"),
    ("ios", " key-string 7 0822455D0A16", "0822455D0A16"),
    ("nxos", "username admin password 5 $5$MNLB$4HxOp8 role network-admin", "$5$MNLB$4HxOp8"),
    ("nxos", "snmp-server user ops network-admin auth md5 0xabc123 priv aes-128 0xdef456 localizedkey", "0xabc123"),
    ("nxos", "snmp-server user ops network-admin auth md5 0xabc123 priv aes-128 0xdef456 localizedkey", "0xdef456"),
    ("iosxr", " secret 10 $6$Tm3x7Q1y$F0c1Vh3d", "$6$Tm3x7Q1y$F0c1Vh3d"),
    ("iosxr", "snmp-server community Pr1vate RO", "Pr1vate"),
    ("eos", "username admin privilege 15 role network-admin secret sha512 $6$eOs$Qp3", "$6$eOs$Qp3"),
    ("eos", "enable password sha512 $6$en$abc", "$6$en$abc"),
    ("eos", "snmp-server community Pr1vate ro", "Pr1vate"),
]


@pytest.mark.parametrize(("platform", "line", "secret"), SECRETS)
def test_secrets_are_masked_with_a_marker_that_follows_the_secret(platform: str, line: str, secret: str) -> None:
    p = platform_for(platform)
    masked = p.mask(line, KEY)
    assert secret not in masked and marker(secret, KEY) in masked
    changed = p.mask(line.replace(secret, secret + "0"), KEY)
    assert changed != masked  # a changed secret still shows as a change
    assert p.mask(line, KEY) == masked  # stable
    # the one masking of every output gives the same markers, for this platform's format or an unknown one
    assert mask_text(line, KEY, p.fmt) == mask_text(line, KEY) == masked + "\n"


@pytest.mark.parametrize("line", ["interface GigabitEthernet1", " description key chain uplink", "key chain KC1",
                                  "hostname secret-lab", " ip address 192.0.2.1 255.255.255.0"])
def test_ordinary_lines_are_left_alone(line: str) -> None:
    assert platform_for("ios").mask(line, KEY) == line and mask_text(line, KEY, "ios-cli") == line + "\n"


def test_commit_facts_from_the_header() -> None:
    sess, dev = session("ios")
    dev.state.changed_by = "ops"
    read = sess.read_config()
    assert read.commit_user == "ops" and read.commit_time == float(int(dev.state.changed_at))
    assert read.fmt == "ios-cli" and read.root is None and "Last configuration change" in read.config
    xr, xdev = session("iosxr")
    assert xr.read_config().commit_time == float(int(xdev.state.changed_at))
    assert parse_ctime("09:00:01 UTC Mon Nov 30 2026") == parse_ctime("Mon Nov 30 09:00:01 2026") == 1796029201.0
    assert parse_ctime("yesterday") is None


@pytest.mark.parametrize(("network_os", "name"), [("cisco.ios.ios", "ios"), ("ios", "ios"),
                                                  ("cisco.nxos.nxos", "nxos"), ("cisco.iosxr.iosxr", "iosxr"),
                                                  ("arista.eos.eos", "eos")])
def test_network_os_names(network_os: str, name: str) -> None:
    assert platform_for(network_os).name == name


def test_unsupported_network_os_is_named() -> None:
    with pytest.raises(DeviceError) as info:
        platform_for("vyos.vyos.vyos")
    assert info.value.kind == "unsupported" and "vyos.vyos.vyos" in str(info.value)


@pytest.mark.parametrize(("message", "kind"), [
    ("ssh connect failed: Authentication failed.", "auth_failed"),
    ("failed to elevate privilege to enable mode, still at level [1]", "auth_failed"),
    ("[Errno 111] Connection refused", "unreachable"),
    ("paramiko: The authenticity of host '[127.0.0.1]:2222' can't be established.", "host_key_unknown"),
    ("host key mismatch for 127.0.0.1", "host_key_mismatch"),
    ("command timeout triggered, timeout value is 30 secs.", "timeout"),
    ("% Invalid input detected at '^' marker.", "rpc_error"),
])
def test_connection_failures_are_named(message: str, kind: str) -> None:
    target = Target(name="edge1", host="192.0.2.1", port=22, username="admin", password="hunter2")
    err = classify_cli(Exception(message), target)
    assert err.kind == kind and "edge1 (192.0.2.1:22)" in str(err) and "hunter2" not in str(err)


CRASH = """Traceback (most recent call last):
  File "/venv/bin/ansible-connection", line 8, in <module>
    sys.exit(main())
  File "/venv/lib/python3.11/site-packages/ansible/module_utils/connection.py", line 190, in send
    sf.connect(self.socket_path)
ansible.module_utils.connection.ConnectionError: Unable to connect to socket '/root/.ansible/pc/8c1f'.
"""


def test_a_helper_that_crashed_is_named_by_its_last_line_not_by_traceback() -> None:
    """ansible-connection prints a traceback to stderr when it crashes; ansible-core then raises
    that whole text. The message must say what failed (the last line), not 'Traceback (...)'."""
    target = Target(name="edge1", host="192.0.2.1", port=22, username="admin", password="hunter2")
    err = classify_cli(Exception(CRASH), target)
    assert err.kind == "unreachable", err
    assert "Unable to connect to socket '/root/.ansible/pc/8c1f'" in err.message and "Traceback" not in err.message
    assert "ansible-connection" in err.message  # the helper that failed is named
    # the words of a traceback's file paths do not decide the kind: only what the exception says
    crash = CRASH.replace("ansible.module_utils.connection.ConnectionError: Unable to connect to socket "
                          "'/root/.ansible/pc/8c1f'.", "KeyError: 'prompt'")
    err = classify_cli(Exception(crash), target)
    assert err.kind == "malformed_reply" and "KeyError: 'prompt'" in err.message, err


CHAINED = """Traceback (most recent call last):
  File "/venv/lib/python3.11/site-packages/ansible/cli/scripts/ansible_connection_cli_stub.py", line 285, in main
    conn.set_options(direct=options)
ansible.module_utils.connection.ConnectionError: command timeout triggered, timeout value is 60 secs.
See the timeout setting options in the Network Debug and Troubleshooting Guide.

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "/venv/lib/python3.11/site-packages/ansible/cli/scripts/ansible_connection_cli_stub.py", line 288, in main
    raise ConnectionError('Unable to decode JSON from response set_options. See the debug log for more information.')
ansible.module_utils.connection.ConnectionError: Unable to decode JSON from response set_options. See the debug log\
 for more information.
"""


def test_a_chained_crash_says_what_it_was_handling() -> None:
    """The stub re-raises the helper's answer to set_options as 'Unable to decode JSON': the
    helper's own words are the useful part, and decide the kind."""
    target = Target(name="edge1", host="192.0.2.1", port=22, username="admin", password="hunter2")
    err = classify_cli(Exception(CHAINED), target)
    assert err.kind == "timeout", err
    assert "Unable to decode JSON from response set_options" in err.message
    assert "raised while handling ansible.module_utils.connection.ConnectionError: command timeout triggered, " \
           "timeout value is 60 secs." in err.message, err.message
    assert "See the timeout setting" not in err.message and "Traceback" not in err.message
