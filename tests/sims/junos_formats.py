"""Junos output formats of a configuration besides XML and curly-brace text.

- ``display set``: one ``set`` line per leaf, flag or empty entry (``get-configuration
  format="set"`` answers it in ``<configuration-set>``);
- ``display json``: Junos' JSON (lists of keyed entries, flags as ``[null]``, the root's
  ``junos:`` attributes under ``"@"``);
- ``show | compare rollback N``: ``[edit path]`` blocks with ``+``/``-`` statements.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from tests.sims.junos_config import LEAF_LISTS, Element, is_leaf, key_of
from tests.sims.junos_text import _HIDDEN, HIDDEN_ENTRY, _quote, _render


def _child_context(parent_ctx: str, el: Element) -> str:
    hidden = HIDDEN_ENTRY.get((parent_ctx, el.tag))
    return _HIDDEN + hidden if hidden else el.tag


def _words(el: Element, parent_ctx: str) -> list[str]:
    """The statement words naming ``el`` below its parent (``unit 0``, ``ge-0/0/1``)."""
    key = key_of(el)
    if el.tag == "contents" and key is not None:
        return [key]
    words = [] if _HIDDEN + el.tag == parent_ctx else [el.tag]
    if key is not None:
        words.append(_quote(key))
    return words


def _children(el: Element) -> list[Element]:
    return [c for c in el if isinstance(c.tag, str) and c.tag != "name"]


# -- display set ------------------------------------------------------------------------------
def render_set(config: Element) -> str:
    """``show configuration | display set``: one line per leaf, flag or bare entry."""
    lines: list[str] = []
    for child in _children(config):
        lines.extend(_set_lines(child, "configuration", []))
    return "\n".join(lines) + "\n"


def _set_lines(el: Element, parent_ctx: str, prefix: list[str]) -> Iterator[str]:
    words = prefix + _words(el, parent_ctx)
    if is_leaf(el) and key_of(el) is None:
        text = (el.text or "").strip()
        yield "set " + " ".join(words + ([_quote(el.text or "")] if text else []))
        return
    kids = _children(el)
    if not kids:
        yield "set " + " ".join(words)
        return
    ctx = _child_context(parent_ctx, el)
    for child in kids:
        yield from _set_lines(child, ctx, words)


# -- display json -----------------------------------------------------------------------------
def _json_value(el: Element) -> Any:
    kids = _children(el)
    key = key_of(el)
    if not kids and key is None:
        text = (el.text or "").strip()
        return el.text if text else [None]
    out: dict[str, Any] = {} if key is None else {"name": key}
    groups: dict[str, list[Element]] = {}
    for child in kids:
        groups.setdefault(child.tag, []).append(child)
    for tag, items in groups.items():
        if key_of(items[0]) is not None:
            out[tag] = [_json_value(item) for item in items]
        elif tag in LEAF_LISTS and is_leaf(items[0]):
            out[tag] = [item.text for item in items]
        else:
            out[tag] = _json_value(items[-1])
    return out


def render_json(config: Element, attrs: Mapping[str, str]) -> str:
    """``show configuration | display json`` of a configuration and its junos: attributes."""
    body: dict[str, Any] = {}
    if attrs:
        body["@"] = {f"junos:{k}": v for k, v in attrs.items()}
    body.update(_json_value(config) or {})
    return json.dumps({"configuration": body}, indent=4)


# -- show | compare ---------------------------------------------------------------------------
def _identity(el: Element) -> tuple[str, str | None]:
    if el.tag in LEAF_LISTS and is_leaf(el):
        return el.tag, el.text
    return el.tag, key_of(el)


def compare(old: Element, new: Element) -> str:
    """``show | compare``: Junos ``[edit ...]`` blocks, ``-`` old and ``+`` new statements.

    Junos starts the output with a newline; an empty comparison is just ``"\\n"``.
    """
    lines = list(_compare(old, new, "configuration", []))
    return "\n" + "".join(line + "\n" for line in lines)


def _compare(old: Element, new: Element, ctx: str, path: list[str]) -> Iterator[str]:
    before = {_identity(c): c for c in _children(old)}
    after = {_identity(c): c for c in _children(new)}
    block: list[str] = []
    nested: list[tuple[Element, Element]] = []
    for ident, el in before.items():
        if ident not in after:
            block.extend("-" + line[1:] for line in _render(el, ctx, 1))
    for ident, el in after.items():
        was = before.get(ident)
        if was is None:
            block.extend("+" + line[1:] for line in _render(el, ctx, 1))
        elif is_leaf(el) and key_of(el) is None:
            if (was.text or "") != (el.text or ""):
                block.extend("-" + line[1:] for line in _render(was, ctx, 1))
                block.extend("+" + line[1:] for line in _render(el, ctx, 1))
        elif is_leaf(was) != is_leaf(el) or el.tag == "contents":
            if _canon(was) != _canon(el):
                block.extend("-" + line[1:] for line in _render(was, ctx, 1))
                block.extend("+" + line[1:] for line in _render(el, ctx, 1))
        else:
            nested.append((was, el))
    if block:
        yield "[edit" + "".join(" " + w for w in path) + "]"
        yield from block
    for was, el in nested:
        yield from _compare(was, el, _child_context(ctx, el), path + _words(el, ctx))


def _canon(el: Element) -> str:
    return "\n".join(_render(el, "configuration", 0))
