"""The web's way into intake: an upload is received, then decoded like a dropped file.

Receiving: the bytes are staged under a dot-name in the inbox (which the watcher ignores)
as they stream, synced, linked into the archive under their hash, then renamed into the
inbox under a name of ours beside a sidecar of tags; the door journals a *receipt* and
only then answers `202`. So an acknowledged upload survives `kill -9`: its bytes are
archived, the journal knows it, and the inbox holds it for intake (a restart takes it).

Decoding comes behind the answer, in intake's workers with their caps, like any inbox
file; what it becomes (shown, pending, refused with a reason) is journaled for that
inbox name, where the participant's page reads it. How much waits to be decoded is
bounded by a disk budget, never by a count of uploads.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import logging
import os
import re
import secrets
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.control.strokes import stroke_svg
from engine.journal.archive import Archive, digest_file, sync_folder
from engine.journal.journal import Journal
from engine.web.sniff import kind_of
from engine.web.uploads import Upload, WebRefusal

log = logging.getLogger(__name__)
STAGED = re.compile(r"^\.web-[0-9a-f]{24}(\.[a-z0-9]+\.json)?\.part$")  # bytes, or a sidecar
RECEIVED = re.compile(r"^web-[0-9a-f]{24}\.[a-z0-9]+$")
DISK_RESERVE = 256 << 20  # bytes always left free on the data disk
RECEIVERS = 32  # uploads synced and journaled at once: each mostly waits on the disk
SUFFIXES = {"text": ".txt", "keywords": ".mots", "strokes": ".svg"}
KINDS = {"text": "text", "keywords": "keywords", "strokes": "drawing"}


@dataclass(frozen=True)
class Receipt:
    """An upload archived and journaled, waiting to be decoded."""

    id: str
    kind: str
    duplicate: bool = False

    def public(self, premoderation: bool) -> dict[str, Any]:
        return {"id": self.id, "state": "received", "kind": self.kind,
                "moderated": premoderation, **({"duplicate": True} if self.duplicate else {})}


class Budget:
    """The disk an upload may still fill while it streams; 503 once the door's is spent."""

    def __init__(self, door: Door) -> None:
        self.door = door
        self.spent = 0

    def spend(self, size: int) -> None:
        with self.door.lock:
            if self.door.room() < size:
                raise self.door.full()
            self.door.streaming += size
        self.spent += size


class Door:
    """Receives uploads into the inbox and the journal, then hands them to intake."""

    def __init__(self, inbox: Path, archive: Archive, journal: Journal, premoderation: bool,
                 budget_bytes: int, hand: Callable[[Path], None] = lambda path: None) -> None:
        self.inbox = inbox
        self.archive = archive
        self.journal = journal
        self.premoderation = premoderation
        self.budget = budget_bytes
        self.hand_over = hand
        self.lock = threading.Lock()
        self.streaming = 0                # bytes of uploads being read now
        self.waiting: dict[str, int] = {}  # inbox name -> bytes, until intake took it
        self.receivers: concurrent.futures.ThreadPoolExecutor | None = None

    def open(self) -> None:
        """Remove what a crash left staged (never acknowledged), and count what waits."""
        self.receivers = concurrent.futures.ThreadPoolExecutor(RECEIVERS, "door")
        self.inbox.mkdir(parents=True, exist_ok=True)
        for found in self.inbox.iterdir():
            if STAGED.match(found.name):
                found.unlink(missing_ok=True)
            elif RECEIVED.match(found.name):
                with contextlib.suppress(OSError):
                    self.waiting[found.name] = found.stat().st_size

    def room(self) -> int:
        """Bytes an upload may still take: the budget left, and the disk's free space
        above its reserve (the lock is held)."""
        left = self.budget - self.streaming - sum(self.waiting.values())
        free = shutil.disk_usage(self.inbox).free - DISK_RESERVE
        return min(left, free)

    @staticmethod
    def full() -> WebRefusal:
        return WebRefusal(503, "La carte a reçu beaucoup d'un coup : réessayez dans une "
                               "minute.", retry_after=30)

    @contextlib.contextmanager
    def receiving(self) -> Iterator[Budget]:
        """One upload streaming: its bytes count against the budget until received."""
        budget = Budget(self)
        try:
            yield budget
        finally:
            with self.lock:
                self.streaming -= budget.spent

    def stage(self) -> tuple[str, Path]:
        """A fresh name for one upload, and where its bytes are staged."""
        name = secrets.token_hex(12)
        return name, self.inbox / f".web-{name}.part"

    def told(self, source: str) -> None:
        """Intake looked at inbox file `source` (called from an intake thread)."""
        with self.lock:
            if source in self.waiting and not (self.inbox / source).exists():
                del self.waiting[source]

    def close(self) -> None:
        if self.receivers is not None:
            self.receivers.shutdown(wait=True)
            self.receivers = None

    async def received(self, name: str, staged: Path, upload: Upload, origin: str) -> Receipt:
        """`receive`, on the door's own threads (many at once: they wait on the disk)."""
        return await asyncio.get_running_loop().run_in_executor(
            self.receivers, self.receive, name, staged, upload, origin)

    def receive(self, name: str, staged: Path, upload: Upload, origin: str) -> Receipt:
        """Archive, place and journal one staged upload (blocking: run on a thread);
        intake decodes it from the inbox once handed over."""
        suffix = SUFFIXES.get(upload.kind, upload.suffix)
        kind = KINDS.get(upload.kind) or kind_of(suffix)
        if upload.kind in SUFFIXES:
            body = stroke_svg(*upload.strokes) if upload.kind == "strokes" else upload.text
            with open(staged, "w", encoding="utf-8") as out:
                out.write(body)
                out.flush()
                os.fsync(out.fileno())
        else:
            with open(staged, "rb") as written:
                os.fsync(written.fileno())
        source = f"web-{name}{suffix}"
        size = staged.stat().st_size
        sha = digest_file(staged, size)
        id = sha[:16]
        duplicate = self.journal.accepted(id) is not None or \
            self.journal.receipt(id) is not None
        stored = self.archive.store(staged, sha, link=True)
        self._place(staged, source, self._sidecar(upload))
        with self.lock:
            self.waiting[source] = size
        self.journal.receive(source, id, kind, str(stored.relative_to(
            self.archive.folder.parent)))
        log.info("web: a %s from %s, received as %s (%s)", kind, origin, source, id)
        self.hand_over(self.inbox / source)
        return Receipt(id, kind, duplicate)

    def _sidecar(self, upload: Upload) -> dict[str, Any]:
        # No author unless the participant gave one: an address is not a name, and the
        # archive is public. Where it came from is in the log.
        tags: dict[str, Any] = dict(upload.tags)
        if self.premoderation:
            tags["moderation"] = "pending"
        return tags

    def _place(self, staged: Path, source: str, tags: dict[str, Any]) -> None:
        sidecar = self.inbox / f"{source}.json"
        partial = self.inbox / f".{source}.json.part"
        with open(partial, "w", encoding="utf-8") as out:
            json.dump(tags, out, ensure_ascii=False)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, sidecar)  # the sidecar first, so intake takes both together
        os.replace(staged, self.inbox / source)
        sync_folder(self.inbox)
