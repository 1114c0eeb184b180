"""A live engine on EGL, stepped as `Engine.run` steps it: how fast what people do shows.

- A 12-megapixel JPEG dropped into the inbox until its picture is on screen (on the
  carte and uploaded), against Pillow's own decode-and-resize of the same file, in
  interleaved rounds: once with `[intake] settle_seconds = 0` (the pipeline alone:
  watcher, hashing, worker decode, archive, journal, frame), once as configured (the
  settle time is part of the design: a half-copied file is never read).
- A text dropped until its card is drawn; a shader saved until its new pixels show.
- The worst frame while a burst of 100 photos is taken, against the quiet median.
- OSC to screen: `/carte/transport/blackout` sent at a random moment of a frame, and
  the frames that start after it until the picture is black (1: the next frame).

Files are moved into the inbox with one rename, as a copy tool finishing would, and the
clock starts at the rename.
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
from PIL import Image
from pythonosc.udp_client import SimpleUDPClient

from bench.common import (
    SIZE,
    Aim,
    Row,
    interleaved,
    make_project,
    picture_shown,
    pictures_waiting,
)
from engine.app import Engine
from engine.clock import WallClock
from engine.config import load_config
from engine.render.surface import OffscreenSurface

GROUP = "live"
PHOTO = (4000, 3000)
TIMEOUT = 60.0
FLAT = "gl_FragColor = vec4({}, 1.0);\n}}\n"
COLOURS = {"magenta": (1.0, 0.0, 1.0), "green": (0.0, 1.0, 0.0)}


def photo(path: Path, size: tuple[int, int], seed: int) -> None:
    """A photo-like JPEG (quality 90): a gradient under fine noise, which keeps it from
    compressing to nothing as a real photo's detail does."""
    width, height = size
    y = np.linspace(0, 1, height, dtype=np.float32)[:, None]
    x = np.linspace(0, 1, width, dtype=np.float32)[None, :]
    base = np.stack(np.broadcast_arrays(200 - 120 * y, 80 + 100 * x, 60 + 140 * y * x), axis=2)
    noise = np.random.default_rng(seed).integers(0, 24, (height, width, 3), dtype=np.uint8)
    Image.fromarray(base.astype(np.uint8) + noise).save(path, quality=90)


def pillow(path: Path, size: int) -> float:
    """Pillow's own decode-and-resize of a JPEG to `size` pixels (draft, then thumbnail),
    made an RGBA array like a decoder's payload; seconds."""
    started = time.perf_counter()
    with Image.open(path) as image:
        image.draft("RGB", (size, size))
        image.thumbnail((size, size), Image.Resampling.BILINEAR, reducing_gap=2.0)
        np.asarray(image.convert("RGBA"))
    return time.perf_counter() - started


class Live:
    """A live engine (watchers, intake workers, OSC) over a throwaway project."""

    def __init__(self, folder: Path, settle: float | None = None) -> None:
        settings = {"intake": {"settle_seconds": f"{settle}"}} if settle is not None else {}
        self.config = load_config(make_project(folder, settings))
        self.staging = folder / "staging"
        self.staging.mkdir()
        self.engine = Engine(self.config, OffscreenSurface(SIZE),
                             WallClock(self.config.display.fps), live=True)
        self.engine.start()
        self.run_for(2.0)  # decoder workers spawned, shaders compiled

    def frame(self) -> float:
        """One frame as `Engine.run` draws it, finished; its wall time in seconds."""
        started = time.perf_counter()
        self.engine.step()
        self.engine.surface.ctx.finish()
        took = time.perf_counter() - started
        self.engine.clock.wait()
        return took

    def run_for(self, seconds: float) -> list[float]:
        """Frames for `seconds`; their wall times."""
        end, taken = time.perf_counter() + seconds, []
        while time.perf_counter() < end:
            taken.append(self.frame())
        return taken

    def until(self, shows: Callable[[], bool], timeout: float = TIMEOUT) -> float:
        """Step frames until `shows()`; the moment it first held (inf: never)."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            self.frame()
            if shows():
                return time.perf_counter()
        return float("inf")

    def drop(self, path: Path, relative: str) -> float:
        """Move a finished file into the inbox in one rename; the moment it appeared."""
        target = self.config.paths.inbox / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
        return time.perf_counter()

    def newest_shown(self, before: int) -> bool:
        carte = self.engine.carte
        return len(carte) > before and picture_shown(self.engine,
                                                      carte.placed[-1].contribution.id)

    def close(self) -> None:
        self.engine.close()


def photo_latencies(live: Live, rounds: int, seeds: Iterator[int]) -> tuple[float, float]:
    """Median seconds: a fresh 12-MP JPEG each round dropped until on screen, and
    Pillow decoding a twin of it (same bytes)."""
    made: dict[str, Path] = {}

    def prepare(_: int) -> None:
        seed = next(seeds)
        made["photo"] = live.staging / f"photo-{seed}.jpg"
        made["twin"] = live.staging / f"twin-{seed}.jpg"
        photo(made["photo"], PHOTO, seed)
        shutil.copyfile(made["photo"], made["twin"])

    def engine_run() -> tuple[float]:
        before = len(live.engine.carte)
        dropped = live.drop(made["photo"], f"capacitations/{made['photo'].name}")
        return (live.until(lambda: live.newest_shown(before)) - dropped,)

    def pillow_run() -> tuple[float]:
        return (pillow(made["twin"], live.config.intake.image_size),)

    (shown,), (reference,) = interleaved(rounds, [engine_run, pillow_run], prepare)
    return shown, reference


def text_latency(live: Live, rounds: int) -> tuple[float, float]:
    """Median and worst seconds from a text's drop to its card on screen."""
    taken = []
    for index in range(rounds):
        path = live.staging / f"idée-{index}.txt"
        path.write_text(f"Décider ensemble, vraiment ({index}).\n", encoding="utf-8")
        before = len(live.engine.carte)
        dropped = live.drop(path, f"démocratie/idée-{index}.txt")
        taken.append(live.until(lambda b=before: len(live.engine.carte) > b) - dropped)
        live.run_for(0.3)
    return statistics.median(taken), max(taken)


def colour_is(live: Live, rgb: tuple[float, float, float]) -> bool:
    """Whether a fifth of the frame shows `rgb` (the rest may be cards and pictures,
    and the post effects shift colours a little)."""
    pixels = live.engine.target.pixels()[:, :, :3].astype(np.float32) / 255
    near = (np.abs(pixels - np.asarray(rgb, dtype=np.float32)) < 0.25).all(axis=2)
    return bool(near.mean() > 0.2)


def reload_latency(live: Live, rounds: int) -> tuple[float, float]:
    """Median and worst seconds from saving the field's shader (its last statement
    made a flat colour, alternately magenta and green) until the frame shows it; the
    original is saved back at the end."""
    shader = live.config.paths.shaders / "champ.glsl"
    source = shader.read_text(encoding="utf-8")
    head = source[:source.rindex("gl_FragColor")]
    taken = []
    for index in range(rounds):
        name = ("magenta", "green")[index % 2]
        shader.write_text(head + FLAT.format(", ".join(map(str, COLOURS[name]))),
                          encoding="utf-8")
        saved = time.perf_counter()
        taken.append(live.until(lambda n=name: colour_is(live, COLOURS[n])) - saved)
        live.run_for(0.2)
    shader.write_text(source, encoding="utf-8")  # the real field again, for what follows
    live.until(lambda: not colour_is(live, COLOURS[name]))
    return statistics.median(taken), max(taken)


def send_later(client: SimpleUDPClient, on: bool, delay: float
               ) -> tuple[threading.Timer, list[float]]:
    """Send blackout `on` after `delay` from a timer thread; the list gets the moment."""
    sent: list[float] = []

    def send() -> None:
        client.send_message("/carte/transport/blackout", int(on))
        sent.append(time.perf_counter())

    timer = threading.Timer(delay, send)
    timer.start()
    return timer, sent


def osc_frames(live: Live, rounds: int) -> tuple[float, int, float]:
    """Blackout on and off over OSC, each sent from another thread at a random moment
    within a frame: median and worst count of frames started after the send until the
    picture shows it, and the median seconds."""
    assert live.engine.control is not None
    client = SimpleUDPClient("127.0.0.1", live.engine.control.server.address[1])
    typical = statistics.median(live.run_for(0.5))
    counts, seconds = [], []
    for index in range(rounds):
        on = index % 2 == 0
        timer, sent = send_later(client, on, random.uniform(0.0, typical))
        started_after, shown = 0, float("inf")
        deadline = time.perf_counter() + TIMEOUT
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            live.frame()
            if sent and began >= sent[0]:
                started_after += 1
            peak = int(live.engine.target.pixels()[:, :, :3].max())
            if sent and (peak < 3 if on else peak > 10):
                shown = time.perf_counter()
                break
        timer.join()
        counts.append(started_after)
        seconds.append(shown - sent[0])
        live.run_for(0.1)
    return statistics.median(counts), max(counts), statistics.median(seconds)


def burst(live: Live, count: int, size: tuple[int, int]) -> tuple[float, float, float, float]:
    """`count` photos dropped at once: the worst frame until all are on screen, the
    quiet median before, the burst's 95th percentile, and the seconds it took."""
    folder = live.staging / "burst"
    folder.mkdir()
    paths = []
    for index in range(count):
        paths.append(folder / f"rafale-{index:03d}.jpg")
        photo(paths[-1], size, 20_000 + index)
    quiet = statistics.median(live.run_for(3.0))
    before = len(live.engine.carte)
    started = time.perf_counter()
    for path in paths:
        live.drop(path, f"coopérations/{path.name}")
    during: list[float] = []
    deadline = started + 10 * TIMEOUT
    while time.perf_counter() < deadline:
        during.append(live.frame())
        if len(live.engine.carte) >= before + count and not pictures_waiting(live.engine):
            break
    took = time.perf_counter() - started
    return max(during), quiet, float(np.percentile(during, 95)), took


def figures(quick: bool) -> list[Row]:
    rounds = 3 if quick else 7
    burst_size = (1200, 900) if quick else PHOTO
    seeds = iter(range(1, 10_000))
    rows: list[Row] = []
    pillow_note = ("Reference: Pillow in this process, Image.open + draft + thumbnail to "
                   "[intake] image_size (1024) + RGBA array, on a copy of the file the "
                   "engine gets; each round a fresh 4000x3000 JPEG (quality 90).")
    with tempfile.TemporaryDirectory(prefix="carte-bench-live-") as folder:
        live = Live(Path(folder) / "pipeline", settle=0.0)
        try:
            shown, reference = photo_latencies(live, rounds, seeds)
        finally:
            live.close()
        rows.append(Row(GROUP, "12 MP JPEG drop → on screen, settle excluded "
                        "(settle_seconds = 0)", shown * 1000, "ms", reference * 1000,
                        "Pillow decode + resize", Aim(1.3), pillow_note))
        live = Live(Path(folder) / "configured")
        settle = live.config.intake.settle_seconds
        try:
            text, text_worst = text_latency(live, rounds)
            shown, reference = photo_latencies(live, rounds, seeds)
            frames, frames_worst, osc_seconds = osc_frames(live, 2 * rounds)
            reload, reload_worst = reload_latency(live, rounds + 1)
            worst, quiet, p95, took = burst(live, 100, burst_size)
        finally:
            live.close()
    pixels = f"{burst_size[0]}x{burst_size[1]}"
    rows += [
        Row(GROUP, f"12 MP JPEG drop → on screen, settle included ({settle:g} s as "
            "configured)", shown * 1000, "ms", reference * 1000, "Pillow decode + resize",
            note="The settle time is part of the design (a file is taken once unchanged "
                 "for [intake] settle_seconds, so a half-copied file is never read); the "
                 "aim applies to the row with the settle excluded."),
        Row(GROUP, f"text drop → card on screen (settle {settle:g} s included)", text,
            "s", aim=Aim(1.0, on="value"), note=f"Median of {rounds}; worst {text_worst:.2f} s."),
        Row(GROUP, "shader saved → new pixels (hot reload)", reload, "s",
            aim=Aim(1.0, on="value"),
            note=f"champ.glsl rewritten in place; median of {rounds + 1}, worst "
                 f"{reload_worst:.2f} s."),
        Row(GROUP, f"worst frame during a burst of 100 photos ({pixels})", worst * 1000, "ms",
            quiet * 1000, "median quiet frame", Aim(2.0),
            f"Frames with ctx.finish(), decoders sharing the 2 cores; burst p95 "
            f"{p95 * 1000:.0f} ms; all 100 on screen after {took:.1f} s."),
        Row(GROUP, "OSC → screen (blackout), frames started after the send", frames,
            "frames", aim=Aim(1.0, on="value"),
            note=f"Sent from another thread at a random moment of a frame, {2 * rounds} "
                 f"times; worst {frames_worst} frames; median {osc_seconds * 1000:.0f} ms "
                 "from send to finished frame."),
    ]
    return rows

