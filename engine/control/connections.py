"""Slow clients cannot hold an HTTP door: connections watched below HTTP.

A connection has `head_seconds` to send a request's head, from its opening or from the
end of the previous answer (an idle keep-alive connection is closed then too); while a
request's body is read it must bring `min_rate` bytes a second, counted over each
`head_seconds`; one address holds at most `per_address` connections (more are answered
503 and closed at once). A handler says when a body is being read (`reading`), and the
app's middleware when a request is being handled (`handling`). Refusals are counted and
logged one line per address and kind per period, never per connection.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from aiohttp import web

from engine.control.guard import Complaints

BUSY = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Retry-After: 10\r\nConnection: close\r\nContent-Length: 44\r\n\r\n"
        b"Too many connections from this address.\r\n\r\n")
HEAD, HANDLING, BODY = "head", "handling", "body"


class Watched(asyncio.Protocol):
    """One connection, in front of the HTTP protocol that serves it."""

    def __init__(self, inner: Any, gate: ConnectionGate) -> None:
        self.inner = inner
        self.gate = gate
        self.transport: asyncio.Transport | None = None
        self.host = ""
        self.phase = HEAD
        self.since = 0.0
        self.received = 0
        self.mark = 0  # bytes received when the current window began

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        peer = transport.get_extra_info("peername")
        self.host = str(peer[0]) if peer else ""
        if not self.gate.admit(self, transport):
            transport.write(BUSY)
            transport.close()
            return
        self.transport = transport
        self.since = self.gate.now()
        self.inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self.transport is not None:
            self.received += len(data)
            self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self.inner.eof_received() if self.transport is not None else None

    def connection_lost(self, exc: Exception | None) -> None:
        if self.transport is not None:
            self.gate.release(self)
            self.transport = None
            self.inner.connection_lost(exc)

    def pause_writing(self) -> None:
        self.inner.pause_writing()

    def resume_writing(self) -> None:
        self.inner.resume_writing()

    def enter(self, phase: str) -> None:
        self.phase, self.since, self.mark = phase, self.gate.now(), self.received


class ConnectionGate:
    """Watches every connection of one HTTP server (on its event loop)."""

    def __init__(self, per_address: int, head_seconds: float, min_rate: float,
                 door: str) -> None:
        self.per_address = per_address
        self.head_seconds = head_seconds
        self.min_rate = min_rate
        self.complaints = Complaints(10.0, door)
        self.open: dict[asyncio.BaseTransport, Watched] = {}
        self.by_address: Counter[str] = Counter()
        self.task: asyncio.Task[None] | None = None

    @staticmethod
    def now() -> float:
        return asyncio.get_running_loop().time()

    def protocol(self, factory: Callable[[], Any]) -> Callable[[], Watched]:
        return lambda: Watched(factory(), self)

    def admit(self, watched: Watched, transport: asyncio.BaseTransport) -> bool:
        if self.by_address[watched.host] >= self.per_address:
            self.complaints(watched.host, "too many connections",
                            f"over {self.per_address} at once; refused", self.now())
            return False
        self.by_address[watched.host] += 1
        self.open[transport] = watched
        return True

    def release(self, watched: Watched) -> None:
        if watched.transport is not None:
            self.open.pop(watched.transport, None)
        self.by_address[watched.host] -= 1
        if self.by_address[watched.host] <= 0:
            del self.by_address[watched.host]

    def of(self, request: web.BaseRequest) -> Watched | None:
        transport = request.transport
        return self.open.get(transport) if transport is not None else None

    def handling(self, request: web.BaseRequest) -> contextlib.AbstractContextManager[None]:
        """A request is being handled: no clock runs, until its answer is written."""
        return self._during(request, HANDLING, HEAD)

    def reading(self, request: web.BaseRequest) -> contextlib.AbstractContextManager[None]:
        """A request's body is being read: it must keep up the minimum rate."""
        return self._during(request, BODY, HANDLING)

    @contextlib.contextmanager
    def _during(self, request: web.BaseRequest, phase: str, then: str) -> Iterator[None]:
        watched = self.of(request)
        if watched is not None:
            watched.enter(phase)
        try:
            yield
        finally:
            if watched is not None and watched.transport is not None:
                watched.enter(then)

    def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self._watch())

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
            self.task = None

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(min(1.0, self.head_seconds / 4))
            now = self.now()
            for watched in list(self.open.values()):
                late = now - watched.since >= self.head_seconds
                if watched.phase == HEAD and late:
                    self._cut(watched, "slow request", "no request head within "
                              f"{self.head_seconds:g} s; closed", now)
                elif watched.phase == BODY and late:
                    brought = watched.received - watched.mark
                    if brought < self.min_rate * (now - watched.since):
                        self._cut(watched, "slow upload", f"{brought} bytes in "
                                  f"{now - watched.since:.0f} s; closed", now)
                    else:
                        watched.enter(BODY)

    def _cut(self, watched: Watched, reason: str, detail: str, now: float) -> None:
        self.complaints(watched.host, reason, detail, now)
        if watched.transport is not None:
            watched.transport.abort()


class GatedSite(web.BaseSite):
    """aiohttp's site on a listening socket, each connection behind the gate."""

    def __init__(self, runner: web.BaseRunner, sock: Any, gate: ConnectionGate,
                 backlog: int = 256) -> None:
        super().__init__(runner, backlog=backlog)
        self.sock = sock
        self.gate = gate
        host, port = sock.getsockname()[:2]
        self._name = f"http://{host}:{port}"

    @property
    def name(self) -> str:
        return self._name

    async def start(self) -> None:
        await super().start()
        server = self._runner.server
        assert server is not None
        self._server = await asyncio.get_running_loop().create_server(
            self.gate.protocol(server), sock=self.sock, backlog=self._backlog)
        self.gate.start()

    async def stop(self) -> None:
        await self.gate.stop()
        await super().stop()
