"""Where a new contribution goes: near its theme's pole, never on top of another.

Each theme is a pole on an ellipse around the centre (untagged contributions gather at
the centre); sequences are rings around their pole (enjeux nearest, possibles
furthest). A new arrival walks a golden-angle spiral out from its ring's start and takes
the first spot where its footprint overlaps nothing already placed. The footprint is the
contribution as drawn: a text typeset with the font's metrics at the carte's text size
(see `typeset`), a picture at its real aspect ratio. Placement depends only on arrival
order, so the same journal gives the same map, and nothing already placed ever moves.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
from collections import defaultdict
from pathlib import Path

from engine.world.contribution import Contribution
from engine.world.typeset import Setting, typesetter

GOLDEN_ANGLE = math.pi * (3.0 - math.sqrt(5.0))
POLE_X, POLE_Y = 1.0, 0.55  # the poles' ellipse, in map units
RING = 0.13  # map units between a pole's sequence rings
STEP = 0.03
BACKTRACK = 10
CELL = 0.5
MEASURE = 14.0  # a card's line length, in ems
GUTTER = 0.35  # ems of free margin around every box, so neighbours never touch
PICTURE_EMS = (4.5, 2.5)  # a picture's longer half side in ems: on a sparse carte, dense
DENSE = 60  # contributions after which pictures are halfway to their dense size
FIGURE_ASPECT = 512 / 308  # data and sound figures (see render.figures)
SHORT_WORDS = 5
LABEL_EMS = 3.0  # the box a theme's name is given at its pole, in carte ems

Box = tuple[float, float, float, float]  # centre x, y, half width, half height
Spot = tuple[float, float, int]  # centre x, y and the step of the walk that found it

LIST_ITEM = re.compile(r"^\s*[-*+]\s+")
HEADING = re.compile(r"^\s*#{1,6}\s+")
EMPHASIS = re.compile(r"(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1")


def card_text(contribution: Contribution) -> str:
    """What a card says, for the kinds shown as text (empty for pictures): Markdown is
    read, not shown (headings without `#`, emphasis without stars, lists with bullets)."""
    if contribution.kind not in ("text", "keywords"):
        return ""
    text = contribution.text
    if contribution.name.lower().endswith((".md", ".markdown")):
        lines = [LIST_ITEM.sub("• ", HEADING.sub("", line)) for line in text.splitlines()]
        text = EMPHASIS.sub(r"\2", "\n".join(lines))
    return text


def abbreviated(text: str, words: int = SHORT_WORDS) -> str:
    """The first words of an older card, so a dense carte reads as a field of titles."""
    split = text.split()
    return text if len(split) <= words else " ".join(split[:words]) + " …"


def aspect(contribution: Contribution) -> float:
    """Width over height of a picture as drawn (1 when nothing says otherwise)."""
    if contribution.kind in ("data", "sound"):
        return FIGURE_ASPECT
    source = contribution.pixels if contribution.pixels is not None else \
        contribution.frames[0] if contribution.frames is not None and len(contribution.frames) \
        else None
    if source is None or not source.shape[0]:
        return 1.0
    return source.shape[1] / source.shape[0]


class Layout:
    """Occupied boxes in a spatial hash, and the placing walk. `em` is the carte's text
    size in map units: every card is set at it (a scene may draw smaller, never larger)."""

    def __init__(self, themes: tuple[str, ...], sequences: tuple[str, ...],
                 em: float = 0.06, font: Path | None = None) -> None:
        self.themes = themes
        self.sequences = sequences
        self.em = em
        self.typesetter = typesetter(font)
        self.cells: dict[tuple[int, int], list[Box]] = defaultdict(list)
        self.walked: dict[tuple[str | None, int], int] = {}
        self.count = 0
        # Each theme's name at its pole, taken before any contribution: one collision
        # structure for places and labels, so no label covers a contribution.
        self.labels: list[tuple[str, Box]] = []
        for theme in themes:
            name = theme.upper()
            setting = self.typesetter.set(name, 1e9)
            size = LABEL_EMS * em
            gutter = GUTTER * em + 0.1 * size  # and room for the glyphs' halo
            box = (*self.pole(theme), setting.width * size / 2 + gutter,
                   setting.height * size / 2 + gutter)
            self.labels.append((name, box))
            for cell in self._cells(box):
                self.cells[cell].append(box)

    def pole(self, theme: str | None) -> tuple[float, float]:
        if theme not in self.themes:
            return 0.0, 0.0
        turn = self.themes.index(theme) / len(self.themes)
        angle = math.pi * 0.75 - turn * 2.0 * math.pi
        return POLE_X * math.cos(angle), POLE_Y * math.sin(angle)

    def walk_of(self, contribution: Contribution) -> tuple[str | None, int]:
        """The spiral a contribution is placed along: its theme's pole and sequence ring."""
        tags = contribution.tags
        ring = self.sequences.index(tags.sequence) + 1 if tags.sequence in self.sequences \
            else 0
        return (tags.theme if tags.theme in self.themes else None, ring)

    def setting(self, text: str) -> Setting:
        return self.typesetter.set(text, MEASURE)

    def title(self, text: str) -> Setting:
        """An older card's first words, set inside the box its whole text was given."""
        whole = self.setting(text)
        for words in range(SHORT_WORDS, 0, -1):
            short = self.setting(abbreviated(text, words))
            if short.width <= whole.width and short.height <= whole.height:
                return short
        return whole

    def footprint(self, contribution: Contribution) -> tuple[float, float]:
        """Half width and height, in map units, of `contribution` as drawn, gutter
        included; pictures are larger while the carte is sparse."""
        gutter = GUTTER * self.em
        text = card_text(contribution)
        if text:
            setting = self.setting(text)
            return setting.width * self.em / 2 + gutter, setting.height * self.em / 2 + gutter
        sparse, dense = PICTURE_EMS
        longer = (dense + (sparse - dense) * DENSE / (DENSE + self.count)) * self.em
        ratio = aspect(contribution)
        return longer * min(1.0, ratio) + gutter, longer * min(1.0, 1.0 / ratio) + gutter

    def take(self, contribution: Contribution, spot: Spot) -> Box:
        """Take again a spot found before (a restart): no walk, the same map."""
        x, y, step = spot
        half_w, half_h = self.footprint(contribution)
        walk = self.walk_of(contribution)
        self.walked[walk] = max(self.walked.get(walk, 0), int(step))
        box = (x, y, half_w, half_h)
        self._take(box)
        return box

    def place(self, contribution: Contribution) -> tuple[Box, int]:
        """A free box for `contribution`, which is then taken, and the walk's step."""
        cx, cy = self.pole(contribution.tags.theme)
        walk = self.walk_of(contribution)
        seed = int(hashlib.sha256(contribution.id.encode()).hexdigest()[:8], 16) / 2**32
        half_w, half_h = self.footprint(contribution)
        start = walk[1] * RING
        # Spots before the last one taken here are mostly full: the walk resumes near it,
        # so placing stays quick however many contributions the carte holds.
        first = max(0, self.walked.get(walk, 0) - BACKTRACK)
        for step in itertools.count(first):
            radius = start + STEP * math.sqrt(step)
            angle = (step + seed * 7) * GOLDEN_ANGLE
            box = (cx + radius * math.cos(angle) * 1.5, cy + radius * math.sin(angle),
                   half_w, half_h)
            if not self.overlaps(box):
                break
        self.walked[walk] = step
        self._take(box)
        return box, step

    def _cells(self, box: Box) -> list[tuple[int, int]]:
        x, y, w, h = box
        return [(i, j) for i in range(math.floor((x - w) / CELL), math.floor((x + w) / CELL) + 1)
                for j in range(math.floor((y - h) / CELL), math.floor((y + h) / CELL) + 1)]

    def overlaps(self, box: Box) -> bool:
        x, y, w, h = box
        cells = self.cells
        floor = math.floor
        for i in range(floor((x - w) / CELL), floor((x + w) / CELL) + 1):
            for j in range(floor((y - h) / CELL), floor((y + h) / CELL) + 1):
                for ox, oy, ow, oh in cells.get((i, j), ()):
                    if abs(x - ox) < w + ow and abs(y - oy) < h + oh:
                        return True
        return False

    def _take(self, box: Box) -> None:
        self.count += 1
        for cell in self._cells(box):
            self.cells[cell].append(box)
