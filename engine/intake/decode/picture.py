"""Still and animated pictures through Pillow and its plugins: photos, phone formats
(HEIC/HEIF, AVIF, JPEG XL), drawings with alpha, GIF/APNG/WebP animations.

The pixel count is checked from the header before any decoding, so a decompression bomb
costs nothing; JPEGs and HEICs are decoded at a reduced scale when that is enough
(`draft`). What is shown is what a viewer shows: deep pictures spread to 8 bits from
their real range (`depth`), colours converted from the embedded profile to sRGB
(`colour`). An animation keeps every frame that decodes, and says what it lost.
"""

from __future__ import annotations

import contextlib
import warnings
from pathlib import Path

import av
import numpy as np
import pillow_heif
from PIL import Image, ImageOps, features

from engine.intake.decode.base import Limits, Refusal, contribution, palette
from engine.intake.decode.colour import in_srgb
from engine.intake.decode.depth import deep_colour, eight_bit, is_deep_colour
from engine.intake.decode.jxl import is_jxl, jxl_size
from engine.intake.decode.reasons import problem
from engine.world.contribution import Contribution

pillow_heif.register_heif_opener()
if not features.check("avif"):  # Pillow built without libavif: the plugin, if installed
    with contextlib.suppress(ImportError):
        import pillow_avif  # noqa: F401
with contextlib.suppress(ImportError):
    import pillow_jxl  # noqa: F401

FORMATS = {"JPEG", "PNG", "WEBP", "BMP", "TIFF", "GIF", "MPO", "HEIF", "AVIF", "JXL"}
ANIMATED = {"GIF", "PNG", "WEBP", "AVIF"}
DRAFTED = {"JPEG", "MPO", "HEIF"}
TRANSPARENT_SHARE = 0.05
SEND = "send JPEG, PNG, HEIC, AVIF, WebP, TIFF or GIF"
ORIENTATION = 0x0112
FLATTENED = {"P": "RGBA", "PA": "RGBA", "1": "L"}  # modes Pillow resizes only by nearest


def decode_picture(path: Path, limits: Limits) -> Contribution:
    Image.MAX_IMAGE_PIXELS = limits.max_pixels
    _check_jxl(path, limits)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                return _decode(path, image, limits)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise Refusal(_too_large(limits)) from error


def _too_large(limits: Limits, size: tuple[int, int] | None = None) -> str:
    declared = f"{size[0]}x{size[1]} is" if size else "the picture has"
    return (f"{declared} more than {limits.max_pixels / 1_000_000:g} megapixels; send a "
            "smaller export")


def _check_jxl(path: Path, limits: Limits) -> None:
    """JPEG XL is decoded whole on opening: its declared size is checked before."""
    with path.open("rb") as source:
        head = source.read(65536)
    if not is_jxl(head):
        return
    size = jxl_size(head)
    if size is not None and size[0] * size[1] > limits.max_pixels:
        raise Refusal(_too_large(limits, size))


def _decode(path: Path, image: Image.Image, limits: Limits) -> Contribution:
    if image.format not in FORMATS:
        raise Refusal(f"{image.format} pictures are not taken; {SEND}")
    width, height = image.size
    if width * height > limits.max_pixels:
        raise Refusal(_too_large(limits, (width, height)))
    try:
        frames: int | None = getattr(image, "n_frames", 1)
    except Exception:  # a damaged later frame: let the frames show how far it reads
        frames = None
    if image.format in ANIMATED and (frames is None or frames > 1):
        return _animation(path, image, limits, frames)
    return _still(path, image, limits)


def _still(path: Path, image: Image.Image, limits: Limits, note: str = "") -> Contribution:
    size = limits.image_size
    if image.format in DRAFTED:
        image.draft("RGB", (size, size))
    deep = is_deep_colour(image)  # before `getexif`, which may load the picture
    orientation = image.getexif().get(ORIENTATION, 1)
    icc = image.info.get("icc_profile")
    fitted = _deep_colour(path, size) if deep else None
    if fitted is None:
        fitted = image.convert(FLATTENED[image.mode]) if image.mode in FLATTENED else image
        fitted.thumbnail((size, size), Image.Resampling.BILINEAR, reducing_gap=2.0)
        fitted = eight_bit(fitted)
    shown = in_srgb(fitted, icc)
    if orientation != 1:
        shown.getexif()[ORIENTATION] = orientation
        shown = ImageOps.exif_transpose(shown)
    rgba = np.asarray(shown)
    transparent = float((rgba[..., 3] < 128).mean())
    kind = "drawing" if transparent > TRANSPARENT_SHARE else "image"
    return contribution(kind, path, pixels=rgba, palette=palette(rgba), note=note)


def _deep_colour(path: Path, size: int) -> Image.Image | None:
    """All 16 bits of each channel, or None where FFmpeg cannot read this variant (an
    unusual TIFF): Pillow's 8 bits then, which is the full 16-bit range scaled."""
    try:
        return deep_colour(path, size)
    except (av.error.FFmpegError, StopIteration, ValueError, OSError):
        return None


def _animation(path: Path, image: Image.Image, limits: Limits,
               total: int | None) -> Contribution:
    """Every frame up to the first that does not decode (or the frame cap)."""
    frames: list[np.ndarray] = []
    durations: list[float] = []
    icc = image.info.get("icc_profile")
    size = limits.motion_size
    damage: BaseException | None = None
    for index in range(min(total or limits.max_frames, limits.max_frames)):
        try:
            image.seek(index)
            still = in_srgb(eight_bit(image.copy()), icc)
        except Exception as error:  # whatever a damaged frame raises, the others are kept
            damage = error
            break
        still.thumbnail((size, size), Image.Resampling.BILINEAR)
        if frames and still.size != frames[0].shape[1::-1]:
            still = still.resize(frames[0].shape[1::-1])
        frames.append(np.asarray(still))
        durations.append(max(0.02, float(image.info.get("duration", 100) or 100) / 1000.0))
    if not frames:
        raise damage or Refusal("the animation has no frames")
    note = _kept(len(frames), total, damage, limits)
    if len(frames) == 1:
        with Image.open(path) as again:
            return _still(path, again, limits, note)
    stack = np.stack(frames)
    return contribution("animation", path, frames=stack, durations=tuple(durations),
                        palette=palette(stack[len(stack) // 2]), note=note)


def _kept(count: int, total: int | None, damage: BaseException | None,
          limits: Limits) -> str:
    """What of an animation was kept and why, for the journal ('' when all of it)."""
    of = f" of {total}" if total else ""
    if damage is not None and count == 1:
        return (f"only the first frame{of} could be read ({problem(damage)}); it is shown "
                "as a still picture")
    if damage is not None:
        return f"{count}{of} frames kept: frame {count + 1} cannot be read ({problem(damage)})"
    if total is not None and total > count:
        return (f"the first {count} of {total} frames kept ([intake] max_frames is "
                f"{limits.max_frames})")
    return ""
