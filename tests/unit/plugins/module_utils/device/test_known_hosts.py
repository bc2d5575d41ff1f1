"""known_hosts per session: only the host's lines, answering as paramiko's whole-file load does."""
from __future__ import annotations

import os
from pathlib import Path

import paramiko

from ansible_collections.netsync.fleet.plugins.module_utils.device import _known_hosts
from ansible_collections.netsync.fleet.plugins.module_utils.device._known_hosts import load_for

KEYS = [paramiko.ECDSAKey.generate() for _ in range(4)]


def line(names: str, key: paramiko.PKey) -> str:
    return "%s %s %s\n" % (names, key.get_name(), key.get_base64())


def write(path: Path) -> None:
    hashed = paramiko.HostKeys.hash_host("[10.0.0.9]:830")
    path.write_text("# comment\n\n" + line("[127.0.0.1]:2201", KEYS[0]) + line("[127.0.0.1]:2202,r2", KEYS[1])
                    + line(hashed, KEYS[2]) + line("10.0.0.1", KEYS[3]) + "garbage\n"
                    + line("[127.0.0.1]:2201", KEYS[0]))


def ours(path: Path, host: str, port: int) -> paramiko.HostKeys:
    keys = paramiko.HostKeys()
    load_for(keys, str(path), host, port)
    return keys


def test_same_answers_as_paramiko(tmp_path: Path) -> None:
    path = tmp_path / "known_hosts"
    write(path)
    full = paramiko.HostKeys()
    full.load(str(path))
    for host, port in (("127.0.0.1", 2201), ("127.0.0.1", 2202), ("r2", 830), ("10.0.0.9", 830),
                       ("10.0.0.1", 22), ("10.0.0.2", 830)):
        mine = ours(path, host, port)
        for name in (host, "[%s]:%s" % (host, port)):
            assert mine.lookup(name) == full.lookup(name), name
            for key in KEYS:
                assert mine.check(name, key) == full.check(name, key), (name, key.get_base64()[:8])
    assert ours(path, "127.0.0.1", 2201).check("[127.0.0.1]:2201", KEYS[0])
    assert not ours(path, "127.0.0.1", 2201).check("[127.0.0.1]:2201", KEYS[1])
    assert ours(path, "10.0.0.9", 830).check("[10.0.0.9]:830", KEYS[2])  # hashed entry
    assert len(ours(path, "127.0.0.1", 2201)._entries) == 2  # its line and the hashed one, once each


def test_an_edited_file_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "known_hosts"
    path.write_text(line("[127.0.0.1]:2201", KEYS[0]))
    assert ours(path, "127.0.0.1", 2201).check("[127.0.0.1]:2201", KEYS[0])
    path.write_text(line("[127.0.0.1]:2201", KEYS[1]) + "# replaced\n")
    os.utime(path, ns=(1, 1))
    assert ours(path, "127.0.0.1", 2201).check("[127.0.0.1]:2201", KEYS[1])
    assert not ours(path, "127.0.0.1", 2201).check("[127.0.0.1]:2201", KEYS[0])


def test_a_missing_file_is_an_ioerror(tmp_path: Path) -> None:
    try:
        ours(tmp_path / "absent", "h", 830)
    except IOError as exc:
        assert "absent" in str(exc)
    else:
        raise AssertionError("no error")


def test_parsed_once(tmp_path: Path) -> None:
    path = tmp_path / "known_hosts"
    path.write_text("".join(line("[127.0.0.1]:%d" % (2000 + i), KEYS[i % 4]) for i in range(500)))
    ours(path, "127.0.0.1", 2001)
    index = _known_hosts._CACHE[str(path)][1]
    ours(path, "127.0.0.1", 2002)
    assert _known_hosts._CACHE[str(path)][1] is index
    assert index.candidates(["[127.0.0.1]:2499"]) == [line("[127.0.0.1]:2499", KEYS[3]).strip()]
