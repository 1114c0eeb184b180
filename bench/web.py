"""The web door under a plenary's load: phones sending full-size photos while the engine
renders.

    .venv/bin/python bench/web.py [--quick]

A live engine (EGL, 1280x720, pre-moderation off so that "on the carte" means drawn)
serves its web door on loopback with the shipped [web] settings (burst 3, 6 a minute,
the disk budget): nothing widened. Each participant is a phone of its own address
(127.0.0.x) and sends its photos one after the other as the page does: a 429 or 503 is
waited out (Retry-After) and the photo sent again. Photos are 7 to 12 MP JPEGs of a
phone's size (each distinct). Figures: photos never received, answers told to wait,
the time from the start of an upload to its answer and to the photo drawn on the carte
(p50, p95), and frame times while they arrive against the same engine's frames without
traffic, side by side.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import random
import statistics
import struct
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)

import aiohttp  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from bench.common import SIZE, Aim, Row, make_project, table  # noqa: E402
from engine.app import Engine  # noqa: E402
from engine.clock import WallClock  # noqa: E402
from engine.config import load_config  # noqa: E402
from engine.render.surface import OffscreenSurface  # noqa: E402
from tests.web_client import Client, form  # noqa: E402

GROUP = "web"
TOKEN = "banc-d-essai-du-web"
SIZES = ((3264, 2448), (3648, 2736), (4000, 3000))  # 8, 10 and 12 MP, as phones take
STAGGER = 5.0  # seconds over which the participants start, as a room's hands go up


def base_photo(size: tuple[int, int], seed: int) -> bytes:
    """A phone-like photo: soft shapes and fine grain, so it weighs what a photo does."""
    rng = np.random.default_rng(seed)
    width, height = size
    soft = Image.fromarray(rng.integers(0, 255, (24, 32, 3), dtype=np.uint8)).resize(
        (width, height), Image.BICUBIC)
    pixels = np.asarray(soft, dtype=np.int16)
    pixels = pixels + rng.integers(-12, 12, (height, width, 1), dtype=np.int16)
    out = io.BytesIO()
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(out, "JPEG", quality=90)
    return out.getvalue()


def distinct(jpeg: bytes, number: int) -> bytes:
    """The same picture as other bytes (a comment segment), as two shots are."""
    comment = f"photo {number}".encode()
    return jpeg[:2] + b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment + jpeg[2:]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def measure(participants: int, photos: int, folder: Path) -> list[Row]:
    config = make_project(folder, {"web": {"enabled": "true", "port": "0", "host": '"0.0.0.0"',
                                           "moderator_token": f'"{TOKEN}"',
                                           "premoderation": "false"},
                                   "osc": {"enabled": "false"},
                                   "oscquery": {"enabled": "false"}})
    engine = Engine(load_config(config), OffscreenSurface(SIZE), WallClock(60, paced=False),
                    live=True)
    bases = [base_photo(SIZES[i % len(SIZES)], i) for i in range(len(SIZES))]
    megabytes = statistics.mean(len(b) for b in bases) / 2**20
    answered: list[float] = []
    still: list[float] = []  # answers while the engine draws nothing
    told_to_wait = [0]
    never: list[int] = []
    started: dict[str, float] = {}
    on_carte: dict[str, float] = {}

    def frames(count: int, traffic: bool) -> list[float]:
        times = []
        for _ in range(count):
            begun = time.perf_counter()
            engine.step()
            times.append((time.perf_counter() - begun) * 1000)
            if traffic:
                now = time.monotonic()
                for id in started.keys() - on_carte.keys():
                    if id in engine.carte.ids:
                        on_carte[id] = now
        return times

    try:
        engine.start()
        assert engine.web is not None
        port = engine.web.server.port
        idle = engine.config.web.header_seconds / 2
        client = Client(f"http://127.0.0.1:{port}")

        async def participant(number: int, shots: range, times: list[float]) -> None:
            await asyncio.sleep(random.Random(number).uniform(0, STAGGER))
            address = f"127.0.{1 + number // 200}.{10 + number % 200}"
            # A phone lets an idle connection go before the door does (it closes one idle
            # for `header_seconds`), or a photo sent after a Retry-After of that length
            # races the close; a browser would send it again on a fresh connection.
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(
                    local_addr=(address, 0), keepalive_timeout=idle)) as phone:
                for shot in shots:
                    index = number * (photos + 1) + shot  # distinct, the extra one too
                    picture = distinct(bases[index % len(bases)], index)
                    for _ in range(20):
                        begun = time.monotonic()
                        async with phone.post(f"http://127.0.0.1:{port}/api/contributions",
                                              data=form(file=(picture, "image/jpeg"))) as answer:
                            body = await answer.json()
                            if answer.status == 202:
                                times.append(time.monotonic() - begun)
                                started.setdefault(body["id"], begun)
                                break
                            if answer.status not in (429, 503):
                                never.append(index)
                                break
                            told_to_wait[0] += 1
                            await asyncio.sleep(float(answer.headers.get("Retry-After", 5)))
                    else:
                        never.append(index)

        async def everyone(shots: range, times: list[float]) -> None:
            await asyncio.gather(*(participant(n, shots, times) for n in range(participants)))

        try:
            quiet = frames(120, False)
            begun = time.monotonic()
            uploads = asyncio.run_coroutine_threadsafe(everyone(range(photos), answered),
                                                       client.loop)
            loaded: list[float] = []
            while not uploads.done():
                loaded += frames(10, True)
            uploads.result()
            sending = time.monotonic() - begun
            deadline = time.monotonic() + 600
            while started.keys() - on_carte.keys() and time.monotonic() < deadline:
                loaded += frames(5, True)
            # The reference: one more photo from each phone while no frame is drawn,
            # so the same door answers without the renderer beside it.
            asyncio.run_coroutine_threadsafe(everyone(range(photos, photos + 1), still),
                                             client.loop).result()
        finally:
            client.close()
    finally:
        engine.close()
    latency = [on_carte[id] - started[id] for id in started if id in on_carte]
    total = participants * photos
    what = f"{participants} phones x {photos} photos of {megabytes:.1f} MB (8-12 MP)"
    load = os.getloadavg()[0]
    return [
        Row(GROUP, f"photos never received ({what})", len(never), "", note=f"of {total}",
            aim=Aim(0, on="value")),
        Row(GROUP, "answers 'wait' (429 rate or 503 disk), then sent again",
            told_to_wait[0], "", note="burst 3, 6 a minute per phone"),
        Row(GROUP, "upload to answer (202), p50", statistics.median(answered), "s",
            statistics.median(still), "the same door, no frame drawn"),
        Row(GROUP, "upload to answer (202), p95", percentile(answered, 0.95), "s",
            percentile(still, 0.95), "the same door, no frame drawn", Aim(2.0, on="value")),
        Row(GROUP, "upload to on the carte, p50", statistics.median(latency), "s"),
        Row(GROUP, "upload to on the carte, p95", percentile(latency, 0.95), "s",
            aim=Aim(10.0, on="value"),
            note=f"{len(latency)} of {total} drawn; sending took {sending:.0f} s"),
        Row(GROUP, "frame ms median while photos arrive", statistics.median(loaded), "ms",
            statistics.median(quiet), "the same engine without traffic", Aim(2.0)),
        Row(GROUP, "frame ms p95 while photos arrive", percentile(loaded, 0.95), "ms",
            percentile(quiet, 0.95), "the same engine without traffic",
            note=f"load average {load:.1f} at the end"),
    ]


def figures(quick: bool) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="carte-bench-web-") as folder:
        return measure(10, 3, Path(folder)) if quick else measure(50, 5, Path(folder))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 phones x 3 photos")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rows = figures(args.quick)
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps([row.as_json() for row in rows], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
