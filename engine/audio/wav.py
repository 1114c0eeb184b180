"""Sound to files: 24-bit PCM WAV, which every video muxer and audio editor reads."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

FULL_SCALE = 2**23 - 1


def write_wav(path: Path, samples: np.ndarray, sample_rate: int) -> Path:
    """Write (frames, channels) floats in -1..1; anything beyond is clipped, not wrapped."""
    frames = samples.reshape(len(samples), -1)
    ints = np.round(np.clip(frames, -1.0, 1.0) * FULL_SCALE).astype("<i4")
    packed = ints.reshape(-1, 1).view(np.uint8)[:, :3].tobytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(frames.shape[1])
        out.setsampwidth(3)
        out.setframerate(sample_rate)
        out.writeframes(packed)
    return path


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """Read a 16- or 24-bit PCM WAV back as (frames, channels) float32 and its rate."""
    with wave.open(str(path), "rb") as source:
        width, channels, rate = source.getsampwidth(), source.getnchannels(), \
            source.getframerate()
        raw = np.frombuffer(source.readframes(source.getnframes()), dtype=np.uint8)
    if width not in (2, 3):
        raise ValueError(f"{path}: {8 * width}-bit WAV; expected 16 or 24-bit PCM")
    padded = np.zeros((len(raw) // width, 4), dtype=np.uint8)
    padded[:, 4 - width:] = raw.reshape(-1, width)
    values = padded.view("<i4").reshape(-1) >> 8 * (4 - width)
    scale = float(2 ** (8 * width - 1) - 1)
    return (values / scale).astype(np.float32).reshape(-1, channels), rate
