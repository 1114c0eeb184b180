"""Clocks the frame loop asks for time: wall time live, a fixed step for renders.

Injecting the clock is what makes `render` (and later `replay`) deterministic: the same
inputs stepped by the same fixed delta give the same frames.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Tick:
    """One frame's time: seconds since start, seconds since last frame, frame index."""

    time: float
    delta: float
    frame: int


class Clock(Protocol):
    def tick(self) -> Tick: ...

    def wait(self) -> None:
        """Sleep until the next frame is due (a no-op where nothing needs pacing)."""


class FixedClock:
    """Advances exactly 1/fps per tick, never looking at the wall."""

    def __init__(self, fps: float) -> None:
        self.step = 1.0 / fps
        self.frame = -1

    def tick(self) -> Tick:
        self.frame += 1
        return Tick(self.frame * self.step, self.step if self.frame else 0.0, self.frame)

    def wait(self) -> None:
        return None


class WallClock:
    """Real time from a monotonic clock; deltas are clamped so a stall never jumps the show."""

    MAX_DELTA = 0.25

    def __init__(self, fps: float, paced: bool = True) -> None:
        self.period = 1.0 / fps
        self.paced = paced
        self.start = time.monotonic()
        self.last = self.start
        self.elapsed = 0.0
        self.frame = -1

    def tick(self) -> Tick:
        now = time.monotonic()
        delta = min(now - self.last, self.MAX_DELTA) if self.frame >= 0 else 0.0
        self.last = now
        self.elapsed += delta
        self.frame += 1
        return Tick(self.elapsed, delta, self.frame)

    def wait(self) -> None:
        if self.paced:
            remaining = self.last + self.period - time.monotonic()
            if remaining > 0:
                time.sleep(remaining)
