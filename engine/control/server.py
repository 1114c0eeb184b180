"""The OSC server: one thread reading UDP, checking, and queueing commands for the frame.

The thread only parses, validates and queues: it never touches GL, pyo or engine
state. The frame loop calls `drain()` (never waits), `publish()` (an immutable
snapshot that queries are answered from) and the `broadcast_*` methods (feedback to
subscribers). `update()` swaps in a new address space when scenes or shaders reload.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import select
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import NamedTuple

from pythonosc.osc_message import OscMessage

from engine.config import OscConfig
from engine.control import replies
from engine.control.commands import Command
from engine.control.guard import AllowList, Complaints, RateLimit
from engine.control.handlers import Context, Outcome, dispatch
from engine.control.mailbox import Mailbox
from engine.control.model import ContributionSummary, ControlModel, Snapshot, Status
from engine.control.outbox import Destination, Outbox, Subscribers
from engine.control.packets import parse_datagram
from engine.control.refusal import (
    CLAMPED,
    FAULT,
    FULL,
    NOT_ALLOWED,
    OVERSIZED,
    QUEUE,
    RATE,
    UNANSWERED,
    UNKNOWN,
    Refused,
)
from engine.control.requests import (
    ListRecent,
    ListScenes,
    ListTerms,
    Query,
    Request,
    StatusRequest,
    StrokeInput,
    Subscription,
)
from engine.control.routes import AddressSpace, build_address_space
from engine.control.schedule import Schedule
from engine.control.settings import ControlSettings
from engine.control.strokes import Strokes

log = logging.getLogger("engine.control")

IDLE = 0.25    # seconds the thread sleeps in select when nothing is scheduled
BATCH = 256    # datagrams read per turn before looking at the schedule again
RELAYED = 1024  # datagrams from other transports (OSCQuery's WebSocket) waiting for a turn


class OscBindError(Exception):
    """The OSC socket cannot be opened; the message names the config key to change."""

    def __init__(self, host: str, port: int, key: str, why: str, what: str = "OSC") -> None:
        super().__init__(f"cannot listen for {what} on {host}:{port}: {why}; "
                         f"change {key} in the config file")
        self.host = host
        self.port = port
        self.key = key


class Sender(NamedTuple):
    host: str
    port: int

    @property
    def origin(self) -> str:
        return f"osc {self.host}:{self.port}"


class OscServer:
    """Live control over OSC, started and stopped with the engine."""

    def __init__(self, config: OscConfig, model: ControlModel,
                 settings: ControlSettings | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self.settings = settings or ControlSettings()
        self.clock = clock
        self.space = build_address_space(model, self.settings)
        self.snapshot = Snapshot()
        self.mailbox = Mailbox(self.settings.queue)
        self.allow = AllowList(config.allow)
        self.rate = RateLimit(self.settings.rate, self.settings.burst)
        self.complaints = Complaints(self.settings.log_period)
        self.schedule: Schedule[tuple[Sender, OscMessage]] = \
            Schedule(self.settings.scheduled, self.settings.horizon)
        self.strokes = Strokes(self.settings.max_stroke_points, self.settings.stroke_idle)
        self.subscribers = Subscribers(self.settings.subscribers, self.settings.lease)
        self.accepted = 0
        self.relayed: deque[tuple[bytes, Sender]] = deque()
        self.sock: socket.socket | None = None
        self.outbox: Outbox | None = None
        self.waker: tuple[socket.socket, socket.socket] | None = None
        self.thread: threading.Thread | None = None
        self.stopping = threading.Event()

    @property
    def address(self) -> tuple[str, int]:
        """Where the server listens (the real port when `[osc] port` is 0)."""
        if self.sock is None:
            return self.config.host, self.config.port
        host, port = self.sock.getsockname()[:2]
        return host, port

    def start(self) -> None:
        """Open the socket (raising `OscBindError`) and start the thread; once."""
        if self.thread is not None:
            return
        self.sock = _bind(self.config.host, self.config.port)
        self.outbox = Outbox(self.sock, self.settings.reply_bytes,
                             Complaints(self.settings.log_period))
        self.waker = socket.socketpair()
        for end in self.waker:
            end.setblocking(False)
        self.stopping.clear()
        self.thread = threading.Thread(target=self._run, name="osc", daemon=True)
        self.thread.start()
        log.info("listening for OSC on %s:%d", *self.address)

    def stop(self) -> None:
        """Stop the thread, join it, close the sockets."""
        if self.thread is None:
            return
        self.stopping.set()
        if self.waker is not None:
            self.waker[1].send(b"\0")
        self.thread.join(timeout=5)
        self.thread = None
        for sock in (self.sock, *(self.waker or ())):
            if sock is not None:
                sock.close()
        self.sock = self.outbox = self.waker = None

    def __enter__(self) -> OscServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def update(self, model: ControlModel) -> None:
        """Rebuild the address space for what the engine has now; one reference swap."""
        self.space = build_address_space(model, self.settings)

    def publish(self, snapshot: Snapshot) -> None:
        """Make `snapshot` what queries are answered from; one reference swap."""
        self.snapshot = snapshot

    def drain(self) -> list[Command]:
        """The commands since the last call, in arrival order; never waits."""
        return self.mailbox.drain()

    def relay(self, data: bytes, host: str, port: int) -> bool:
        """Route an OSC packet that came another way (a WebSocket) like a datagram from
        `host`, under the same allow list, validation and rate caps; from any thread,
        never waits. False (dropped) when too many already wait."""
        if len(self.relayed) >= RELAYED or self.waker is None:
            return False
        self.relayed.append((data, Sender(host, port)))
        with contextlib.suppress(OSError):  # the waker's buffer is full: a turn is due
            self.waker[1].send(b"\0")
        return True

    def broadcast_status(self, status: Status) -> None:
        """Send the engine's status to every subscriber (never blocks)."""
        self._broadcast(replies.status(status))

    def broadcast_arrival(self, summary: ContributionSummary) -> None:
        """Announce a new contribution to every subscriber (never blocks)."""
        self._broadcast(replies.arrival(summary))

    def stats(self) -> dict[str, int]:
        """Counts since start: accepted messages, and each kind of problem."""
        counts = self.complaints.snapshot()
        if self.outbox is not None:
            for reason, count in self.outbox.complaints.snapshot().items():
                counts[reason] = counts.get(reason, 0) + count
        return {"accepted": self.accepted, "pending": len(self.mailbox),
                "scheduled": len(self.schedule),
                "subscribers": len(self.subscribers.current(self.clock())), **counts}

    def _broadcast(self, datagrams: list[bytes]) -> None:
        outbox = self.outbox
        if outbox is None:
            return
        now = self.clock()
        for destination in self.subscribers.current(now):
            outbox.send(destination, datagrams, now)

    def _run(self) -> None:
        while not self.stopping.is_set():
            try:
                self._turn()
            except Exception:  # a bug here must not end live control for the night
                log.exception("OSC: unexpected error; still listening")
                time.sleep(0.05)

    def _turn(self) -> None:
        assert self.sock is not None and self.waker is not None
        wait = self.schedule.wait(time.time(), IDLE)
        readable, _, _ = select.select([self.sock, self.waker[0]], [], [], wait)
        if self.waker[0] in readable:
            self.waker[0].recv(64)
        now = self.clock()
        if self.sock in readable:
            self._receive(now)
        for _ in range(len(self.relayed)):
            data, sender = self.relayed.popleft()
            self._datagram(data, sender, now, time.time())
        for sender, message in self.schedule.pop_due(time.time()):
            self._message(sender, message, now)
        self._queue(self.strokes.expire(now), "strokes", now)

    def _receive(self, now: float) -> None:
        assert self.sock is not None
        wall = time.time()
        for _ in range(BATCH):
            try:
                data, source = self.sock.recvfrom(self.settings.max_packet + 1)
            except BlockingIOError:
                return
            except OSError:  # an ICMP error reported on some systems; keep reading
                continue
            self._datagram(data, Sender(source[0], source[1]), now, wall)

    def _datagram(self, data: bytes, sender: Sender, now: float, wall: float) -> None:
        host = sender.host
        if host not in self.allow:
            self.complaints(host, NOT_ALLOWED, "not in [osc] allow; ignored", now)
            return
        if len(data) > self.settings.max_packet:
            self.complaints(host, OVERSIZED, f"datagram over {self.settings.max_packet} "
                                             "bytes", now)
            return
        if not self.rate.take(host, now):
            self.complaints(host, RATE, f"over {self.settings.rate:g} messages/s", now)
            return
        try:
            timed = parse_datagram(data)
            if len(timed) > 1 and not self.rate.take(host, now, len(timed) - 1):
                raise Refused(RATE, f"bundle of {len(timed)} over "
                                    f"{self.settings.rate:g} messages/s")
            for item in timed:
                if item.due is not None and item.due > wall:
                    self.schedule.add(item.due, (sender, item.message), wall)
                else:
                    self._message(sender, item.message, now)
        except Refused as refusal:
            self.complaints(host, refusal.reason, refusal.detail, now)

    def _message(self, sender: Sender, message: OscMessage, now: float) -> None:
        space = self.space
        address = message.address
        route = space.route(address)
        if route is None or route.handler is None:
            self.complaints(sender.host, UNKNOWN, address[:80], now)
            return
        context = Context(sender.origin, now, self.settings)
        try:
            outcome = dispatch(route.handler, route.key, address, message.params, context)
        except Refused as refusal:
            self.complaints(sender.host, refusal.reason, f"{address}: {refusal.detail}", now)
            return
        except Exception as error:  # a handler bug must not stop the others
            self.complaints(sender.host, FAULT, f"{address}: {error!r}", now, logging.ERROR)
            return
        for note in context.notes:
            self.complaints(sender.host, CLAMPED, f"{address}: {note}", now, logging.INFO)
        if outcome is not None:
            self.accepted += 1
            self._outcome(outcome, sender, space, now)

    def _outcome(self, outcome: Outcome, sender: Sender, space: AddressSpace,
                 now: float) -> None:
        if isinstance(outcome, StrokeInput):
            self._queue(self.strokes.take(f"{sender.host}:{sender.port}", sender.origin,
                                          outcome, now), sender.host, now)
        elif isinstance(outcome, Request):
            self._answer(outcome, sender, space, now)
        else:
            self._queue([outcome], sender.host, now)

    def _queue(self, commands: list[Command], host: str, now: float) -> None:
        if commands and self.mailbox.put(commands):
            self.complaints(host, QUEUE, f"{self.settings.queue} commands already wait "
                                         "for the next frame", now)

    def _answer(self, request: Request, sender: Sender, space: AddressSpace,
                now: float) -> None:
        """Reply to the sender, from the snapshot and the address space only."""
        assert self.outbox is not None
        snapshot = self.snapshot
        destination: Destination = (sender.host, self.settings.reply_port or sender.port)
        datagrams: list[bytes] = []
        if isinstance(request, Query):
            datagrams = replies.value_reply(request.address, snapshot.value(request.key))
            if not datagrams:
                self.complaints(sender.host, UNANSWERED, request.address, now, logging.INFO)
        elif isinstance(request, ListScenes):
            datagrams = replies.scene_list(space.model.scenes)
        elif isinstance(request, ListRecent):
            datagrams = replies.recent(snapshot, request.count)
        elif isinstance(request, ListTerms):
            datagrams = replies.terms(snapshot, request.region)
        elif isinstance(request, StatusRequest):
            datagrams = replies.status(snapshot.status)
        elif isinstance(request, Subscription):
            destination = (sender.host, request.port or destination[1])
            if not request.on:
                self.subscribers.remove(destination)
            elif self.subscribers.add(destination, now):
                datagrams = replies.subscribed(self.settings.lease)
            else:
                self.complaints(sender.host, FULL, f"{self.settings.subscribers} clients "
                                                   "already subscribed", now)
        self.outbox.send(destination, datagrams, now)


def _bind(host: str, port: int) -> socket.socket:
    """A non-blocking UDP socket on host:port, or an `OscBindError` saying what to change."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, 0,
                                                             socket.SOCK_DGRAM)[0]
    except socket.gaierror as error:
        raise OscBindError(host, port, "[osc] host", f"unknown host ({error.strerror})") \
            from error
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        sock.bind(address)
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise OscBindError(host, port, "[osc] port", f"port {port} is already in use "
                               "(another carte, or another OSC program?)") from error
        if error.errno == errno.EACCES:
            raise OscBindError(host, port, "[osc] port", f"port {port} needs privileges; "
                               "use a port above 1023") from error
        raise OscBindError(host, port, "[osc] host", f"{error.strerror}; is {host} an "
                           "address of this machine?") from error
    sock.setblocking(False)
    return sock
