# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one safe XML parser: every XML from a device, a notification or a stored configuration goes through it.

XML is untrusted. A pyexpat pre-pass refuses any DOCTYPE, ENTITY or NOTATION
declaration and external entity references (``UnsafeXMLError``) before a tree
is built, so neither entity expansion nor external fetches can happen; then
lxml builds the tree with entities, DTDs and the network off and huge trees
refused. Bytes must be UTF-8 (NETCONF's encoding). Anything else that is not
well-formed XML is an ``XMLError`` (``UnsafeXMLError`` is one too).
"""
from __future__ import annotations

import traceback
from typing import Any, NoReturn, Optional
from xml.parsers import expat

try:
    from lxml import etree  # type: ignore[import-untyped,unused-ignore]
    LXML_IMPORT_ERROR: Optional[str] = None
except ImportError:  # reported by the modules with missing_required_lib
    etree = None
    LXML_IMPORT_ERROR = traceback.format_exc()

MAX_XML = 64 * 1024 * 1024  # bytes


class XMLError(ValueError):
    """XML that is not usable: not well-formed, not UTF-8, too large, or unsafe."""


class UnsafeXMLError(XMLError):
    """XML refused before a tree is built: DOCTYPE/ENTITY/NOTATION declarations, external entities, size."""


def _refuse(what: str) -> NoReturn:
    raise UnsafeXMLError("refusing XML with a %s: DTDs and entities are not accepted from devices" % what)


def _guard(text: str) -> None:
    """Scan ``text`` with pyexpat; raise on any DTD construct or malformed XML."""
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def doctype(*_: Any) -> None:
        _refuse("DOCTYPE declaration")

    def entity(*_: Any) -> None:
        _refuse("ENTITY declaration")

    def notation(*_: Any) -> None:
        _refuse("NOTATION declaration")

    def external(*_: Any) -> int:
        _refuse("external entity reference")

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.UnparsedEntityDeclHandler = entity
    parser.NotationDeclHandler = notation
    parser.ExternalEntityRefHandler = external
    try:
        parser.Parse(text, True)
    except expat.ExpatError as exc:
        raise XMLError("XML is not well-formed: %s" % exc) from None


def safe_parser() -> Any:
    """lxml's parser with entities, DTDs, the network and huge trees off."""
    if etree is None:
        raise XMLError("the Python package lxml is required to parse XML (it comes with ncclient)")
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                           remove_blank_text=True, load_dtd=False, dtd_validation=False)


def parse_xml(data: str | bytes) -> Any:
    """The root element (lxml) of untrusted XML; ``XMLError``/``UnsafeXMLError`` when refused."""
    if len(data) > MAX_XML:
        raise UnsafeXMLError("XML document larger than %d bytes" % MAX_XML)
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise XMLError("XML is not UTF-8: %s" % exc) from None
    parser = safe_parser()
    _guard(data)
    body = data.lstrip()
    if body.startswith("<?xml"):  # the text is decoded already: the declaration has said its piece
        body = body.split("?>", 1)[1]
    try:
        return etree.fromstring(body.encode("utf-8"), parser)
    except etree.XMLSyntaxError as exc:  # pragma: no cover - the guard already parsed it
        raise XMLError("XML is not well-formed: %s" % exc) from None


def local_name(tag: Any) -> str:
    """An element's name without its namespace (``""`` for comments and processing instructions)."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]
