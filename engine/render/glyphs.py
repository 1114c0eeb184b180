"""A glyph atlas and a text layout, so all text on the carte is one instanced draw.

Glyphs are rasterised on demand with Pillow's FreeType binding into one coverage
texture (shelf packing); layout turns a string into glyph quads, wrapped to a width,
with the font's own advances and kerning-free spacing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pygame
from PIL import Image, ImageDraw, ImageFont

ATLAS_SIZE = 2048
PAD = 2
# Only plain spaces break lines: French no-break spaces keep « guillemets » and ; : ! ?
# with their words.
BREAKS = re.compile(r"[ \t]+")


def default_font() -> Path:
    """The font pygame ships: present wherever the engine is installed."""
    return Path(pygame.__file__).parent / pygame.font.get_default_font()


@dataclass(frozen=True)
class Glyph:
    """Where a glyph sits in the atlas and how it sits on the line, in atlas pixels."""

    u0: float
    v0: float
    u1: float
    v1: float
    left: float
    top: float
    width: float
    height: float
    advance: float


class GlyphAtlas:
    """Coverage of every glyph drawn so far; `dirty` tells the renderer to upload."""

    def __init__(self, font_path: Path | None = None, pixel_size: int = 48) -> None:
        self.font = ImageFont.truetype(str(font_path or default_font()), pixel_size)
        self.pixel_size = pixel_size
        ascent, descent = self.font.getmetrics()
        self.line_height = float(ascent + descent) * 1.15
        self.pixels = np.zeros((ATLAS_SIZE, ATLAS_SIZE), dtype=np.uint8)
        self.glyphs: dict[str, Glyph] = {}
        self.cursor = (PAD, PAD)
        self.shelf = 0
        self.dirty = True

    def glyph(self, char: str) -> Glyph:
        found = self.glyphs.get(char)
        if found is None:
            found = self.glyphs[char] = self._rasterise(char)
        return found

    def _rasterise(self, char: str) -> Glyph:
        left, top, right, bottom = self.font.getbbox(char, anchor="ls")
        advance = float(self.font.getlength(char))
        width, height = max(0, right - left), max(0, bottom - top)
        if width == 0 or height == 0:
            return Glyph(0, 0, 0, 0, 0, 0, 0, 0, advance)
        x, y = self.cursor
        if x + width + PAD > ATLAS_SIZE:
            x, y = PAD, y + self.shelf + PAD
            self.shelf = 0
        if y + height + PAD > ATLAS_SIZE:
            return self.glyph("?") if char != "?" else Glyph(0, 0, 0, 0, 0, 0, 0, 0, advance)
        image = Image.new("L", (width, height), 0)
        ImageDraw.Draw(image).text((-left, -top), char, font=self.font, fill=255, anchor="ls")
        self.pixels[y:y + height, x:x + width] = np.asarray(image)
        self.cursor = (x + width + PAD, y)
        self.shelf = max(self.shelf, height)
        self.dirty = True
        size = float(ATLAS_SIZE)
        return Glyph(x / size, y / size, (x + width) / size, (y + height) / size,
                     float(left), float(top), float(width), float(height), advance)


def wrap(atlas: GlyphAtlas, text: str, max_width: float) -> list[str]:
    """Greedy word wrap in atlas pixels; explicit newlines are kept."""
    lines: list[str] = []
    space = atlas.glyph(" ").advance
    for paragraph in text.splitlines() or [""]:
        line, width = "", 0.0
        for word in (w for w in BREAKS.split(paragraph) if w):
            size = sum(atlas.glyph(c).advance for c in word)
            if line and width + space + size > max_width:
                lines.append(line)
                line, width = word, size
            else:
                line, width = (f"{line} {word}", width + space + size) if line else (word, size)
        lines.append(line)
    return lines


def layout(atlas: GlyphAtlas, text: str, max_width: float, centred: bool = True) -> np.ndarray:
    """Glyph quads for `text` as an (N, 8) float32 array: x, y, w, h, u0, v0, u1, v1.

    Positions are atlas pixels with y down, relative to the block's centre when
    `centred` (cards on the map), else to its top-left corner (overlays).
    """
    lines = wrap(atlas, text, max_width)
    quads: list[tuple[float, ...]] = []
    widths = [sum(atlas.glyph(c).advance for c in line) for line in lines]
    block_height = atlas.line_height * len(lines)
    baseline = atlas.font.getmetrics()[0]
    for row, (line, width) in enumerate(zip(lines, widths, strict=True)):
        pen = -width / 2 if centred else 0.0
        y = row * atlas.line_height + baseline - (block_height / 2 if centred else 0.0)
        for char in line:
            glyph = atlas.glyph(char)
            if glyph.width:
                quads.append((pen + glyph.left, y + glyph.top, glyph.width, glyph.height,
                              glyph.u0, glyph.v0, glyph.u1, glyph.v1))
            pen += glyph.advance
    return np.array(quads, dtype=np.float32).reshape(-1, 8)
