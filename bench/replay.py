"""Replay speed: `carte replay` of a journal of 1,000 contributions to an H.264 + AAC
film at 1280x720, in frames per second of wall time (aim: at least real time), and a
rough profile of where the time goes.

The real command runs in this process (`engine.cli.main`); a few of its callables are
wrapped with wall-time counters (a stopwatch, not a profiler, so the run is not slowed):
`Engine.step` (the frame: Python and GL submission, the offline soundscape inside it),
`Soundscape.process` (the sound), `FrameTarget.pixels` (waiting for llvmpipe and reading
the frame back), `Engine.receive` (placing arrivals) and `render_film` (the whole film).
Encoding and muxing is what `render_film` spends outside the others; setup (engine,
journal read) is what the command spends outside `render_film`.
"""

from __future__ import annotations

import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Any

import engine.film
from bench.common import SIZE, Aim, Row, fabricated, make_project, write_journal
from engine.app import Engine
from engine.audio.host import Soundscape
from engine.cli import main as carte
from engine.config import load_config
from engine.render.surface import FrameTarget

GROUP = "replay"
CONTRIBUTIONS = 1000
WRAPPED: dict[str, tuple[object, str]] = {
    "film": (engine.film, "render_film"), "frame": (Engine, "step"),
    "sound": (Soundscape, "process"), "read-back": (FrameTarget, "pixels"),
    "arrivals": (Engine, "receive")}


@contextmanager
def stopwatch(targets: dict[str, tuple[object, str]]) -> Iterator[dict[str, float]]:
    """Add up the wall time spent in each named callable while inside the block."""
    totals: dict[str, float] = defaultdict(float)
    originals = {label: getattr(owner, name) for label, (owner, name) in targets.items()}

    def counted(label: str, original: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(original)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                totals[label] += time.perf_counter() - started
        return wrapper

    for label, (owner, name) in targets.items():
        setattr(owner, name, counted(label, originals[label]))
    try:
        yield totals
    finally:
        for label, (owner, name) in targets.items():
            setattr(owner, name, originals[label])


def figures(quick: bool) -> list[Row]:
    seconds = 2.0 if quick else 15.0
    with tempfile.TemporaryDirectory(prefix="carte-bench-replay-") as name:
        folder = Path(name)
        config_path = make_project(folder, {"audio": {"backend": '"offline"'}})
        config = load_config(config_path)
        write_journal(config, fabricated(CONTRIBUTIONS, 0, config.event.themes))
        frames = round(seconds * config.display.fps)
        with stopwatch(WRAPPED) as spent:
            started = time.perf_counter()
            code = carte(["replay", "--config", str(config_path), "--out",
                          str(folder / "film.mp4"), "--duration", f"{seconds:g}",
                          "--size", f"{SIZE[0]}x{SIZE[1]}"])
            total = time.perf_counter() - started
    if code != 0:
        raise RuntimeError(f"carte replay exited {code}")
    fps = frames / total
    shares = {
        "frame loop, Python and GL submission (Engine.step less sound)":
            spent["frame"] - spent["sound"],
        "GL: waiting for llvmpipe and reading the frame back": spent["read-back"],
        "encoding and muxing (H.264 + AAC)":
            spent["film"] - spent["frame"] - spent["read-back"] - spent["arrivals"],
        "soundscape, offline (pyo)": spent["sound"],
        "placing arrivals (layout)": spent["arrivals"],
        "setup: engine, journal read": total - spent["film"],
    }
    rows = [Row(GROUP, f"replay, {CONTRIBUTIONS:,} contributions, {SIZE[0]}x{SIZE[1]}, "
                f"{config.display.fps} fps film", fps, "frames/s", float(config.display.fps),
                "real time", Aim(1.0, at_least=True),
                f"`carte replay --duration {seconds:g}` ({frames} frames, soundscape "
                f"offline), {total:.1f} s of wall time; arrivals spread over the film.")]
    rows += [Row(GROUP, f"replay time share: {label}", 100 * value / total, "%")
             for label, value in shares.items()]
    return rows
