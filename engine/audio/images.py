"""The sound as ISF's `audio` and `audioFFT` images: one row per channel, one column per
sample (a wave about 0.5) or per band of the spectrum (low to high, 0..1).

Both are taken from the soundscape's own samples, the latest ones computed: live, what
the master has just played; in a render, what was computed for the frame being drawn.
"""

from __future__ import annotations

import numpy as np

from engine.audio.master import FLOOR_DB

NATIVE_WAVE = 1024  # samples shown when an `audio` input sets no MAX (about 21 ms)
NATIVE_BANDS = 256  # bands of an `audioFFT` input that sets no MAX
WINDOW = 2048  # samples the spectrum is taken over: 23 Hz a bin at 48 kHz
LOWEST = 20.0  # Hz, the first band's lower edge
KEEP = max(NATIVE_WAVE, WINDOW)  # samples an image may need


def waveform(samples: np.ndarray, width: int) -> np.ndarray:
    """(channels, width) values in 0..1, silence at 0.5: the latest `width` samples, or,
    where fewer columns than the native wave are asked, each column the sample of
    largest magnitude of its share of it (one column gives the wave's peak)."""
    count = max(width, NATIVE_WAVE)
    latest = _latest(samples, count)
    if width < count:
        buckets = latest[:, : count - count % width].reshape(len(latest), width, -1)
        peak = np.abs(buckets).argmax(axis=2)
        latest = np.take_along_axis(buckets, peak[..., None], axis=2)[..., 0]
    return np.clip(0.5 + 0.5 * latest, 0.0, 1.0).astype(np.float32)


def spectrum(samples: np.ndarray, rate: float, width: int) -> np.ndarray:
    """(channels, width) values in 0..1: the amplitude spectrum of the latest `WINDOW`
    samples in `width` bands spaced evenly in pitch from 20 Hz to half the sample rate,
    each the loudest component it covers, on the 60 dB scale of `audioLevel` (a full
    scale sine reads 1, one at -30 dBFS reads 0.5)."""
    latest = _latest(samples, WINDOW)
    window = np.hanning(WINDOW)
    amplitude = 2.0 * np.abs(np.fft.rfft(latest * window, axis=1)) / window.sum()
    frequencies = np.fft.rfftfreq(WINDOW, 1.0 / rate)
    edges = np.geomspace(LOWEST, rate / 2.0, width + 1)
    starts = np.searchsorted(frequencies, edges[:-1])
    ends = np.searchsorted(frequencies, edges[1:], side="right")
    centres = np.sqrt(edges[:-1] * edges[1:])
    bands = np.stack([np.interp(centres, frequencies, row) for row in amplitude])
    for index in np.flatnonzero(ends > starts):
        bands[:, index] = np.maximum(bands[:, index],
                                     amplitude[:, starts[index]:ends[index]].max(axis=1))
    with np.errstate(divide="ignore"):
        decibels = 20.0 * np.log10(bands)
    return np.clip(1.0 - decibels / FLOOR_DB, 0.0, 1.0).astype(np.float32)


def _latest(samples: np.ndarray, count: int) -> np.ndarray:
    """(channels, count): the last `count` frames of (frames, channels) samples, silence
    before the first; one silent channel when there is no sound at all."""
    channels = samples.shape[1] if samples.ndim == 2 and samples.shape[1] else 1
    out = np.zeros((channels, count))
    if samples.ndim == 2 and len(samples):
        taken = np.nan_to_num(samples[-count:].astype(np.float64)).T
        out[:, count - taken.shape[1]:] = taken
    return out
