"""Soundscape settings beyond `[audio]`'s device keys, with defaults a venue rarely changes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SoundOptions:
    """How the soundscape is played, faded, watched and made reproducible."""

    volume: float = 0.8  # master volume 0..1 before the limiter (also a parameter)
    seed: int = 1  # same seed, same arrivals: same samples
    crossfade_seconds: float = 2.0  # a reloaded or newly selected module fades in this long
    stall_seconds: float = 2.0  # a real-time output this long without progress is restarted
    retry_seconds: float = 30.0  # a missing or lost device is looked for again this often
    probe_seconds: float = 5.0  # a backend that does not answer in this time is skipped
    loudness: float = -23.0  # EBU R128 integrated loudness (LUFS) of the whole at volume 1
    loudness_reach: float = 12.0  # dB the master may trim toward it (0: as composed)
    fade_seconds: float = 1.5  # the master fades in at start and out at stop this long
