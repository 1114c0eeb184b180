"""Loudness as EBU R128 measures it (ITU-R BS.1770-4): K-weighting, 400 ms blocks every
100 ms, an absolute gate at -70 LUFS and a relative gate 10 LU under the mean.

Written here with numpy rather than taken from pyloudnorm, which needs scipy (a large
dependency for two biquads): the K-weighting is applied as the biquads' exact frequency
response on a zero-padded FFT, which equals filtering sample by sample up to the padding
(a second of it; the 38 Hz high-pass has decayed long before).

Also `Leveller`: the master's slow loudness trim, from the blocks the master captures.
"""

from __future__ import annotations

import functools
import math

import numpy as np

ABSOLUTE_GATE = -70.0
RELATIVE_GATE = -10.0
BLOCK = 0.4
HOP = 0.1
SILENT = -math.inf
RUMBLE_HZ = 80.0  # below this a contributed sound carries handling noise and wind, not voice


def _biquad(b: tuple[float, float, float], a: tuple[float, float, float],
            w: np.ndarray) -> np.ndarray:
    z = np.exp(-1j * w)
    return (b[0] + b[1] * z + b[2] * z * z) / (a[0] + a[1] * z + a[2] * z * z)


def k_weighting(frequencies: np.ndarray, rate: int) -> np.ndarray:
    """The complex response of BS.1770's two stages (a +4 dB shelf above about 1.7 kHz,
    then a high-pass at 38 Hz) at `frequencies`, designed for any sample rate."""
    w = 2.0 * np.pi * frequencies / rate
    k = math.tan(math.pi * 1681.974450955533 / rate)
    q = 0.7071752369554196
    vh = 10.0 ** (3.999843853973347 / 20.0)
    vb = vh ** 0.4996667741545416
    a0 = 1.0 + k / q + k * k
    shelf = _biquad(((vh + vb * k / q + k * k) / a0, 2.0 * (k * k - vh) / a0,
                     (vh - vb * k / q + k * k) / a0),
                    (1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0), w)
    k = math.tan(math.pi * 38.13547087602444 / rate)
    q = 0.5003270373238773
    a0 = 1.0 + k / q + k * k
    high_pass = _biquad((1.0, -2.0, 1.0),
                        (1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0), w)
    return shelf * high_pass


@functools.lru_cache(maxsize=8)
def _response(size: int, rate: int) -> np.ndarray:
    return k_weighting(np.fft.rfftfreq(size, 1.0 / rate), rate)[:, None]


def weighted(samples: np.ndarray, rate: int, pad: float = 1.0) -> np.ndarray:
    """(frames, channels) K-weighted, same shape, float64; `pad` seconds of zeros keep
    the filter's tail from wrapping round (a tenth of a second is already plenty)."""
    frames = samples.reshape(len(samples), -1).astype(np.float64)
    size = 1 << math.ceil(math.log2(len(frames) + pad * rate))
    spectrum = np.fft.rfft(frames, n=size, axis=0) * _response(size, rate)
    return np.fft.irfft(spectrum, n=size, axis=0)[: len(frames)]


def lufs(power: float) -> float:
    """Loudness (LUFS) of a K-weighted mean square summed over channels."""
    return -0.691 + 10.0 * math.log10(power) if power > 0.0 else SILENT


def block_powers(samples: np.ndarray, rate: int, pad: float = 1.0) -> np.ndarray:
    """K-weighted mean square of every 400 ms block (75 % overlap), summed over channels
    (front channels weigh 1); a sound shorter than a block is one block."""
    squares = weighted(samples, rate, pad) ** 2
    block, hop = int(BLOCK * rate), int(HOP * rate)
    if len(squares) <= block:
        return squares.mean(axis=0, keepdims=True).sum(axis=1) if len(squares) else np.zeros(0)
    sums = np.concatenate([np.zeros((1, squares.shape[1])), np.cumsum(squares, axis=0)])
    starts = np.arange(0, len(squares) - block + 1, hop)
    return ((sums[starts + block] - sums[starts]) / block).sum(axis=1)


def gated(powers: np.ndarray) -> float:
    """Integrated loudness of block powers after both gates."""
    loud = powers[powers > 10.0 ** ((ABSOLUTE_GATE + 0.691) / 10.0)]
    if len(loud) == 0:
        return SILENT
    relative = 10.0 ** ((lufs(float(loud.mean())) + RELATIVE_GATE + 0.691) / 10.0)
    kept = loud[loud > relative]
    return lufs(float(kept.mean())) if len(kept) else SILENT


def integrated(samples: np.ndarray, rate: int) -> float:
    """EBU R128 integrated loudness (LUFS) of (frames, channels) samples; -inf if silent."""
    return gated(block_powers(samples, rate))


class Leveller:
    """Holds the whole at `target` LUFS: each captured block's loudness, measured before
    the trim, feeds a gated running mean over about `memory` seconds; `trim` is the gain
    (dB, within +-`reach`) that brings that mean to the target. Slow by design: a mix
    engineer's hand on the master fader, not a compressor."""

    def __init__(self, target: float, reach: float = 12.0, memory: float = 30.0) -> None:
        self.target = target
        self.reach = reach
        self.memory = memory
        self.power = 0.0
        self.seconds = 0.0
        self.trim = 0.0

    def block(self, samples: np.ndarray, rate: int, applied_db: float) -> float:
        """Take one block of output (played with `applied_db` of trim); the new trim."""
        if len(samples) == 0:
            return self.trim
        power = float(block_powers(samples, rate, pad=0.1).mean()) * 10.0 ** (-applied_db / 10.0)
        floor = max(10.0 ** ((ABSOLUTE_GATE + 0.691) / 10.0), self.power * 0.1)
        if power <= floor:
            return self.trim  # silence and pauses leave the level alone, as R128's gates do
        seconds = len(samples) / rate
        self.seconds = min(self.seconds + seconds, self.memory)
        self.power += (power - self.power) * seconds / self.seconds
        self.trim = float(np.clip(self.target - lufs(self.power), -self.reach, self.reach))
        return self.trim


def mono_loudness(samples: np.ndarray, rate: int) -> float | None:
    """Integrated loudness of a sound's mono mix without its rumble (as a soundscape
    places it in the room, see `high_pass`): measured once at intake and kept with the
    contribution; None when silent."""
    frames = np.asarray(samples, dtype=np.float64).reshape(len(samples), -1)
    if len(frames) == 0:
        return None
    found = integrated(high_pass(frames.mean(axis=1), rate)[:, None], rate)
    return found if math.isfinite(found) else None


def high_pass(samples: np.ndarray, rate: int, corner: float = RUMBLE_HZ) -> np.ndarray:
    """DC and rumble removed: a 4th-order Butterworth magnitude applied without phase
    shift (on the FFT), so a voice keeps its attacks."""
    size = 1 << math.ceil(math.log2(max(len(samples), 2) + rate // 10))
    frequencies = np.fft.rfftfreq(size, 1.0 / rate)
    response = np.zeros_like(frequencies)
    above = frequencies > 0
    response[above] = 1.0 / np.sqrt(1.0 + (corner / frequencies[above]) ** 8)
    return np.fft.irfft(np.fft.rfft(samples, n=size) * response, n=size)[: len(samples)]
