"""The stream applied, in its order: every node journals the same rows in the same order
and hands the frame loop the same arrivals, so every carte is the same map.

A window of messages ahead of the applied position is read and prepared concurrently
(another node's file fetched from the object store, its digest checked, decoded in this
node's own worker processes with its own caps, read, archived and cached; this node's
own contributions coming back taken from its cache: it decoded them when it took
them). Then the prepared run at the window's front is applied strictly in order, in one
transaction with the applied position after it, and only then told to the frame loop:
what it shows is on disk.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import os
import queue
import secrets
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.cluster import wire
from engine.cluster.subjects import Subjects, moderation_id
from engine.intake.decode import Refusal
from engine.intake.intake import Arrived, Intake, Moderated, Readied, Refused
from engine.intake.workers import DecoderWorker
from engine.journal.archive import digest_file
from engine.journal.journal import Entry
from engine.journal.ledger import Ledger

log = logging.getLogger(__name__)
QUIET_BACKLOG = 20  # further behind than this, arrivals are placed without ceremony
WINDOW = 256  # messages read and prepared ahead of the next one applied
RUN = 64  # messages applied in one transaction, at most


@dataclass(frozen=True)
class Cued:
    """A cue from another node for this one; `late` while the node catches up (so a
    scene switch is a cut, not one transition after another)."""

    cue: wire.Cue
    node: str
    late: bool


@dataclass(frozen=True)
class Read:
    """One stream message as read: its sequence, subject and bytes."""

    seq: int
    subject: str
    data: bytes


@dataclass(frozen=True)
class Prepared:
    """A message ready to apply: who said it, what (or why it cannot be read), and for a
    contribution, the file another node took, made ready here (`fetched`: where it was
    fetched, and the result), or the one this node holds, from its cache (`held`)."""

    read: Read
    origin: str
    what: wire.Said | str
    fetched: tuple[Path, Readied | Refusal] | None = None
    held: Arrived | None = None


@dataclass(frozen=True)
class Echo:
    """A contribution this node holds, placed at `seq` in the stream's order now."""

    entry: Entry
    held: Arrived | None
    seq: int


class Transient(Exception):
    """The backbone failed while a message was prepared: it is tried again, in order."""


Reader = Callable[[int], Awaitable[Read | None]]


class Applier:
    def __init__(self, node: str, subjects: Subjects, ledger: Ledger, intake: Intake,
                 workers: list[DecoderWorker], incoming: Path,
                 inbound: queue.SimpleQueue[Any]) -> None:
        self.node = node
        self.subjects = subjects
        self.ledger = ledger
        self.intake = intake
        self.incoming = incoming
        self.inbound = inbound
        # the first worker serves this node's own files (rarely: only when the cache lost
        # one), the others the other nodes' files
        self.worker = workers[0]
        self.own = threading.Lock()
        self.free: asyncio.Queue[DecoderWorker] = asyncio.Queue()
        for worker in workers[1:]:
            self.free.put_nowait(worker)
        self.applied = ledger.applied()
        self.window: collections.deque[asyncio.Task[Prepared | None]] = collections.deque()

    def reset(self) -> None:
        """Forget what was read ahead (the backbone failed): read again from the applied
        position."""
        for task in self.window:
            if task.done() and not task.cancelled():
                task.exception()  # seen: said once by the caller, not again when collected
            task.cancel()
        self.window.clear()

    async def follow(self, backbone: Any, read: Reader, ahead: int, last: int) -> bool:
        """Read and prepare ahead up to sequence `ahead`, then apply the prepared run at
        the window's front; False at the stream's end. `backbone` is the JetStream
        context and the object store; `last` the stream's last sequence as last told
        (further behind than `QUIET_BACKLOG`, arrivals are late)."""
        taken = self.applied + len(self.window)
        while taken < ahead and len(self.window) < WINDOW:
            taken += 1
            self.window.append(asyncio.create_task(self._take(backbone, read, taken)))
        if not self.window:
            return False
        if await self.window[0] is None:
            # past the stream's end; or, where a later one is there, read too early or gone
            later = any(await asyncio.gather(*self.window))
            self.reset()
            if not later:
                return False
            front = self.applied + 1
            if await read(front) is None:
                log.warning("cluster: stream message %d is gone; skipped", front)
                await asyncio.to_thread(self.ledger.advance, front)
                self.applied = front
            return True
        run: list[Prepared] = []
        for task in self.window:
            if len(run) == RUN or not task.done() or task.cancelled() or \
                    task.exception() is not None or task.result() is None:
                break
            result = task.result()
            assert result is not None
            run.append(result)
        told = await asyncio.to_thread(self._apply, run, max(last, run[-1].read.seq))
        for _ in run:
            self.window.popleft()
        self.applied = run[-1].read.seq
        for message in told:
            self.inbound.put(message)
        return True

    async def _take(self, backbone: Any, read: Reader, seq: int) -> Prepared | None:
        message = await read(seq)
        if message is None:
            return None
        origin, what = self._read(message)
        if not isinstance(what, wire.Offered):
            return Prepared(message, origin, what)
        held = await asyncio.to_thread(self.intake.journal.accepted, what.id)
        if held is not None:  # taken here, or the same content taken here too
            arrived = await asyncio.to_thread(self._restored, held)
            return Prepared(message, origin, what, held=arrived)
        return Prepared(message, origin, what,
                        fetched=await self._prepare(backbone, what, origin))

    def _restored(self, entry: Entry) -> Arrived | None:
        """A contribution this node holds, from its cache (decoded again by this node's own
        worker, one file at a time, should the cache have lost it)."""
        with self.own:
            return self.intake.restored(entry, self.worker)

    def _read(self, message: Read) -> tuple[str, wire.Said | str]:
        """(origin node, what it says), or the reason it cannot be read."""
        found = self.subjects.origin(message.subject)
        if found is None:
            return "", f"subject {message.subject!r} is not this stream's"
        node, kind = found
        try:
            return node, wire.decode(kind, message.data)
        except wire.Unreadable as error:
            return node, str(error)

    async def _prepare(self, backbone: Any, what: wire.Offered, origin: str
                       ) -> tuple[Path, Readied | Refusal]:
        """Another node's file, fetched, decoded and made ready here."""
        path = self.incoming / f"{what.sha256}{what.suffix}"
        limit = self.intake.limits.max_bytes
        if what.size > limit:
            return path, Refusal(f"larger than {limit // (1024 * 1024)} MiB "
                                 "([intake] max_file_mb here)")
        if not await self._fetch(backbone, what, path):
            return path, Refusal("its file is not in the backbone's store")
        if await asyncio.to_thread(digest_file, path, limit) != what.sha256:
            path.unlink(missing_ok=True)
            return path, Refusal("the backbone's copy of its file is not what it says")
        worker = await self.free.get()
        decoding = asyncio.get_running_loop().run_in_executor(None, decoded, worker, path)
        # the worker is free once its decoding is over, even if this message is given up
        decoding.add_done_callback(lambda _: self.free.put_nowait(worker))
        result = await asyncio.shield(decoding)
        if isinstance(result, Refusal):
            return path, result
        return path, await asyncio.to_thread(self.intake.readied, path, result, what.sha256,
                                             what.name, what.tags, origin)

    async def _fetch(self, backbone: Any, what: wire.Offered, path: Path) -> bool:
        """The object store's copy of a file into `path`, synced, chunk by chunk with
        direct gets, which any replica answers (a reader on the stream's leader may hang
        for a while after a server died); False when the store has no such file."""
        from nats.js.errors import NotFoundError

        js, objects = backbone
        self.incoming.mkdir(parents=True, exist_ok=True)
        # its own partial name: the same content may be prepared twice at once
        partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial")
        chunks = f"$O.{self.subjects.bucket}.C."
        try:
            info = await objects.get_info(what.sha256)
            seq, received = 1, 0
            with partial.open("wb") as out:
                while received < (info.chunks or 0):
                    chunk = await js.get_msg(f"OBJ_{self.subjects.bucket}", seq=seq,
                                             subject=chunks + info.nuid, next=True,
                                             direct=True)
                    out.write(chunk.data or b"")
                    seq, received = chunk.seq + 1, received + 1
        except NotFoundError:
            partial.unlink(missing_ok=True)
            return False
        except BaseException as error:
            partial.unlink(missing_ok=True)
            if isinstance(error, Exception):
                raise Transient(f"fetching the file of {what.id}: {error!r}") from error
            raise
        await asyncio.to_thread(synced, partial, path)
        return True

    def _apply(self, run: list[Prepared], last: int) -> list[Any]:
        """Journal `run` in one transaction (on a worker thread); what to tell the frame
        loop, in the stream's order, once it is on disk."""
        said: list[Any] = []
        with self.ledger.applying():
            for prepared in run:
                said.append(self._apply_one(prepared, last - prepared.read.seq > QUIET_BACKLOG))
        told = []
        for item, prepared in zip(said, run, strict=True):
            if isinstance(item, Echo):  # its payload, outside the transaction
                held = item.held or self._restored(item.entry)
                if held is not None:
                    quiet = last - prepared.read.seq > QUIET_BACKLOG
                    told.append(Arrived(held.contribution, item.entry.state, quiet, item.seq))
            elif item is not None:
                told.append(item)
        return told

    def _apply_one(self, prepared: Prepared, quiet: bool) -> Any:
        """Journal one message; what to tell the frame loop of it, if anything."""
        seq, origin, what = prepared.read.seq, prepared.origin, prepared.what
        if isinstance(what, str):
            log.warning("cluster: stream message %d from %s skipped: %s", seq,
                        origin or "?", what)
            self.ledger.advance(seq)
        elif isinstance(what, wire.Offered):
            return self._contribution(prepared, what, quiet)
        elif isinstance(what, wire.Decided):
            return self._moderation(seq, origin, what)
        else:
            self.ledger.advance(seq)
            mine = origin == self.node and what.by == "engine"  # applied here already
            if not mine and what.scope in ("", self.node):
                return Cued(what, origin, quiet)
        return None

    def _contribution(self, prepared: Prepared, what: wire.Offered, quiet: bool) -> Any:
        seq, origin = prepared.read.seq, prepared.origin
        held = self.intake.journal.accepted(what.id)
        if held is not None or prepared.fetched is None:  # held here, or the same twice
            if not self.ledger.echoed(what.id, what.covers if origin == self.node else 0, seq):
                return None
            entry = self.intake.journal.accepted(what.id)
            return None if entry is None else Echo(entry, prepared.held, seq)
        path, result = prepared.fetched
        message = self.intake.receive(what.id, path, result, what.name, what.state, what.at,
                                      origin, seq, self.ledger)
        if isinstance(message, Arrived) and quiet:
            message = Arrived(message.contribution, message.state, True, seq)
        return message

    def _moderation(self, seq: int, origin: str, what: wire.Decided) -> Moderated | None:
        own = what.row if origin == self.node else 0
        if self.ledger.moderated(what.id, what.state, what.reason, what.at, origin,
                                 moderation_id(origin, what.row, what.at), seq, own):
            return Moderated(what.id, self.intake.journal.state(what.id))
        return None


def decoded(worker: DecoderWorker, path: Path) -> Any:
    """The contribution in `path`, or the refusal (a value, to cross the thread)."""
    try:
        return worker.decode(path)
    except Refusal as refusal:
        return refusal


def synced(partial: Path, path: Path) -> None:
    """A fetched file made durable under its name (the archive links it in as it is)."""
    with partial.open("rb+") as out:
        os.fsync(out.fileno())
    partial.replace(path)


__all__ = ["Applier", "Cued", "Refused", "Transient"]
