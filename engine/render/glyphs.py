"""A glyph atlas and glyph quads, so all text on the carte is one instanced draw.

Glyphs are rasterised on demand with Pillow's FreeType binding into one coverage
texture (shelf packing), at about the size they are shown; where each glyph goes comes
from the text's `Setting` (engine.world.typeset), in ems, so the drawn card is the
typeset one at every output size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from engine.world.typeset import Setting, default_font, typesetter

HALO_EMS = 0.08  # the halo's reach around a glyph (text.frag)


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
    """Coverage of every glyph drawn so far; `version` counts the glyphs rasterised, so
    each text batch knows when to upload them again."""

    def __init__(self, font_path: Path | None = None, pixel_size: int = 48) -> None:
        self.font = ImageFont.truetype(str(font_path or default_font()), pixel_size)
        self.typesetter = typesetter(font_path)
        self.pixel_size = pixel_size
        # room around each glyph for its halo and its quad's margin (text.vert's HALO)
        self.pad = math.ceil(pixel_size * (HALO_EMS + 0.1)) + 2
        # a few hundred glyphs with their margins: 2048 square up to 1080-line outputs
        self.size = 2048 if pixel_size <= 100 else 4096
        self.pixels = np.zeros((self.size, self.size), dtype=np.uint8)
        self.glyphs: dict[str, Glyph] = {}
        self.cursor = (self.pad, self.pad)
        self.shelf = 0
        self.version = 0

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
        pad = self.pad
        if x + width + pad > self.size:
            x, y = pad, y + self.shelf + pad
            self.shelf = 0
        if y + height + pad > self.size:
            return self.glyph("?") if char != "?" else Glyph(0, 0, 0, 0, 0, 0, 0, 0, advance)
        image = Image.new("L", (width, height), 0)
        ImageDraw.Draw(image).text((-left, -top), char, font=self.font, fill=255, anchor="ls")
        self.pixels[y:y + height, x:x + width] = np.asarray(image)
        self.cursor = (x + width + pad, y)
        self.shelf = max(self.shelf, height)
        self.version += 1
        size = float(self.size)
        return Glyph(x / size, y / size, (x + width) / size, (y + height) / size,
                     float(left), float(top), float(width), float(height), advance)


def layout(atlas: GlyphAtlas, setting: Setting, centred: bool = True,
           ragged: bool = False) -> np.ndarray:
    """Glyph quads of a set text as an (N, 8) float32 array: x, y, w, h, u0, v0, u1, v1.

    Positions are ems with y down, relative to the block's centre when `centred` (cards
    on the map), else to its top-left corner (overlays). Lines are centred in the block,
    or, `ragged`, set flush left in it (a page to read).
    """
    quads: list[tuple[float, ...]] = []
    em = float(atlas.pixel_size)
    advance = atlas.typesetter.advance
    for line in setting.lines:
        pen = (-setting.width / 2 if ragged else -line.width / 2) if centred else 0.0
        y = line.baseline - (setting.height / 2 if centred else 0.0)
        scale = line.size / em
        for char in line.text:
            glyph = atlas.glyph(char)
            if glyph.width:
                quads.append((pen + glyph.left * scale, y + glyph.top * scale,
                              glyph.width * scale, glyph.height * scale,
                              glyph.u0, glyph.v0, glyph.u1, glyph.v1))
            pen += advance(char) * line.size
    return np.array(quads, dtype=np.float32).reshape(-1, 8)
