"""The web door under load: simulated participants uploading photos while the engine
renders.

    .venv/bin/python bench/web.py [--quick]

A live engine (EGL, 1280x720, pre-moderation off) serves its web door on loopback;
participants (aiohttp clients on a thread of their own) each send photos one after the
other, all participants at once. Figures: uploads acknowledged per second, the time from
the start of an upload to the photo being on the carte (median, p95), and frame time
while they arrive against the same engine's frames without traffic, side by side.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)

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


def photo(index: int) -> bytes:
    """A distinct 1600x1200 JPEG (a phone's photo, smaller than most)."""
    rng = np.random.default_rng(index)
    small = rng.integers(0, 255, (12, 16, 3), dtype=np.uint8)
    image = Image.fromarray(small).resize((1600, 1200), Image.BILINEAR)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def measure(participants: int, photos: int, folder: Path) -> list[Row]:
    config = make_project(folder, {"web": {"enabled": "true", "port": "0", "host": '"127.0.0.1"',
                                           "moderator_token": f'"{TOKEN}"',
                                           "premoderation": "false", "burst": "1000",
                                           "uploads_per_minute": "100000.0", "queue": "256",
                                           "answer_seconds": "120.0"},
                                   "osc": {"enabled": "false"}})
    engine = Engine(load_config(config), OffscreenSurface(SIZE), WallClock(60, paced=False),
                    live=True)
    pictures = [photo(i) for i in range(participants * photos)]
    started: dict[int, float] = {}
    acknowledged: dict[str, int] = {}
    on_carte: dict[str, float] = {}

    def frames(count: int, traffic: bool) -> list[float]:
        times = []
        for _ in range(count):
            begun = time.perf_counter()
            engine.step()
            times.append((time.perf_counter() - begun) * 1000)
            if traffic:
                now = time.monotonic()
                for id in acknowledged.keys() - on_carte.keys():
                    if id in engine.carte.ids:
                        on_carte[id] = now
        return times

    try:
        engine.start()
        assert engine.web is not None
        client = Client(f"http://127.0.0.1:{engine.web.server.port}")

        async def participant(number: int) -> None:
            for index in range(number * photos, (number + 1) * photos):
                started[index] = time.monotonic()
                data = form(file=(pictures[index], "image/jpeg"))
                async with client.session.post(client.base + "/api/contributions",
                                               data=data) as answer:
                    if answer.status == 202:
                        acknowledged[(await answer.json())["id"]] = index

        async def everyone() -> None:
            await asyncio.gather(*(participant(n) for n in range(participants)))

        try:
            quiet = frames(120, False)
            begun = time.monotonic()
            uploads = asyncio.run_coroutine_threadsafe(everyone(), client.loop)
            loaded: list[float] = []
            while not uploads.done():
                loaded += frames(10, True)
            uploads.result()
            seconds = time.monotonic() - begun
            deadline = time.monotonic() + 60
            while acknowledged.keys() - on_carte.keys() and time.monotonic() < deadline:
                frames(5, True)
        finally:
            client.close()
    finally:
        engine.close()
    latency = [on_carte[id] - started[index] for id, index in acknowledged.items()
               if id in on_carte]
    total = participants * photos
    what = f"{participants} participants x {photos} photos"
    return [
        Row(GROUP, f"photos acknowledged ({what})", len(acknowledged), "", total,
            "photos sent", Aim(1.0, at_least=True)),
        Row(GROUP, "uploads acknowledged per second", len(acknowledged) / seconds, "/s"),
        Row(GROUP, "upload start to on the carte, median", statistics.median(latency), "s"),
        Row(GROUP, "upload start to on the carte, p95", percentile(latency, 0.95), "s",
            note="every photo decoded by intake's workers, journaled, then placed"),
        Row(GROUP, "frame ms median while photos arrive", statistics.median(loaded), "ms",
            statistics.median(quiet), "the same engine without traffic", Aim(2.0)),
        Row(GROUP, "frame ms p95 while photos arrive", percentile(loaded, 0.95), "ms",
            percentile(quiet, 0.95), "the same engine without traffic"),
    ]


def figures(quick: bool) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="carte-bench-web-") as folder:
        return measure(20, 3, Path(folder)) if quick else measure(50, 5, Path(folder))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 participants x 3 photos")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rows = figures(args.quick)
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps([row.as_json() for row in rows], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
