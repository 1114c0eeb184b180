"""What a composer's soundscape module declares and receives (see `sound/README.md`).

A module defines `PARAMS` (a tuple of `Param`) and `build(ctx: Context) -> patch`, where
the patch has an `output` PyoObject and may have the hooks `arrive`, `hide`, `show`,
`themes` and `update` (see `Patch`). The host builds it once and steers it; it never
rebuilds it per event.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

import pyo

from engine.render.shader import ShaderInput
from engine.world.contribution import Contribution


@dataclass(frozen=True)
class Param:
    """A named control with a range: scenes and OSC set it, it glides over `ramp` seconds."""

    name: str
    default: float
    min: float = 0.0
    max: float = 1.0
    label: str = ""
    ramp: float = 0.5

    def as_input(self) -> ShaderInput:
        """The same declaration shaders use, so scenes and OSC treat both alike."""
        return ShaderInput(self.name, "float", float(self.default), float(self.min),
                           float(self.max), self.label or self.name)


@dataclass(frozen=True)
class Context:
    """Given to `build`: the output's shape, the event's themes, the smoothed parameters,
    the audio clock and a seed, so that the same arrivals always sound the same."""

    sample_rate: int
    buffer_size: int
    channels: int
    themes: tuple[str, ...]
    seed: int
    params: Mapping[str, pyo.PyoObject]
    clock: Callable[[], float]

    def param(self, name: str) -> pyo.PyoObject:
        """The declared parameter `name` as a smoothed signal (a `SigTo`)."""
        return self.params[name]

    def now(self) -> float:
        """Seconds of sound computed since the server opened (not wall time)."""
        return self.clock()

    def random(self, *keys: object) -> random.Random:
        """A generator seeded by the run's seed and `keys` (e.g. a contribution's id):
        never pyo's own random objects where a render must be reproducible."""
        return random.Random(":".join(str(k) for k in (self.seed, *keys)))


class Patch(Protocol):
    """What `build` returns. Only `output` is required; the host calls the hooks a patch
    defines, on the main thread, and catches anything they raise."""

    output: pyo.PyoObject

    def arrive(self, contribution: Contribution, gesture: bool) -> None:
        """A contribution joined the carte; `gesture` is False when it was already there
        (a restart, a reload): weave it in without playing its gesture."""

    def hide(self, contribution_id: str) -> None:
        """Moderation hid it: what it plays falls silent."""

    def show(self, contribution_id: str) -> None:
        """Shown again after `hide`."""

    def themes(self, counts: Mapping[str, int]) -> None:
        """Visible contributions per theme ("" for untagged), after every change."""

    def update(self, now: float) -> None:
        """Called every buffer or frame with the audio clock, for queued events."""
