"""A real aiohttp client on its own loop thread, for tests that step an engine meanwhile."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import aiohttp


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    cookies: dict[str, Any]

    def json(self) -> Any:
        import json
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


class Client:
    """`request()` runs on the client's loop; `pump` (the engine's step) runs meanwhile on
    the calling (main) thread, so the frame loop goes on while the server answers."""

    def __init__(self, base: str, pump: Callable[[], object] | None = None) -> None:
        self.base = base
        self.pump = pump
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="test-client",
                                       daemon=True)
        self.thread.start()
        self.session: aiohttp.ClientSession = self.run(self._session())

    async def _session(self) -> aiohttp.ClientSession:
        return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))

    def run(self, coroutine: Coroutine[Any, Any, Any], seconds: float = 60) -> Any:
        future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        deadline = time.monotonic() + seconds
        while not future.done():
            assert time.monotonic() < deadline, "no answer in time"
            if self.pump is not None:
                self.pump()
            time.sleep(0.005)
        return future.result()

    def request(self, method: str, path: str, **options: Any) -> Answer:
        async def go() -> Answer:
            async with self.session.request(method, self.base + path,
                                            allow_redirects=False, **options) as response:
                return Answer(response.status, dict(response.headers), await response.read(),
                              {k: v for k, v in response.cookies.items()})
        return self.run(go())

    def later(self, method: str, path: str, **options: Any) -> asyncio.Future[Any]:
        """Start a request without waiting for it (a slow upload)."""
        async def go() -> int:
            async with self.session.request(method, self.base + path, **options) as response:
                await response.read()
                return response.status
        return asyncio.run_coroutine_threadsafe(go(), self.loop)

    def close(self) -> None:
        self.run(self.session.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        self.loop.close()


def form(**fields: Any) -> aiohttp.FormData:
    """A multipart form; a (bytes, content type) value is a file part."""
    data = aiohttp.FormData(default_to_multipart=True)
    for name, value in fields.items():
        if isinstance(value, tuple):
            data.add_field(name, value[0], filename=value[2] if len(value) > 2 else "x",
                           content_type=value[1])
        else:
            data.add_field(name, value)
    return data
