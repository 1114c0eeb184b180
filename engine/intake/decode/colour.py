"""A picture's colours in sRGB, from the ICC profile it carries (LittleCMS via ImageCms).

The projector shows sRGB; a photo tagged Adobe RGB, Display P3 (phones) or a CMYK print
profile looks dull or garish unless converted. A profile that cannot be used (broken, or
of another colour space than the pixels) is ignored: the pixels are shown as they are.
"""

from __future__ import annotations

import io
from functools import lru_cache

from PIL import Image, ImageCms

SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@lru_cache(maxsize=4)
def _transform(icc: bytes, mode: str) -> ImageCms.ImageCmsTransform:
    source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
    return ImageCms.buildTransform(source, SRGB, mode, "RGB")


def in_srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """`image` (any 8-bit mode) as RGBA in sRGB, alpha kept as it was."""
    if image.mode == "RGBA" and not icc:
        return image
    rgba = None if image.mode in ("RGB", "L", "CMYK") else image.convert("RGBA")
    if not icc:
        return rgba if rgba is not None else image.convert("RGBA")
    colour = image if rgba is None else rgba.convert("L" if image.mode in ("LA", "La")
                                                     else "RGB")
    try:
        converted = ImageCms.applyTransform(colour, _transform(icc, colour.mode))
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        converted = colour.convert("RGB")
    if converted is None:
        converted = colour.convert("RGB")
    shown = converted.convert("RGBA")
    if rgba is not None:
        shown.putalpha(rgba.getchannel("A"))
    return shown
