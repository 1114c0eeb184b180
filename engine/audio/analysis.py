"""Levels of computed sound, from its samples: what renders give the shaders.

Live, pyo's followers measure the output. A render measures each frame's own samples
here instead, so the picture depends only on the sound computed for it: the same
journal gives the same film however loaded the machine is.
"""

from __future__ import annotations

import math

import numpy as np

from engine.audio.master import BANDS, unit

BAND_WIDTH = 1.6  # each band spans centre / 1.6 .. centre * 1.6
SMOOTHING = 0.5  # one-pole smoothing across frames, like the followers' slow response

Levels = tuple[float, tuple[float, float, float, float]]


def measure(samples: np.ndarray, rate: int) -> Levels:
    """Loudness and four bands of a block of samples (frames, channels), each 0..1 on
    the same decibel scale as the live analysis."""
    if samples.size == 0:
        return 0.0, (0.0, 0.0, 0.0, 0.0)
    mono = samples.astype(np.float64).mean(axis=1)
    level = unit(math.sqrt(2.0) * float(np.sqrt(np.mean(mono * mono))))
    window = np.hanning(len(mono))
    spectrum = np.abs(np.fft.rfft(mono * window)) ** 2
    frequencies = np.fft.rfftfreq(len(mono), 1.0 / rate)
    # Parseval, corrected for the window: the mean square of each band's part of the sound
    to_power = 2.0 / (len(mono) * float(np.sum(window * window)))
    bands = []
    for centre in BANDS:
        inside = (frequencies >= centre / BAND_WIDTH) & (frequencies <= centre * BAND_WIDTH)
        power = float(spectrum[inside].sum()) * to_power
        bands.append(unit(math.sqrt(2.0 * power)))
    return level, (bands[0], bands[1], bands[2], bands[3])


def smooth(previous: Levels, new: Levels) -> Levels:
    level = previous[0] + (new[0] - previous[0]) * SMOOTHING
    a, b, c, d = (p + (n - p) * SMOOTHING for p, n in zip(previous[1], new[1], strict=True))
    return level, (a, b, c, d)
