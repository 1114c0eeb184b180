"""The stream applied, in its order: every node journals the same rows in the same order
and hands the frame loop the same arrivals, so every carte is the same map.

A batch of messages is prepared concurrently (another node's file fetched from the
object store, its digest checked, decoded in this node's own worker processes with its
own caps), then applied strictly in order, each with the applied position in the same
transaction. This node's own contributions coming back are taken from its cache: it
decoded them when it took them.
"""

from __future__ import annotations

import asyncio
import logging
import queue
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.cluster import wire
from engine.cluster.subjects import Subjects, moderation_id
from engine.intake.decode import Refusal
from engine.intake.intake import Arrived, Intake, Moderated, Refused
from engine.intake.workers import DecoderWorker
from engine.journal.archive import digest_file
from engine.journal.ledger import Ledger

log = logging.getLogger(__name__)
QUIET_BACKLOG = 20  # further behind than this, arrivals are placed without ceremony


@dataclass(frozen=True)
class Cued:
    """A cue from another node for this one; `late` while the node catches up (so a
    scene switch is a cut, not one transition after another)."""

    cue: wire.Cue
    node: str
    late: bool


@dataclass(frozen=True)
class Read:
    """One stream message as read: its sequence, subject, bytes, and how many follow."""

    seq: int
    subject: str
    data: bytes
    pending: int


class Transient(Exception):
    """The backbone failed while a batch was prepared: it is tried again, in order."""


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
        # the first worker serves this node's own files (on the applying thread, rarely:
        # only when the cache lost one), the others the other nodes' files
        self.worker = workers[0]
        self.free: asyncio.Queue[DecoderWorker] = asyncio.Queue()
        for worker in workers[1:]:
            self.free.put_nowait(worker)
        self.applied = ledger.applied()
        self.pending = 0  # messages the stream holds after the last one applied

    async def apply(self, backbone: Any, messages: list[Read]) -> None:
        """Apply `messages` (in stream order) past the applied position; `backbone` is
        the JetStream context and the object store."""
        fresh = [m for m in messages if m.seq > self.applied]
        said = [self._read(m) for m in fresh]
        prepared = [asyncio.create_task(self._prepare(backbone, what)) for _, what in said]
        try:
            for message, (origin, what), task in zip(fresh, said, prepared, strict=True):
                fetched = await task
                seq = message.seq
                self.pending = message.pending
                await asyncio.to_thread(self._apply_one, seq, origin, what, fetched)
                self.applied = seq
        finally:
            for task in prepared:
                task.cancel()

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

    async def _prepare(self, backbone: Any, what: wire.Said | str
                       ) -> tuple[Path, Any] | None:
        """Another node's file, fetched and decoded here: (path, contribution or
        refusal); None for everything else."""
        if not isinstance(what, wire.Offered) or \
                await asyncio.to_thread(self.intake.journal.accepted, what.id) is not None:
            return None
        path = self.incoming / f"{what.sha256}{what.suffix}"
        limit = self.intake.limits.max_bytes
        if what.size > limit:
            return path, Refusal(f"larger than {limit // (1024 * 1024)} MiB "
                                 "([intake] max_file_mb here)")
        await self._fetch(backbone, what, path)
        if not path.is_file():
            return path, Refusal("its file is not in the backbone's store")
        if await asyncio.to_thread(digest_file, path, limit) != what.sha256:
            path.unlink(missing_ok=True)
            return path, Refusal("the backbone's copy of its file is not what it says")
        worker = await self.free.get()
        decoding = asyncio.get_running_loop().run_in_executor(None, decoded, worker, path)
        # the worker is free once its decoding is over, even if this batch is given up
        decoding.add_done_callback(lambda _: self.free.put_nowait(worker))
        return path, await asyncio.shield(decoding)

    async def _fetch(self, backbone: Any, what: wire.Offered, path: Path) -> None:
        """The object store's copy of a file into `path`, chunk by chunk with direct gets,
        which any replica answers (a reader on the stream's leader may hang for a while
        after a server died)."""
        from nats.js.errors import NotFoundError

        js, objects = backbone
        self.incoming.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.partial")
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
            return
        except Exception as error:
            partial.unlink(missing_ok=True)
            raise Transient(f"fetching the file of {what.id}: {error!r}") from error
        partial.replace(path)

    def _apply_one(self, seq: int, origin: str, what: wire.Said | str,
                   fetched: tuple[Path, Any] | None) -> None:
        """Journal one message at `seq` and tell the frame loop (on a worker thread)."""
        if isinstance(what, str):
            log.warning("cluster: stream message %d from %s skipped: %s", seq,
                        origin or "?", what)
            self.ledger.advance(seq)
        elif isinstance(what, wire.Offered):
            self._contribution(seq, origin, what, fetched)
        elif isinstance(what, wire.Decided):
            self._moderation(seq, origin, what)
        else:
            self.ledger.advance(seq)
            mine = origin == self.node and what.by == "engine"  # applied here already
            if not mine and what.scope in ("", self.node):
                self.inbound.put(Cued(what, origin, self.pending > QUIET_BACKLOG))

    def _contribution(self, seq: int, origin: str, what: wire.Offered,
                      fetched: tuple[Path, Any] | None) -> None:
        quiet = self.pending > QUIET_BACKLOG
        held = self.intake.journal.accepted(what.id)
        if held is not None or fetched is None:  # taken here, or the same content twice
            if not self.ledger.echoed(what.id, what.covers if origin == self.node else 0, seq):
                return
            again = self.intake.restored(held, self.worker) if held is not None else None
            if again is not None:
                self.inbound.put(Arrived(again.contribution, again.state, quiet, seq))
            return
        path, result = fetched
        message = self.intake.receive(path, result, what.sha256, what.name, what.tags,
                                      what.state, what.at, origin, seq, self.ledger)
        if isinstance(message, Arrived) and quiet:
            message = Arrived(message.contribution, message.state, True, seq)
        self.inbound.put(message)

    def _moderation(self, seq: int, origin: str, what: wire.Decided) -> None:
        own = what.row if origin == self.node else 0
        if self.ledger.moderated(what.id, what.state, what.reason, what.at, origin,
                                 moderation_id(origin, what.row, what.at), seq, own):
            self.inbound.put(Moderated(what.id, self.intake.journal.state(what.id)))


def decoded(worker: DecoderWorker, path: Path) -> Any:
    """The contribution in `path`, or the refusal (a value, to cross the thread)."""
    try:
        return worker.decode(path)
    except Refusal as refusal:
        return refusal


__all__ = ["Applier", "Cued", "Refused", "Transient"]
