"""The web's way into intake: an upload becomes an inbox file, like a dropped one.

The bytes are staged under a dot-name (which the watcher ignores), its tags written as a
sidecar, then the file is renamed to a name of ours with the suffix its content says.
Intake takes it as any file (at once: it is whole when renamed in), in its decoder
workers with its caps, and journals it; the
door answers once the journal has its fate. So the participant's "received" means
archived and journaled, and a refusal is intake's own reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import secrets
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.control.strokes import stroke_svg
from engine.journal.archive import sync_folder
from engine.journal.journal import Entry, Journal
from engine.web.french import for_participant
from engine.web.uploads import Upload, WebRefusal

log = logging.getLogger(__name__)
STAGED = re.compile(r"^\.web-[0-9a-f]{24}(\.[a-z0-9]+\.json)?\.part$")  # bytes, or a sidecar
POLL_SECONDS = 0.25  # a safety net under the intake's word


@dataclass(frozen=True)
class Verdict:
    """What became of an upload: its id and state, or a refusal's reason."""

    id: str = ""
    state: str = ""
    refusal: str = ""
    duplicate: bool = False

    def public(self) -> dict[str, Any]:
        if self.refusal:
            return {"error": self.refusal}
        return {"id": self.id, "state": self.state, **({"duplicate": True}
                                                        if self.duplicate else {})}


class Door:
    """Stages uploads in the inbox and waits for intake's verdict; at most `room` at once."""

    def __init__(self, inbox: Path, journal: Journal, premoderation: bool, room: int,
                 wait: float, hand: Callable[[Path], None] = lambda path: None) -> None:
        self.inbox = inbox
        self.hand_over = hand
        self.journal = journal
        self.premoderation = premoderation
        self.room = room
        self.wait = wait
        self.waiting: dict[str, asyncio.Event] = {}
        self.loop: asyncio.AbstractEventLoop | None = None
        self.lock = threading.Lock()
        self.busy = 0  # uploads in progress; only the web thread's loop changes it

    def open(self, loop: asyncio.AbstractEventLoop) -> None:
        """Remove staged files a crash left (never acknowledged), and start listening."""
        self.loop = loop
        self.inbox.mkdir(parents=True, exist_ok=True)
        for leftover in self.inbox.iterdir():
            if STAGED.match(leftover.name):
                leftover.unlink(missing_ok=True)

    @contextlib.contextmanager
    def turn(self) -> Iterator[None]:
        """One upload in progress (read or waiting); 503 when `room` are already."""
        if self.busy >= self.room:
            raise WebRefusal(503, "La carte reçoit beaucoup en ce moment ; réessayez dans "
                                  "quelques secondes.", retry_after=5)
        self.busy += 1
        try:
            yield
        finally:
            self.busy -= 1

    def stage(self) -> tuple[str, Path]:
        """A fresh name for one upload, and where its bytes are staged."""
        name = secrets.token_hex(12)
        return name, self.inbox / f".web-{name}.part"

    def told(self, source: str) -> None:
        """Intake looked at inbox file `source` (called from an intake thread)."""
        with self.lock:
            event = self.waiting.get(source)
        if event is not None and self.loop is not None:
            with contextlib.suppress(RuntimeError):  # the server stopped meanwhile
                self.loop.call_soon_threadsafe(event.set)

    async def hand(self, name: str, staged: Path, upload: Upload, origin: str) -> Verdict:
        """Put the upload in the inbox and wait for the journal to say what it became."""
        suffix = {"text": ".txt", "keywords": ".mots", "strokes": ".svg"}.get(upload.kind,
                                                                            upload.suffix)
        if upload.kind == "strokes":
            staged.write_text(stroke_svg(*upload.strokes), encoding="utf-8")
        elif upload.kind in ("text", "keywords"):
            staged.write_text(upload.text, encoding="utf-8")
        source = f"web-{name}{suffix}"
        event = asyncio.Event()
        with self.lock:
            self.waiting[source] = event
        try:
            log.info("web: a %s from %s, as %s", upload.kind, origin, source)
            await asyncio.to_thread(self._place, staged, source, self._sidecar(upload))
            return await self._verdict(source, event)
        finally:
            with self.lock:
                self.waiting.pop(source, None)

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
        self.hand_over(self.inbox / source)

    async def _verdict(self, source: str, event: asyncio.Event) -> Verdict:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.wait
        while loop.time() < deadline:
            entry = await asyncio.to_thread(self.journal.latest, source)
            if entry is not None:
                return await asyncio.to_thread(self._of, entry)
            event.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), POLL_SECONDS)
        log.warning("web: %s not yet taken after %g s; answered busy", source, self.wait)
        raise WebRefusal(503, "La carte est très occupée ; votre envoi sera peut-être pris. "
                              "Réessayez dans un instant.", retry_after=10)

    def _of(self, entry: Entry) -> Verdict:
        if entry.state == "refused":
            return Verdict(refusal=for_participant(entry.reason))
        if entry.state == "duplicate":
            taken = self.journal.accepted(entry.id)
            return Verdict(entry.id, taken.state if taken else "shown", duplicate=True)
        return Verdict(entry.id, entry.state)
