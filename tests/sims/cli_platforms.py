"""What differs between the simulated CLI platforms: prompts, ``show`` output, configuration
header lines (with the volatile timestamps the real devices print), default configuration,
commit notification (syslog) and where that notification goes (the ``logging`` lines)."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Callable

from tests.sims.cli_config import CliConfig


def _ctime(at: float) -> str:
    return time.strftime("%a %b %d %H:%M:%S %Y", time.gmtime(at))


def _ios_time(at: float) -> str:
    return time.strftime("%H:%M:%S UTC %a %b %d %Y", time.gmtime(at))


@dataclass
class State:
    """What the header and ``show`` commands print, besides the configuration body."""

    hostname: str
    version: str
    model: str
    serial: str
    changed_at: float
    changed_by: str
    saved_at: float
    reads: int = 0


@dataclass(frozen=True)
class Platform:
    name: str
    exec_suffix: str  # prompt suffix in user EXEC mode (">" or "#" when the login is privileged)
    privileged_login: bool  # NX-OS and IOS-XR: a network-admin lands at "#"
    prompt_prefix: str  # IOS-XR: "RP/0/RP0/CPU0:"
    commit_needed: bool  # IOS-XR: configuration mode edits a candidate, "commit" applies it
    version: str
    model: str
    default_config: str
    header: Callable[[State], list[str]]
    show_version: Callable[[State], str]
    logging_re: re.Pattern[str]  # a running-config line that sends syslog to group(1):group(2)
    block_users: bool = False

    def prompt(self, hostname: str, privileged: bool, mode: str | None) -> str:
        if mode is not None:
            return f"{self.prompt_prefix}{hostname}({mode})#"
        return f"{self.prompt_prefix}{hostname}{'#' if privileged else '>'}"


def _ios_header(s: State) -> list[str]:
    s.reads += 1
    return ["Building configuration...", "", "Current configuration : %d bytes" % (4000 + s.reads % 7), "!",
            "! Last configuration change at %s by %s" % (_ios_time(s.changed_at), s.changed_by),
            "! NVRAM config last updated at %s by %s" % (_ios_time(s.saved_at), s.changed_by), "!"]


def _ios_version(s: State) -> str:
    return (f"Cisco IOS XE Software, Version {s.version}\n"
            f"Cisco IOS Software [Cupertino], Virtual XE Software (X86_64_LINUX_IOSD-UNIVERSALK9-M), "
            f"Version {s.version}, RELEASE SOFTWARE (fc2)\n"
            "Copyright (c) 1986-2023 by Cisco Systems, Inc.\n\n"
            f"ROM: IOS-XE ROMMON\n\n{s.hostname} uptime is 3 weeks, 2 days, 4 hours, 12 minutes\n"
            "Uptime for this control processor is 3 weeks, 2 days, 4 hours, 14 minutes\n"
            "System returned to ROM by reload\nSystem image file is \"bootflash:packages.conf\"\n\n"
            f"cisco {s.model} (VXE) processor (revision VXE) with 1987161K/3075K bytes of memory.\n"
            f"Processor board ID {s.serial}\n"
            "Router operating mode: Autonomous\n3 Gigabit Ethernet interfaces\n"
            "32768K bytes of non-volatile configuration memory.\n\n"
            "Configuration register is 0x2102\n")


def _nxos_header(s: State) -> list[str]:
    return ["", "!Command: show running-config",
            "!Running configuration last done at: %s" % _ctime(s.changed_at),
            "!Time: %s" % _ctime(time.time()), ""]


def _nxos_version(s: State) -> str:
    return ("Cisco Nexus Operating System (NX-OS) Software\nTAC support: http://www.cisco.com/tac\n\n"
            "Software\n  BIOS: version \n"
            f" NXOS: version {s.version}\n  NXOS image file is: bootflash:///nxos.{s.version}.bin\n\n"
            f"Hardware\n  cisco {s.model} Chassis\n"
            f"  Intel(R) Xeon(R) CPU  @ 2.20GHz with 8161016 kB of memory.\n  Processor Board ID {s.serial}\n\n"
            f"  Device name: {s.hostname}\n  bootflash:    4287040 kB\n\n"
            "Kernel uptime is 21 day(s), 4 hour(s), 12 minute(s), 9 second(s)\n")


def _xr_header(s: State) -> list[str]:
    return ["Building configuration...", f"!! IOS XR Configuration {s.version}",
            "!! Last configuration change at %s by %s" % (_ctime(s.changed_at), s.changed_by), "!"]


def _xr_version(s: State) -> str:
    return (f"Cisco IOS XR Software, Version {s.version}\nCopyright (c) 2013-2023 by Cisco Systems, Inc.\n\n"
            f"Build Information:\n Built By     : ahoang\n Built On     : Tue Mar 28 2023\n\n"
            f"cisco {s.model} () processor\nSystem uptime is 3 weeks 2 days 4 hours 12 minutes\n")


def _eos_header(s: State) -> list[str]:
    return ["! Command: show running-config",
            f"! device: {s.hostname} ({s.model}, EOS-{s.version})", "!",
            "! Startup-config last modified at %s by %s" % (_ctime(s.saved_at), s.changed_by),
            "! boot system flash:/vEOS-lab.swi", "!"]


def eos_version_json(s: State) -> str:
    return json.dumps({
        "mfgName": "Arista", "modelName": s.model, "hardwareRevision": "", "serialNumber": s.serial,
        "systemMacAddress": "50:01:00:d3:00:00", "hwMacAddress": "00:00:00:00:00:00",
        "configMacAddress": "00:00:00:00:00:00", "version": s.version, "architecture": "x86_64",
        "internalVersion": f"{s.version}-31166720.4301F", "internalBuildId": "a3f7e7f5",
        "imageFormatVersion": "1.0", "imageOptimization": "None", "bootupTimestamp": time.time() - 86400,
        "uptime": 86400.5, "memTotal": 2000000, "memFree": 1000000, "isIntlVersion": False,
    }, indent=2)


def _eos_version(s: State) -> str:
    return (f"Arista {s.model}\nHardware version: \nSerial number: {s.serial}\n"
            f"Hardware MAC address: 5001.00d3.0000\nSystem MAC address: 5001.00d3.0000\n\n"
            f"Software image version: {s.version}\nArchitecture: x86_64\nInternal build version: {s.version}\n"
            "Uptime: 1 day and 0 hours\nTotal memory: 2000000 kB\nFree memory: 1000000 kB\n")


IOS = Platform(
    name="ios", exec_suffix=">", privileged_login=False, prompt_prefix="", commit_needed=False,
    version="17.9.3a", model="C8000V", header=_ios_header, show_version=_ios_version,
    logging_re=re.compile(r"^logging host (\S+)(?: transport udp port (\d+))?$"),
    default_config="""version 17.9
service timestamps log datetime msec
hostname {hostname}
enable secret 9 $9$nhEmQVczB7dqsO$X.HsgL6x1il0RxkOSSvyQYwucySCt7qFm4v7pqCxkKM
username admin privilege 15 secret 9 $9$q8dCmC6U0QBm0U$9nUJSVsJbnZbNGnT6nq5r6cc9yWZzP7Y5Iyf2C3wDPs
interface GigabitEthernet1
 description uplink
 ip address 192.0.2.1 255.255.255.0
interface GigabitEthernet2
 no ip address
 shutdown
snmp-server community n3tsync-RO RO
ntp clock-period 17208126
ntp server 192.0.2.123
line vty 0 4
 login local
 transport input ssh""")

NXOS = Platform(
    name="nxos", exec_suffix="#", privileged_login=True, prompt_prefix="", commit_needed=False,
    version="10.3(3)", model="Nexus9000 C9300v", header=_nxos_header, show_version=_nxos_version,
    logging_re=re.compile(r"^logging server (\S+)(?: \d)?(?: port (\d+))?(?: use-vrf \S+)?$"),
    default_config="""version 10.3(3) Bios:version
hostname {hostname}
feature ssh
username admin password 5 $5$MNLBKP$4HxOp8Nf3CNCm7I6r6bk5gXtm.b.Zk3kjdHfUvKuwZ7 role network-admin
snmp-server user admin network-admin auth md5 0x1a2b3c4d5e6f708192a3b4c5d6e7f809 priv 0x0badc0de localizedkey
interface Ethernet1/1
 description uplink
 no switchport
 ip address 192.0.2.2/24
interface mgmt0
 vrf member management""")

IOSXR = Platform(
    name="iosxr", exec_suffix="#", privileged_login=True, prompt_prefix="RP/0/RP0/CPU0:", commit_needed=True,
    version="7.9.2", model="IOS-XRv 9000", header=_xr_header, show_version=_xr_version, block_users=True,
    logging_re=re.compile(r"^logging (\d+\.\d+\.\d+\.\d+)(?: vrf \S+)?(?: severity \S+)?(?: port (\d+))?$"),
    default_config="""hostname {hostname}
username admin
 group root-lr
 secret 10 $6$Tm3x7Q1y$F0c1Vh3dPpU8sZk2pX8vZr1q1vU4N8m3Jb5h1kqC9eW1dM0fP4bV2x
interface Loopback0
 ipv4 address 10.0.0.3 255.255.255.255
interface GigabitEthernet0/0/0/0
 description uplink
 ipv4 address 192.0.2.3 255.255.255.0
snmp-server community n3tsync-RO RO""")

EOS = Platform(
    name="eos", exec_suffix=">", privileged_login=False, prompt_prefix="", commit_needed=False,
    version="4.30.1F", model="vEOS-lab", header=_eos_header, show_version=_eos_version,
    logging_re=re.compile(r"^logging host (\S+)(?: (\d+))?(?: protocol udp)?$"),
    default_config="""no aaa root
username admin privilege 15 role network-admin secret sha512 $6$eOsHaSh$Qp3.hG0v6lWcWn9bS0Y1PQ
hostname {hostname}
interface Ethernet1
 description uplink
 no switchport
 ip address 192.0.2.4/24
snmp-server community n3tsync-RO ro
management api http-commands
 no shutdown""")

PLATFORMS: dict[str, Platform] = {p.name: p for p in (IOS, NXOS, IOSXR, EOS)}


def syslog_text(platform: str, event: str, user: str, source: str, hostname: str, commit_id: str = "") -> str:
    """The message part of the platform's commit (``change``) or enter-config (``enter``) syslog."""
    if platform == "nxos":
        return f"%VSHD-5-VSHD_SYSLOG_CONFIG_I: Configured from vty by {user} on {source}@pts/0"
    if platform == "iosxr":
        return (f"%MGBL-CONFIG-6-DB_COMMIT : Configuration committed by user '{user}'. "
                f"Use 'show configuration commit changes {commit_id}' to view the changes.")
    line = "vty3" if platform == "eos" else "vty0"
    if event == "enter":
        return f"%SYS-5-CONFIG_E: Enter configuration mode from console by {user} on {line} ({source})"
    return f"%SYS-5-CONFIG_I: Configured from console by {user} on {line} ({source})"


def syslog_datagram(platform: str, hostname: str, text: str, rfc5424: bool, seq: int) -> str:
    """One datagram as the platform sends it (facility local7, severity from the message)."""
    sev = int(m.group(1)) if (m := re.search(r"-(\d)-", text)) else 5
    pri = 23 * 8 + sev
    now = time.time()
    if rfc5424:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + ".%03dZ" % (int(now * 1000) % 1000)
        app = {"ios": "-", "nxos": "-", "iosxr": "config", "eos": "ConfigAgent"}[platform]
        return f"<{pri}>1 {stamp} {hostname} {app} - - - {text}"
    stamp = time.strftime("%b %d %H:%M:%S", time.gmtime(now))
    if platform == "ios":
        return f"<{pri}>{seq}: {hostname}: *{stamp}.{int(now * 1000) % 1000:03d}: {text}"
    if platform == "nxos":
        return f"<{pri}>{time.strftime('%Y', time.gmtime(now))} {stamp} {hostname} {text}"
    if platform == "iosxr":
        return f"<{pri}>{seq}: {hostname} RP/0/RP0/CPU0:{stamp}.{int(now * 1000) % 1000:03d} UTC: config[67241]: {text}"
    return f"<{pri}>{stamp} {hostname} ConfigAgent: {text}"


def logging_targets(platform: Platform, config: CliConfig) -> list[tuple[str, int]]:
    """UDP syslog destinations configured on the device (default port 514)."""
    out = []
    for line in config.lines:
        m = platform.logging_re.match(line.text)
        if m:
            out.append((m.group(1), int(m.group(2) or 514)))
    return out
