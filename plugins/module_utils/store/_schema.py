# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private: the store's schema and its forward migrations.

Each migration is a list of statements written for both back ends; ``{id}``,
``{real}`` and ``{bigint}`` are replaced per dialect. Never edit a released
migration: append a new one.
"""
from __future__ import annotations

from typing import Any

from ansible_collections.netsync.fleet.plugins.module_utils.store._db import Database, StoreError

_TYPES = {
    "sqlite": {"id": "INTEGER PRIMARY KEY AUTOINCREMENT", "real": "REAL", "bigint": "INTEGER"},
    "postgresql": {"id": "BIGSERIAL PRIMARY KEY", "real": "DOUBLE PRECISION", "bigint": "BIGINT"},
}

MIGRATIONS: list[list[str]] = [
    # 1: devices, snapshots, status history, settings, jobs, notifications, inbox
    [
        """CREATE TABLE devices (
            name TEXT PRIMARY KEY,
            host TEXT NOT NULL,
            port INTEGER NOT NULL,
            platform TEXT NOT NULL,
            facts TEXT NOT NULL DEFAULT '{}',
            managed_status TEXT NOT NULL,
            connection_state TEXT NOT NULL DEFAULT 'unknown',
            status_reason TEXT NOT NULL DEFAULT '',
            created_at {real} NOT NULL,
            updated_at {real} NOT NULL,
            status_changed_at {real} NOT NULL,
            last_synced {real},
            last_commit_time {real}
        )""",
        """CREATE TABLE snapshots (
            device TEXT NOT NULL REFERENCES devices(name) ON DELETE CASCADE,
            version INTEGER NOT NULL,
            taken_at {real} NOT NULL,
            sha256 TEXT NOT NULL,
            format TEXT NOT NULL,
            config TEXT NOT NULL,
            rendered TEXT NOT NULL,
            commit_time {real},
            commit_user TEXT,
            commit_seq TEXT,
            job_id TEXT,
            PRIMARY KEY (device, version)
        )""",
        """CREATE TABLE status_history (
            id {id},
            device TEXT NOT NULL REFERENCES devices(name) ON DELETE CASCADE,
            at {real} NOT NULL,
            status TEXT NOT NULL,
            reason TEXT NOT NULL DEFAULT ''
        )""",
        "CREATE INDEX status_history_device ON status_history (device, at)",
        """CREATE TABLE settings (
            scope TEXT NOT NULL,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (scope, key)
        )""",
        """CREATE TABLE jobs (
            id TEXT PRIMARY KEY,
            device TEXT NOT NULL,
            state TEXT NOT NULL,
            origin TEXT NOT NULL DEFAULT 'manual',
            created_at {real} NOT NULL,
            due_at {real},
            started_at {real},
            read_at {real},
            ended_at {real},
            read_commit_time {real},
            notifications INTEGER NOT NULL DEFAULT 0,
            message TEXT NOT NULL DEFAULT ''
        )""",
        "CREATE INDEX jobs_device ON jobs (device, state)",
        """CREATE TABLE notifications (
            id {id},
            received_at {real} NOT NULL,
            device TEXT,
            source TEXT NOT NULL,
            kind TEXT NOT NULL,
            accepted INTEGER NOT NULL,
            reason TEXT NOT NULL DEFAULT '',
            commit_time {real},
            commit_user TEXT,
            detail TEXT NOT NULL DEFAULT ''
        )""",
        "CREATE INDEX notifications_device ON notifications (device, received_at)",
        """CREATE TABLE inbox (
            id {id},
            at {real} NOT NULL,
            device TEXT NOT NULL,
            source TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT '',
            taken_at {real}
        )""",
        "CREATE INDEX inbox_pending ON inbox (taken_at, id)",
    ],
    # 2: the auto-resync listener's persisted damper state, one JSON document per device
    [
        """CREATE TABLE damper_state (
            device TEXT PRIMARY KEY,
            state TEXT NOT NULL,
            updated_at {real} NOT NULL
        )""",
    ],
    # 3: federation. Child side: topology objects derived from snapshots with a change
    # sequence (cursor) and tombstones; master side: per-child copies, child state, merged hosts.
    [
        """CREATE TABLE topo_objects (
            key TEXT PRIMARY KEY,
            type TEXT NOT NULL,
            device TEXT NOT NULL,
            version TEXT NOT NULL,
            updated_at {real} NOT NULL,
            seq {bigint} NOT NULL,
            deleted INTEGER NOT NULL DEFAULT 0,
            body TEXT NOT NULL
        )""",
        "CREATE INDEX topo_objects_seq ON topo_objects (seq)",
        "CREATE INDEX topo_objects_device ON topo_objects (device)",
        """CREATE TABLE topo_sources (
            device TEXT PRIMARY KEY,
            fingerprint TEXT NOT NULL
        )""",
        """CREATE TABLE topo_types (
            name TEXT PRIMARY KEY,
            version TEXT NOT NULL,
            updated_at {real} NOT NULL,
            seq {bigint} NOT NULL,
            body TEXT NOT NULL
        )""",
        """CREATE TABLE topo_meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        )""",
        """CREATE TABLE fed_children (
            name TEXT PRIMARY KEY,
            url TEXT NOT NULL DEFAULT '',
            epoch TEXT NOT NULL DEFAULT '',
            cursor {bigint} NOT NULL DEFAULT 0,
            last_pull {real},
            last_success {real},
            clock_offset {real},
            stale INTEGER NOT NULL DEFAULT 0,
            suspect INTEGER NOT NULL DEFAULT 0,
            error TEXT NOT NULL DEFAULT ''
        )""",
        """CREATE TABLE fed_objects (
            child TEXT NOT NULL,
            key TEXT NOT NULL,
            type TEXT NOT NULL,
            device TEXT NOT NULL,
            version TEXT NOT NULL,
            body TEXT NOT NULL,
            PRIMARY KEY (child, key)
        )""",
        "CREATE INDEX fed_objects_device ON fed_objects (device)",
        """CREATE TABLE fed_types (
            child TEXT NOT NULL,
            name TEXT NOT NULL,
            version TEXT NOT NULL,
            body TEXT NOT NULL,
            PRIMARY KEY (child, name)
        )""",
        """CREATE TABLE fed_hosts (
            device TEXT PRIMARY KEY,
            body TEXT NOT NULL
        )""",
    ],
    # 4: alarms and metrics. Child side: alarms (latest state, ``seq`` = sequence number of the
    # last change: the queue), their meta (sequence, epoch, purge horizon) and metric points;
    # master side: per-child alarm pull state, alarm copies, the metric source sets.
    [
        """CREATE TABLE alarms (
            id {id},
            akey TEXT NOT NULL,
            type TEXT NOT NULL,
            device TEXT NOT NULL,
            subject TEXT NOT NULL DEFAULT '',
            severity TEXT NOT NULL,
            message TEXT NOT NULL DEFAULT '',
            raised_at {real} NOT NULL,
            cleared_at {real},
            updated_at {real} NOT NULL,
            count {bigint} NOT NULL DEFAULT 1,
            seq {bigint} NOT NULL
        )""",
        "CREATE INDEX alarms_seq ON alarms (seq)",
        "CREATE INDEX alarms_key ON alarms (akey, cleared_at)",
        "CREATE INDEX alarms_device ON alarms (device)",
        """CREATE TABLE alarm_meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        )""",
        """CREATE TABLE metric_points (
            name TEXT NOT NULL,
            device TEXT NOT NULL,
            at {real} NOT NULL,
            value {real} NOT NULL,
            PRIMARY KEY (name, device, at)
        )""",
        """CREATE TABLE fed_alarm_children (
            name TEXT PRIMARY KEY,
            url TEXT NOT NULL DEFAULT '',
            epoch TEXT NOT NULL DEFAULT '',
            cursor {bigint} NOT NULL DEFAULT 0,
            last_pull {real},
            last_success {real},
            clock_offset {real},
            stale INTEGER NOT NULL DEFAULT 0,
            suspect INTEGER NOT NULL DEFAULT 0,
            error TEXT NOT NULL DEFAULT ''
        )""",
        """CREATE TABLE fed_alarms (
            child TEXT NOT NULL,
            id {bigint} NOT NULL,
            type TEXT NOT NULL,
            device TEXT NOT NULL,
            subject TEXT NOT NULL,
            severity TEXT NOT NULL,
            message TEXT NOT NULL,
            raised_at {real},
            cleared_at {real},
            updated_at {real},
            count {bigint} NOT NULL,
            seq {bigint} NOT NULL,
            PRIMARY KEY (child, id)
        )""",
        "CREATE INDEX fed_alarms_device ON fed_alarms (device)",
        """CREATE TABLE fed_metric_sources (
            name TEXT NOT NULL,
            object TEXT NOT NULL,
            config TEXT NOT NULL,
            determined_at {real} NOT NULL,
            body TEXT NOT NULL,
            PRIMARY KEY (name, object)
        )""",
    ],
    # 5: one table of the master's per-child pull state, keyed by (child, stream), instead of
    # the twins fed_children (stream 'topology') and fed_alarm_children (stream 'alarms').
    [
        """CREATE TABLE fed_pulls (
            child TEXT NOT NULL,
            stream TEXT NOT NULL,
            url TEXT NOT NULL DEFAULT '',
            epoch TEXT NOT NULL DEFAULT '',
            cursor {bigint} NOT NULL DEFAULT 0,
            last_pull {real},
            last_success {real},
            clock_offset {real},
            stale INTEGER NOT NULL DEFAULT 0,
            suspect INTEGER NOT NULL DEFAULT 0,
            error TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (child, stream)
        )""",
        """INSERT INTO fed_pulls (child, stream, url, epoch, cursor, last_pull, last_success, clock_offset, stale,
            suspect, error) SELECT name, 'topology', url, epoch, cursor, last_pull, last_success, clock_offset,
            stale, suspect, error FROM fed_children""",
        """INSERT INTO fed_pulls (child, stream, url, epoch, cursor, last_pull, last_success, clock_offset, stale,
            suspect, error) SELECT name, 'alarms', url, epoch, cursor, last_pull, last_success, clock_offset,
            stale, suspect, error FROM fed_alarm_children""",
        "DROP TABLE fed_children",
        "DROP TABLE fed_alarm_children",
    ],
    # 6: a resync job claims its device: never two resyncs of one device at once; a claim
    # expires, and a writer whose claim is gone changes nothing
    [
        "ALTER TABLE devices ADD COLUMN claim_job TEXT",
        "ALTER TABLE devices ADD COLUMN claim_until {real}",
    ],
    # 7: the device's commit comment with each snapshot (Junos get-commit-information <log>);
    # commit_seq (since 1) now holds the Junos commit sequence number of the read commit.
    [
        "ALTER TABLE snapshots ADD COLUMN commit_comment TEXT",
    ],
    # 8: leases: one row per lease (the listeners' leader lease 'listener'); an HA pair of
    # listeners on one store takes turns holding it, so only one of them dispatches jobs
    [
        """CREATE TABLE leases (
            name TEXT PRIMARY KEY,
            holder TEXT NOT NULL DEFAULT '',
            until {real} NOT NULL DEFAULT 0,
            since {real} NOT NULL DEFAULT 0,
            epoch {bigint} NOT NULL DEFAULT 0
        )""",
        "INSERT INTO leases (name) VALUES ('listener')",
    ],
    # 9: the federation master's devices whose objects changed in its copies but whose host
    # documents are not yet merged: written with the objects, cleared with the documents, so a
    # sync cycle killed part-way is merged by the next one
    [
        "CREATE TABLE fed_pending (device TEXT PRIMARY KEY)",
    ],
    # 10: the process holding a device's claim (store/_process.py): a claim whose process was killed
    # on this machine is taken over at once instead of when it expires
    [
        "ALTER TABLE devices ADD COLUMN claim_owner TEXT",
    ],
]

SCHEMA_VERSION = len(MIGRATIONS)


def _current_version(db: Database) -> int:
    db.execute("CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    rows = db.query("SELECT value FROM store_meta WHERE key = 'schema_version'")
    return int(rows[0]["value"]) if rows else 0


def migrate(db: Database, target: int = SCHEMA_VERSION) -> int:
    """Bring the schema to ``target`` (tests pass an older one); safe when several processes open at once."""
    try:  # fast path without a write lock: the usual case
        rows = db.query("SELECT value FROM store_meta WHERE key = 'schema_version'")
        if rows and int(rows[0]["value"]) == target:
            return target
    except Exception:  # no store_meta table yet: a new store
        pass
    with db.transaction():
        if db.dialect == "postgresql":
            # Serialise concurrent first opens across machines.
            db.query("SELECT pg_advisory_xact_lock(?)", (0x6E657473,))
        current = _current_version(db)
        if current > SCHEMA_VERSION:
            raise StoreError("the store's schema version %d is newer than this collection knows (%d): "
                             "upgrade netsync.fleet" % (current, SCHEMA_VERSION))
        types: dict[str, Any] = _TYPES[db.dialect]
        for number in range(current + 1, target + 1):
            for statement in MIGRATIONS[number - 1]:
                for token, sql_type in types.items():
                    statement = statement.replace("{%s}" % token, sql_type)
                db.execute(statement)
        if current < target:
            db.execute("DELETE FROM store_meta WHERE key = 'schema_version'")
            db.execute("INSERT INTO store_meta (key, value) VALUES ('schema_version', ?)", (str(target),))
    return max(current, target)
