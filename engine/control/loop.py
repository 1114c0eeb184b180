"""An asyncio event loop on its own thread, for servers that live beside the frame loop.

    runner = LoopThread("oscquery")
    runner.start(setup)          # runs `await setup()` on the loop; its error is raised here
    runner.call(fn, *args)       # from any thread, never waits
    runner.stop(teardown)        # `await teardown()`, then the loop ends and the thread joins

Small and self-contained so that other doors (the web pages) can share the pattern.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)
JOIN = 5.0  # seconds start and stop wait for the loop


class LoopThread:
    """One thread running one event loop until `stop`."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.loop: asyncio.AbstractEventLoop | None = None
        self.thread: threading.Thread | None = None

    def start(self, setup: Callable[[], Awaitable[Any]]) -> None:
        """Start the thread and run `setup` on it; raises what `setup` raised."""
        if self.thread is not None:
            return
        loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(loop)
            loop.call_soon(ready.set)
            loop.run_forever()
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

        self.loop = loop
        self.thread = threading.Thread(target=run, name=self.name, daemon=True)
        self.thread.start()
        ready.wait(JOIN)
        try:
            asyncio.run_coroutine_threadsafe(_awaited(setup), loop).result(JOIN * 2)
        except BaseException:
            self._end()
            raise

    def call(self, function: Callable[..., Any], *args: Any) -> None:
        """Run `function(*args)` on the loop soon; from any thread, never waits."""
        loop = self.loop
        if loop is not None and not loop.is_closed():
            # closed between the check and the call: stopping anyway
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(function, *args)

    def stop(self, teardown: Callable[[], Awaitable[Any]] | None = None) -> None:
        """Run `teardown` on the loop (errors logged), then end the loop and join."""
        loop = self.loop
        if loop is None or self.thread is None:
            return
        if teardown is not None:
            try:
                asyncio.run_coroutine_threadsafe(_awaited(teardown), loop).result(JOIN)
            except (Exception, concurrent.futures.TimeoutError):
                log.exception("%s: stopping did not finish cleanly", self.name)
        self._end()

    def _end(self) -> None:
        loop, thread = self.loop, self.thread
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            thread.join(JOIN)
        self.loop = self.thread = None


async def _awaited(make: Callable[[], Awaitable[Any]]) -> Any:
    return await make()
