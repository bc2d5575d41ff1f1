"""Junos XML API / NETCONF RPC handlers of the simulator: request element in, reply text out.

Replies are shaped like Junos': ``<rpc-reply>`` in the NETCONF base namespace declaring
``xmlns:junos``, no XML declaration, body elements without a namespace of their own.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from lxml import etree

from tests.sims.junos_config import ConfigError, Element, subtree_filter
from tests.sims.junos_db import RpcFailure, localtime
from tests.sims.junos_device import JunosDevice
from tests.sims.junos_formats import render_json, render_set
from tests.sims.junos_oper import route_engine_information, system_memory_information, system_uptime_information
from tests.sims.junos_text import render_text

NC_NS = "urn:ietf:params:xml:ns:netconf:base:1.0"


def junos_ns(version: str) -> str:
    """The ``xmlns:junos`` URI Junos uses for a release (``21.4R3.15`` -> ``.../21.4R3/junos``)."""
    match = re.match(r"\d+\.\d+[A-Z]\d+", version)
    return f"http://xml.juniper.net/junos/{match.group(0) if match else version}/junos"


@dataclass
class SessionInfo:
    """The NETCONF session an RPC arrives on."""

    session_id: int
    user: str
    client: str = "netconf"
    closing: bool = False


@dataclass
class Platform:
    """Facts the operational RPCs report."""

    model: str = "vmx"
    serial: str = "VM00000001"


class Handler:
    """Dispatches RPCs for one device; returns reply body XML text."""

    def __init__(self, device: JunosDevice, platform: Platform) -> None:
        self.device = device
        self.platform = platform
        self.ns = junos_ns(device.version)
        self._table: dict[str, Callable[[Element, SessionInfo], str]] = {
            "get-configuration": self._get_configuration,
            "get-config": self._get_config,
            "get-commit-information": lambda r, s: self._xml(self._commit_information()),
            "get-software-information": lambda r, s: self._xml(self._software_information()),
            "get-chassis-inventory": lambda r, s: self._xml(self._chassis_inventory()),
            "get-route-engine-information": lambda r, s: self._xml(self._route_engine()),
            "get-system-uptime-information": lambda r, s: self._xml(self._uptime()),
            "get-system-memory-information": lambda r, s: self._xml(system_memory_information(self.ns)),
            "open-configuration": self._open_configuration,
            "close-configuration": self._close_configuration,
            "command": self._command,
            "lock-configuration": self._lock,
            "lock": self._lock,
            "unlock-configuration": self._unlock,
            "unlock": self._unlock,
            "load-configuration": self._load_configuration,
            "edit-config": self._edit_config,
            "commit-configuration": self._commit_configuration,
            "commit": self._commit,
            "validate": lambda r, s: "<ok/>",
            "discard-changes": self._discard,
            "close-session": self._close_session,
        }

    # -- framing helpers -------------------------------------------------------------------
    def _xml(self, el: Element) -> str:
        text = str(etree.tostring(el, encoding="unicode"))
        return text.replace(f' xmlns:junos="{self.ns}"', "")

    def _el(self, tag: str, attrs: dict[str, str] | None = None) -> Element:
        return etree.Element(tag, attrs or {}, nsmap={"junos": self.ns})

    def _j(self, name: str) -> str:
        return f"{{{self.ns}}}{name}"

    def reply(self, rpc_attrs: dict[str, str], body: str) -> str:
        """A whole ``<rpc-reply>`` with the request's attributes copied."""
        attrs = "".join(f" {k}={quoteattr(v)}" for k, v in rpc_attrs.items())
        return f'<rpc-reply xmlns="{NC_NS}" xmlns:junos="{self.ns}"{attrs}>\n{body}\n</rpc-reply>'

    @staticmethod
    def error(
        message: str,
        tag: str = "operation-failed",
        error_type: str = "protocol",
        info: dict[str, str] | None = None,
    ) -> str:
        """An ``<rpc-error>`` element as text."""
        err = etree.Element("rpc-error")
        for name, value in (("error-type", error_type), ("error-tag", tag), ("error-severity", "error")):
            etree.SubElement(err, name).text = value
        etree.SubElement(err, "error-message").text = message
        if info:
            box = etree.SubElement(err, "error-info")
            for key, value in info.items():
                etree.SubElement(box, key).text = value
        return str(etree.tostring(err, encoding="unicode"))

    # -- dispatch --------------------------------------------------------------------------
    def handle(self, op: Element, session: SessionInfo) -> str:
        """Reply body for one operation element (the ``<rpc>`` child)."""
        fn = self._table.get(op.tag)
        if fn is None:
            return self.error("syntax error", "operation-not-supported", info={"bad-element": op.tag})
        try:
            return fn(op, session)
        except RpcFailure as exc:
            return self.error(exc.message, exc.tag, exc.error_type, exc.info)
        except ConfigError as exc:
            return self.error(exc.message, info={"bad-element": exc.bad_element or op.tag})

    # -- configuration reads ---------------------------------------------------------------
    def _config_element(self, database: str, filt: Element | None, session_id: int | None = None) -> Element:
        if database == "committed":
            tree, attrs = self.device.committed()
        elif database == "candidate":
            tree, attrs = self.device.candidate(session_id)
        else:
            raise RpcFailure(f"invalid database: {database}", tag="invalid-value")
        if filt is not None:
            tree = subtree_filter(tree, filt)
        out = self._el("configuration", {self._j(k): v for k, v in attrs.items()})
        out.extend(list(tree))
        return out

    def _get_configuration(self, rpc: Element, session: SessionInfo) -> str:
        database = rpc.get("database", "candidate")
        fmt = rpc.get("format", "xml")
        sid = session.session_id
        if rpc.get("compare") == "rollback":
            out = etree.Element("configuration-information")
            etree.SubElement(out, "configuration-output").text = self.device.compare(
                int(rpc.get("rollback", "0")), sid
            )
            return self._xml(out)
        filt = rpc.find("configuration")
        if fmt not in {"xml", "text", "set", "json"}:
            raise RpcFailure(f"invalid format: {fmt}", tag="invalid-value")
        config = self._config_element(database, filt, sid)
        if fmt == "text":
            out = etree.Element("configuration-text")
            header = self.device.text(database, sid).split("\n", 1)[0]
            out.text = render_text(config, header if filt is None or not len(filt) else None)
            return self._xml(out)
        if fmt == "set":
            out = etree.Element("configuration-set")
            out.text = render_set(config)
            return self._xml(out)
        if fmt == "json":
            attrs = {etree.QName(k).localname: v for k, v in config.attrib.items()}
            return escape(render_json(config, attrs))
        return self._xml(config)

    def _get_config(self, rpc: Element, session: SessionInfo) -> str:
        source = rpc.find("source")
        database = "candidate" if source is not None and source.find("candidate") is not None else "committed"
        filt = rpc.find("filter/configuration")
        data = etree.Element("data")
        data.append(self._config_element(database, filt, session.session_id))
        return self._xml(data)

    # -- operational -----------------------------------------------------------------------
    def _commit_information(self) -> Element:
        out = etree.Element("commit-information")
        for seq, rec in enumerate(self.device.history()):
            hist = etree.SubElement(out, "commit-history")
            etree.SubElement(hist, "sequence-number").text = str(seq)
            etree.SubElement(hist, "user").text = rec.user
            etree.SubElement(hist, "client").text = rec.client
            when = etree.SubElement(hist, "date-time", {self._j("seconds"): str(rec.seconds)}, nsmap={"junos": self.ns})
            when.text = localtime(rec.seconds)
            if rec.comment:
                etree.SubElement(hist, "log").text = rec.comment  # Junos names the commit comment <log>
        return out

    def _route_engine(self) -> Element:
        now = int(self.device.clock())
        return route_engine_information(self.ns, self.platform.model, self.platform.serial, self.device.booted, now)

    def _uptime(self) -> Element:
        last = self.device.history()[0]
        now = int(self.device.clock())
        return system_uptime_information(self.ns, self.device.booted, now, last.seconds, last.user)

    def _open_configuration(self, rpc: Element, session: SessionInfo) -> str:
        if rpc.find("private") is None:
            raise RpcFailure("only private mode is simulated", tag="operation-not-supported")
        self.device.open_private(session.session_id)
        # Junos answers a warning (PyEZ expects and ignores exactly this one)
        warning = etree.fromstring(self.error("uncommitted changes will be discarded on exit"))
        severity = warning.find("error-severity")
        assert severity is not None
        severity.text = "warning"
        return self._xml(warning)

    def _close_configuration(self, rpc: Element, session: SessionInfo) -> str:
        self.device.close_private(session.session_id)
        return "<ok/>"

    def _software_information(self) -> Element:
        out = etree.Element("software-information")
        etree.SubElement(out, "host-name").text = self.device.hostname
        etree.SubElement(out, "product-model").text = self.platform.model
        etree.SubElement(out, "product-name").text = self.platform.model
        etree.SubElement(out, "junos-version").text = self.device.version
        pkg = etree.SubElement(out, "package-information")
        etree.SubElement(pkg, "name").text = "junos"
        etree.SubElement(pkg, "comment").text = f"JUNOS Software Release [{self.device.version}]"
        return out

    def _chassis_inventory(self) -> Element:
        chassis_ns = self.ns + "-chassis"
        out = etree.Element(f"{{{chassis_ns}}}chassis-inventory", nsmap={None: chassis_ns})
        chassis = etree.SubElement(
            out, f"{{{chassis_ns}}}chassis", {self._j("style"): "inventory"}, nsmap={"junos": self.ns}
        )
        for tag, text in (
            ("name", "Chassis"),
            ("serial-number", self.platform.serial),
            ("description", self.platform.model.upper()),
        ):
            etree.SubElement(chassis, f"{{{chassis_ns}}}{tag}").text = text
        return out

    def _command(self, rpc: Element, session: SessionInfo) -> str:
        command = " ".join((rpc.text or "").replace("| display xml", "").split())
        fmt = rpc.get("format", "xml")
        if command == "show configuration":
            out = etree.Element("configuration-information")
            etree.SubElement(out, "configuration-output").text = self.device.text("committed")
            return self._xml(out)
        builders = {
            "show version": self._software_information,
            "show chassis hardware": self._chassis_inventory,
            "show system commit": self._commit_information,
            "show chassis routing-engine": self._route_engine,
            "show system uptime": self._uptime,
            "show system memory": lambda: system_memory_information(self.ns),
        }
        build = builders.get(command)
        if build is None:
            raise RpcFailure("syntax error, expecting <command>", info={"bad-element": command})
        if fmt == "text":
            out = etree.Element("output")
            out.text = "\n".join(
                f"{c.tag}: {c.text}" for c in build().iter() if isinstance(c.tag, str) and c.text and c.text.strip()
            )
            return self._xml(out)
        return self._xml(build())

    # -- locking and editing ---------------------------------------------------------------
    def _lock(self, rpc: Element, session: SessionInfo) -> str:
        self.device.lock(session.session_id, session.user)
        return "<ok/>"

    def _unlock(self, rpc: Element, session: SessionInfo) -> str:
        self.device.unlock(session.session_id)
        return "<ok/>"

    def _discard(self, rpc: Element, session: SessionInfo) -> str:
        self.device.discard(session.session_id)
        return "<ok/>"

    def _close_session(self, rpc: Element, session: SessionInfo) -> str:
        session.closing = True
        return "<ok/>"

    def _load_configuration(self, rpc: Element, session: SessionInfo) -> str:
        sid = session.session_id
        action = rpc.get("action", "merge")
        fmt = rpc.get("format", "xml")
        try:
            if rpc.get("rollback") is not None:
                self.device.load_rollback(sid, int(rpc.get("rollback", "0")))
            elif action == "set" or rpc.find("configuration-set") is not None:
                self.device.load_set(sid, (rpc.findtext("configuration-set") or "").splitlines())
            elif fmt == "text" or rpc.find("configuration-text") is not None:
                self.device.load_text(sid, rpc.findtext("configuration-text") or "", action)
            else:
                config = rpc.find("configuration")
                if config is None:
                    raise ConfigError("syntax error", "load-configuration")
                self.device.load_xml(sid, config, action)
        except ConfigError as exc:
            out = etree.Element("load-configuration-results")
            out.append(
                etree.fromstring(self.error(exc.message, info={"bad-element": exc.bad_element or "configuration"}))
            )
            etree.SubElement(out, "load-error-count").text = "1"
            return self._xml(out)
        out = etree.Element("load-configuration-results")
        etree.SubElement(out, "ok")
        return self._xml(out)

    def _edit_config(self, rpc: Element, session: SessionInfo) -> str:
        config = rpc.find("config/configuration")
        if config is None:
            raise ConfigError("syntax error", "config")
        default_op = rpc.findtext("default-operation") or "merge"
        action = {"merge": "merge", "replace": "override", "none": "replace"}.get(default_op, "merge")
        self.device.load_xml(session.session_id, config, action)
        return "<ok/>"

    def _commit_configuration(self, rpc: Element, session: SessionInfo) -> str:
        check = rpc.find("check") is not None
        minutes = None
        if rpc.find("confirmed") is not None:
            minutes = float(rpc.findtext("confirm-timeout") or "10")
        rec = self.device.commit(
            session.session_id, session.user, session.client, rpc.findtext("log"), check=check, confirm_minutes=minutes
        )
        out = etree.Element("commit-results")
        re_el = etree.SubElement(out, "routing-engine", {self._j("style"): "normal"}, nsmap={"junos": self.ns})
        etree.SubElement(re_el, "name").text = "re0"
        if rec is None:
            etree.SubElement(re_el, "commit-check-success")
        else:
            etree.SubElement(re_el, "commit-success")
            info = etree.SubElement(re_el, "commit-revision-information")
            etree.SubElement(info, "new-db-revision").text = f"re0-{rec.seconds}-{len(self.device.history())}"
        return self._xml(out)

    def _commit(self, rpc: Element, session: SessionInfo) -> str:
        minutes = None
        if rpc.find("confirmed") is not None:  # RFC 6241: confirm-timeout in seconds, default 600
            minutes = float(rpc.findtext("confirm-timeout") or "600") / 60
        self.device.commit(session.session_id, session.user, session.client, None, confirm_minutes=minutes)
        return "<ok/>"
