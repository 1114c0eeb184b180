"""Real NATS servers for tests: three clustered JetStream servers on loopback, started
from the configuration shipped in `deploy/nats/`, and cables that can be cut.

A `Cable` stands for the network between one room and one server: a loopback TCP relay
that, once cut, swallows every byte and answers no new connection, as a pulled cable
does (no reset reaches either side; the client finds out from its missed pings).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import selectors
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT

DEPLOY = ROOT / "deploy" / "nats"
NODES = ("pleniere", "salle-croisements", "salle-attentions", "salle-democratie",
         "salle-savoirs")
ROUTE_PASSWORD = "route-secret-pour-les-tests"


def password(node: str) -> str:
    return f"mot-de-passe-{node}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def needs_nats_server() -> None:
    if shutil.which("nats-server") is None:
        pytest.skip("nats-server is not installed (apt-get install nats-server; .ci/run "
                    "installs it)")


def wait_for(condition: Callable[[], bool], seconds: float, what: str,
             pump: Callable[[], object] | None = None) -> float:
    """Wait (pumping engines meanwhile) until `condition` holds; the time it took."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < seconds, f"not within {seconds} s: {what}"
        if pump is not None:
            pump()
        time.sleep(0.01)
    return time.monotonic() - started


def ended(process: subprocess.Popen[Any], seconds: float) -> None:
    """Wait for a process asked to stop; killed past `seconds`."""
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class NatsCluster:
    """Three `nats-server` processes clustered on loopback, each with its store in `root`."""

    def __init__(self, root: Path, size: int = 3) -> None:
        self.root = root
        self.ports = [free_port() for _ in range(size)]
        self.routes = [free_port() for _ in range(size)]
        self.processes: list[subprocess.Popen[bytes] | None] = [None] * size
        root.mkdir(parents=True, exist_ok=True)
        for name in ("nats-server.conf", "users.conf"):
            shutil.copy(DEPLOY / name, root / name)

    def url(self, index: int) -> str:
        return f"nats://127.0.0.1:{self.ports[index]}"

    @property
    def urls(self) -> list[str]:
        return [self.url(i) for i in range(len(self.ports))]

    def environment(self, index: int) -> dict[str, str]:
        routes = {f"CARTE_NATS_ROUTE_{i + 1}":
                  f"nats-route://route:{ROUTE_PASSWORD}@127.0.0.1:{port}"
                  for i, port in enumerate(self.routes)}
        return {**os.environ, **routes, **{
            "CARTE_NATS_NAME": f"n{index + 1}",
            "CARTE_NATS_LISTEN": f"127.0.0.1:{self.ports[index]}",
            "CARTE_NATS_CLUSTER_LISTEN": f"127.0.0.1:{self.routes[index]}",
            "CARTE_NATS_STORE": str(self.root / f"store-{index + 1}"),
            "CARTE_NATS_ROUTE_PASSWORD": ROUTE_PASSWORD,
        }, **{f"CARTE_PASSWORD_{n.upper().replace('-', '_')}": password(n) for n in NODES}}

    def start(self, index: int | None = None) -> None:
        for i in range(len(self.ports)) if index is None else [index]:
            log = (self.root / f"n{i + 1}.log").open("ab")
            self.processes[i] = subprocess.Popen(
                ["nats-server", "-c", str(self.root / "nats-server.conf")],
                env=self.environment(i), stdout=log, stderr=log)
            log.close()
        wait_for(self.ready, 30, "the NATS servers' JetStream cluster")

    def log(self, index: int) -> str:
        return (self.root / f"n{index + 1}.log").read_text(errors="replace")

    def ready(self) -> bool:
        """Every running server answers a JetStream request (its cluster has a leader)."""
        for i, process in enumerate(self.processes):
            if process is None:
                continue
            assert process.poll() is None, f"nats-server n{i + 1} exited:\n{self.log(i)}"
            if not asyncio.run(answers(self.url(i))):
                return False
        return True

    def kill(self, index: int) -> None:
        """`kill -9` of one server."""
        process = self.processes[index]
        assert process is not None
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        self.processes[index] = None

    def stop(self) -> None:
        for process in self.processes:
            if process is not None:
                process.terminate()
        for process in self.processes:
            if process is not None:
                ended(process, 10)
        self.processes = [None] * len(self.ports)


class Cable:
    """A loopback relay to one server; `cut()` pulls it out, `mend()` puts it back."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.setblocking(False)
        self.port = int(self.listener.getsockname()[1])
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.listener, selectors.EVENT_READ)
        self.peers: dict[socket.socket, socket.socket | None] = {}
        self.is_cut = False
        self.stopping = False
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._run, name="cable", daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def cut(self) -> None:
        with self.lock:
            self.is_cut = True

    def mend(self) -> None:
        """Back in: what was held while cut is dropped, new connections go through."""
        with self.lock:
            self.is_cut = False
            for sock in list(self.peers):
                self._close(sock)

    def _close(self, sock: socket.socket) -> None:
        peer = self.peers.pop(sock, None)
        for one in (sock, peer):
            if one is not None:
                with contextlib.suppress(KeyError, ValueError, OSError):
                    self.selector.unregister(one)
                one.close()
        if peer is not None:
            self.peers.pop(peer, None)

    def _run(self) -> None:
        while not self.stopping:
            for key, _ in self.selector.select(timeout=0.05):
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                with self.lock:
                    if sock is self.listener:
                        self._accept()
                    elif sock in self.peers:
                        self._pump(sock)

    def _accept(self) -> None:
        try:
            client, _ = self.listener.accept()
        except OSError:
            return
        upstream = None
        if not self.is_cut:
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target), timeout=2)
            except OSError:
                client.close()
                return
            self.peers[upstream] = client
            self.selector.register(upstream, selectors.EVENT_READ)
        self.peers[client] = upstream
        self.selector.register(client, selectors.EVENT_READ)

    def _pump(self, sock: socket.socket) -> None:
        try:
            data = sock.recv(65536)
        except OSError:
            data = b""
        if not data:
            self._close(sock)
            return
        peer = self.peers.get(sock)
        if self.is_cut or peer is None:
            return  # into the void
        try:
            peer.sendall(data)
        except OSError:
            self._close(sock)

    def close(self) -> None:
        self.stopping = True
        self.thread.join(timeout=5)
        with self.lock:
            for sock in list(self.peers):
                self._close(sock)
        self.selector.close()
        self.listener.close()


async def answers(url: str) -> bool:
    """A node's user gets an answer from JetStream through the server at `url`."""
    import nats

    try:
        client = await nats.connect(url, user=NODES[0], password=password(NODES[0]),
                                    allow_reconnect=False, connect_timeout=1)
    except Exception:
        return False
    try:
        await client.jetstream().account_info()
        return True
    except Exception:
        return False
    finally:
        with contextlib.suppress(Exception):
            await client.close()
