"""Hostile and odd files the tests drop, made here on the fly."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<svg xmlns="http://www.w3.org/2000/svg"><text>&lol3;</text></svg>
"""

EXTERNAL_SVG = """<svg xmlns="http://www.w3.org/2000/svg"
  xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 100 100">
<image xlink:href="file:///etc/passwd" width="100" height="100"/>
<a href="https://example.invalid/"><path d="M10,10 L90,90" stroke="#ffffff" stroke-width="3"/></a>
</svg>
"""


def write_bomb(path: Path) -> None:
    """A PNG of 100 megapixels that compresses to a few kilobytes."""
    Image.new("1", (10_000, 10_000)).save(path)


def write_big_animation(path: Path, frames: int = 120, side: int = 900) -> None:
    """A GIF slow enough to decode that a worker can be killed in the middle."""
    images = [Image.effect_noise((side, side), 64 + i % 64).convert("P") for i in range(frames)]
    images[0].save(path, save_all=True, append_images=images[1:], duration=40)
