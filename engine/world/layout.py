"""Where a new contribution goes: near its theme's pole, never on top of another.

Each theme is a pole on an ellipse around the centre (untagged contributions gather at
the centre); sequences are rings around their pole (enjeux nearest, possibles
furthest). A new arrival walks a golden-angle spiral out from its ring's start and takes
the first spot where its settled footprint overlaps nothing already placed. Placement
depends only on arrival order, so the same journal gives the same map, and nothing
already placed ever moves.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict

from engine.world.contribution import Contribution

GOLDEN_ANGLE = math.pi * (3.0 - math.sqrt(5.0))
POLE_X, POLE_Y = 0.85, 0.55
STEP = 0.035
MAX_STEPS = 4000
BACKTRACK = 10
CELL = 0.25
SETTLED = 0.5  # settled cards and pictures are half their arrival size
TEXT_EM = 0.03 * 2  # map units per em at the default text size
CHARS_PER_LINE = 30
PICTURE_HALF = 0.16

Box = tuple[float, float, float, float]  # centre x, y, half width, half height
Spot = tuple[float, float, int]  # centre x, y and the step of the walk that found it


def footprint(contribution: Contribution) -> tuple[float, float]:
    """Half width and height, in map units, of a settled contribution (an estimate for
    text: the renderer wraps at about this many characters per line)."""
    if contribution.kind in ("image", "drawing", "animation", "video", "data", "sound"):
        return PICTURE_HALF * SETTLED, PICTURE_HALF * SETTLED
    length = max(8, len(contribution.text) or len(contribution.name) + 12)
    lines = math.ceil(length / CHARS_PER_LINE)
    width = min(length, CHARS_PER_LINE) * 0.56 * TEXT_EM
    return width / 2 * SETTLED, lines * 1.4 * TEXT_EM / 2 * SETTLED


class Layout:
    """Occupied boxes in a spatial hash, and the placing walk."""

    def __init__(self, themes: tuple[str, ...], sequences: tuple[str, ...]) -> None:
        self.themes = themes
        self.sequences = sequences
        self.cells: dict[tuple[int, int], list[Box]] = defaultdict(list)
        self.walked: dict[tuple[str | None, int], int] = {}

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

    def take(self, contribution: Contribution, spot: Spot) -> None:
        """Take again a spot found before (a restart): no walk, the same map."""
        x, y, step = spot
        half_w, half_h = footprint(contribution)
        walk = self.walk_of(contribution)
        self.walked[walk] = max(self.walked.get(walk, 0), int(step))
        self._take((x, y, half_w, half_h))

    def place(self, contribution: Contribution) -> Spot:
        """A free spot for `contribution`, which is then taken: x, y and the walk's step."""
        tags = contribution.tags
        cx, cy = self.pole(tags.theme)
        walk = self.walk_of(contribution)
        ring = walk[1]
        seed = int(hashlib.sha256(contribution.id.encode()).hexdigest()[:8], 16) / 2**32
        half_w, half_h = footprint(contribution)
        start = ring * 0.12
        # Spots before the last one taken here are mostly full: the walk resumes near it,
        # so placing stays quick however many contributions the carte holds.
        first = max(0, self.walked.get(walk, 0) - BACKTRACK)
        for step in range(first, first + MAX_STEPS):
            radius = start + STEP * math.sqrt(step)
            angle = (step + seed * 7) * GOLDEN_ANGLE
            x = cx + radius * math.cos(angle) * 1.5
            y = cy + radius * math.sin(angle)
            box = (x, y, half_w, half_h)
            if not self._overlaps(box):
                break
        self.walked[walk] = step
        self._take(box)
        return x, y, step

    def _cells(self, box: Box) -> list[tuple[int, int]]:
        x, y, w, h = box
        return [(i, j) for i in range(math.floor((x - w) / CELL), math.floor((x + w) / CELL) + 1)
                for j in range(math.floor((y - h) / CELL), math.floor((y + h) / CELL) + 1)]

    def _overlaps(self, box: Box) -> bool:
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
        for cell in self._cells(box):
            self.cells[cell].append(box)
