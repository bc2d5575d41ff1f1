"""The CLI simulators' shell with the commands ``netsync.fleet.restore`` drives on Cisco IOS/IOS-XE and
IOS-XR (``plugins/module_utils/device/cli_restore_ios.py``, ``cli_restore_iosxr.py``), on top of
``tests.sims.cli_shell.CliShell``. What each answers, and what it is based on:

- IOS ``dir``: ``Directory of bootflash:/``, one line per file, the totals (the C8000V layout; the
  same line netmiko's ``_autodetect_fs`` parses).
- IOS ``tclsh``: the prompt becomes ``r1(tcl)#`` and ``tclquit`` leaves it (netmiko's InLineTransfer
  waits for ``(tcl)#``). Tcl commands: ``set f [open "PATH" w]`` prints the channel (``file3``, …);
  ``puts -nonewline $f [binary format H* HEX]`` and ``close $f`` print nothing; Tcl errors are Tcl's
  own words (``couldn't open "x": no such file or directory``, ``can't read "g": no such
  variable``). Other lines go to the IOS exec, as on IOS (tclsh passes unknown commands to it).
- IOS ``configure replace PATH force revert trigger error timer N`` (Cisco "Configuration Replace and
  Configuration Rollback"): without an ``archive`` block holding a ``path``, ``%Please turn config
  archive on``; a missing file ``%Error opening …``; a file without ``end`` ``%The input file is not a
  valid config file.``; a line the device refuses (``device.rejects``) leaves the configuration as it
  was, with ``Failed to apply command …`` and ``The original configuration has been successfully
  restored.`` (the texts NAPALM's ios driver matches); else the configuration becomes the file's and
  ``Total number of passes: 1`` / ``Rollback Done``, and the ``timer`` rolls it back unless
  ``configure confirm`` comes first. ``delete /force PATH`` prints nothing (``%Error deleting …``
  when missing).
- IOS-XR: a line the device refuses (``device.rejects``) gets ``% Invalid input detected at '^'
  marker.`` and is not part of the target configuration; ``commit replace [confirmed SECONDS]`` asks
  ``This commit will replace or remove the entire running configuration …`` (the question
  ``cisco.iosxr``'s cliconf answers with ``yes``), then the lines typed in this session become the
  whole running configuration; a confirmed one is rolled back after SECONDS unless ``commit`` comes
  first (Cisco IOS-XR "commit confirmed": "enter commit to confirm").
- EOS: a line the device refuses (``device.rejects``) gets ``% Invalid input``; in a configuration
  session ``commit timer HH:MM:SS`` commits it and leaves configuration mode, and the configuration
  goes back to what it was when the timer ends unless ``configure session NAME commit`` comes first
  (``configure session NAME abort`` goes back at once); ``show configuration sessions`` lists that
  session as ``pendingCommitTimer`` meanwhile (Arista's "Config Session Commit Timer").
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from tests.sims.cli_config import CliConfig
from tests.sims.cli_shell import CliServer, CliShell

FS = "bootflash:"
STAMP = "Nov 30 2026 09:00:00 +00:00"
_TIMER = re.compile(r"commit timer (\d{1,2}):([0-5]\d):([0-5]\d)")
XR_QUESTION = "This commit will replace or remove the entire running configuration. Continue? [no]: "
_OPEN = re.compile(r'^set (\w+) \[open "([^"]+)" (w|w\+|a)\]$')
_PUTS = re.compile(r"^puts -nonewline \$(\w+) \[binary format H\* ([0-9a-fA-F]*)\]$")
_CLOSE = re.compile(r"^close \$(\w+)$")


def _body(text: str) -> str:
    """The configuration lines of a file or a ``show running-config`` (comments, header, ``end`` left out)."""
    keep = [line for line in text.splitlines() if line.strip() and not line.strip().startswith("!")
            and line.strip() != "end" and not line.startswith(("Building configuration", "Current configuration"))]
    return "\n".join(keep)


def _added(target: CliConfig, running: CliConfig) -> list[str]:
    """Lines of ``target`` that ``running`` lacks (what a replace must enter)."""
    out = []
    for line in target.lines:
        have = running.find(line.text)
        if have is None:
            out.append(line.text)
            out.extend(line.children)
        else:
            out.extend(c for c in line.children if c not in have.children)
    return out


class RestoreShell(CliShell):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tcl: dict[str, str] | None = None  # Tcl variables while in tclsh
        self.channels: dict[str, tuple[str, bytearray]] = {}
        self.typed: list[str] = []  # IOS-XR: the target configuration of this session, as typed

    def prompt(self) -> str:
        if self.pending is not None and self.pending.startswith("xr-replace"):
            return XR_QUESTION
        if self.tcl is not None:
            return "%s(tcl)#" % self.dev.hostname
        return super().prompt()

    def answer(self, line: str) -> str | None:
        if self.dev.cut_in_trial and self.dev.trial is not None:  # the replace cut the management path
            self.dev.cut_in_trial = False
            return None
        if self.pending is not None and self.pending.startswith("xr-replace"):
            seconds, self.pending = self.pending.split(":")[1], None
            if line.lower() in ("yes", "y"):
                self._xr_replace(int(seconds) if seconds else 0)
            return ""
        if self.tcl is not None and self.pending is None and line:
            return self.tcl_command(line)
        return super().answer(line)

    # -- IOS ----------------------------------------------------------------------------------
    def tcl_command(self, line: str) -> str | None:
        assert self.tcl is not None
        if line in ("tclquit", "exit"):
            self.tcl, self.channels = None, {}
            return ""
        if m := _OPEN.match(line):
            if not m.group(2).startswith(FS):
                return 'couldn\'t open "%s": no such file or directory' % m.group(2)
            chan = "file%d" % (3 + len(self.channels))
            self.channels[chan] = (m.group(2), bytearray())
            self.tcl[m.group(1)] = chan
            return chan
        if (m := _PUTS.match(line)) or (m := _CLOSE.match(line)):
            chan = self.tcl.get(m.group(1))
            if chan is None:
                return 'can\'t read "%s": no such variable' % m.group(1)
            if chan not in self.channels:
                return 'can not find channel named "%s"' % chan
            if line.startswith("puts"):
                self.channels[chan][1].extend(bytes.fromhex(m.group(2)))
                return ""
            path, data = self.channels.pop(chan)
            self.dev.files[path] = data.decode()
            return ""
        return self.exec_command(line)

    def exec_command(self, line: str) -> str | None:
        if self.dev.platform.name == "ios" and self.privileged:
            if line == "tclsh":
                self.tcl = {}
                return ""
            if line == "dir":
                rows = "".join("   %-3d -rw- %16d  %s  %s\n" % (12 + i, len(text), STAMP, path[len(FS):])
                               for i, (path, text) in enumerate(sorted(self.dev.files.items())))
                return ("Directory of %s/\n\n   11  drwx            16384  %s  lost+found\n%s\n"
                        "6286540800 bytes total (5103206400 bytes free)" % (FS, STAMP, rows))
            if line.startswith("delete /force "):
                path = line.split()[2]
                if self.dev.files.pop(path, None) is None:
                    return "%%Error deleting %s (No such file or directory)" % path
                return ""
            if line.startswith("configure replace "):
                return self._ios_replace(line.split()[2], line.split()[3:])
            if line == "configure confirm":
                self._end_trial()
                return ""
        if self.dev.platform.name == "iosxr" and line.startswith("configure"):
            self.typed = []
        if self.dev.platform.name == "eos":
            return self._eos_exec(line)
        return super().exec_command(line)

    def _ios_replace(self, path: str, options: list[str]) -> str:
        archive = self.dev.config.find("archive")
        if ("revert" in options or "time" in options) and not (archive and any(
                c.startswith("path ") for c in archive.children)):
            return "%Please turn config archive on"
        text = self.dev.files.get(path)
        if text is None:
            return "%%Error opening %s (No such file or directory)" % path
        if not [line for line in text.splitlines() if line.strip()][-1:] == ["end"]:
            return "%The input file is not a valid config file."
        target = CliConfig(_body(text), block_users=self.dev.platform.block_users)
        added = _added(target, self.dev.config)
        refused = [line for line in added if line in self.dev.rejects]
        if refused:  # revert trigger error: the device goes back to what it had
            return ("Failed to apply command %s\nThe original configuration has been successfully restored."
                    % refused[0])
        before = self.dev.config
        self.dev.commit(target, self.user, self.source, added)
        if "timer" in options:
            self._start_trial(before, 60 * int(options[options.index("timer") + 1]))
        return "Total number of passes: 1\nRollback Done"

    # -- IOS-XR (and EOS' commit timer) -------------------------------------------------------
    def config_command(self, line: str) -> str | None:
        if self.dev.platform.name == "eos":
            return self._eos_config(line)
        if self.dev.platform.name != "iosxr":
            return super().config_command(line)
        if line in self.dev.rejects:
            return self.invalid()
        words = line.split()
        if words[:2] == ["commit", "replace"]:
            seconds = "60" if "confirmed" in words else ""
            if words[2:3] == ["confirmed"] and len(words) > 3:
                seconds = words[3]
            self.pending = "xr-replace:" + seconds
            return ""
        if words == ["commit"] and self.dev.trial is not None:
            self._end_trial()
        if words[0] not in ("show", "do", "commit", "abort", "end"):
            self.typed.append(line)
        return super().config_command(line)

    # -- EOS ----------------------------------------------------------------------------------
    def _eos_config(self, line: str) -> str | None:
        if line in self.dev.rejects:
            return self.invalid()
        if self.session is not None and line.startswith("commit timer"):
            m = _TIMER.fullmatch(line)
            if m is None:
                return self.invalid()
            before, name = self.dev.config, self.session
            super().config_command("commit")  # the session's configuration goes live; EOS leaves configuration mode
            self.dev.timer_session = name
            self._start_trial(before, 3600 * int(m.group(1)) + 60 * int(m.group(2)) + int(m.group(3)))
            return ""
        return super().config_command(line)

    def _eos_exec(self, line: str) -> str | None:
        words = line.split()
        pending = self.dev.timer_session if self.dev.trial is not None else None
        if words[:2] == ["configure", "session"] and len(words) == 4 and words[3] in ("commit", "abort"):
            if words[2] != pending:
                return "%% Session %s is not pending a commit timer" % words[2]
            if words[3] == "abort":  # back to the configuration before the timed commit, now
                assert self.dev.trial is not None and self.dev.trial_rollback is not None
                self.dev.trial.cancel()
                self.dev.trial_rollback()
            self._end_trial()
            self.dev.timer_session = None
            return ""
        if line == "show configuration sessions" and pending is not None:
            return super().exec_command(line) + "\n   %-22s pendingCommitTimer" % pending
        return super().exec_command(line)

    def _xr_replace(self, seconds: int) -> None:
        target = CliConfig("", block_users=self.dev.platform.block_users)
        context: str | None = None
        for line in self.typed:
            context = None if line == "exit" else target.apply(line, context)[0]
        before = self.dev.config
        self.dev.commit(target, self.user, self.source, [t for t in self.typed if t != "exit"])
        self.candidate, self.context, self.typed, self.entered = target.copy(), None, [], []
        if seconds:
            self._start_trial(before, seconds)

    # -- the rollback timer of a confirmed replace ---------------------------------------------
    def _start_trial(self, before: CliConfig, seconds: float) -> None:
        def roll_back() -> None:
            if self.dev.trial is handle:
                self.dev.trial = None
                self.dev.commit(before, "system", "rollback", ["(rollback: not confirmed)"])

        handle = asyncio.get_running_loop().call_later(seconds * self.dev.trial_scale, roll_back)
        self.dev.trial, self.dev.trial_rollback = handle, roll_back

    def _end_trial(self) -> None:
        if self.dev.trial is not None:
            self.dev.trial.cancel()
            self.dev.trial = None


class RestoreServer(CliServer):
    """``CliServer`` whose sessions are ``RestoreShell``."""

    def session_requested(self) -> CliShell:
        assert self._conn is not None
        self.device.logins += 1
        peer = self._conn.get_extra_info("peername") or ("127.0.0.1", 0)
        return RestoreShell(self.device, self._conn.get_extra_info("username") or "", str(peer[0]),
                            self.enable_password, self.faults)
