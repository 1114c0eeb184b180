"""Building real engines on EGL for tests, and stepping them until something shows."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from engine.app import Engine
from engine.clock import Clock, FixedClock
from engine.config import load_config
from engine.render.surface import OffscreenSurface

SIZE = (320, 180)


def make_engine(config: Path, live: bool = False, clock: Clock | None = None,
                size: tuple[int, int] = SIZE) -> Engine:
    return Engine(load_config(config), OffscreenSurface(size), clock or FixedClock(30), live)


def step_until(engine: Engine, condition: Callable[[], bool], seconds: float) -> float:
    """Step frames until `condition` holds; returns the wall time it took."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < seconds, f"not within {seconds} s"
        engine.step()
        time.sleep(0.01)
    return time.monotonic() - started
