"""Pictures deeper than 8 bits brought to 8 bits from their real range, as a viewer does.

Clipping a 16-bit scan to 8 bits turns it white, a float image black. Instead the values
actually present are spread over 0..255 (colour channels together, so hues stay);
a picture that really is one flat value stays flat, at that value on its type's scale.
Pillow keeps only the high byte of 16-bit colour, so those are read whole through
FFmpeg (PyAV), already scaled to the size shown.
"""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
from PIL import Image

DEEP_MODES = {"I;16": 65535.0, "I;16L": 65535.0, "I;16B": 65535.0, "I;16N": 65535.0,
              "I": 65535.0, "F": 1.0}


def is_deep_colour(image: Image.Image) -> bool:
    """16 bits per channel colour (PNG, TIFF) that Pillow would cut to its high byte."""
    return image.mode in ("RGB", "RGBA") and any(
        ";16" in str(tile.args) for tile in getattr(image, "tile", ()) or ())


def spread(values: np.ndarray, nominal: float) -> np.ndarray:
    """`values` as uint8 from their own range; flat values keep their level on
    `nominal` (the type's full scale); NaN and infinities become black."""
    finite = np.isfinite(values)
    if not finite.any():
        return np.zeros(values.shape, np.uint8)
    low, high = float(values[finite].min()), float(values[finite].max())
    if high - low <= abs(high) * 1e-6:
        level = np.clip(low / nominal, 0.0, 1.0) * 255.0
        return np.where(finite, np.uint8(round(level)), np.uint8(0))
    scaled = (np.where(finite, values, low) - low) * (255.0 / (high - low))
    return np.clip(scaled + 0.5, 0, 255).astype(np.uint8)


def eight_bit(image: Image.Image) -> Image.Image:
    """A single-channel deep picture (I;16…, I, F) as 8-bit grey; others unchanged."""
    if image.mode not in DEEP_MODES:
        return image
    nominal = DEEP_MODES[image.mode]
    values = np.asarray(image.convert("F") if image.mode != "F" else image, np.float64)
    if image.mode == "I" and values.size and (values.min() < 0 or values.max() > 65535):
        nominal = float(2**31 - 1)
    return Image.fromarray(spread(values, nominal), "L")


def deep_colour(path: Path, fit: int) -> Image.Image:
    """A 16-bit colour PNG or TIFF read whole, fitted within `fit` pixels, spread to
    8 bits; alpha is scaled, never spread (transparency means what it says)."""
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0))
        scale = min(1.0, fit / max(frame.width, frame.height))
        width, height = max(1, round(frame.width * scale)), max(1, round(frame.height * scale))
        alpha = len(frame.format.components) in (2, 4)  # grey or colour, with alpha
        pixels = frame.reformat(width=width, height=height,
                                format="rgba64le" if alpha else "rgb48le").to_ndarray()
    colour = spread(pixels[..., :3].astype(np.float64), 65535.0)
    if not alpha:
        return Image.fromarray(colour, "RGB")
    opacity = (pixels[..., 3:].astype(np.uint32) * 255 + 32767) // 65535
    return Image.fromarray(np.concatenate([colour, opacity.astype(np.uint8)], axis=2), "RGBA")
