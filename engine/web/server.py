"""The web server's thread: its own asyncio loop, started and stopped with the engine.

`start()` returns once the port is open, or raises `WebBindError` naming the config key
to change (a taken port, a wrong host), as the OSC server does.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import resource
import socket
import threading
import warnings
from collections.abc import Callable
from pathlib import Path

from aiohttp import web
from aiohttp.multipart import BadContentDispositionHeader, BadContentDispositionParam

from engine.config import Config
from engine.control.connections import ConnectionGate, GatedSite
from engine.journal.archive import Archive
from engine.journal.cache import PayloadCache
from engine.journal.journal import Journal
from engine.web.board import Board
from engine.web.door import Door
from engine.web.guard import Moderators, Pace
from engine.web.routes import Site, build_app

log = logging.getLogger(__name__)
LOGINS_PER_MINUTE = 10.0
FILES = 8192  # open files wanted: a plenary's phones, each a connection and a staged file


class OneLine(logging.Filter):
    """aiohttp's own reports of what a client sent wrong (a 70 KB request line, a
    connection reset) as one line, without the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            record.msg = "web: a client's request was refused: %s"
            record.args = (" ".join(str(error).split())[:200] or type(error).__name__,)
            record.levelno, record.levelname = logging.INFO, "INFO"
            record.exc_info = record.exc_text = None
        return True


logging.getLogger("aiohttp.server").addFilter(OneLine())
# A malformed part header is answered 400 already; aiohttp would also print it, raw (a
# visitor's bytes on the terminal, past the log's escaping), as a warning.
for bad in (BadContentDispositionHeader, BadContentDispositionParam):
    warnings.filterwarnings("ignore", category=bad)


class WebBindError(Exception):
    """The web port cannot be opened; the message names the config key to change."""

    def __init__(self, host: str, port: int, key: str, why: str) -> None:
        super().__init__(f"cannot serve the web door on {host}:{port}: {why}; "
                         f"change {key} in the config file")
        self.key = key


class WebServer:
    """The participant page, the console and the API, on a thread of their own."""

    def __init__(self, config: Config, journal: Journal, board: Board,
                 hand: Callable[[Path], None]) -> None:
        web_config = config.web
        self.config = config
        self.door = Door(config.paths.inbox, Archive(config.paths.data / "archive"), journal,
                         web_config.premoderation, web_config.staging_mb << 20, hand)
        self.gate = ConnectionGate(web_config.connections_per_address,
                                   web_config.header_seconds, web_config.min_rate_kb * 1024,
                                   "web")
        self.site = Site(config, journal, self.door, board,
                         Moderators(web_config.moderator_token),
                         Pace(web_config.uploads_per_minute, web_config.burst),
                         Pace(LOGINS_PER_MINUTE, 5), PayloadCache(config.paths.data / "cache"),
                         self.gate)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.thread: threading.Thread | None = None
        self.runner: web.AppRunner | None = None
        self.port = web_config.port

    def start(self) -> None:
        """Open the port (raising `WebBindError`) and serve on a thread; once."""
        if self.thread is not None:
            return
        ready = threading.Event()
        failure: list[BaseException] = []
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, args=(ready, failure), name="web",
                                       daemon=True)
        self.thread.start()
        ready.wait()
        if failure:
            self.thread.join(timeout=5)
            self.thread = None
            raise failure[0]
        log.info("web door on http://%s:%d/ (moderators: /moderation)",
                 self.config.web.host, self.port)

    def _run(self, ready: threading.Event, failure: list[BaseException]) -> None:
        loop = self.loop
        assert loop is not None
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._open())
        except BaseException as error:
            failure.append(error)
            loop.run_until_complete(self._close())
            loop.close()
            ready.set()
            return
        ready.set()
        loop.run_forever()
        loop.run_until_complete(self._close())
        leftover = asyncio.all_tasks(loop)  # idle keep-alive connections
        for task in leftover:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*leftover, return_exceptions=True))
        loop.close()

    async def _open(self) -> None:
        host, port = self.config.web.host, self.config.web.port
        self.door.open()
        more_files()
        self.runner = web.AppRunner(build_app(self.site), access_log=None,
                                    handle_signals=False, shutdown_timeout=1.0)
        await self.runner.setup()
        try:
            sock = listening(host, port)
        except OSError as error:
            raise bind_error(host, port, error) from error
        await GatedSite(self.runner, sock, self.gate).start()
        self.port = sock.getsockname()[1]

    async def _close(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None
        self.door.close()

    def stop(self) -> None:
        """Stop serving and join the thread (safe when not started)."""
        if self.thread is None or self.loop is None:
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.thread = None


def listening(host: str, port: int) -> socket.socket:
    """A listening TCP socket for the door (IPv4 or IPv6, as `host` says)."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM,
                                                         flags=socket.AI_PASSIVE)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(256)
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock


def more_files() -> None:
    """Raise this process's open-file limit toward `FILES` where the system allows: the
    usual 1024 is a few hundred phones uploading at once."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = FILES if hard == resource.RLIM_INFINITY else min(FILES, hard)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def bind_error(host: str, port: int, error: OSError) -> WebBindError:
    if error.errno == errno.EADDRINUSE:
        return WebBindError(host, port, "[web] port", f"port {port} is already in use "
                            "(another carte, or another web server?)")
    if error.errno == errno.EACCES:
        return WebBindError(host, port, "[web] port", f"port {port} needs privileges; "
                            "use a port above 1023")
    return WebBindError(host, port, "[web] host", f"{error.strerror or error}; is {host} an "
                        "address of this machine?")
