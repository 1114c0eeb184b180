"""Still and animated pictures through Pillow: photos, drawings with alpha, GIF/APNG/WebP.

The pixel count is checked from the header before any decoding, so a decompression bomb
costs nothing; JPEGs are decoded at a reduced scale when that is enough (`draft`), which
is most of the time a 12-megapixel photo takes.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from engine.intake.decode.base import Limits, Refusal, contribution, palette
from engine.world.contribution import Contribution

FORMATS = {"JPEG", "PNG", "WEBP", "BMP", "TIFF", "GIF", "MPO"}
TRANSPARENT_SHARE = 0.05


def decode_picture(path: Path, limits: Limits) -> Contribution:
    Image.MAX_IMAGE_PIXELS = limits.max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                return _decode(path, image, limits)
    except (UnidentifiedImageError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as error:
        raise Refusal(_why(error, limits)) from error
    except (OSError, ValueError, SyntaxError, EOFError) as error:
        raise Refusal(f"the picture is damaged or truncated ({error}); export it again") \
            from error


def _why(error: Exception, limits: Limits) -> str:
    if isinstance(error, UnidentifiedImageError):
        return "not a picture Pillow can read; send JPEG, PNG, WebP, BMP, TIFF or GIF"
    return (f"the picture has more than {limits.max_pixels // 1_000_000} megapixels; "
            "send a smaller export")


def _decode(path: Path, image: Image.Image, limits: Limits) -> Contribution:
    if image.format not in FORMATS:
        raise Refusal(f"{image.format} pictures are not taken; send JPEG, PNG, WebP, BMP, "
                      "TIFF or GIF")
    width, height = image.size
    if width * height > limits.max_pixels:
        raise Refusal(f"{width}x{height} is more than {limits.max_pixels // 1_000_000} "
                      "megapixels; send a smaller export")
    frames = getattr(image, "n_frames", 1)
    if frames > 1 and image.format in ("GIF", "PNG", "WEBP"):
        return _animation(path, image, limits)
    if image.format == "JPEG":
        image.draft("RGB", (limits.image_size, limits.image_size))
    image = ImageOps.exif_transpose(image)
    image.thumbnail((limits.image_size, limits.image_size), Image.Resampling.BILINEAR,
                    reducing_gap=2.0)
    rgba = np.asarray(image.convert("RGBA"))
    transparent = float((rgba[..., 3] < 128).mean())
    kind = "drawing" if transparent > TRANSPARENT_SHARE else "image"
    return contribution(kind, path, pixels=rgba, palette=palette(rgba))


def _animation(path: Path, image: Image.Image, limits: Limits) -> Contribution:
    frames: list[np.ndarray] = []
    durations: list[float] = []
    size = limits.motion_size
    for index, frame in enumerate(ImageSequence.Iterator(image)):
        if index >= limits.max_frames:
            break
        still = frame.convert("RGBA")
        still.thumbnail((size, size), Image.Resampling.BILINEAR)
        if frames and still.size != frames[0].shape[1::-1]:
            still = still.resize(frames[0].shape[1::-1])
        frames.append(np.asarray(still))
        durations.append(max(0.02, float(frame.info.get("duration", 100) or 100) / 1000.0))
    if not frames:
        raise Refusal("the animation has no frames")
    stack = np.stack(frames)
    return contribution("animation", path, frames=stack, durations=tuple(durations),
                        palette=palette(stack[len(stack) // 2]))
