# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to the device package: put a stored configuration back on a device, safely.

Junos: ``lock-configuration``, ``load-configuration action="override"``, ``commit-configuration``
with ``<confirmed/>`` (the device rolls back by itself unless confirmed in time), then one more
RPC to prove the session still works, then the confirming commit.

Generic RFC 6241: ``:candidate`` required; lock the candidate, ``edit-config`` with
``default-operation`` ``replace`` of the whole ``<config>``, ``commit`` ``<confirmed/>`` when the
device offers ``:confirmed-commit``, prove the session works, confirm; without it a plain commit.
A failure before the commit discards the candidate; the lock is released in every case.
"""
from __future__ import annotations

import copy
from typing import Any, Optional

from ansible_collections.netsync.fleet.plugins.module_utils.common.xml import local_name, parse_xml
from ansible_collections.netsync.fleet.plugins.module_utils.device.types import DeviceError

NC_BASE = "urn:ietf:params:xml:ns:netconf:base:1.0"


class ConfirmFailed(DeviceError):
    """The configuration was committed with commit confirmed but could not be confirmed."""


def _errors(root: Any) -> list[str]:
    """Error messages of ``<rpc-error>`` elements of severity error anywhere in a reply."""
    out = []
    for elem in root.iter():
        if isinstance(elem.tag, str) and local_name(elem.tag) == "rpc-error":
            severity = next((c.text for c in elem if local_name(c.tag) == "error-severity"), "error")
            if (severity or "error").strip() == "error":
                message = next((c.text for c in elem if local_name(c.tag) == "error-message"), None)
                out.append((message or "rpc-error").strip())
    return out


def _kind(exc: BaseException) -> str:
    """The DeviceError kind of a failure after the commit: an RPC error, a timeout, or the session lost."""
    name = type(exc).__name__.lower()
    if isinstance(exc, DeviceError) or "rpcerror" in name:
        return "rpc_error"
    return "timeout" if "timeout" in name else "unreachable"


def _checked(reply: Any, what: str) -> Any:
    root = parse_xml(reply.xml)
    errors = _errors(root)
    if errors:
        raise DeviceError("rpc_error", "%s: %s" % (what, "; ".join(errors)))
    return root


def _junos_configuration(config_xml: str) -> Any:
    """The stored ``<configuration>`` without the read-only ``junos:`` attributes, namespaces dropped."""
    from lxml import etree  # type: ignore[import-untyped,unused-ignore]

    root = parse_xml(config_xml)
    if local_name(root.tag) != "configuration":
        raise DeviceError("unsupported", "the stored version is not a Junos <configuration>")
    clean = etree.Element("configuration")
    for child in root:
        if isinstance(child.tag, str):
            clean.append(copy.deepcopy(child))
    for elem in clean.iter():
        if isinstance(elem.tag, str):
            elem.tag = local_name(elem.tag)
            for key in [k for k in elem.attrib if k.startswith("{")]:
                del elem.attrib[key]
    etree.cleanup_namespaces(clean)
    return clean


def junos_restore(manager: Any, config_xml: str, comment: str, confirm_minutes: int) -> None:
    from lxml import etree  # type: ignore[import-untyped,unused-ignore]

    configuration = _junos_configuration(config_xml)
    manager.dispatch(parse_xml("<lock-configuration/>"))
    committed = False
    try:
        load = etree.Element("load-configuration", action="override", format="xml")
        load.append(configuration)
        _checked(manager.dispatch(load), "load override")
        commit = etree.Element("commit-configuration")
        etree.SubElement(commit, "confirmed")
        etree.SubElement(commit, "confirm-timeout").text = str(int(confirm_minutes))
        etree.SubElement(commit, "log").text = comment
        _checked(manager.dispatch(commit), "commit confirmed")
        committed = True
        try:
            _checked(manager.dispatch(parse_xml("<get-commit-information/>")), "session check")
            confirm = etree.Element("commit-configuration")
            etree.SubElement(confirm, "log").text = comment + " (confirmed)"
            _checked(manager.dispatch(confirm), "confirming commit")
        except Exception as exc:
            raise ConfirmFailed(
                _kind(exc), "committed with commit confirmed %d but not confirmed (%s): the device rolls back to its "
                "previous configuration within %d minute(s)" % (confirm_minutes, exc, confirm_minutes)) from exc
    except ConfirmFailed:
        raise
    except BaseException:
        if not committed:
            try:
                manager.dispatch(parse_xml("<discard-changes/>"))
            except Exception:
                pass
        raise
    finally:
        try:
            manager.dispatch(parse_xml("<unlock-configuration/>"))
        except Exception:
            pass


def _config_from_data(data_xml: str) -> Any:
    """The stored ``<data>`` of a get-config reply as an edit-config ``<config>`` element."""
    from lxml import etree  # type: ignore[import-untyped,unused-ignore]

    data = parse_xml(data_xml)
    if local_name(data.tag) != "data":
        raise DeviceError("unsupported", "the stored version is not a NETCONF <data> element")
    config = etree.Element("{%s}config" % NC_BASE, nsmap={None: NC_BASE})
    for child in data:
        if isinstance(child.tag, str):
            config.append(copy.deepcopy(child))
    return config


def netconf_restore(manager: Any, capabilities: list[str], data_xml: str, confirm_seconds: int) -> Optional[str]:
    """Replace the device's configuration with the stored one; returns how it was committed."""
    if not any(":candidate" in c for c in capabilities):
        raise DeviceError("unsupported", ":candidate is not supported by this netconf server")
    confirmed = any(":confirmed-commit" in c for c in capabilities)
    config = _config_from_data(data_xml)
    with manager.locked("candidate"):
        committed = False
        try:
            manager.discard_changes()
            manager.edit_config(target="candidate", config=config, default_operation="replace")
            if not confirmed:
                manager.commit()
                return "commit"
            manager.commit(confirmed=True, timeout=str(int(confirm_seconds)))
            committed = True
            try:
                manager.get_config(source="running")
                manager.commit()
            except Exception as exc:
                raise ConfirmFailed(
                    _kind(exc), "committed with a confirmed commit but not confirmed (%s): the device "
                    "rolls back to its previous configuration within %d s" % (exc, confirm_seconds)) from exc
            return "confirmed-commit"
        except ConfirmFailed:
            raise
        except BaseException:
            if not committed:
                try:
                    manager.discard_changes()
                except Exception:
                    pass
            raise
