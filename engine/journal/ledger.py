"""The journal as one node's side of the shared stream (several rooms, `engine.cluster`).

The journal stays each node's durable cache and its outbox: a row taken here has no
stream sequence until the stream gives it back, and a row that came from another node
is written with its sequence. How far this node has applied the stream is kept in the
same transaction as what it applied, so a node killed at any moment resumes exactly
where it stopped, neither skipping nor doubling anything. A run of messages is applied in
one transaction (`applying`): one fsync for all of them, the position with them.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.journal.journal import Entry, Journal, tags_json
from engine.world.contribution import Tags

OUTBOX_BATCH = 64


@dataclass(frozen=True)
class Unsent:
    """A row taken here that the stream does not have yet: a contribution (`entry`,
    with its moderation rows up to `covers` folded into its state) or a moderation."""

    at: float
    entry: Entry | None = None
    covers: int = 0  # the last moderation row of this contribution its state includes
    moderation: int = 0  # the moderation row's seq
    id: str = ""
    state: str = ""
    reason: str = ""


class Ledger:
    """Stream bookkeeping over one journal, for the stream named `stream`."""

    def __init__(self, journal: Journal, stream: str) -> None:
        self.journal = journal
        self.stream = stream
        self.run = threading.local()  # a thread's open run: the position it will commit

    @contextlib.contextmanager
    def applying(self) -> Iterator[None]:
        """Every message applied inside, and the applied position after the last of them,
        in one transaction: committed together or not at all. Other threads wait for the
        journal meanwhile (a run is a few milliseconds of SQL, no file work)."""
        journal = self.journal
        with journal.lock:
            journal.db.execute("BEGIN IMMEDIATE")
            self.run.position = 0
            try:
                yield
                if self.run.position:
                    self._position(self.run.position)
            except BaseException:
                journal.db.execute("ROLLBACK")
                raise
            else:
                journal.db.execute("COMMIT")
            finally:
                self.run.position = None

    def _position(self, seq: int) -> None:
        self.journal.db.execute(
            "INSERT INTO backbone (stream, applied) VALUES (?, ?) ON CONFLICT(stream) "
            "DO UPDATE SET applied = MAX(applied, excluded.applied)", (self.stream, seq))

    def _transaction(self, statements: list[tuple[str, tuple[Any, ...]]], seq: int) -> int:
        """`statements`, then the applied position moved to `seq`, in one transaction (or
        in the run `applying` holds open); how many rows the statements changed."""
        opened = getattr(self.run, "position", None) is None
        with self.applying() if opened else contextlib.nullcontext():
            db = self.journal.db
            before = db.total_changes
            for sql, values in statements:
                db.execute(sql, values)
            changed = db.total_changes - before
            self.run.position = max(self.run.position, seq)
        return changed

    def applied(self) -> int:
        """The last stream sequence this node applied (0: none yet)."""
        with self.journal.lock:
            row = self.journal.db.execute("SELECT applied FROM backbone WHERE stream = ?",
                                          (self.stream,)).fetchone()
        return int(row[0]) if row else 0

    def advance(self, seq: int) -> None:
        """A stream message applied without a row (a cue, one refused here, a double)."""
        self._transaction([], seq)

    def unsent(self, limit: int = OUTBOX_BATCH) -> list[Unsent]:
        """What was taken here and is not in the stream yet, in the order it happened:
        a contribution before any moderation of it."""
        journal = self.journal
        entries = journal._entries("WHERE e.outcome = 'accepted' AND e.stream IS NULL AND "
                                   "e.origin = ''", (), f" ORDER BY e.seq LIMIT {int(limit)}")
        with journal.lock:
            rows = list(journal.db.execute(
                "SELECT seq, id, state, reason, at FROM moderation m WHERE stream IS NULL AND "
                "origin = '' AND EXISTS (SELECT 1 FROM entries e WHERE e.id = m.id AND "
                "e.outcome = 'accepted' AND e.stream IS NOT NULL) ORDER BY seq LIMIT ?",
                (limit,)))
            latest = {id: seq for id, seq in journal.db.execute(
                "SELECT id, MAX(seq) FROM moderation WHERE stream IS NULL GROUP BY id")}
        waiting = {entry.id for entry in entries}
        found = [Unsent(entry.at, entry, latest.get(entry.id, 0)) for entry in entries]
        found += [Unsent(at, moderation=seq, id=id, state=state, reason=reason)
                  for seq, id, state, reason, at in rows if id not in waiting]
        found.sort(key=lambda unsent: (unsent.at, unsent.entry is None))
        return found[:limit]

    def unsent_count(self) -> int:
        with self.journal.lock:
            return int(self.journal.db.execute(
                "SELECT (SELECT COUNT(*) FROM entries WHERE stream IS NULL AND origin = '' AND "
                "outcome = 'accepted') + (SELECT COUNT(*) FROM moderation WHERE stream IS NULL "
                "AND origin = '')").fetchone()[0])

    def echoed(self, id: str, covers: int, seq: int) -> bool:
        """The stream gave back at `seq` a contribution this node holds (taken here, or
        the same content taken here too): it takes its place in the stream's order, and
        its place on the map is found again in that order. False when it already had one
        (the same content published twice: the first stays)."""
        entry = self.journal.accepted(id)
        if entry is None or entry.stream is not None:
            self.advance(seq)
            return False
        self._transaction([
            ("UPDATE entries SET stream = ? WHERE id = ? AND outcome = 'accepted'", (seq, id)),
            ("UPDATE moderation SET stream = ? WHERE id = ? AND stream IS NULL AND seq <= ?",
             (seq, id, covers)),
            ("DELETE FROM places WHERE id = ?", (id,))], seq)
        return True

    def received(self, id: str, kind: str, name: str, origin: str, tags: Tags, archive: str,
                 state: str, reason: str, at: float, seq: int) -> None:
        """A contribution another node took, decoded and archived here: its entry and
        first state, at its place in the stream."""
        statements: list[tuple[str, tuple[Any, ...]]] = [(
            "INSERT INTO entries (id, kind, name, source, outcome, reason, tags, archive, at, "
            "cleared, origin, stream) VALUES (?, ?, ?, ?, 'accepted', ?, ?, ?, ?, 1, ?, ?)",
            (id, kind, name, f"{origin}:{name}", reason, tags_json(tags), archive, at, origin,
             seq))]
        if state != "shown":
            statements.append(("INSERT INTO moderation (id, state, at, origin, stream) VALUES "
                               "(?, ?, ?, ?, ?)", (id, state, at, origin, seq)))
        self._transaction(statements, seq)

    def refused(self, id: str, name: str, origin: str, reason: str, seq: int) -> None:
        """A contribution from the stream that this node's caps refuse: kept as refused
        here, with the reason, at its place in the stream."""
        self._transaction([(
            "INSERT INTO entries (id, name, source, outcome, reason, at, cleared, origin, "
            "stream) VALUES (?, ?, ?, 'refused', ?, ?, 1, ?, ?)",
            (id, name, f"{origin}:{name}", reason, time.time(), origin, seq))], seq)

    def moderated(self, id: str, state: str, reason: str, at: float, origin: str, msgid: str,
                  seq: int, own: int = 0) -> bool:
        """A moderation from the stream: this node's own row `own` coming back, or another
        node's decision; False when the contribution is unknown here or it was applied
        already (a moderation published twice)."""
        if self.journal.accepted(id) is None:
            self.advance(seq)
            return False
        if own and self._transaction([(
                "UPDATE moderation SET stream = ?, msgid = ? WHERE seq = ? AND id = ? AND "
                "stream IS NULL", (seq, msgid, own, id))], seq):
            return True
        return self._transaction([(
            "INSERT OR IGNORE INTO moderation (id, state, at, reason, origin, stream, msgid) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)", (id, state, at, reason, origin, seq, msgid))],
            seq) > 0

    def local_moderations_since(self, seq: int) -> list[tuple[int, str]]:
        """Moderation rows written here (a console, OSC, `carte hide`) after `seq`."""
        with self.journal.lock:
            return list(self.journal.db.execute(
                "SELECT seq, id FROM moderation WHERE seq > ? AND origin = '' ORDER BY seq",
                (seq,)))

    def last_moderation(self) -> int:
        return self.journal.last_moderation()


def archive_digest(archive: str) -> str:
    """The full SHA-256 of an archived file, from its content-addressed name."""
    return Path(archive).name.split(".")[0]
