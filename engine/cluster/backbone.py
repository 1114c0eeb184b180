"""The backbone: the NATS client, on its own thread and asyncio loop.

It connects (and reconnects, forever) to the `[cluster] servers`, makes sure the stream
and the object store exist, then runs four tasks side by side: the outbox (`publisher`),
the stream applied in order (`applier`), presence, and a health check that decides
whether this node is on the backbone or cut off. The frame loop talks to it only through
`inbound` (frozen messages: arrivals in stream order, moderations, cues, `Contact`) and
`cue`; it reads `status`, a frozen value replaced whole. Nothing here touches GL,
pygame or pyo.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import ssl
import threading
import time
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

import nats
from nats.js.api import ObjectStoreConfig, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from engine.cluster import wire
from engine.cluster.applier import Applier, Read, Transient
from engine.cluster.presence import Peers, Presence
from engine.cluster.publisher import Publisher
from engine.cluster.subjects import Subjects
from engine.config import ClusterConfig, Config
from engine.intake.intake import Intake, Moderated, limits_of
from engine.intake.workers import DecoderWorker
from engine.journal.ledger import Ledger

log = logging.getLogger(__name__)
CUT_AFTER = 3.0  # seconds without a working backbone before this node counts as cut off
HEALTH_SECONDS = 1.0
RETRY_SECONDS = 1.0
INBOUND_LIMIT = 256  # arrivals waiting for the frame loop before the stream waits
DUPLICATE_WINDOW = 24 * 3600.0  # a retry a day later is still recognised


@dataclass(frozen=True)
class Contact:
    """This node is on the backbone (`joined`) or cut off from it, and why."""

    joined: bool
    reason: str = ""


@dataclass(frozen=True)
class Status:
    """The backbone as the frame loop, status.json and `carte cluster status` show it."""

    node: str
    stream: str
    state: str = "connecting"  # connecting, joined, cut off
    since: float = field(default_factory=time.time)
    server: str = ""
    applied: int = 0
    last: int = 0  # the stream's last sequence, as last seen
    unsent: int = 0
    peers: tuple[dict[str, object], ...] = ()
    differing: tuple[str, ...] = ()

    def public(self) -> dict[str, object]:
        return {"node": self.node, "stream": self.stream, "state": self.state,
                "for_s": round(time.time() - self.since, 1), "server": self.server,
                "applied": self.applied, "last": self.last,
                "lag": max(0, self.last - self.applied), "unsent": self.unsent,
                "nodes": list(self.peers), "differing": list(self.differing)}


def connect_options(settings: ClusterConfig) -> dict[str, Any]:
    """nats-py's options for this node: named, authenticated, quick to notice a cut."""
    options: dict[str, Any] = {
        "servers": list(settings.servers), "name": settings.node, "connect_timeout": 2,
        "ping_interval": 1, "max_outstanding_pings": 3, "allow_reconnect": True,
        "max_reconnect_attempts": -1, "reconnect_time_wait": 0.5}
    if settings.credentials is not None:
        options["user_credentials"] = str(settings.credentials)
    else:
        options["user"], options["password"] = settings.user, settings.password
    if any(server.startswith("tls://") for server in settings.servers):
        context = ssl.create_default_context(
            cafile=str(settings.tls_ca) if settings.tls_ca is not None else None)
        options["tls"] = context
    return options


class Backbone:
    def __init__(self, config: Config, intake: Intake, fingerprint: str) -> None:
        settings = config.cluster
        self.settings = settings
        self.node = settings.node
        self.subjects = Subjects(settings.stream)
        self.ledger = Ledger(intake.journal, settings.stream)
        self.intake = intake
        self.inbound: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.outgoing: queue.SimpleQueue[wire.Cue] = queue.SimpleQueue()
        self.status = Status(self.node, settings.stream, applied=self.ledger.applied())
        self.presence = Presence(shows=settings.shows, fingerprint=fingerprint)
        self.peers = Peers(self.node, fingerprint)
        self.workers = [DecoderWorker(limits_of(config), config.intake.decode_timeout,
                                      config.intake.worker_memory_mb)
                        for _ in range(config.intake.workers + 1)]
        self.incoming = config.paths.data / "cluster" / "incoming"
        self.publisher = Publisher(self.node, self.subjects, self.ledger, config.paths.data)
        self.thread: threading.Thread | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.stop_event: asyncio.Event | None = None
        self.wake_event: asyncio.Event | None = None
        self.nc: Any = None
        self.objects: Any = None  # the object store, once the backbone answered
        self.healthy_at = 0.0  # monotonic time of the last working exchange
        self.joined = False
        self.problem = "not connected yet"

    # -- from the frame loop ---------------------------------------------------------------

    def start(self) -> None:
        ready = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(ready,), name="backbone",
                                       daemon=True)
        self.thread.start()
        ready.wait(5)

    def stop(self) -> None:
        if self.loop is not None and self.stop_event is not None:
            with contextlib.suppress(RuntimeError):
                self.loop.call_soon_threadsafe(self.stop_event.set)
        if self.thread is not None:
            self.thread.join(timeout=15)
            self.thread = None
        for worker in self.workers:
            worker.stop()

    def wake(self, _source: str = "") -> None:
        """Something was taken here (an intake listener): send it now."""
        if self.loop is not None and self.wake_event is not None:
            with contextlib.suppress(RuntimeError):
                self.loop.call_soon_threadsafe(self.wake_event.set)

    def cue(self, cue: wire.Cue) -> None:
        self.outgoing.put(cue)
        self.wake()

    def behind(self) -> bool:
        """The stream holds more than this node applied (as last told)."""
        status = self.status
        return status.state == "joined" and status.applied < status.last

    def say(self, scene: str) -> None:
        """What this node's presence says of its screen (from the frame loop)."""
        self.presence = replace(self.presence, scene=scene)

    # -- the thread ------------------------------------------------------------------------

    def _run(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self.loop = loop
        self.stop_event = asyncio.Event()
        self.wake_event = asyncio.Event()
        ready.set()
        try:
            loop.run_until_complete(self._main())
        except Exception:
            log.exception("cluster: the backbone's thread stopped")
        finally:
            loop.run_until_complete(loop.shutdown_default_executor())
            loop.close()

    async def _main(self) -> None:
        assert self.stop_event is not None
        applier = Applier(self.node, self.subjects, self.ledger, self.intake, self.workers,
                          self.incoming, self.inbound)
        local = asyncio.create_task(self._moderated_here())
        while not self.stop_event.is_set():
            try:
                self.nc = await nats.connect(
                    **connect_options(self.settings), error_cb=self._error,
                    disconnected_cb=self._disconnected, reconnected_cb=self._reconnected)
                break
            except Exception as error:
                self._failing(describe(error))
                await self._pause(RETRY_SECONDS * 2)
        if self.nc is None:
            local.cancel()
            return
        js = self.nc.jetstream()
        await self.nc.subscribe(self.subjects.presence, cb=self._heard)
        tasks = [asyncio.create_task(coroutine) for coroutine in (
            self._health(js), self._consume(js, applier), self._publish(js),
            self._present())] + [local]
        await self.stop_event.wait()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.nc.close(), 5)

    async def _pause(self, seconds: float) -> None:
        assert self.stop_event is not None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stop_event.wait(), seconds)

    # -- on the backbone or cut off ----------------------------------------------------------

    def _working(self) -> None:
        self.healthy_at = time.monotonic()
        if not self.joined:
            cut = self.status.state == "cut off"
            self.joined = True
            self.status = replace(self.status, state="joined", since=time.time(),
                                  server=self._server())
            self.inbound.put(Contact(True))
            if cut:
                log.warning("cluster: %s is back on the backbone (%s); what it took "
                            "meanwhile is shared now", self.node, self._server())
            else:
                log.info("cluster: %s joined the backbone on %s, stream %s", self.node,
                         self._server(), self.settings.stream)

    def _failing(self, why: str) -> None:
        """The backbone failed just now; past CUT_AFTER without success, cut off."""
        self.problem = why
        if self.joined and time.monotonic() - self.healthy_at < CUT_AFTER:
            return
        if self.status.state != "cut off":
            self.joined = False
            self.status = replace(self.status, state="cut off", since=time.time(), server="")
            self.inbound.put(Contact(False, why))
            log.warning("cluster: %s is cut off from the backbone (%s); contributions taken "
                        "here are shown at once at provisional places and kept for the "
                        "others", self.node, why)

    def _server(self) -> str:
        url = getattr(self.nc, "connected_url", None) if self.nc is not None else None
        return f"{url.hostname}:{url.port}" if url is not None else ""

    async def _error(self, error: Exception) -> None:
        self.problem = describe(error)

    async def _disconnected(self) -> None:
        self._failing("the connection to the NATS server was lost")

    async def _reconnected(self) -> None:
        log.info("cluster: reconnected to %s", self._server())

    async def _health(self, js: Any) -> None:
        """Once a second: the stream answers (and exists), or the backbone is failing."""
        ensured = False
        while True:
            try:
                if not self.nc.is_connected:
                    raise ConnectionError("not connected to any NATS server")
                if not ensured:
                    await self._ensure(js)
                    ensured = True
                info = await js.stream_info(self.settings.stream)
                self.status = replace(self.status, last=info.state.last_seq)
                self._working()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                self._failing(describe(error))
            self.peers.check()
            unsent = await asyncio.to_thread(self.ledger.unsent_count)
            # replaced whole between two awaits: a callback may change the state meanwhile
            self.status = replace(
                self.status, unsent=unsent, peers=tuple(p.public(self.status.last, time.time())
                                                        for p in self.peers.heard.values()),
                differing=tuple(self.peers.differing()))
            await asyncio.sleep(HEALTH_SECONDS)

    async def _ensure(self, js: Any) -> None:
        """The stream and the object store, created by the first node that finds none."""
        name, replicas = self.settings.stream, self.settings.replicas
        try:
            await js.stream_info(name)
        except NotFoundError:
            await js.add_stream(StreamConfig(
                name=name, subjects=[self.subjects.log], num_replicas=replicas,
                storage=StorageType.FILE, duplicate_window=DUPLICATE_WINDOW,
                max_msg_size=wire.MAX_MESSAGE, allow_direct=True))
            log.info("cluster: stream %s created (%d replicas)", name, replicas)
        try:
            self.objects = await js.object_store(self.subjects.bucket)
        except NotFoundError:
            self.objects = await js.create_object_store(
                self.subjects.bucket, config=ObjectStoreConfig(
                    bucket=self.subjects.bucket, replicas=replicas, storage=StorageType.FILE))

    # -- the stream, in order --------------------------------------------------------------

    async def _consume(self, js: Any, applier: Applier) -> None:
        """Apply the stream from the last sequence applied, read by sequence with direct
        gets (any replica answers them: no reader to keep alive on a server that may
        die), a window ahead at once; a doorbell on the stream's subjects says there is
        more, and how much (each message it hears, at most one more in the stream).
        Anything that goes wrong starts again from the applied position: nothing
        skipped, nothing twice."""
        doorbell = asyncio.Event()
        rung = 0

        async def ring(_message: Any) -> None:
            nonlocal rung
            rung += 1
            doorbell.set()

        await self.nc.subscribe(self.subjects.log, cb=ring)
        expected = 0  # the stream's last sequence, as far as this node can tell
        while True:
            if not self.joined:
                applier.reset()
                await asyncio.sleep(0.1)
                continue
            try:
                while self.inbound.qsize() > INBOUND_LIMIT:
                    await asyncio.sleep(0.02)
                expected = max(expected + rung, self.status.last, applier.applied + 1)
                rung = 0
                doorbell.clear()
                if await applier.follow((js, self.objects), partial(self._read, js), expected,
                                        self.status.last):
                    self.status = replace(self.status, applied=applier.applied,
                                          last=max(self.status.last, applier.applied))
                    continue
                expected = max(self.status.last, applier.applied)
                if not rung:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(doorbell.wait(), 0.25)
            except asyncio.CancelledError:
                raise
            except Transient as error:
                applier.reset()
                log.info("cluster: %s; trying again", error)
                await asyncio.sleep(RETRY_SECONDS)
            except Exception as error:
                applier.reset()
                self._failing(describe(error))
                await asyncio.sleep(RETRY_SECONDS)

    async def _read(self, js: Any, seq: int) -> Read | None:
        try:
            message = await js.get_msg(self.settings.stream, seq=seq, direct=True)
        except NotFoundError:
            return None
        return Read(seq, message.subject, message.data or b"")

    # -- what this node took ---------------------------------------------------------------

    async def _moderated_here(self) -> None:
        """A moderation written here (the console, `carte hide`) shows here at once, on the
        backbone or cut off; the stream's order settles it for every node."""
        seen = await asyncio.to_thread(self.ledger.last_moderation)
        while True:
            await asyncio.sleep(0.2)
            for seq, id in await asyncio.to_thread(self.ledger.local_moderations_since, seen):
                seen = seq
                self.inbound.put(Moderated(id, await asyncio.to_thread(
                    self.intake.journal.state, id)))

    async def _publish(self, js: Any) -> None:
        assert self.wake_event is not None
        stamp = time.time_ns()
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake_event.wait(), 0.25)
            self.wake_event.clear()
            while not self.outgoing.empty():
                cue = self.outgoing.get_nowait()
                if not self.joined:
                    log.warning("cluster: cut off, %s %s applied here only", cue.cue,
                                cue.value)
                    continue
                stamp += 1
                try:
                    await self.publisher.cue(js, cue, stamp)
                except Exception as error:
                    log.warning("cluster: %s %s not sent to the others: %s", cue.cue,
                                cue.value, describe(error))
            if not self.joined:
                continue
            try:
                await self.publisher.send(js, self.objects)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                self._failing(describe(error))
                await asyncio.sleep(0.5)

    # -- presence --------------------------------------------------------------------------

    async def _present(self) -> None:
        while True:
            said = replace(self.presence, applied=self.status.applied,
                           unsent=self.status.unsent, joined=self.joined)
            with contextlib.suppress(Exception):
                await self.nc.publish(self.subjects.presence_of(self.node), said.encode())
            await asyncio.sleep(1.0)

    async def _heard(self, message: Any) -> None:
        node = message.subject.rsplit(".", 1)[-1]
        said = Presence.decode(message.data)
        if said is not None:
            self.peers.hear(node, said)


def describe(error: BaseException) -> str:
    """An error of the NATS client in words a technician can act on."""
    text = str(error) or type(error).__name__
    if "Authorization" in text or "authorization" in text:
        return "the NATS servers refused this node's user or password ([cluster] user, " \
               "password or credentials)"
    if isinstance(error, TimeoutError | asyncio.TimeoutError):
        return "the stream did not answer in time (a server down, or no quorum)"
    return text
