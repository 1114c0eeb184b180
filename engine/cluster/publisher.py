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
FILES_AT_ONCE = 8  # files put into the object store side by side


def key_of(item: Unsent) -> tuple[str, int]:
    """What identifies a row waiting to be sent: (contribution id, moderation row)."""
    return (item.entry.id if item.entry else item.id, item.moderation)


class Publisher:
    def __init__(self, node: str, subjects: Subjects, ledger: Ledger, data: Any) -> None:
        self.node = node
        self.subjects = subjects
        self.ledger = ledger
        self.data = data  # the data folder the archive paths are relative to
        self.sent: dict[tuple[str, int], int] = {}  # (id, moderation row) -> stream seq
        self.lost: set[str] = set()  # archived files that are gone: said once

    async def send(self, js: Any, objects: Any) -> int:
        """Send what the stream does not have yet; how many were sent. The files go first,
        several at once; then the messages, in the journal's order, all in flight at once
        and their acknowledgements awaited together. A failure leaves the rest for the
        next call, in order."""
        unsent = await asyncio.to_thread(self.ledger.unsent)
        waiting = {key_of(u) for u in unsent}
        self.sent = {key: seq for key, seq in self.sent.items() if key in waiting}
        todo = [item for item in unsent if key_of(item) not in self.sent]
        gates = asyncio.Semaphore(FILES_AT_ONCE)
        stored = await asyncio.gather(*(self._store(objects, item, gates) for item in todo),
                                      return_exceptions=True)
        group: list[tuple[Unsent, wire.Said]] = []
        decided: set[str] = set()
        for item, said in zip(todo, stored, strict=True):
            if isinstance(said, BaseException):
                break  # its file did not go: it and what follows wait for the next call
            if said is None:
                continue  # its file is gone (said once)
            if isinstance(said, wire.Decided):
                if said.id in decided:
                    break  # one decision per contribution in flight: their order holds
                decided.add(said.id)
            group.append((item, said))
        count = await self._publish(js, group)
        failed = next((said for said in stored if isinstance(said, BaseException)), None)
        if failed is not None and len(group) == count:
            raise failed
        return count

    async def _store(self, objects: Any, item: Unsent, gates: asyncio.Semaphore
                     ) -> wire.Said | None:
        """A row's message, its file in the object store first; None if the file is gone."""
        if item.entry is None:
            return wire.Decided(item.id, item.state, item.reason, item.at, item.moderation)
        entry = item.entry
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
        async with gates:
            try:
                await objects.get_info(sha256)
            except NotFoundError:
                with path.open("rb") as source:
                    await asyncio.wait_for(objects.put(sha256, source),
                                           ACK_SECONDS + size / 1e6 * BLOB_SECONDS_PER_MB)
        return wire.Offered(entry.id, sha256, size, path.suffix.lower(), entry.name,
                            entry.tags, entry.state, entry.at, item.covers)

    async def _publish(self, js: Any, group: list[tuple[Unsent, wire.Said]]) -> int:
        """The messages of `group` sent in order, all in flight at once, each with its
        de-duplication id; how many the stream acknowledged (those are remembered)."""
        pending = []
        for item, said in group:
            if isinstance(said, wire.Offered):
                subject, msgid = self.subjects.of(self.node, "contribution"), \
                    contribution_id(said.id)
            else:
                subject, msgid = self.subjects.of(self.node, "moderation"), \
                    moderation_id(self.node, item.moderation, item.at)
            pending.append(await js.publish_async(subject, wire.encode(said),
                                                  headers={"Nats-Msg-Id": msgid}))
        if not pending:
            return 0
        done, late = await asyncio.wait(pending, timeout=ACK_SECONDS)
        for future in late:
            future.cancel()
        count, failed = 0, None
        for (item, _), future in zip(group, pending, strict=True):
            if future in done and future.exception() is None:
                self.sent[key_of(item)] = int(future.result().seq)
                count += 1
            elif failed is None:
                failed = future.exception() if future in done else \
                    TimeoutError("the stream did not acknowledge in time")
        if failed is not None:
            raise failed
        return count

    async def cue(self, js: Any, cue: wire.Cue, stamp: int) -> None:
        await js.publish(self.subjects.of(self.node, "cue"), wire.encode(cue),
                         timeout=ACK_SECONDS,
                         headers={"Nats-Msg-Id": f"q:{self.node}:{stamp}"})
