"""Each contribution's medium as a file of the archive, named after its id only.

Pictures are written from their decoded payload (JPEG, or PNG where transparent), which
also leaves out what a camera hides in a file (place, device). Animations keep their
original GIF, APNG or WebP, else become an animated WebP. Sound and video are copied
when browsers play them, else converted (`engine.report.playable`) in an isolated process.
Data keep their original table for download. No name a visitor chose reaches the disk.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from PIL import Image

from engine.report.isolated import run_isolated
from engine.report.items import Item
from engine.report.playable import web_medium

FOLDER = "medias"
ANIMATIONS = {".gif": "image/gif", ".png": "image/apng", ".apng": "image/apng",
              ".webp": "image/webp"}
DATA = {".csv": "text/csv", ".json": "application/json"}
MAX_COPIED_ANIMATION = 32 * 1024 * 1024
CONVERT_TIMEOUT = 600.0


@dataclass(frozen=True)
class Medium:
    """A file that shows or plays a contribution; `file` is relative to the archive."""

    element: str  # img, audio, video or download
    file: str
    mime: str
    width: int = 0
    height: int = 0
    poster: str = ""  # a video's still, shown before it plays
    link: str = ""  # a larger version, opened from the picture


@dataclass(frozen=True)
class Conversion:
    """Limits for converting one visitor's sound or video."""

    memory_mb: int
    timeout: float = CONVERT_TIMEOUT


def export(item: Item, archive: Path, conversion: Conversion) -> Medium | None:
    """Write `item`'s medium under `archive/medias/`; None for kinds shown as text."""
    folder = archive / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / item.id
    contribution = item.contribution
    kind = contribution.kind
    if kind in ("image", "drawing") and contribution.pixels is not None:
        name, mime = still(contribution.pixels, stem)
        return sized(Medium("img", f"{FOLDER}/{name}", mime), contribution.pixels)
    if kind == "animation" and contribution.frames is not None:
        name, mime = animation(item.original, contribution.frames, contribution.durations,
                               stem)
        return sized(Medium("img", f"{FOLDER}/{name}", mime), contribution.frames[0])
    if kind in ("sound", "video"):
        name, mime = run_isolated(web_medium, (item.original, stem, kind),
                                  conversion.timeout, conversion.memory_mb)
        if contribution.frames is None:
            return Medium("audio" if kind == "sound" else "video", f"{FOLDER}/{name}", mime)
        middle = contribution.frames[len(contribution.frames) // 2]
        poster, _ = still(middle, folder / f"{item.id}-image")
        return sized(Medium("video", f"{FOLDER}/{name}", mime, poster=f"{FOLDER}/{poster}"),
                     middle)
    suffix = item.original.suffix.lower()
    if kind == "data" and suffix in DATA:
        shutil.copyfile(item.original, stem.with_suffix(suffix))
        return Medium("download", f"{FOLDER}/{item.id}{suffix}", DATA[suffix])
    return None


def sized(medium: Medium, picture: np.ndarray) -> Medium:
    """`medium` with the width and height of `picture` (height x width x channels)."""
    height, width = picture.shape[:2]
    return replace(medium, width=width, height=height)


def still(pixels: np.ndarray, stem: Path) -> tuple[str, str]:
    """An RGBA picture as JPEG when opaque, PNG when it has transparency."""
    image = Image.fromarray(np.ascontiguousarray(pixels), "RGBA")
    if int(pixels[..., 3].min()) == 255:
        target = stem.with_suffix(".jpg")
        image.convert("RGB").save(target, quality=88, optimize=True, progressive=True)
        return target.name, "image/jpeg"
    target = stem.with_suffix(".png")
    image.save(target, optimize=True)
    return target.name, "image/png"


def animation(original: Path, frames: np.ndarray, durations: tuple[float, ...],
              stem: Path) -> tuple[str, str]:
    """The original animation where browsers show it and it is not huge, else an
    animated WebP of the decoded frames."""
    suffix = original.suffix.lower()
    if suffix in ANIMATIONS and original.stat().st_size <= MAX_COPIED_ANIMATION:
        target = stem.with_suffix(".png" if suffix == ".apng" else suffix)
        shutil.copyfile(original, target)
        return target.name, ANIMATIONS[suffix]
    target = stem.with_suffix(".webp")
    pictures = [Image.fromarray(np.ascontiguousarray(f), "RGBA") for f in frames]
    pictures[0].save(target, format="WEBP", save_all=True, append_images=pictures[1:],
                     duration=[max(20, round(d * 1000)) for d in durations] or 100,
                     loop=0, quality=80)
    return target.name, "image/webp"
