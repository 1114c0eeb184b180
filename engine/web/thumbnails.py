"""Small JPEGs for the moderators: thumbnails of contributions and the live preview."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from engine.journal.cache import PayloadCache

THUMB = 160    # a card's corner
PICTURE = 480  # a card's picture, read at a glance


def jpeg(pixels: np.ndarray, size: int) -> bytes:
    """RGBA or RGB pixels as a JPEG whose long side is at most `size`."""
    image = Image.fromarray(np.ascontiguousarray(pixels[..., :3]))
    image.thumbnail((size, size))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def thumbnail(cache: PayloadCache, id: str, size: int = THUMB) -> bytes | None:
    """A picture, drawing, animation or video's first frame; None for the others."""
    stored = cache.load(id)
    if stored is None:
        return None
    pixels = stored.pixels if stored.pixels is not None else (
        stored.frames[0] if stored.frames is not None and len(stored.frames) else None)
    return None if pixels is None else jpeg(pixels, size)
