"""Text set with the font's own metrics: the lines and advances of a card, in ems.

The carte places a text from this setting and the renderer draws its glyphs at these
pen positions, so the box a card is given is the box it is drawn in, whatever the
output resolution (metrics are read at a large reference size, so hinting at the
drawn size never changes a line break).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pygame
from PIL import ImageFont

REFERENCE = 1000  # pixels per em the metrics are read at
LEADING = 1.2  # line height, in ems
# Only plain spaces break lines: French no-break spaces keep « guillemets » and ; : ! ?
# with their words.
BREAKS = re.compile(r"[ \t]+")


def default_font() -> Path:
    """The font pygame ships: present wherever the engine is installed."""
    return Path(pygame.__file__).parent / pygame.font.get_default_font()


@dataclass(frozen=True)
class Line:
    """One line of a set text: its words, its width and type size in the body's ems (a
    heading is set larger) and its baseline below the block's top."""

    text: str
    width: float
    size: float
    baseline: float


@dataclass(frozen=True)
class Setting:
    """A text set in lines, and the block's size, all in the body's ems."""

    lines: tuple[Line, ...]
    width: float
    height: float


class Typesetter:
    """Advances of one font, cached per character."""

    def __init__(self, font_path: Path | None = None) -> None:
        self.font = ImageFont.truetype(str(font_path or default_font()), REFERENCE)
        ascent, descent = self.font.getmetrics()
        self.ascent = ascent / REFERENCE
        self.descent = descent / REFERENCE
        self.advances: dict[str, float] = {}

    def advance(self, char: str) -> float:
        found = self.advances.get(char)
        if found is None:
            found = self.advances[char] = float(self.font.getlength(char)) / REFERENCE
        return found

    def measure(self, text: str) -> float:
        advance = self.advance
        return sum(advance(c) for c in text)

    def set(self, text: str, measure: float, sizes: Sequence[float] = ()) -> Setting:
        """`text` broken greedily into lines of at most `measure` ems (a longer word gets
        a line of its own); explicit newlines are kept. Paragraph `i` is set at type size
        `sizes[i]` (1 past their end), on the same measure."""
        lines: list[Line] = []
        top = 0.0
        for index, paragraph in enumerate(text.splitlines() or [""]):
            size = sizes[index] if index < len(sizes) else 1.0
            for words, width in self._break(paragraph, measure / size):
                lines.append(Line(words, width * size, size, top + self.ascent * size))
                top += LEADING * size
        last = lines[-1]
        return Setting(tuple(lines), max(line.width for line in lines),
                       last.baseline + self.descent * last.size)

    def _break(self, paragraph: str, measure: float) -> list[tuple[str, float]]:
        broken: list[tuple[str, float]] = []
        space = self.advance(" ")
        line, width = "", 0.0
        for word in (w for w in BREAKS.split(paragraph) if w):
            size = self.measure(word)
            if line and width + space + size > measure:
                broken.append((line, width))
                line, width = word, size
            elif line:
                line, width = f"{line} {word}", width + space + size
            else:
                line, width = word, size
        broken.append((line, width))
        return broken


@lru_cache(maxsize=4)
def typesetter(font_path: Path | None = None) -> Typesetter:
    """One typesetter per font, shared by the carte and the renderer."""
    return Typesetter(font_path)
