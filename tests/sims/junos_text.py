"""Junos text forms of a configuration: ``set``/``delete`` lines and curly-brace text.

Junos parses these with its schema; the simulator uses small tables of the common
statements instead: which keywords are list entries (followed by a key), which are leaves
(followed by one value), and which containers hide their entry keyword (``interfaces``).
Every other word is a container or a flag.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from lxml import etree

from tests.sims.junos_config import ConfigError, Element, find_entry, is_leaf, key_of, LEAF_LISTS

TOP_LEVEL = frozenset(
    "version system interfaces routing-options protocols policy-options firewall security "
    "snmp vlans routing-instances chassis class-of-service services forwarding-options groups "
    "apply-groups event-options access applications bridge-domains switch-options "
    "ethernet-switching-options poe virtual-chassis logical-systems".split()
)
#: (parent, keyword) whose entries are written without their own keyword.
HIDDEN_ENTRY = {
    ("configuration", "interfaces"): "interface",
    ("configuration", "vlans"): "vlan",
    ("configuration", "routing-instances"): "instance",
    ("configuration", "bridge-domains"): "domain",
}
#: keyword -> parents under which it starts a list entry ("*": anywhere).
KEYED: dict[str, frozenset[str]] = {
    word: frozenset({"*"})
    for word in (
        "unit address host route area neighbor group term filter policy-statement "
        "prefix-list security-zone name-server server interface file"
    ).split()
}
KEYED["user"] = frozenset({"login", "syslog"})
KEYED["class"] = frozenset({"login"})
KEYED["community"] = frozenset({"snmp"})
VALUE_LEAVES = frozenset(
    (
        "version host-name domain-name time-zone description port match class uid "
        "encrypted-password next-hop mtu vlan-id location contact full-name mac speed "
        "preference metric local-address peer-as type export import members interface-mode "
        "source-address facility-override log-prefix authentication-key "
        "plain-text-password-value building floor rack country-code postal-code latitude "
        "longitude altitude hardware-type npa-nxx lata vcoord hcoord message announcement "
        "login-alarms idle-timeout retry-options tries-before-disconnect authentication-order "
        "secret community-name peer-address neighbor-address router-id autonomous-system "
        "hold-time hello-interval dead-interval interface-type priority maximum-prefixes "
        "unit-number family-name native-vlan-id encapsulation level archive-sites "
        "ntp-server boot-server"
    ).split()
)
#: (parent, keyword) that is a container there although a leaf elsewhere (``snmp location``).
CONTAINERS_IN = frozenset({("system", "location")})
#: A final word that names a value rather than a keyword (``B7``, ``10.0.0.1``, ``ge-0/0/1``).
_KEYWORD = re.compile(r"[a-z][a-z0-9-]*\Z")
#: Keywords that are flags although they contain digits.
_FLAG_WORDS = frozenset("inet inet6 iso mpls ethernet-switching vpls ccc tcc 802.3ad".split())
FACILITIES = frozenset(
    "any authorization change-log conflict-log daemon dfc external firewall ftp "
    "interactive-commands kernel ntp pfe security user".split()
)
SEVERITIES = frozenset("any emergency alert critical error warning notice info none".split())
_SYSLOG_TARGETS = frozenset({"host", "file", "user", "console"})


@dataclass(frozen=True)
class Step:
    """One level of a configuration path: a tag, and the ``<name>`` key of a list entry."""

    tag: str
    key: str | None = None


_HIDDEN = "<entry>"


def parse_path(words: list[str], context: str = "configuration") -> tuple[list[Step], str | None, str]:
    """Turn statement words into path steps, an optional leaf value and the new context.

    ``context`` is the tag of the enclosing element (or a marker for a container whose
    entries are written without keyword, like ``interfaces``).
    """
    steps: list[Step] = []
    i = 0
    while i < len(words):
        word = words[i]
        if context.startswith(_HIDDEN):
            entry = context[len(_HIDDEN) :]
            steps.append(Step(entry, word))
            context, i = entry, i + 1
            continue
        hidden = HIDDEN_ENTRY.get((context, word))
        if hidden is not None:
            steps.append(Step(word))
            context, i = _HIDDEN + hidden, i + 1
            continue
        if context in _SYSLOG_TARGETS and word in FACILITIES:
            steps.append(Step("contents", word))
            if i + 1 < len(words) and words[i + 1] in SEVERITIES:
                steps.append(Step(words[i + 1]))
                i += 1
            context, i = "contents", i + 1
            continue
        allowed = KEYED.get(word)
        if allowed is not None and ("*" in allowed or context in allowed) and i + 1 < len(words):
            steps.append(Step(word, words[i + 1]))
            context, i = word, i + 2
            continue
        if (context, word) in CONTAINERS_IN:
            steps.append(Step(word))
            context, i = word, i + 1
            continue
        last_pair = i + 2 == len(words)
        if last_pair and word not in VALUE_LEAVES and _looks_like_value(words[i + 1]):
            steps.append(Step(word))
            return steps, words[i + 1], word
        if word in VALUE_LEAVES and i + 1 < len(words):
            if i + 2 != len(words):
                raise ConfigError("syntax error", words[i + 2])
            steps.append(Step(word))
            return steps, words[i + 1], word
        steps.append(Step(word))
        context, i = word, i + 1
    return steps, None, context


def _looks_like_value(word: str) -> bool:
    """True for a final word no Junos keyword looks like: upper case, digits, dots, slashes.

    ``set system location building B7`` is the leaf ``building`` = ``B7``, not a container
    ``building`` holding a flag ``B7``.
    """
    return word not in _FLAG_WORDS and not _KEYWORD.match(word) or word == ""


def ensure(root: Element, steps: Iterable[Step]) -> Element:
    """The element at ``steps`` under ``root``, created when missing."""
    cur = root
    for step in steps:
        found = find_entry(cur, step.tag, step.key)
        if found is None:
            if cur.tag == "contents" and step.tag in SEVERITIES:
                for old in [c for c in cur if c.tag in SEVERITIES]:
                    cur.remove(old)
            found = etree.SubElement(cur, step.tag)
            if step.key is not None:
                etree.SubElement(found, "name").text = step.key
        cur = found
    return cur


def set_value(root: Element, steps: list[Step], value: str | None) -> Element:
    """Create the path and set the leaf value (appending to a leaf-list)."""
    leaf = ensure(root, steps)
    if value is None:
        return leaf
    parent = leaf.getparent()
    if leaf.tag in LEAF_LISTS and leaf.text is not None and parent is not None:
        same = [c for c in parent if c.tag == leaf.tag and c.text == value]
        if same:
            return same[0]
        leaf = etree.SubElement(parent, leaf.tag)
    leaf.text = value
    return leaf


def _lookup(root: Element, steps: list[Step]) -> Element | None:
    cur: Element | None = root
    for step in steps:
        if cur is None:
            return None
        cur = find_entry(cur, step.tag, step.key)
    return cur


def split_line(line: str) -> list[str]:
    """Split one statement into words, honouring double quotes."""
    try:
        return shlex.split(line, comments=False, posix=True)
    except ValueError as exc:
        raise ConfigError(f"syntax error: {exc}") from exc


def apply_set_line(root: Element, line: str) -> None:
    """Apply one ``set ...`` or ``delete ...`` line to a configuration in place."""
    words = split_line(line)
    if not words or words[0].startswith("#"):
        return
    verb, words = words[0], words[1:]
    if verb not in {"set", "delete"}:
        raise ConfigError("syntax error", verb)
    if not words or words[0] not in TOP_LEVEL:
        raise ConfigError("syntax error", words[0] if words else verb)
    steps, value, _ = parse_path(words)
    if verb == "set":
        set_value(root, steps, value)
        return
    target = _lookup(root, steps)
    if target is not None and target is not root:
        parent = target.getparent()
        if parent is not None:
            parent.remove(target)


def apply_set_lines(root: Element, lines: Iterable[str]) -> None:
    """Apply several set/delete lines (a ``<configuration-set>`` body)."""
    for line in lines:
        if line.strip():
            apply_set_line(root, line.strip())


_NEEDS_QUOTES = re.compile(r'[\s;{}"#$*()|^?+\\\[\]]|^$')
#: containers written as one line per child: ``family inet { ... }``.
_INLINE = frozenset({"family"})


def _quote(value: str) -> str:
    if not _NEEDS_QUOTES.search(value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_text(config: Element, header: str | None = None) -> str:
    """Curly-brace Junos text for a configuration tree."""
    lines: list[str] = [header] if header else []
    for child in config:
        lines.extend(_render(child, "configuration", 0))
    return "\n".join(lines) + "\n"


def _render(el: Element, parent: str, depth: int, prefix: str = "") -> Iterator[str]:
    indent = "    " * depth
    pad = indent + prefix
    key = key_of(el)
    if el.tag in _INLINE and key is None and not is_leaf(el):
        for child in el:
            yield from _render(child, el.tag, depth, f"{prefix}{el.tag} ")
        return
    if el.tag == "contents" and key is not None:
        flags = [c.tag for c in el if c.tag != "name"]
        yield f"{pad}{_quote(key)}{(' ' + flags[0]) if flags else ''};"
        return
    hidden = _HIDDEN + el.tag == parent
    words = [] if hidden else [el.tag]
    if key is not None:
        words.append(_quote(key))
    children = [c for c in el if isinstance(c.tag, str) and c.tag != "name"]
    if is_leaf(el) and key is None:
        if el.text is not None and el.text.strip() != "":
            words.append(_quote(el.text))
        tail = " ## SECRET-DATA" if el.tag == "encrypted-password" else ""
        yield f"{pad}{' '.join(words)};{tail}"
        return
    if not children:
        yield f"{pad}{' '.join(words)};"
        return
    yield f"{pad}{' '.join(words)} {{"
    hidden_child = HIDDEN_ENTRY.get((parent, el.tag))
    context = _HIDDEN + hidden_child if hidden_child else el.tag
    for child in children:
        yield from _render(child, context, depth + 1)
    yield f"{indent}}}"


_TOKEN = re.compile(r'\s*(?:(#[^\n]*|/\*.*?\*/)|("(?:[^"\\]|\\.)*")|([{};])|([^\s{};"]+))', re.S)


def _tokens(text: str) -> Iterator[str]:
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            if text[pos:].strip():
                raise ConfigError("syntax error", text[pos : pos + 20])
            return
        pos = match.end()
        comment, quoted, punct, word = match.groups()
        if comment:
            continue
        if quoted:
            yield "\0" + re.sub(r"\\(.)", r"\1", quoted[1:-1])
        elif punct:
            yield punct
        elif word:
            yield word


def parse_text(text: str) -> Element:
    """Parse curly-brace Junos text into a ``<configuration>`` tree.

    ``replace:`` before a statement marks it ``replace="replace"`` (for load replace).
    """
    root = etree.Element("configuration")
    stack: list[tuple[Element, str]] = [(root, "configuration")]
    words: list[str] = []
    replace_next = False
    for tok in _tokens(text):
        if tok in {"{", ";"}:
            if not words:
                raise ConfigError("syntax error", tok)
            parent_el, parent_tag = stack[-1]
            if parent_tag == "configuration" and words[0] not in TOP_LEVEL:
                raise ConfigError("syntax error", words[0])
            values: list[str | None] = [None]
            if "[" in words and words[-1] == "]":
                at = words.index("[")
                words, values = words[:at], list(words[at + 1 : -1])
            for val in values:
                steps, value, context = parse_path(words + ([val] if val else []), parent_tag)
                el = set_value(parent_el, steps, value)
            if replace_next:
                el.set("replace", "replace")
            if tok == "{":
                stack.append((el, context))
            words, replace_next = [], False
        elif tok == "}":
            if len(stack) == 1 or words:
                raise ConfigError("syntax error", "}")
            stack.pop()
        elif tok == "replace:" and not words:
            replace_next = True
        else:
            words.append(tok[1:] if tok.startswith("\0") else tok)
    if len(stack) != 1 or words:
        raise ConfigError("syntax error", "unexpected end of configuration")
    return root
