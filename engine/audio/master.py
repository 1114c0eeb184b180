"""Everything heard passes here: a crossfader between patches, the loudness trim that
holds the whole at its target, the volume, a limiter that keeps every sample under
0 dBFS, the fade in at start and out at stop, the analysis the shaders read, and a
capture of the computed samples for files, tests and the loudness meter."""

from __future__ import annotations

import math

import numpy as np
import pyo

from engine.audio.kit import read

BANDS = (120.0, 500.0, 2000.0, 6000.0)  # centres (Hz) of audioBands' x, y, z, w
CEILING = 0.97  # the soft limiter's asymptote: about -0.26 dBFS
FLOOR_DB = -60.0  # levels map FLOOR_DB..0 dBFS to 0..1
TRIM_SECONDS = 3.0  # the loudness trim glides this slowly: a hand on the fader, never a pump
SINE_PEAK = math.pi / 2  # a sine's amplitude over its mean absolute value (what Follower reads)


def fit(source: pyo.PyoObject, channels: int) -> pyo.PyoObject:
    """A patch's output spread or folded onto the server's channels."""
    return source if len(source) == channels else pyo.Mix(source, voices=channels)


def unit(amplitude: float) -> float:
    """An amplitude as 0..1 on a decibel scale (NaN reads as silence)."""
    if not amplitude > 0.0:
        return 0.0
    return min(1.0, max(0.0, 1.0 - 20.0 * math.log10(amplitude) / FLOOR_DB))


class Master:
    """Patch in, safe and measured sound out; built once per server."""

    def __init__(self, source: pyo.PyoObject, channels: int, volume: float,
                 capture_frames: int, fade_seconds: float = 0.0) -> None:
        self.channels = channels
        self.source = fit(source, channels)
        self.fader = pyo.InputFader(self.source)
        self.trim = pyo.SigTo(1.0, time=TRIM_SECONDS, init=1.0)
        self.volume = pyo.SigTo(volume, time=0.3, init=volume)
        self.compressor = pyo.Compress(self.fader * self.trim * self.volume, thresh=-12.0,
                                       ratio=8.0, risetime=0.002, falltime=0.25, lookahead=5.0,
                                       knee=0.5)
        # after the limiter's look-ahead, so that the first and the last samples are silent
        self.fade = pyo.SigTo(1.0, time=max(fade_seconds, 0.001), init=0.0)
        self.output = pyo.Tanh(self.compressor, mul=self.fade * CEILING).out()
        mono = pyo.Mix(self.output, voices=1, mul=1.0 / channels)
        self.level = pyo.Follower(mono, freq=6.0)
        self.filters = [pyo.ButBP(mono, freq=f, q=1.2) for f in BANDS]
        self.bands = [pyo.Follower(f, freq=6.0) for f in self.filters]
        self.capture = pyo.DataTable(capture_frames, chnls=channels)
        self.fill = pyo.TableFill(self.output, self.capture)

    def fade_out(self, seconds: float) -> None:
        """Down to silence over `seconds` (a render's end, a live stop)."""
        self.fade.time = max(seconds, 0.001)
        self.fade.value = 0.0

    def trim_db(self, db: float) -> None:
        self.trim.value = 10.0 ** (db / 20.0)

    def switch(self, source: pyo.PyoObject, seconds: float) -> None:
        """Crossfade to another patch's output."""
        self.source = fit(source, self.channels)
        self.fader.setInput(self.source, max(seconds, 0.001))

    def settle(self) -> None:
        """After a crossfade: let go of the patch faded out, so it can be freed."""
        self.fader.setInput(self.source, 0.001)

    def levels(self) -> tuple[float, tuple[float, float, float, float]]:
        a, b, c, d = (unit(SINE_PEAK * f.get()) for f in self.bands)
        return unit(SINE_PEAK * self.level.get()), (a, b, c, d)

    def raw_level(self) -> float:
        return float(self.level.get())

    def read(self, frames: int) -> np.ndarray:
        """The last `frames` computed samples, (frames, channels) float32, with invalid
        samples as silence (a file never holds a NaN)."""
        end = int(self.fill.getCurrentPos())
        index = np.arange(end - frames, end) % self.capture.getSize()
        channels = [read(self.capture, c)[index] for c in range(self.channels)]
        return np.nan_to_num(np.stack(channels, axis=1), nan=0.0, posinf=0.0, neginf=0.0)
