# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private: what differs between Junos and generic RFC 6241 devices.

Elements are matched by local name: Junos puts ``<configuration>`` in the
NETCONF base namespace of the ``rpc-reply``, generic devices use YANG namespaces.
"""
from __future__ import annotations

from typing import Any, Optional

from ansible_collections.netsync.fleet.plugins.module_utils.device.render import render, sha256_text
from ansible_collections.netsync.fleet.plugins.module_utils.device.types import (
    CommitInfo, ConfigRead, DeviceError, KnownCommit,
)
from ansible_collections.netsync.fleet.plugins.module_utils.common.xml import XMLError, local_name, parse_xml

NC_BASE = "urn:ietf:params:xml:ns:netconf:base:1.0"


def _reply_root(reply: Any) -> Any:
    """Re-parse a reply with the safe parser (ncclient's own parse is not what we trust)."""
    return parse_xml(reply.xml)


def _find(root: Any, name: str) -> Optional[Any]:
    for elem in root.iter():
        if local_name(elem.tag) == name:
            return elem
    return None


def _text(root: Any, *names: str) -> Optional[str]:
    """Stripped text of the first element (``root`` included, document order) named one of ``names``
    (tried in turn) that has any. lxml directly: jxmlease's view of the tree cost a few milliseconds
    of CPU per device on every resync (four commit fields) and gave a dict's repr for an element with
    children; that gives its own text."""
    for name in names:
        for elem in root.iter():
            if local_name(elem.tag) == name:
                value = (elem.text or "").strip()
                if value:
                    return value
    return None


def _rpc(text: str) -> Any:
    return parse_xml(text)


def _restorers() -> dict[str, Any]:
    """``cli_restore.RESTORERS``, imported when a restore asks: a read (every resync, in every
    ansible-playbook that compiles the collection's code afresh) does not load the restore code."""
    from ansible_collections.netsync.fleet.plugins.module_utils.device.cli_restore import RESTORERS

    return RESTORERS


class Platform:
    name = "netconf"

    def facts(self, manager: Any) -> dict[str, Any]:
        raise NotImplementedError

    def read_config(self, manager: Any, known: Optional[KnownCommit] = None) -> ConfigRead:
        """The committed configuration. ``known``: the stored latest snapshot's commit, which lets a
        platform skip what it would only ask to annotate a new snapshot."""
        raise NotImplementedError

    def last_commit(self, manager: Any) -> Optional[CommitInfo]:
        """The last commit's metadata, cheaply; None when the platform has none (read and compare)."""
        return None

    def load_and_commit(self, manager: Any, config_xml: str, action: str, comment: str) -> None:
        raise NotImplementedError

    @property
    def restore_formats(self) -> tuple[str, ...]:
        """Formats of stored versions this platform can put back (``restore``): CLI ones from ``cli_restore``."""
        return _restorers().get(self.name, ((), None))[0]  # type: ignore[no-any-return]

    def restore(self, manager: Any, fmt: str, config: str, comment: str, confirm_timeout: int) -> str:
        """Replace the device's configuration with a stored one; returns the commit mechanism used."""
        found = _restorers().get(self.name)
        if found is None:
            raise DeviceError("unsupported", "restore is not supported on platform %s" % self.name)
        return found[1](manager, config, comment, confirm_timeout)


class JunosPlatform(Platform):
    """Junos XML API: get-configuration, get-software-information, load/commit-configuration."""

    name = "junos"

    def facts(self, manager: Any) -> dict[str, Any]:
        sw = _reply_root(manager.dispatch(_rpc("<get-software-information/>")))
        facts: dict[str, Any] = {
            "hostname": _text(sw, "host-name"),
            "model": _text(sw, "product-model"),
            "version": _text(sw, "junos-version"),
            "serial": None,
            "vendor": "Juniper Networks",
        }
        try:
            inv = _reply_root(manager.dispatch(_rpc("<get-chassis-inventory/>")))
            chassis = _find(inv, "chassis")
            facts["serial"] = _text(chassis, "serial-number") if chassis is not None else None
        except Exception as exc:  # some platforms refuse it; facts stay partial
            if "rpc" not in type(exc).__name__.lower():
                raise
        return facts

    def read_config(self, manager: Any, known: Optional[KnownCommit] = None) -> ConfigRead:
        """``get-configuration``, then ``get-commit-information`` for the commit's sequence and comment,
        unless the configuration carries the commit time and text of ``known`` (nothing new to annotate:
        the stored sequence and comment are this commit's). A commit in the same second as the stored
        one changes the text, so it is still asked for."""
        from lxml import etree  # type: ignore[import-untyped,unused-ignore]
        root = _reply_root(manager.dispatch(_rpc('<get-configuration database="committed" format="xml"/>')))
        config = _find(root, "configuration")
        if config is None:
            raise XMLError("the get-configuration reply has no <configuration> element")
        attrs = {local_name(k): v for k, v in config.attrib.items()}
        commit_time: Optional[float] = None
        if attrs.get("commit-seconds", "").strip().isdigit():
            commit_time = float(attrs["commit-seconds"])
        read = ConfigRead(fmt="junos-xml", config=etree.tostring(config, encoding="unicode"), root=config,
                          commit_time=commit_time, commit_user=attrs.get("commit-user"))
        if known is not None and commit_time is not None and commit_time == known.commit_time:
            read.rendered = render(config)  # what the snapshot's hash is taken of (kept: not rendered twice)
            if sha256_text(read.rendered) == known.sha256:
                read.commit_seq, read.commit_comment = known.sequence, known.comment
                return read
        try:
            last = self.last_commit(manager)
        except Exception as exc:  # a device that refuses the commit history still gives its configuration
            if "rpc" not in type(exc).__name__.lower():
                raise
            last = None
        # the newest commit is the one read unless a commit came between the two RPCs
        if last is not None and commit_time is not None and last.seconds == commit_time:
            read.commit_seq, read.commit_comment = last.sequence, last.comment
        return read

    def last_commit(self, manager: Any) -> Optional[CommitInfo]:
        root = _reply_root(manager.dispatch(_rpc("<get-commit-information/>")))
        entry = _find(root, "commit-history")  # newest first (sequence-number 0)
        if entry is None:
            return None
        when = _find(entry, "date-time")
        seconds: Optional[float] = None
        if when is not None:
            attrs = {local_name(k): v for k, v in when.attrib.items()}
            if attrs.get("seconds", "").strip().isdigit():
                seconds = float(attrs["seconds"])
        return CommitInfo(seconds=seconds, user=_text(entry, "user"), client=_text(entry, "client"),
                          comment=_text(entry, "log", "comment"), sequence=_text(entry, "sequence-number"))

    restore_formats = ("junos-xml",)  # type: ignore[assignment]

    def restore(self, manager: Any, fmt: str, config: str, comment: str, confirm_timeout: int) -> str:
        """``load override`` + ``commit confirmed`` (minutes, rounded up), confirmed once the session works."""
        from ansible_collections.netsync.fleet.plugins.module_utils.device._restore import junos_restore

        minutes = max(1, -(-int(confirm_timeout) // 60))
        junos_restore(manager, config, comment, minutes)
        return "commit confirmed %d" % minutes

    def load_and_commit(self, manager: Any, config_xml: str, action: str, comment: str) -> None:
        from lxml import etree  # type: ignore[import-untyped,unused-ignore]
        manager.dispatch(_rpc("<lock-configuration/>"))
        try:
            load = etree.Element("load-configuration", action=action, format="xml")
            load.append(parse_xml(config_xml))
            manager.dispatch(load)
            commit = etree.Element("commit-configuration")
            etree.SubElement(commit, "log").text = comment
            manager.dispatch(commit)
        except BaseException:
            try:
                manager.dispatch(_rpc("<rollback-configuration/>"))
            except Exception:
                pass
            raise
        finally:
            manager.dispatch(_rpc("<unlock-configuration/>"))


class GenericPlatform(Platform):
    """RFC 6241: get-config of running; edit-config + commit on candidate."""

    name = "netconf"

    def __init__(self, capabilities: list[str]) -> None:
        self.capabilities = capabilities

    def facts(self, manager: Any) -> dict[str, Any]:
        caps = " ".join(self.capabilities)
        vendor = "yuma123" if "netconfcentral.org" in caps else None
        from ansible_collections.netsync.fleet.plugins.module_utils.device._ietf_system import hostname

        return {"hostname": hostname(manager, self.capabilities), "model": None, "version": None, "serial": None,
                "vendor": vendor, "candidate": ":candidate" in caps, "notifications": ":notification" in caps}

    def read_config(self, manager: Any, known: Optional[KnownCommit] = None) -> ConfigRead:
        from lxml import etree  # type: ignore[import-untyped,unused-ignore]
        root = _reply_root(manager.get_config(source="running"))
        data = _find(root, "data")
        if data is None:
            raise XMLError("the get-config reply has no <data> element")
        return ConfigRead(fmt="netconf-xml", config=etree.tostring(data, encoding="unicode"), root=data)

    restore_formats = ("netconf-xml",)  # type: ignore[assignment]

    def restore(self, manager: Any, fmt: str, config: str, comment: str, confirm_timeout: int) -> str:
        """candidate + ``edit-config`` replace + confirmed commit where offered (the comment has no place)."""
        from ansible_collections.netsync.fleet.plugins.module_utils.device._restore import netconf_restore

        how = netconf_restore(manager, self.capabilities, config, int(confirm_timeout))
        return "confirmed-commit %d" % int(confirm_timeout) if how == "confirmed-commit" else "commit"

    def load_and_commit(self, manager: Any, config_xml: str, action: str, comment: str) -> None:
        if not any(":candidate" in c for c in self.capabilities):
            raise DeviceError("unsupported", ":candidate is not supported by this netconf server")
        with manager.locked("candidate"):
            manager.edit_config(target="candidate", config=config_xml,
                                default_operation="replace" if action == "replace" else "merge")
            manager.commit()
