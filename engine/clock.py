"""Clocks the frame loop asks for time: wall time live, a fixed step for renders.

Injecting the clock is what makes `render` (and later `replay`) deterministic: the same
inputs stepped by the same fixed delta give the same frames.
"""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass
from typing import Protocol

Date = tuple[float, float, float, float]


@dataclass(frozen=True)
class Tick:
    """One frame's time: seconds since start, seconds since last frame, frame index, and
    the date as shaders read it (ISF's DATE: year, month, day, seconds since midnight)."""

    time: float
    delta: float
    frame: int
    date: Date = (0.0, 0.0, 0.0, 0.0)


def shader_date(moment: datetime.datetime) -> Date:
    """A local date and time as ISF's DATE."""
    midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return (float(moment.year), float(moment.month), float(moment.day),
            (moment - midnight).total_seconds())


class Clock(Protocol):
    def tick(self) -> Tick: ...

    def wait(self) -> None:
        """Sleep until the next frame is due (a no-op where nothing needs pacing)."""


class FixedClock:
    """Advances exactly 1/fps per tick, never looking at the wall; its date is `start`
    (by default the moment it was made) plus the time stepped, so a render given a start
    draws the same DATE each time."""

    def __init__(self, fps: float, start: datetime.datetime | None = None) -> None:
        self.step = 1.0 / fps
        self.frame = -1
        self.start = start or datetime.datetime.now()

    def tick(self) -> Tick:
        self.frame += 1
        seconds = self.frame * self.step
        return Tick(seconds, self.step if self.frame else 0.0, self.frame,
                    shader_date(self.start + datetime.timedelta(seconds=seconds)))

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
        return Tick(self.elapsed, delta, self.frame, shader_date(datetime.datetime.now()))

    def wait(self) -> None:
        if self.paced:
            remaining = self.last + self.period - time.monotonic()
            if remaining > 0:
                time.sleep(remaining)
