"""OSCQuery: the address table served as JSON over HTTP, and followed over a WebSocket.

Runs on its own event loop thread (`LoopThread`). The frame loop only hands it
immutable values (`publish(snapshot)`, `update(space)`), which never wait; answers
are built from those. HTTP is read-only. A WebSocket client may `LISTEN` to paths
(their values then stream as binary OSC, whoever changed them), hears
`PATH_ADDED` / `PATH_REMOVED` / `PATH_CHANGED` when a reload changes the tree, and
may send binary OSC, which the OSC server routes exactly like a UDP datagram.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import logging
import socket
import urllib.parse
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import WSMsgType, web

from engine.control.guard import AllowList, Complaints
from engine.control.loop import LoopThread
from engine.control.model import Snapshot
from engine.control.oscjson import (
    ATTRIBUTES,
    READ,
    Tree,
    build_tree,
    host_info,
    value_message,
)
from engine.control.refusal import FULL, MALFORMED, NOT_ALLOWED, QUEUE, SLOW
from engine.control.routes import AddressSpace
from engine.control.server import OscBindError, OscServer

log = logging.getLogger("engine.control")
KEEPALIVE = 15.0  # seconds an idle HTTP connection is kept
ADVERTISE_WAIT = 3.0  # seconds stopping waits for an advertisement still probing


@dataclass(frozen=True)
class QueryLimits:
    """How much the OSCQuery side serves, so that no client can make it grow."""

    connections: int = 256       # HTTP requests and WebSockets at once, in all
    per_host: int = 16           # ... from one address, so no host locks the others out
    listens: int = 1024          # paths one WebSocket client may listen to
    message_bytes: int = 16384   # one WebSocket message, either way
    backlog: int = 256           # messages waiting for a slow WebSocket client; then dropped
    send_seconds: float = 2.0    # a send that takes longer drops the client
    socket_bytes: int = 65536    # kernel send buffer per WebSocket: a deeper one holds
                                 # stale values for a stalled client instead of noticing
    log_period: float = 10.0


class Client:
    """One WebSocket client: what it listens to, and its bounded outgoing queue."""

    def __init__(self, socket_: web.WebSocketResponse, transport: asyncio.BaseTransport | None,
                 host: str, port: int, backlog: int) -> None:
        self.socket = socket_
        self.transport = transport
        self.host = host
        self.port = port
        self.listening: set[str] = set()
        self.queue: asyncio.Queue[str | bytes] = asyncio.Queue(backlog)
        self.dropped = False
        self.may_steer = False

    def send(self, message: str | bytes) -> bool:
        """Queue a message; False when the client is too slow (it is then dropped)."""
        if self.dropped:
            return False
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            self.dropped = True
            return False
        return True


class OscQueryServer:
    """The OSCQuery door, started and stopped with the engine."""

    def __init__(self, name: str, host: str, port: int, osc: OscServer,
                 limits: QueryLimits | None = None) -> None:
        self.name = name  # the name DNS-SD registered, once it has (HOST_INFO says it)
        self.host = host
        self.port = port
        self.osc = osc
        self.limits = limits or QueryLimits()
        self.allow = AllowList(osc.config.allow)
        self.complaints = Complaints(self.limits.log_period)
        self.tree: Tree = build_tree(osc.space)
        self.snapshot = osc.snapshot
        self.streamed = self.snapshot   # the snapshot whose values clients last got
        self.clients: set[Client] = set()
        self.connections: Counter[str] = Counter()
        self.updates = 0                # value messages queued for listeners since start
        self.runner: web.AppRunner | None = None
        self.bound: tuple[str, int] | None = None
        self.thread = LoopThread("oscquery")
        self.pending = False
        self.background: list[asyncio.Task[None]] = []
        self.on_started: list[Callable[[int], Awaitable[None]]] = []
        self.on_stopping: list[Callable[[], Awaitable[None]]] = []

    @property
    def address(self) -> tuple[str, int]:
        """Where HTTP and the WebSocket listen (the real port when `port` is 0)."""
        return self.bound or (self.host, self.port)

    def start(self) -> None:
        """Listen (raising `OscBindError` naming `[oscquery]`) on the loop thread."""
        self.thread.start(self._open)

    def stop(self) -> None:
        self.thread.stop(self._close)

    def publish(self, snapshot: Snapshot) -> None:
        """Answer from `snapshot` from now on, and stream what changed; never waits."""
        self.snapshot = snapshot
        if not self.pending:
            self.pending = True
            self.thread.call(self._stream)

    def rename(self, name: str) -> None:
        """The name DNS-SD registered (on this loop): HOST_INFO says it from now on."""
        self.name = name

    def update(self, space: AddressSpace) -> None:
        """A reloaded address space: tell clients which paths came, went or changed."""
        self.thread.call(self._reshape, space)

    async def _open(self) -> None:
        app = web.Application(middlewares=[self._guard], client_max_size=1024,
                              handler_args={"max_line_size": 4096, "max_field_size": 4096})
        app.router.add_route("*", "/{path:.*}", self._http)
        self.runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0,
                                    keepalive_timeout=KEEPALIVE)
        await self.runner.setup()
        try:
            sock = _bind(self.host, self.port)
        except OscBindError:
            await self.runner.cleanup()
            raise
        site = web.SockSite(self.runner, sock)
        await site.start()
        self.bound = sock.getsockname()[:2]
        log.info("OSCQuery: serving http://%s:%d/", *self.bound)
        # advertising probes the network for seconds: it must not hold up the start
        self.background = [asyncio.create_task(started(self.bound[1]))
                           for started in self.on_started]

    async def _close(self) -> None:
        if self.background:  # let an advertisement finish, so that it can be withdrawn
            await asyncio.wait(self.background, timeout=ADVERTISE_WAIT)
        for task in self.background:
            task.cancel()
        await asyncio.gather(*self.background, return_exceptions=True)
        for stopping in self.on_stopping:
            with contextlib.suppress(Exception):
                await stopping()
        for client in list(self.clients):
            await client.socket.close()
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None

    @web.middleware
    async def _guard(self, request: web.Request,
                     handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                     ) -> web.StreamResponse:
        host = _peer(request)[0]
        if host not in self.allow:
            self.complaints(host, NOT_ALLOWED, "not in [osc] allow; refused",
                            asyncio.get_running_loop().time())
            raise web.HTTPForbidden(text="This address is not in the engine's allow list.\n")
        if request.method not in ("GET", "HEAD"):
            raise web.HTTPMethodNotAllowed(request.method, ["GET", "HEAD"],
                                           text="Live control here is read-only; "
                                                "send OSC to change the show.\n")
        limits = self.limits
        if self.connections[host] >= limits.per_host or \
                self.connections.total() >= limits.connections:
            self.complaints(host, FULL, f"{self.connections[host]} connections from it, "
                            f"{self.connections.total()} in all",
                            asyncio.get_running_loop().time())
            raise web.HTTPServiceUnavailable(text="Too many clients; try again later.\n")
        self.connections[host] += 1
        try:
            return await handler(request)
        finally:
            self.connections[host] -= 1
            if self.connections[host] <= 0:
                del self.connections[host]

    async def _http(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await self._websocket(request)
        path = "/" + request.match_info["path"].strip("/")
        query = request.query_string
        if query == "HOST_INFO":
            here = _local(request)
            osc_host, osc_port = self.osc.address
            ws_host, ws_port = self.address
            return _json(host_info(self.name, (_reachable(osc_host, here), osc_port),
                                   (_reachable(ws_host, here), ws_port)))
        if path not in self.tree:
            raise web.HTTPNotFound(text=f"No node at {path[:200]}.\n")
        node = self.tree.node(path, self.snapshot)
        if not query:
            return _json(node)
        attribute = query.split("=", 1)[0]
        if attribute not in ATTRIBUTES:
            raise web.HTTPBadRequest(text=f"Unknown attribute {attribute[:40]}; expected "
                                          f"one of {', '.join(ATTRIBUTES)}.\n")
        if attribute in node:
            return _json({attribute: node[attribute]})
        if attribute == "VALUE" and node.get("ACCESS", 0) & READ:
            return _json({})  # readable, no value yet: the proposal's empty object
        return web.Response(status=204)

    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        socket_ = web.WebSocketResponse(max_msg_size=self.limits.message_bytes,
                                        heartbeat=30.0)
        await socket_.prepare(request)
        host, port = _peer(request)
        raw = request.transport.get_extra_info("socket") if request.transport else None
        if raw is not None:
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, self.limits.socket_bytes)
        client = Client(socket_, request.transport, host, port, self.limits.backlog)
        client.may_steer = _same_site(request)
        self.clients.add(client)
        writer = asyncio.create_task(self._write(client))
        try:
            async for message in socket_:
                if message.type == WSMsgType.TEXT:
                    self._command(client, message.data)
                elif message.type == WSMsgType.BINARY:
                    self._relay(client, message.data)
                if client.dropped:
                    break
        finally:
            self.clients.discard(client)
            writer.cancel()
            await socket_.close()
        return socket_

    def _command(self, client: Client, text: str) -> None:
        now = asyncio.get_running_loop().time()
        try:
            command = json.loads(text)
            name, path = command["COMMAND"], command["DATA"]
            if not isinstance(name, str) or not isinstance(path, str):
                raise TypeError
        except (ValueError, TypeError, KeyError, RecursionError):
            self.complaints(client.host, MALFORMED, "WebSocket text is not an OSCQuery "
                                                    "command", now)
            return
        if name == "LISTEN" and path in self.tree:
            if len(client.listening) >= self.limits.listens:
                self.complaints(client.host, FULL, f"over {self.limits.listens} listens", now)
            else:
                client.listening.add(path)
        elif name == "IGNORE":
            client.listening.discard(path)
        else:
            self.complaints(client.host, MALFORMED, f"{name[:20]} {path[:80]}: unknown "
                                                    "command or path", now)

    def _relay(self, client: Client, data: bytes) -> None:
        if not client.may_steer:
            self.complaints(client.host, NOT_ALLOWED, "OSC over WebSocket from a web page "
                            "of another site; ignored", asyncio.get_running_loop().time())
            return
        if not self.osc.relay(data, client.host, client.port):
            self.complaints(client.host, QUEUE, "OSC over WebSocket: too many waiting",
                            asyncio.get_running_loop().time())

    async def _write(self, client: Client) -> None:
        try:
            while True:
                message = await client.queue.get()
                sending = client.socket.send_bytes(message) if isinstance(message, bytes) \
                    else client.socket.send_str(message)
                await asyncio.wait_for(sending, self.limits.send_seconds)
        except (TimeoutError, ConnectionError, RuntimeError):
            self._drop(client)

    def _stream(self) -> None:
        """Send each listener the values that changed since the last snapshot streamed."""
        self.pending = False
        snapshot, before = self.snapshot, self.streamed
        self.streamed = snapshot
        listened = {path for client in self.clients for path in client.listening}
        messages: dict[str, bytes] = {}
        for path in listened:
            route = self.tree.routes.get(path)
            if route is None or route.key is None:
                continue
            value = snapshot.value(route.key)
            if value is not None and value != before.value(route.key):
                messages[path] = value_message(route, value)
        for client in list(self.clients):
            for path in client.listening & messages.keys():
                if not client.send(messages[path]):
                    self._drop(client)
                    break
                self.updates += 1

    def _reshape(self, space: AddressSpace) -> None:
        old, new = self.tree, build_tree(space)
        self.tree = new
        removed = [p for p in old.children if p not in new]
        added = [p for p in new.children if p not in old and _parent(p) in old]
        changed = [p for p in new.children if p in old and new.shape(p) != old.shape(p)]
        # Paths as strings, as the proposal and libossia send them: a client reads each
        # added or changed node (and what is below it) again over HTTP.
        notes = [{"COMMAND": "PATH_REMOVED", "DATA": p} for p in removed
                 if _parent(p) not in removed] + \
                [{"COMMAND": "PATH_ADDED", "DATA": p} for p in added] + \
                [{"COMMAND": "PATH_CHANGED", "DATA": p} for p in changed]
        texts = [json.dumps(note) for note in notes]
        for client in list(self.clients):
            client.listening.intersection_update(new.children)
            for text in texts:
                if not client.send(text):
                    self._drop(client)
                    break

    def _drop(self, client: Client) -> None:
        """Cut a client that cannot keep up: no closing handshake, which it would not
        read either; its reader then ends."""
        if client in self.clients:
            self.complaints(client.host, SLOW, "WebSocket client too slow",
                            asyncio.get_running_loop().time())
        self.clients.discard(client)
        client.dropped = True
        if client.transport is not None:
            client.transport.abort()


def _same_site(request: web.Request) -> bool:
    """Whether a WebSocket may steer: VJ tools send no Origin; a browser always does,
    and a page from another site (any page the VJ's browser happens to open) must not
    reach the show through it. It may still read and listen, like any page."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    return urllib.parse.urlsplit(origin).netloc == request.host


def _local(request: web.Request) -> str:
    local = request.transport.get_extra_info("sockname") if request.transport else None
    return str(local[0]) if local else ""


def _reachable(host: str, here: str) -> str:
    """An address a client can use: the one it reached us on when we listen on all."""
    return here or host if host in ("", "0.0.0.0", "::") else host


def _parent(path: str) -> str:
    return path.rsplit("/", 1)[0] or "/"


def _peer(request: web.Request) -> tuple[str, int]:
    peer = request.transport.get_extra_info("peername") if request.transport else None
    return (str(peer[0]), int(peer[1])) if peer else ("", 0)


def _json(value: Any) -> web.Response:
    # readable by browser-based OSCQuery clients served from elsewhere (the allow list
    # still decides who gets an answer)
    return web.Response(text=json.dumps(value, ensure_ascii=False),
                        content_type="application/json",
                        headers={"Access-Control-Allow-Origin": "*"})


def _bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket, or an `OscBindError` naming the `[oscquery]` key to change."""
    def refuse(key: str, why: str) -> OscBindError:
        return OscBindError(host, port, key, why, what="OSCQuery")

    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, 0,
                                                             socket.SOCK_STREAM)[0]
    except socket.gaierror as error:
        raise refuse("[oscquery] host", f"unknown host ({error.strerror})") from error
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(64)
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise refuse("[oscquery] port", f"port {port} is already in use (another "
                                            "carte, or another OSCQuery program?)") from error
        if error.errno == errno.EACCES:
            raise refuse("[oscquery] port", f"port {port} needs privileges; use a port "
                                            "above 1023") from error
        raise refuse("[oscquery] host", f"{error.strerror}; is {host} an address of this "
                                        "machine?") from error
    sock.setblocking(False)
    return sock
