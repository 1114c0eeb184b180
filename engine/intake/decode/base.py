"""What every decoder shares: the limits it must keep and the way it refuses."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.world.contribution import Colour, Contribution, Tags


class Refusal(Exception):
    """A file that cannot become a contribution; the message says why and what would do."""


@dataclass(frozen=True)
class Limits:
    """Caps that keep a hostile or huge file from costing the show (all configurable)."""

    max_bytes: int = 256 * 1024 * 1024
    max_pixels: int = 64_000_000
    max_frames: int = 120
    max_seconds: float = 60.0
    max_text_chars: int = 4000
    image_size: int = 1024
    motion_size: int = 384
    motion_fps: float = 12.0
    sample_rate: int = 48000


def contribution(kind: str, path: Path, **payload: object) -> Contribution:
    """A contribution with its payload; intake sets id and tags afterwards."""
    keywords = payload.pop("keywords", ())
    return Contribution(id="", kind=kind, name=path.name, tags=Tags(keywords=keywords),
                        **payload)  # type: ignore[arg-type]


def read_capped(path: Path, limit: int) -> bytes:
    """The file's bytes, refused when over `limit`."""
    with path.open("rb") as source:
        data = source.read(limit + 1)
    if len(data) > limit:
        raise Refusal(f"file is larger than {limit // 1024} KiB; shorten it")
    return data


PALETTE_SAMPLE = 8000


def palette(rgba: np.ndarray, colours: int = 5) -> tuple[Colour, ...]:
    """The dominant colours of an RGBA image, most present first, ignoring transparency."""
    from PIL import Image

    # Median cut grows much faster than the sample (20,000 pixels of a grainy photo took
    # 0.3 s, most of a photo's decoding); 8,000 find the same five colours.
    pixels = rgba.reshape(-1, 4)
    seen = np.flatnonzero(pixels[:, 3] > 32)
    if len(seen) == 0:
        return ()
    sample = pixels[seen[::max(1, len(seen) // PALETTE_SAMPLE)], :3].reshape(1, -1, 3)
    quantised = Image.fromarray(sample.astype(np.uint8), "RGB").quantize(colours)
    counts = sorted(quantised.getcolors() or [], reverse=True)
    flat = quantised.getpalette() or []
    return tuple((flat[3 * i] / 255, flat[3 * i + 1] / 255, flat[3 * i + 2] / 255)
                 for _, i in counts)
