"""The drone played when no composer's module can: a soft open fifth that breathes, so a
broken or missing `sound/` module is never silence. Also the smallest example of the
contract (see sound/README.md)."""

from __future__ import annotations

import pyo

from engine.audio.contract import Context, Param

PARAMS: tuple[Param, ...] = ()
PITCHES = (73.42, 110.0, 146.83, 220.5)  # D2 A2 D3 A3, the top one slightly wide


class Drone:
    def __init__(self, ctx: Context) -> None:
        self.breath = pyo.Sine(freq=1 / 13, mul=0.3, add=0.7)
        self.voices = pyo.Sine(freq=list(PITCHES), mul=self.breath * 0.05)
        self.output = pyo.Pan(self.voices, outs=ctx.channels, pan=[0.2, 0.8, 0.35, 0.65])


def build(ctx: Context) -> Drone:
    return Drone(ctx)
