"""The journal: one SQLite file (WAL) recording every file's fate and every moderation.

Each inbox file gets one entry: accepted (with its archive path), refused (with the
reason) or duplicate (of which contribution). Moderation is a log of states, never a
deletion: the current state of a contribution is its latest row. A restart rebuilds the
carte from the accepted entries in order, so the same journal gives the same carte.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from engine.world.contribution import Tags

STATES = ("shown", "hidden", "pinned", "pending", "rejected")
SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL,
    source TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('accepted', 'refused', 'duplicate')),
    reason TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '{}',
    archive TEXT NOT NULL DEFAULT '',
    at REAL NOT NULL,
    cleared INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX IF NOT EXISTS accepted_once ON entries(id) WHERE outcome = 'accepted';
CREATE INDEX IF NOT EXISTS by_source ON entries(source);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('scene', 'param')),
    payload TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS places (
    id TEXT PRIMARY KEY,
    x REAL NOT NULL,
    y REAL NOT NULL,
    step INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS moderation (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('shown', 'hidden', 'pinned', 'pending', 'rejected')),
    at REAL NOT NULL,
    reason TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS receipts (
    source TEXT PRIMARY KEY,
    id TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT '',
    archive TEXT NOT NULL DEFAULT '',
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS receipts_by_id ON receipts(id);
"""
# The moderation state of each entry is looked up by id: an index keeps it quick.
INDEXES = "CREATE INDEX IF NOT EXISTS moderation_by_id ON moderation(id, seq);"
# A state is the last moderation in the carte's order: with several rooms, the shared
# stream's, then what the stream does not have yet (see CARTE_ORDER).
STATE_OF = ("COALESCE((SELECT state FROM moderation m WHERE m.id = e.id ORDER BY "
            "m.stream IS NULL DESC, m.stream DESC, m.seq DESC LIMIT 1), 'shown')")
# Journals written before pre-moderation had three states and no reason.
MIGRATE_MODERATION = """
ALTER TABLE moderation RENAME TO moderation_before;
CREATE TABLE moderation (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('shown', 'hidden', 'pinned', 'pending', 'rejected')),
    at REAL NOT NULL,
    reason TEXT NOT NULL DEFAULT ''
);
INSERT INTO moderation (seq, id, state, at) SELECT seq, id, state, at FROM moderation_before;
DROP TABLE moderation_before;
"""
# Several rooms (engine.cluster): where each row came from ('' for here) and its place in
# the shared stream (NULL until the stream has it: a local row not yet published).
STREAM_COLUMNS = {"entries": ("origin TEXT NOT NULL DEFAULT ''", "stream INTEGER"),
                  "moderation": ("origin TEXT NOT NULL DEFAULT ''", "stream INTEGER",
                                 "msgid TEXT")}
STREAM_SCHEMA = """
CREATE INDEX IF NOT EXISTS entries_unpublished ON entries(seq) WHERE stream IS NULL;
CREATE INDEX IF NOT EXISTS moderation_unpublished ON moderation(seq) WHERE stream IS NULL;
CREATE UNIQUE INDEX IF NOT EXISTS moderation_once ON moderation(msgid) WHERE msgid IS NOT NULL;
CREATE TABLE IF NOT EXISTS backbone (
    stream TEXT PRIMARY KEY,
    applied INTEGER NOT NULL
);
"""
# The order of the carte: the stream's order, then what the stream does not have yet in
# the order it was taken here (one machine alone: only the latter, as ever). A state is
# the last moderation in that order.
CARTE_ORDER = " ORDER BY e.stream IS NULL, e.stream, e.seq"


@dataclass(frozen=True)
class Entry:
    """One line of the journal as `carte list` shows it."""

    seq: int
    id: str
    kind: str
    name: str
    source: str
    state: str
    reason: str
    tags: dict[str, Any]
    archive: str
    at: float
    cleared: bool
    origin: str = ""  # the node that took it, with several rooms ('' for this one)
    stream: int | None = None  # its place in the shared stream, once applied

    def public(self, node: str = "") -> dict[str, Any]:
        """The stable JSON form (documented in the README); with several rooms (`node`
        is this one's name), also the node that took it and its sequence in the stream."""
        found = {"seq": self.seq, "id": self.id, "kind": self.kind, "name": self.name,
                 "source": self.source, "state": self.state, "reason": self.reason,
                 "tags": self.tags, "archive": self.archive,
                 "time": datetime.fromtimestamp(self.at, UTC).isoformat(timespec="seconds")}
        if node:
            found |= {"node": self.origin or node, "stream": self.stream}
        return found


def tags_json(tags: Tags) -> str:
    return json.dumps({k: v for k, v in asdict(tags).items() if v not in (None, ())},
                      ensure_ascii=False)


def tags_from_dict(stored: dict[str, Any]) -> Tags:
    values = dict(stored)
    values["keywords"] = tuple(values.get("keywords", ()))
    return Tags(**values)


class Journal:
    """The journal file; safe to use from several threads and several processes."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # re-entrant: the stream's applier reads inside its own transaction (see Ledger)
        self.lock = threading.RLock()
        self.db = sqlite3.connect(path, check_same_thread=False, timeout=10.0,
                                  isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)
        table = self.db.execute("SELECT sql FROM sqlite_master WHERE name = 'moderation'"
                                ).fetchone()[0]
        if "pending" not in table:
            self.db.executescript("BEGIN;" + MIGRATE_MODERATION + "COMMIT;")
        for name, columns in STREAM_COLUMNS.items():
            have = {row[1] for row in self.db.execute(f"PRAGMA table_info({name})")}
            for column in columns:
                if column.split()[0] not in have:
                    self.db.execute(f"ALTER TABLE {name} ADD COLUMN {column}")
        self.db.executescript(STREAM_SCHEMA)
        self.db.executescript(INDEXES)

    def close(self) -> None:
        with self.lock:
            self.db.close()

    def _write(self, sql: str, values: tuple[Any, ...]) -> int:
        with self.lock:
            cursor = self.db.execute(sql, values)
            return int(cursor.lastrowid or 0)

    def accept(self, id: str, kind: str, name: str, source: str, tags: Tags,
               archive: str, state: str = "shown", reason: str = "") -> int:
        """The entry, and (in the same transaction) a first state other than shown;
        `reason` says what of the file was left out, if anything."""
        now = time.time()
        with self.lock:
            self.db.execute("BEGIN")
            try:
                seq = self.db.execute(
                    "INSERT INTO entries (id, kind, name, source, outcome, reason, tags, "
                    "archive, at) VALUES (?, ?, ?, ?, 'accepted', ?, ?, ?, ?)",
                    (id, kind, name, source, reason, tags_json(tags), archive, now)).lastrowid
                if state != "shown":
                    self.db.execute("INSERT INTO moderation (id, state, at) VALUES (?, ?, ?)",
                                    (id, state, now))
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
        return int(seq or 0)

    def refuse(self, id: str, name: str, source: str, reason: str, kind: str = "") -> int:
        return self._write(
            "INSERT INTO entries (id, kind, name, source, outcome, reason, at) "
            "VALUES (?, ?, ?, ?, 'refused', ?, ?)",
            (id, kind, name, source, reason, time.time()))

    def duplicate(self, id: str, kind: str, name: str, source: str, of: Entry) -> int:
        reason = f"same content as {of.id} ({of.name})"
        return self._write(
            "INSERT INTO entries (id, kind, name, source, outcome, reason, archive, at) "
            "VALUES (?, ?, ?, ?, 'duplicate', ?, ?, ?)",
            (id, kind, name, source, reason, of.archive, time.time()))

    def unfinished(self, source: str) -> Entry | None:
        """The entry of an inbox file whose job a crash interrupted (journaled, but the
        file not yet archived away, moved or removed): a restart finishes it."""
        found = self._entries("WHERE e.source = ? AND e.cleared = 0", (source,))
        return found[-1] if found else None

    def cleared(self, seq: int) -> None:
        """The inbox file of entry `seq` is gone: its job is finished."""
        self._write("UPDATE entries SET cleared = 1 WHERE seq = ?", (seq,))

    def moderate(self, id: str, state: str, reason: str = "") -> None:
        if state not in STATES:
            raise ValueError(f"state {state!r} is not one of {', '.join(STATES)}")
        if self.accepted(id) is None:
            raise KeyError(f"no contribution {id!r} in the journal")
        self._write("INSERT INTO moderation (id, state, at, reason) VALUES (?, ?, ?, ?)",
                    (id, state, time.time(), reason))

    def moderation_reason(self, id: str) -> str:
        """Why contribution `id` has its current state (a rejection's reason)."""
        with self.lock:
            row = self.db.execute("SELECT reason FROM moderation m WHERE id = ? ORDER BY "
                                  "m.stream IS NULL DESC, m.stream DESC, m.seq DESC LIMIT 1",
                                  (id,)).fetchone()
        return row[0] if row else ""

    def latest(self, source: str) -> Entry | None:
        """The newest entry of the inbox file `source` (what became of it)."""
        found = self._entries("WHERE e.seq = (SELECT MAX(seq) FROM entries WHERE source = ?)",
                              (source,))
        return found[0] if found else None

    def page(self, states: tuple[str, ...], after: int | None, count: int,
             oldest_first: bool) -> tuple[list[Entry], int]:
        """Up to `count` entries in one of `states` (a moderation state, `refused` or
        `duplicate`; all when empty), oldest or newest first, from just after the entry
        `after` in that order; and how many there are in all."""
        outcome = "CASE WHEN e.outcome = 'accepted' THEN " + STATE_OF + " ELSE e.outcome END"
        where = f"WHERE ({outcome}) IN ({', '.join('?' * len(states))})" if states \
            else "WHERE 1"
        with self.lock:
            total = int(self.db.execute(f"SELECT COUNT(*) FROM entries e {where}",
                                        states).fetchone()[0])
        if after is not None:
            where += " AND e.seq > ?" if oldest_first else " AND e.seq < ?"
        found = self._entries(where, (*states, *(() if after is None else (after,))),
                              f" ORDER BY e.seq {'ASC' if oldest_first else 'DESC'} "
                              f"LIMIT {int(count)}")
        return found, total

    def receive(self, source: str, id: str, kind: str, archive: str) -> None:
        """An upload is archived and in the inbox, not yet decoded: its receipt, which
        the door writes before it answers (intake then journals what became of it)."""
        self._write("INSERT OR REPLACE INTO receipts (source, id, kind, archive, at) "
                    "VALUES (?, ?, ?, ?, ?)", (source, id, kind, archive, time.time()))

    def receipt(self, id: str) -> tuple[str, str] | None:
        """The inbox name and kind of the newest upload received as `id`."""
        with self.lock:
            row = self.db.execute("SELECT source, kind FROM receipts WHERE id = ? "
                                  "ORDER BY at DESC LIMIT 1", (id,)).fetchone()
        return (row[0], row[1]) if row else None

    def unread(self) -> int:
        """Uploads received whose fate intake has not journaled yet (being decoded)."""
        with self.lock:
            return int(self.db.execute(
                "SELECT COUNT(*) FROM receipts r WHERE NOT EXISTS "
                "(SELECT 1 FROM entries e WHERE e.source = r.source)").fetchone()[0])

    def record(self, events: list[tuple[float, str, dict[str, Any]]]) -> None:
        """Scene switches and live parameter changes, in one transaction (one fsync),
        so a replay of the event looks like the show did."""
        if not events:
            return
        with self.lock:
            self.db.execute("BEGIN")
            self.db.executemany("INSERT INTO events (at, kind, payload) VALUES (?, ?, ?)",
                                [(at, kind, json.dumps(payload, ensure_ascii=False))
                                 for at, kind, payload in events])
            self.db.execute("COMMIT")

    def place(self, spots: list[tuple[str, float, float, int]]) -> None:
        """Where contributions were placed, so a restart takes the same spots at once."""
        if not spots:
            return
        with self.lock:
            self.db.execute("BEGIN")
            self.db.executemany("INSERT OR REPLACE INTO places (id, x, y, step) "
                                "VALUES (?, ?, ?, ?)", spots)
            self.db.execute("COMMIT")

    def places(self) -> dict[str, tuple[float, float, int]]:
        with self.lock:
            return {id: (x, y, step) for id, x, y, step in
                    self.db.execute("SELECT id, x, y, step FROM places")}

    def events(self) -> list[tuple[float, str, dict[str, Any]]]:
        with self.lock:
            rows = list(self.db.execute("SELECT at, kind, payload FROM events ORDER BY seq"))
        return [(at, kind, json.loads(payload)) for at, kind, payload in rows]

    def moderation_since(self, seq: int) -> list[tuple[int, str, str]]:
        with self.lock:
            return list(self.db.execute(
                "SELECT seq, id, state FROM moderation WHERE seq > ? ORDER BY seq", (seq,)))

    def _entries(self, where: str, values: tuple[Any, ...],
                 order: str = " ORDER BY e.seq") -> list[Entry]:
        sql = ("SELECT e.seq, e.id, e.kind, e.name, e.source, e.outcome, e.reason, e.tags, "
               "e.archive, e.at, e.cleared, e.origin, e.stream, " + STATE_OF +
               " FROM entries e " + where + order)
        with self.lock:
            rows = list(self.db.execute(sql, values))
        return [Entry(seq, id, kind, name, source,
                      (state or "shown") if outcome == "accepted" else outcome, reason,
                      json.loads(tags), archive, at, bool(cleared), origin, stream)
                for seq, id, kind, name, source, outcome, reason, tags, archive, at, cleared,
                origin, stream, state in rows]

    def entries(self) -> list[Entry]:
        return self._entries("", ())

    def accepted(self, id: str) -> Entry | None:
        found = self._entries("WHERE e.outcome = 'accepted' AND e.id = ?", (id,))
        return found[0] if found else None

    def contributions(self) -> list[Entry]:
        """Accepted entries in the carte's order (arrival here; with several rooms, the
        shared stream's, then what it does not have yet), with their current state."""
        return self._entries("WHERE e.outcome = 'accepted'", (), CARTE_ORDER)

    def state(self, id: str) -> str:
        """The current state of contribution `id` (its last moderation in the carte's
        order); empty when the journal has no such contribution."""
        entry = self.accepted(id)
        return entry.state if entry is not None else ""

    def count(self, outcome: str) -> int:
        """How many entries ended so (`accepted`, `refused`, `duplicate`), ever."""
        with self.lock:
            return int(self.db.execute("SELECT COUNT(*) FROM entries WHERE outcome = ?",
                                       (outcome,)).fetchone()[0])

    def last_moderation(self) -> int:
        with self.lock:
            return int(self.db.execute("SELECT COALESCE(MAX(seq), 0) FROM moderation")
                       .fetchone()[0])
