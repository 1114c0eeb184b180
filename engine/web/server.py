"""The web server's thread: its own asyncio loop, started and stopped with the engine.

`start()` returns once the port is open, or raises `WebBindError` naming the config key
to change (a taken port, a wrong host), as the OSC server does.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import threading
from collections.abc import Callable
from pathlib import Path

from aiohttp import web

from engine.config import Config
from engine.journal.cache import PayloadCache
from engine.journal.journal import Journal
from engine.web.board import Board
from engine.web.door import Door
from engine.web.guard import Moderators, Pace
from engine.web.routes import Site, build_app

log = logging.getLogger(__name__)
LOGINS_PER_MINUTE = 10.0


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
        self.door = Door(config.paths.inbox, journal, web_config.premoderation,
                         web_config.queue, web_config.answer_seconds, hand)
        self.site = Site(config, journal, self.door, board,
                         Moderators(web_config.moderator_token),
                         Pace(web_config.uploads_per_minute, web_config.burst),
                         Pace(LOGINS_PER_MINUTE, 5), PayloadCache(config.paths.data / "cache"))
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
        self.door.open(asyncio.get_running_loop())
        self.runner = web.AppRunner(build_app(self.site), access_log=None,
                                    handle_signals=False)
        await self.runner.setup()
        site = web.TCPSite(self.runner, host, port, backlog=256)
        try:
            await site.start()
        except OSError as error:
            raise bind_error(host, port, error) from error
        sockets = [s for s in (self.runner.addresses or [])]
        if sockets:
            self.port = sockets[0][1]

    async def _close(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None

    def stop(self) -> None:
        """Stop serving and join the thread (safe when not started)."""
        if self.thread is None or self.loop is None:
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.thread = None


def bind_error(host: str, port: int, error: OSError) -> WebBindError:
    if error.errno == errno.EADDRINUSE:
        return WebBindError(host, port, "[web] port", f"port {port} is already in use "
                            "(another carte, or another web server?)")
    if error.errno == errno.EACCES:
        return WebBindError(host, port, "[web] port", f"port {port} needs privileges; "
                            "use a port above 1023")
    return WebBindError(host, port, "[web] host", f"{error.strerror or error}; is {host} an "
                        "address of this machine?")
