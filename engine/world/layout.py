"""Where a new contribution goes: in its theme's territory, never on top of another.

Each theme owns a territory, a wedge of the map seen from its centre (capacitations top
left, then clockwise), with a narrow corridor between neighbours; each sequence is a
sector of its theme's wedge (enjeux, paradoxes, possibles, clockwise). Untagged
contributions gather at the centre. A new arrival walks a golden-angle spiral out from
a point on its sector's axis and takes the first spot that lies in its sector (or less
than `SLACK` beside it) where its footprint overlaps nothing already placed, so each
sector grows outward as a fan and the structure stays readable at ten thousand
contributions (rings around a pole, tried first, mixed completely once a few hundred
had filled them). The footprint
is the contribution as drawn: a text typeset with the font's metrics at the carte's
text size (see `typeset`), a picture at its real aspect ratio. Placement depends only
on arrival order, so the same journal gives the same map, and nothing already placed
ever moves. The names of themes and sequences (`names`) take boxes in the same
occupancy, so no name covers a contribution.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
from dataclasses import dataclass
from pathlib import Path

from engine.world.contribution import Contribution
from engine.world.names import GROWTH, SEQUENCE_PX, THEME_PX, Names
from engine.world.occupancy import Box, Extent, Occupancy
from engine.world.typeset import Setting, typesetter

GOLDEN_ANGLE = math.pi * (3.0 - math.sqrt(5.0))
SPREAD = 1.8  # the map is wider than high: x is stretched by this much
RING = 0.13  # map units between the centre's rings of untagged sequences
STEP = 0.03  # the walks' spacing, in map units
POLE_REACH = 0.55  # a sector's walk spirals out from its axis this far from the centre
SLACK = 0.5  # how far beyond its sector's borders a place may lie (map units, unstretched):
# near the centre a sector is narrower than a card, so it may spill; far out it keeps in
CORRIDOR = 0.08  # of a theme's angle, left between two territories
SEQUENCE_GAP = 0.06  # of a sequence's angle, left between two sectors
BACKTRACK = 60
THEME_REACH = 0.3  # where a theme's name first stands along its axis
MARGIN = 0.05  # of the framed extent, on every side (the camera frames with it too)
NOMINAL_ASPECT = 16 / 9  # the framing names are sized for (a render at another aspect
# draws them no larger than their box)
MEASURE = 14.0  # a card's line length, in ems
GUTTER = 0.35  # ems of free margin around every box, so neighbours never touch
PICTURE_EMS = (4.5, 2.5)  # a picture's longer half side in ems: on a sparse carte, dense
DENSE = 60  # contributions after which pictures are halfway to their dense size
FIGURE_ASPECT = 512 / 336  # data and sound figures, title band included (render.figures)
FIGURE_EMS = 4.5  # a figure's half width in ems at any density: its title reads as text
SHORT_WORDS = 5

Spot = tuple[float, float, int]  # centre x, y and the step of the walk that found it

LIST_ITEM = re.compile(r"^\s*[-*+]\s+")
HEADING = re.compile(r"^\s*(#{1,6})\s+")
HEADING_SIZES = (1.45, 1.25, 1.1)  # a Markdown heading's size, levels 1, 2, 3 and on
EMPHASIS = re.compile(r"(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1")


@dataclass(frozen=True)
class Card:
    """What a card says, and the type size of each of its paragraphs (a heading's is
    larger)."""

    text: str
    sizes: tuple[float, ...] = ()


def card(contribution: Contribution) -> Card:
    """What a card says, for the kinds shown as text (empty for pictures): Markdown is
    read, not shown (headings without `#`, set larger; emphasis without stars; lists
    with bullets)."""
    if contribution.kind not in ("text", "keywords"):
        return Card("")
    text = contribution.text
    if not contribution.name.lower().endswith((".md", ".markdown")):
        return Card(text)
    lines, sizes = [], []
    for line in text.splitlines():
        heading = HEADING.match(line)
        level = len(heading.group(1)) if heading else 0
        lines.append(EMPHASIS.sub(r"\2", LIST_ITEM.sub("• ", line[heading.end():]
                                                        if heading else line)))
        sizes.append(HEADING_SIZES[min(level, len(HEADING_SIZES)) - 1] if level else 1.0)
    return Card("\n".join(lines), tuple(sizes))


def card_text(contribution: Contribution) -> str:
    """What a card says (see `card`)."""
    return card(contribution).text


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


def name_level(bounds: tuple[float, float, float, float]) -> int:
    """The size step names need for the whole view of `bounds` to show them at their
    size: 0 while the view is at zoom 1 or closer, one more for each `GROWTH` further."""
    left, bottom, right, top = bounds
    half_w = max((right - left) / 2 * (1 + 2 * MARGIN), 1e-9)
    half_h = max((top - bottom) / 2 * (1 + 2 * MARGIN), 1e-9)
    zoom = min(1.0 / half_h, NOMINAL_ASPECT / half_w)
    return 0 if zoom >= 1.0 else math.ceil(math.log(1.0 / zoom) / math.log(GROWTH) - 1e-9)


class Layout:
    """Occupied boxes, the placing walk and the names. `em` is the carte's text size in
    map units: every card is set at it (a scene may draw smaller, never larger).
    `framed` spans every place and the names of what is there: the whole view frames it."""

    def __init__(self, themes: tuple[str, ...], sequences: tuple[str, ...],
                 em: float = 0.06, font: Path | None = None) -> None:
        self.themes = themes
        self.sequences = sequences
        self.em = em
        self.typesetter = typesetter(font)
        self.occupancy = Occupancy()
        self.framed = Extent()
        self.walked: dict[tuple[str | None, int], int] = {}
        self.count = 0
        self.names = Names(self.occupancy, self.typesetter, GUTTER * em)
        self.present: set[int] = set()  # themes holding a contribution
        # how far along its axis each theme's (and sequence's) places lie, summed, and
        # how many: a name walks from their middle
        self.reached: dict[tuple[str | None, int], list[float]] = {}
        for index, theme in enumerate(themes):
            low, high = self.sector((theme, 0))
            self.names.add(theme.upper(), index, THEME_PX,
                           self.axis((low + high) / 2), THEME_REACH, (theme, 0))

    @staticmethod
    def axis(angle: float) -> tuple[float, float]:
        """The step on the map, stretched, of a walk outward from the centre in the
        direction `angle`."""
        return SPREAD * math.cos(angle), math.sin(angle)

    def sector(self, walk: tuple[str | None, int]) -> tuple[float, float]:
        """The angles a walk's territory spans; a theme's whole wedge for ring 0."""
        theme, ring = walk
        count = len(self.themes)
        middle = math.pi * 0.75 - self.themes.index(theme) / count * 2.0 * math.pi
        half = math.pi / count * (1.0 - CORRIDOR)
        if not ring:
            return middle - half, middle + half
        width = 2.0 * half / len(self.sequences)
        high = middle + half - (ring - 1) * width  # enjeux first, clockwise
        return high - width * (1.0 - SEQUENCE_GAP / 2), high - width * SEQUENCE_GAP / 2

    def walk_of(self, contribution: Contribution) -> tuple[str | None, int]:
        """The walk a contribution is placed along: its theme's and sequence's sector."""
        tags = contribution.tags
        ring = self.sequences.index(tags.sequence) + 1 if tags.sequence in self.sequences \
            else 0
        return (tags.theme if tags.theme in self.themes else None, ring)

    def setting(self, card: Card) -> Setting:
        return self.typesetter.set(card.text, MEASURE, card.sizes)

    def title(self, card: Card) -> Setting:
        """An older card's first words, set inside the box its whole text was given (a
        card that opens with a heading keeps the heading's size)."""
        whole = self.setting(card)
        for words in range(SHORT_WORDS, 0, -1):
            short = self.setting(Card(abbreviated(card.text, words), card.sizes[:1]))
            if short.width <= whole.width and short.height <= whole.height:
                return short
        return whole

    def footprint(self, contribution: Contribution) -> tuple[float, float]:
        """Half width and height, in map units, of `contribution` as drawn, gutter
        included; pictures are larger while the carte is sparse."""
        gutter = GUTTER * self.em
        said = card(contribution)
        if said.text:
            setting = self.setting(said)
            return setting.width * self.em / 2 + gutter, setting.height * self.em / 2 + gutter
        sparse, dense = PICTURE_EMS
        longer = (dense + (sparse - dense) * DENSE / (DENSE + self.count)) * self.em
        if contribution.kind in ("data", "sound"):
            longer = FIGURE_EMS * self.em
        ratio = aspect(contribution)
        return longer * min(1.0, ratio) + gutter, longer * min(1.0, 1.0 / ratio) + gutter

    def take(self, contribution: Contribution, spot: Spot,
             half: tuple[float, float] | None = None) -> Box:
        """Take again a spot found before (a restart), with its half extents when they are
        known: no walk, and the same layout as the walks left it, so what is placed next
        goes where it would have gone without the restart."""
        x, y, step = spot
        half_w, half_h = half or self.footprint(contribution)
        walk = self.walk_of(contribution)
        self.walked[walk] = int(step)
        box = (x, y, half_w, half_h)
        self.names.uncover(box)
        self._take(box, walk)
        return box

    def place(self, contribution: Contribution) -> tuple[Box, int]:
        """A free box for `contribution`, which is then taken, and the walk's step."""
        walk = self.walk_of(contribution)
        seed = int(hashlib.sha256(contribution.id.encode()).hexdigest()[:8], 16) / 2**32
        half_w, half_h = self.footprint(contribution)
        # Spots before the last one taken here are mostly full: the walk resumes near it,
        # so placing stays quick however many contributions the carte holds.
        first = max(0, self.walked.get(walk, 0) - BACKTRACK)
        overlaps = self.occupancy.overlaps
        if walk[0] is None:
            cx, cy, low, high = 0.0, 0.0, -math.pi, math.pi
            start = walk[1] * RING
        else:
            low, high = self.sector(walk)
            dx, dy = self.axis((low + high) / 2)
            cx, cy, start = dx * POLE_REACH, dy * POLE_REACH, 0.0
        cos_low, sin_low, cos_high, sin_high = (math.cos(low), math.sin(low),
                                                math.cos(high), math.sin(high))
        cos_mid, sin_mid = math.cos((low + high) / 2), math.sin((low + high) / 2)
        for step in itertools.count(first):
            radius = start + STEP * math.sqrt(step)
            angle = (step + seed * 7) * GOLDEN_ANGLE
            x, y = cx + radius * math.cos(angle) * SPREAD, cy + radius * math.sin(angle)
            # inside the sector, or less than SLACK beyond one of its borders (its two
            # sides, and the line across its apex)
            u = x / SPREAD
            beyond_low = y * cos_low - u * sin_low  # signed distances, > 0 inside
            beyond_high = u * sin_high - y * cos_high
            ahead = u * cos_mid + y * sin_mid
            if min(beyond_low, beyond_high, ahead) < -SLACK and walk[0] is not None:
                continue
            box = (x, y, half_w, half_h)
            if not overlaps(box):
                break
        self.walked[walk] = step
        self._take(box, walk)
        return box, step

    def _take(self, box: Box, walk: tuple[str | None, int]) -> None:
        self.count += 1
        self.occupancy.take(box)
        self.framed.add(box)
        theme, ring = walk
        if theme is not None:
            index = self.themes.index(theme)
            if index not in self.present:
                self.present.add(index)
                self.framed.add(self.names.names[index].box)
            for named in {(theme, 0), walk}:
                low, high = self.sector(named)
                middle = (low + high) / 2
                along = box[0] / SPREAD * math.cos(middle) + box[1] * math.sin(middle)
                reached = self.reached.setdefault(named, [0.0, 0.0])
                reached[0] += along
                reached[1] += 1
                if named != (theme, 0) and reached[1] == 1:
                    name = self.names.add(self.sequences[ring - 1], index, SEQUENCE_PX,
                                          self.axis((low + high) / 2), along, named)
                    self.framed.add(name.box)
        for _ in range(8):  # a larger step may widen the framing, which may ask another
            level = name_level(self.framed.get())
            if level <= self.names.level:
                break
            self.names.rescale(level, [self.middle(name.names) for name in self.names.names])
            for name in self.names.names:
                if name.sequence or name.theme in self.present:
                    self.framed.add(name.box)

    def middle(self, walk: tuple[str | None, int]) -> float:
        """How far along its axis the places of `walk` lie on average (map units)."""
        total, count = self.reached.get(walk, (THEME_REACH, 1.0))
        return total / count
