"""OSCQuery under load, beside a live engine drawing on EGL.

    .venv/bin/python bench/oscquery.py [--quick] [--json out.json]

A client process (aiohttp, so that it does not share the engine's interpreter) either
asks `GET /carte/layers/...?VALUE` flat out over keep-alive connections, or listens over
a WebSocket to every parameter of a layer while the bench moves all of them each frame
over UDP OSC. Figures, in interleaved rounds (medians):

- HTTP queries answered per second while rendering;
- WebSocket value updates received per second, against those the server streamed
  (each published snapshot's changed values);
- the median frame time with each client, against the same frames with no client.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import SIZE, Aim, Row, interleaved, make_project, table  # noqa: E402
from engine.app import Engine  # noqa: E402
from engine.clock import WallClock  # noqa: E402
from engine.config import load_config  # noqa: E402
from engine.control.replies import encode  # noqa: E402
from engine.render.surface import OffscreenSurface  # noqa: E402

GROUP = "oscquery"
CLIENTS = 4  # concurrent HTTP connections of the query client


async def ask(url: str, seconds: float) -> int:
    import aiohttp

    answered = 0
    end = time.monotonic() + seconds

    async def one(session: aiohttp.ClientSession) -> None:
        nonlocal answered
        while time.monotonic() < end:
            async with session.get(url) as answer:
                await answer.read()
                answered += answer.status == 200

    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(one(session) for _ in range(CLIENTS)))
    return answered


async def listen(url: str, paths: list[str], seconds: float) -> int:
    import aiohttp

    received = 0
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
        for path in paths:
            await ws.send_str(json.dumps({"COMMAND": "LISTEN", "DATA": path}))
        print("ready", flush=True)
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            try:
                message = await ws.receive(timeout=left)
            except TimeoutError:
                break
            received += message.type == aiohttp.WSMsgType.BINARY
    return received


def client(mode: str, url: str, seconds: float, paths: list[str]) -> None:
    """The client process: prints how many answers or updates it got."""
    count = asyncio.run(ask(url, seconds) if mode == "http" else listen(url, paths, seconds))
    print(count, flush=True)


class Bench:
    """A live engine with OSCQuery on, stepped as `Engine.run` steps it."""

    def __init__(self, folder: Path) -> None:
        config = load_config(make_project(folder, {"oscquery": {"port": "0"}}))
        self.engine = Engine(config, OffscreenSurface(SIZE), WallClock(config.display.fps),
                             live=True)
        self.engine.start()
        assert self.engine.control is not None and self.engine.control.query is not None
        host, port = self.engine.control.query.address
        self.http = f"http://{host}:{port}"
        self.osc = self.engine.control.server.address
        self.params = [r.address for r in self.engine.control.server.space.routes
                       if r.param is not None and r.param.type == "float"
                       and r.section == "Layers"]
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.frames(1.0)

    def frames(self, seconds: float, move: bool = False) -> list[float]:
        """Frames for `seconds` (moving every layer fader once a frame); their times."""
        taken, end, index = [], time.perf_counter() + seconds, 0
        while time.perf_counter() < end:
            if move:
                index += 1
                for address in self.params:
                    self.sock.sendto(encode(address, [(index % 100) / 100]), self.osc)
            started = time.perf_counter()
            self.engine.step()
            self.engine.surface.ctx.finish()
            taken.append(time.perf_counter() - started)
            self.engine.clock.wait()
        return taken

    def quiet(self, seconds: float) -> list[float]:
        return [statistics.median(self.frames(seconds, move=True))]

    def queried(self, seconds: float) -> list[float]:
        process = self._client("http", self.http + self.params[0] + "?VALUE", seconds)
        frame = statistics.median(self.frames(seconds, move=True))
        answered = int(process.communicate(timeout=60)[0].split()[-1])
        return [frame, answered / seconds]

    def listened(self, seconds: float) -> list[float]:
        process = self._client("ws", self.http.replace("http", "ws") + "/", seconds + 0.5)
        assert process.stdout is not None
        process.stdout.readline()  # "ready": listening to every path
        query = self.engine.control.query  # type: ignore[union-attr]
        before = query.updates
        taken = self.frames(seconds, move=True)
        received = int(process.communicate(timeout=60)[0].split()[-1])
        return [statistics.median(taken), received / seconds,
                (query.updates - before) / seconds]

    def _client(self, mode: str, url: str, seconds: float) -> subprocess.Popen[str]:
        return subprocess.Popen([sys.executable, __file__, "--client", mode, url,
                                 str(seconds), *self.params], stdout=subprocess.PIPE,
                                text=True, cwd=ROOT)

    def close(self) -> None:
        self.sock.close()
        self.engine.close()


def figures(quick: bool) -> list[Row]:
    rounds, seconds = (2, 2.0) if quick else (5, 5.0)
    with tempfile.TemporaryDirectory(prefix="carte-bench-oscquery-") as folder:
        bench = Bench(Path(folder))
        try:
            (quiet,), (frame_http, answered), (frame_ws, received, published) = interleaved(
                rounds, [lambda: bench.quiet(seconds), lambda: bench.queried(seconds),
                         lambda: bench.listened(seconds)])
        finally:
            bench.close()
    note = (f"{SIZE[0]}x{SIZE[1]} on EGL, every layer fader moved over UDP each frame; "
            f"the HTTP client keeps {CLIENTS} connections busy; medians of {rounds} rounds "
            f"of {seconds:g} s.")
    return [
        Row(GROUP, "HTTP ?VALUE queries answered while rendering", answered, "/s",
            note=note),
        Row(GROUP, "WebSocket value updates received while rendering", received, "/s",
            published, "updates streamed", Aim(0.95, at_least=True)),
        Row(GROUP, "median frame, HTTP client querying", frame_http * 1000, "ms",
            quiet * 1000, "no client", Aim(1.5)),
        Row(GROUP, "median frame, WebSocket client listening", frame_ws * 1000, "ms",
            quiet * 1000, "no client", Aim(1.2)),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 rounds of 2 s")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    parser.add_argument("--client", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        mode, url, seconds, *paths = args.client
        client(mode, url, float(seconds), paths)
        return 0
    rows = figures(args.quick)
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps([r.as_json() for r in rows], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
