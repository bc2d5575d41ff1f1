# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The master's topology role of the store: children's copies and the merged host documents.

Per child: its pull state (``pulls``, stream ``topology``: epoch, cursor, last
pull, clock offset, stale and suspect flags), its copy of the objects in scope
(``fed_objects``) and of its types (``fed_types``). The merged model is one host
document per device (``fed_hosts``), built on the federation master side and
stored here as given (JSON text).

Pending merges (``fed_pending``): a device whose objects change in a copy is
marked in the same transaction as the change, and unmarked in the same
transaction as its host document is written (or dropped). A cycle stopped
between the two (killed, or an exception) leaves the mark, and the next cycle
merges the device: stored objects never go without their host document.
"""
from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Sequence
from typing import Any

from ansible_collections.netsync.fleet.plugins.module_utils.store._db import Database
from ansible_collections.netsync.fleet.plugins.module_utils.store.pulls import TOPOLOGY, PullStates

_UPSERT = ("INSERT INTO fed_objects (child, key, type, device, version, body) VALUES (?, ?, ?, ?, ?, ?) "
           "ON CONFLICT (child, key) DO UPDATE SET type = excluded.type, device = excluded.device, "
           "version = excluded.version, body = excluded.body")
_PEND = "INSERT INTO fed_pending (device) VALUES (?) ON CONFLICT (device) DO NOTHING"
_BATCH = 500

CopyRow = tuple[str, str, str, str, str]  # key, type, device, version, body (JSON text)
Copies = dict[str, dict[str, list[dict[str, Any]]]]  # device -> child -> object documents


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" * len(values))


class FedTopologyStore:
    """Children's topology copies (with their pull state) and the merged host documents."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.pulls = PullStates(db, TOPOLOGY)

    # -- children ----------------------------------------------------------------------------
    def child_devices(self, child: str) -> set[str]:
        return {r["device"] for r in self.db.query("SELECT DISTINCT device FROM fed_objects WHERE child = ?",
                                                   (child,))}

    def forget(self, child: str) -> set[str]:
        """Drop a child's copies and state (it left the configuration); returns the devices touched."""
        with self.db.transaction():
            devices = self.child_devices(child)
            self._mark(devices)
            self.db.execute("DELETE FROM fed_objects WHERE child = ?", (child,))
            self.db.execute("DELETE FROM fed_types WHERE child = ?", (child,))
            self.pulls.forget(child)
        return devices

    # -- a child's copy ----------------------------------------------------------------------
    def index(self, child: str) -> dict[str, str]:
        """``{key: version}`` of the master's copy of one child."""
        return {r["key"]: r["version"] for r in self.db.query("SELECT key, version FROM fed_objects WHERE child = ?",
                                                              (child,))}

    def apply(self, child: str, rows: Sequence[CopyRow], deleted: Sequence[str]) -> set[str]:
        """Drop ``deleted`` keys and upsert ``rows`` in the child's copy (one transaction).

        The devices of ``rows`` and those that lost an object are marked pending in the
        same transaction. Returns the devices that lost an object.
        """
        lost: set[str] = set()
        gone = list(deleted)
        with self.db.transaction():
            for i in range(0, len(gone), _BATCH):
                chunk = gone[i:i + _BATCH]
                lost.update(r["device"] for r in self.db.query(
                    "SELECT device FROM fed_objects WHERE child = ? AND key IN (%s)" % _marks(chunk), [child] + chunk))
                self.db.execute("DELETE FROM fed_objects WHERE child = ? AND key IN (%s)" % _marks(chunk),
                                [child] + chunk)
            self.db.executemany(_UPSERT, [(child,) + tuple(r) for r in rows])
            self._mark(lost | {r[2] for r in rows})
        return lost

    # -- pending merges ----------------------------------------------------------------------
    def _mark(self, devices: Collection[str]) -> None:
        self.db.executemany(_PEND, [(d,) for d in sorted(devices)])

    def mark_pending(self, devices: Collection[str]) -> None:
        """Mark ``devices`` as to be merged (their host documents are not up to date)."""
        with self.db.transaction():
            self._mark(devices)

    def pending(self) -> set[str]:
        """The devices whose host documents a past cycle left unmerged."""
        return {r["device"] for r in self.db.query("SELECT device FROM fed_pending")}

    def _unmark(self, devices: Sequence[str]) -> None:
        for i in range(0, len(devices), _BATCH):
            chunk = devices[i:i + _BATCH]
            self.db.execute("DELETE FROM fed_pending WHERE device IN (%s)" % _marks(chunk), list(chunk))

    def set_types(self, child: str, rows: Sequence[tuple[str, str, str]]) -> None:
        """Replace the child's copy of its types with ``rows`` (``(name, version, body)``)."""
        with self.db.transaction():
            self.db.execute("DELETE FROM fed_types WHERE child = ?", (child,))
            self.db.executemany("INSERT INTO fed_types (child, name, version, body) VALUES (?, ?, ?, ?)",
                                [(child,) + tuple(r) for r in rows])

    def type_copies(self) -> dict[str, list[dict[str, Any]]]:
        """Every child's copy of its types (decoded JSON), ``{child: types}``."""
        copies: dict[str, list[dict[str, Any]]] = {}
        for row in self.db.query("SELECT child, body FROM fed_types ORDER BY child, name"):
            copies.setdefault(row["child"], []).append(json.loads(row["body"]))
        return copies

    def copies(self, devices: Sequence[str], keys: Sequence[str] = ()) -> Copies:
        """Every child's copy of the objects of ``devices`` (only ``keys`` when given): one query."""
        per: Copies = {d: {} for d in devices}
        sql = "SELECT child, device, body FROM fed_objects WHERE device IN (%s)" % _marks(devices)
        if keys:
            sql += " AND key IN (%s)" % _marks(keys)
        for row in self.db.query(sql, list(devices) + list(keys)):
            per[row["device"]].setdefault(row["child"], []).append(json.loads(row["body"]))
        return per

    # -- merged host documents (JSON text, built by the federation master) -----------------------
    def host_texts(self, devices: Sequence[str]) -> dict[str, str]:
        """The stored documents of ``devices`` that have one: one query."""
        return {r["device"]: r["body"] for r in self.db.query(
            "SELECT device, body FROM fed_hosts WHERE device IN (%s)" % _marks(devices), list(devices))}

    def replace_hosts(self, devices: Sequence[str], docs: Sequence[tuple[str, str]]) -> None:
        """Drop the documents of ``devices`` and store ``docs`` (``(device, text)``) in one transaction,
        which also clears the pending marks of ``devices``."""
        with self.db.transaction():
            self.db.execute("DELETE FROM fed_hosts WHERE device IN (%s)" % _marks(devices), list(devices))
            self.db.executemany("INSERT INTO fed_hosts (device, body) VALUES (?, ?)", docs)
            self._unmark(list(devices))

    def update_hosts(self, docs: Sequence[tuple[str, str]]) -> None:
        """Replace the text of existing documents (``(device, text)``) and clear their pending marks."""
        with self.db.transaction():
            self.db.executemany("UPDATE fed_hosts SET body = ? WHERE device = ?", [(t, d) for d, t in docs])
            self._unmark([d for d, _t in docs])

    def all_host_texts(self) -> Iterator[str]:
        """Every host document of the merged model as stored (JSON text), by device name."""
        for row in self.db.query("SELECT body FROM fed_hosts ORDER BY device"):
            yield row["body"]

    def hosts(self) -> Iterator[dict[str, Any]]:
        """Every host document of the merged model, by device name."""
        for text in self.all_host_texts():
            yield json.loads(text)
