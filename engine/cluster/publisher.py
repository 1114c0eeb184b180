"""The outbox: what this node took goes into the shared stream, in the order it happened.

A contribution's archived file goes first into the object store (named by its SHA-256,
so putting it twice is harmless), then its message into the stream with the contribution
as de-duplication id, so a retry after a lost acknowledgement never doubles it. A row is
sent until the stream gives it back (see `applier`); what was acknowledged meanwhile is
remembered here so that it is not sent again.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from nats.js.errors import NotFoundError

from engine.cluster import wire
from engine.cluster.subjects import Subjects, contribution_id, moderation_id
from engine.journal.ledger import Ledger, Unsent, archive_digest

log = logging.getLogger(__name__)
ACK_SECONDS = 5.0
BLOB_SECONDS_PER_MB = 1.0


class Publisher:
    def __init__(self, node: str, subjects: Subjects, ledger: Ledger, data: Any) -> None:
        self.node = node
        self.subjects = subjects
        self.ledger = ledger
        self.data = data  # the data folder the archive paths are relative to
        self.sent: dict[tuple[str, int], int] = {}  # (id, moderation row) -> stream seq
        self.lost: set[str] = set()  # archived files that are gone: said once

    async def send(self, js: Any, objects: Any) -> int:
        """Send what the stream does not have yet; how many were sent. A failure leaves
        the rest for the next call, in order."""
        unsent = await asyncio.to_thread(self.ledger.unsent)
        waiting = {(u.entry.id if u.entry else u.id, u.moderation) for u in unsent}
        self.sent = {key: seq for key, seq in self.sent.items() if key in waiting}
        count = 0
        for item in unsent:
            key = (item.entry.id if item.entry else item.id, item.moderation)
            if key in self.sent:
                continue
            if item.entry is not None:
                seq = await self._offer(js, objects, item)
            else:
                seq = await self._decide(js, item)
            if seq is not None:
                self.sent[key] = seq
                count += 1
        return count

    async def _offer(self, js: Any, objects: Any, item: Unsent) -> int | None:
        entry = item.entry
        assert entry is not None
        path = self.data / entry.archive
        sha256 = archive_digest(entry.archive)
        try:
            size = path.stat().st_size
        except OSError:
            if entry.id not in self.lost:
                self.lost.add(entry.id)
                log.error("cluster: %s (%s) cannot be shared: its archived file %s is gone",
                          entry.name, entry.id, path)
            return None
        try:
            await objects.get_info(sha256)
        except NotFoundError:
            with path.open("rb") as source:
                await asyncio.wait_for(objects.put(sha256, source),
                                       ACK_SECONDS + size / 1e6 * BLOB_SECONDS_PER_MB)
        said = wire.Offered(entry.id, sha256, size, path.suffix.lower(), entry.name,
                            entry.tags, entry.state, entry.at, item.covers)
        ack = await js.publish(self.subjects.of(self.node, "contribution"), wire.encode(said),
                               timeout=ACK_SECONDS,
                               headers={"Nats-Msg-Id": contribution_id(entry.id)})
        return int(ack.seq)

    async def _decide(self, js: Any, item: Unsent) -> int:
        said = wire.Decided(item.id, item.state, item.reason, item.at, item.moderation)
        ack = await js.publish(self.subjects.of(self.node, "moderation"), wire.encode(said),
                               timeout=ACK_SECONDS, headers={
                                   "Nats-Msg-Id": moderation_id(self.node, item.moderation,
                                                                item.at)})
        return int(ack.seq)

    async def cue(self, js: Any, cue: wire.Cue, stamp: int) -> None:
        await js.publish(self.subjects.of(self.node, "cue"), wire.encode(cue),
                         timeout=ACK_SECONDS,
                         headers={"Nats-Msg-Id": f"q:{self.node}:{stamp}"})
