# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Federation master side: model union of children's copies and incremental sync plans."""
from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from ansible_collections.netsync.fleet.plugins.module_utils.topology.model import (
    TopologyError,
    TopologyObject,
    TopologyType,
    _req,
    _str_list,
    content_version,
    type_version,
)

DEFAULT_MAX_SYSTEM_TIME_DIFFERENCE_MS = 60000.0

_T = TypeVar("_T", TopologyObject, TopologyType)


def clock_suspect(child_time: float, master_time: float,
                  max_difference_ms: float = DEFAULT_MAX_SYSTEM_TIME_DIFFERENCE_MS) -> bool:
    """True when the child's clock (epoch s) differs from the master's by more than the limit."""
    return abs(child_time - master_time) * 1000.0 > max_difference_ms


def _overlay(copies: Sequence[tuple[str, float, Mapping[str, Any]]]) -> dict[str, Any]:
    """Per property name, the value of the newest copy having it; equal times: smallest child name."""
    ordered = sorted(copies, key=lambda c: c[0], reverse=True)
    ordered.sort(key=lambda c: c[1])  # stable: oldest first, ties by descending child name
    merged: dict[str, Any] = {}
    for _child, _stamp, props in ordered:
        merged.update(props)
    return dict(sorted(merged.items()))


def _group(copies: Mapping[str, Iterable[_T]], ident: Any) -> dict[Any, dict[str, _T]]:
    """identity -> {child: copy}; a child listing one identity twice keeps its newest copy."""
    groups: dict[Any, dict[str, _T]] = {}
    for child, items in copies.items():
        for item in items:
            slot = groups.setdefault(ident(item), {})
            cur = slot.get(child)
            if cur is None or (item.updated_at, item.version) > (cur.updated_at, cur.version):
                slot[child] = item
    return groups


def _flags(d: Mapping[str, Any], what: str) -> dict[str, Any]:
    return {"sources": _str_list(d, "sources", what),
            "source_versions": _source_versions(d, what),
            "stale_sources": _str_list(d, "stale_sources", what),
            "suspect_sources": _str_list(d, "suspect_sources", what)}


def _flags_out(merged: Any) -> dict[str, Any]:
    """The inverse of :func:`_flags`: a merged object's or type's sources, as plain data."""
    return {"sources": list(merged.sources), "source_versions": dict(merged.source_versions),
            "stale_sources": list(merged.stale_sources), "suspect_sources": list(merged.suspect_sources)}


def _source_versions(d: Mapping[str, Any], what: str) -> dict[str, str]:
    versions = _req(d, "source_versions", dict, what) if "source_versions" in d else {}
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in versions.items()):
        raise TopologyError(f"{what}: source_versions must map child names to versions")
    return dict(sorted(versions.items()))


@dataclass(frozen=True)
class MergedObject:
    """An object of the master's model: the union of every child's copy."""

    type: str
    key: str
    properties: dict[str, Any]
    contains: tuple[str, ...]
    version: str
    updated_at: float
    sources: tuple[str, ...]
    source_versions: dict[str, str]
    stale_sources: tuple[str, ...] = ()
    suspect_sources: tuple[str, ...] = ()

    def as_object(self) -> TopologyObject:
        """The merged content as a plain object (e.g. to serve it onward)."""
        return TopologyObject(self.type, self.key, dict(self.properties), self.contains, self.version,
                              self.updated_at)

    def to_dict(self) -> dict[str, Any]:
        out = self.as_object().to_dict()
        out.update(_flags_out(self))
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> MergedObject:
        obj = TopologyObject.from_dict(d)
        return cls(obj.type, obj.key, obj.properties, obj.contains, obj.version, obj.updated_at,
                   **_flags(d, f"merged object {obj.key!r}"))


@dataclass(frozen=True)
class MergedType:
    """A topology type of the master's model: property definitions of every child's copy."""

    name: str
    properties: dict[str, dict[str, str]]
    version: str
    updated_at: float
    sources: tuple[str, ...]
    source_versions: dict[str, str]
    stale_sources: tuple[str, ...] = ()
    suspect_sources: tuple[str, ...] = ()

    def as_type(self) -> TopologyType:
        return TopologyType(self.name, {k: dict(v) for k, v in self.properties.items()}, self.version,
                            self.updated_at)

    def to_dict(self) -> dict[str, Any]:
        out = self.as_type().to_dict()
        out.update(_flags_out(self))
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> MergedType:
        typ = TopologyType.from_dict(d)
        return cls(typ.name, typ.properties, typ.version, typ.updated_at,
                   **_flags(d, f"merged type {typ.name!r}"))


def union(copies: Mapping[str, Iterable[TopologyObject]], *, stale: Collection[str] = (),
          suspect: Collection[str] = ()) -> list[MergedObject]:
    """Merge every child's objects (``{child: objects}``) into one model, sorted by key.

    Same identity (type, key) merges: ``contains`` is the union of all copies,
    each property comes from the newest copy that has it (``updated_at``; on
    equal times the smallest child name wins), ``updated_at`` is the newest
    copy's. ``stale``/``suspect`` name children whose copies are flagged.
    """
    out: list[MergedObject] = []
    groups = _group(copies, lambda o: (o.type, o.key))
    for (type_name, key), per in sorted(groups.items()):
        props = _overlay([(c, o.updated_at, o.properties) for c, o in per.items()])
        contains = tuple(sorted({k for o in per.values() for k in o.contains}))
        sources = tuple(sorted(per))
        out.append(MergedObject(
            type_name, key, props, contains, content_version(type_name, key, props, contains),
            max(o.updated_at for o in per.values()), sources, {c: per[c].version for c in sources},
            tuple(c for c in sources if c in stale), tuple(c for c in sources if c in suspect)))
    return out


def union_types(copies: Mapping[str, Iterable[TopologyType]], *, stale: Collection[str] = (),
                suspect: Collection[str] = ()) -> list[MergedType]:
    """Merge every child's types by name: all property definitions, newest copy wins a conflict."""
    out: list[MergedType] = []
    for name, per in sorted(_group(copies, lambda t: t.name).items()):
        props = _overlay([(c, t.updated_at, t.properties) for c, t in per.items()])
        sources = tuple(sorted(per))
        out.append(MergedType(
            name, props, type_version(name, props), max(t.updated_at for t in per.values()), sources,
            {c: per[c].version for c in sources},
            tuple(c for c in sources if c in stale), tuple(c for c in sources if c in suspect)))
    return out


# ---------------------------------------------------------------- incremental sync

@dataclass(frozen=True)
class SyncPlan:
    """What the master must do to bring its copy of one child up to date."""

    fetch: tuple[str, ...]      # keys new on the child or whose version differs
    delete: tuple[str, ...]     # keys the master holds that the child no longer has
    unchanged: tuple[str, ...]  # keys whose version is the same on both sides

    @property
    def empty(self) -> bool:
        return not self.fetch and not self.delete


def index(objects: Iterable[TopologyObject | MergedObject]) -> dict[str, str]:
    """``{key: version}`` of objects."""
    return {o.key: o.version for o in objects}


def diff(old_index: Mapping[str, str], new: Mapping[str, str] | Iterable[TopologyObject]) -> SyncPlan:
    """Compare the master's ``{key: version}`` for a child with the child's full list."""
    new_index = dict(new) if isinstance(new, Mapping) else index(new)
    fetch = sorted(k for k, v in new_index.items() if old_index.get(k) != v)
    delete = sorted(k for k in old_index if k not in new_index)
    unchanged = sorted(k for k, v in new_index.items() if old_index.get(k) == v)
    return SyncPlan(tuple(fetch), tuple(delete), tuple(unchanged))


def apply_changes(current: Iterable[TopologyObject], fetched: Iterable[TopologyObject],
                  deleted: Iterable[str]) -> list[TopologyObject]:
    """The master's new copy of one child: ``current`` with ``fetched`` upserted and ``deleted`` removed."""
    by_key = {o.key: o for o in current}
    for key in deleted:
        by_key.pop(key, None)
    for obj in fetched:
        by_key[obj.key] = obj
    return [by_key[k] for k in sorted(by_key)]
