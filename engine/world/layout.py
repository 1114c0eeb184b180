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
ever moves. A place lies in its theme's wedge (or just beside it): a territory's
cards keep together at thirty as at three thousand. The names of themes and sequences
(`names`) take boxes in the same occupancy, so no name covers a contribution; a card
never gives way to a name, which moves on to free room by what it names.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from engine.world.contribution import Contribution
from engine.world.names import GROWTH, SEQUENCE_PX, THEME_PX, Name, Names
from engine.world.occupancy import Box, Extent, Occupancy
from engine.world.typeset import Setting, typesetter

GOLDEN_ANGLE = math.pi * (3.0 - math.sqrt(5.0))
SPREAD = 1.8  # the map is wider than high: x is stretched by this much
RING = 0.13  # map units between the centre's rings of untagged sequences
STEP = 0.03  # the walks' spacing, in map units
POLE_REACH = 0.55  # a sector's walk spirals out from its axis this far from the centre
SLACK = 0.5  # how far beyond its sector's borders a place may lie (map units, unstretched):
# near the centre a sector is narrower than a card, so it may spill; far out it keeps in
NEAR_SLACK = (1.2, 2.0, 4.0)  # within 2 map units of the centre a place may lie 1.2 beyond
# (a carte of a few dozen packs into its frame's shape), easing to SLACK at 4
TERRITORY_SLACK = 0.12  # how far beyond its theme's wedge a place may lie (map units,
# unstretched): a territory's cards keep together, its neighbours' stay out
CORRIDOR = 0.08  # of a theme's angle, left between two territories
SEQUENCE_GAP = 0.06  # of a sequence's angle, left between two sectors
BACKTRACK = 60
PACK_REACH = 0.9  # map units around a seed whose boxes offer spots beside them
MIDDLE = 6  # of the contributions alike a newcomer, the first (said first) whose middle
# it lands nearest to, beside any of them: a cluster grows as a round patch
TOUCH = 1e-6
WALK_BATCH = 256  # spiral steps laid out at a time
EVERY_BOX = 150  # while the carte holds fewer, a contribution packs beside any box
THEME_REACH = 0.3  # where a theme's name first stands along its axis
MARGIN = 0.03  # of the framed extent, on every side (the camera frames with it too)
NOMINAL_ASPECT = 16 / 9  # the framing names are sized for (a render at another aspect
# draws them no larger than their box)
MEASURE = 14.0  # a card's line length, in ems
GUTTER = 0.35  # ems of free margin around every box, so neighbours never touch
PICTURE_EMS = 2.5  # a picture's longer half side in ems (a visit shows it large)
FIGURE_ASPECT = 512 / 336  # data and sound figures, title band included (render.figures)
FIGURE_EMS = 4.5  # a figure's half width in ems at any density: its title reads as text
SHORT_WORDS = 5
PAGE_LINES = 9  # a longer text is a page: the map shows its opening, a visit all of it

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


def opening(text: str, words: int) -> str:
    """The first `words` words of a page, its line breaks kept, and an ellipsis."""
    kept, count = [], 0
    for line in text.splitlines():
        said = line.split()
        if count + len(said) >= words:
            kept.append(" ".join(said[:max(words - count, 1)]) + " …")
            break
        kept.append(line)
        count += len(said)
    return "\n".join(kept)


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


def slack(radius: Any) -> Any:
    """How far beyond its sector a place `radius` from the centre may lie (a float or
    an array)."""
    most, near, far = NEAR_SLACK
    return SLACK + (most - SLACK) * np.clip((far - radius) / (far - near), 0.0, 1.0)


def viewed(bounds: tuple[float, float, float, float], x: Any, y: Any, half_w: float,
           half_h: float) -> Any:
    """The height (map units) of the whole view that frames `bounds` and a box there
    (boxes at arrays of places: an array); no more than the view of `bounds` alone while
    the box lies within it."""
    left, bottom, right, top = bounds
    width = np.maximum(right, x + half_w) - np.minimum(left, x - half_w)
    height = np.maximum(top, y + half_h) - np.minimum(bottom, y - half_h)
    return np.maximum(np.maximum(width / NOMINAL_ASPECT, height),
                      max((right - left) / NOMINAL_ASPECT, top - bottom))


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
        self.occupancy = Occupancy()  # cards and names: where a name or a label may go
        self.cards = Occupancy()  # cards alone: where a card may go (a name gives way)
        self.framed = Extent()
        self.walked: dict[tuple[str | None, int], int] = {}
        self.count = 0
        self.boxes: list[Box] = []  # the first EVERY_BOX boxes
        self.names = Names(self.occupancy, self.typesetter, GUTTER * em, self._name_spot)
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
        """A card as the map shows it: its text set at the carte's measure, or, for a
        page (longer than `PAGE_LINES` lines), its opening: a visit reads it whole."""
        whole = self.typesetter.set(card.text, MEASURE, card.sizes)
        if len(whole.lines) <= PAGE_LINES:
            return whole
        low, high = 1, len(card.text.split())  # the most words that fit the lines
        while low < high:
            middle = (low + high + 1) // 2
            if len(self.typesetter.set(opening(card.text, middle), MEASURE,
                                       card.sizes).lines) <= PAGE_LINES:
                low = middle
            else:
                high = middle - 1
        return self.typesetter.set(opening(card.text, low), MEASURE, card.sizes)

    def is_page(self, card: Card) -> bool:
        """Whether a card is a page: the map shows its opening, a visit all of it."""
        return bool(card.text) and \
            len(self.typesetter.set(card.text, MEASURE, card.sizes).lines) > PAGE_LINES

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
        included."""
        gutter = GUTTER * self.em
        said = card(contribution)
        if said.text:
            setting = self.setting(said)
            return setting.width * self.em / 2 + gutter, setting.height * self.em / 2 + gutter
        longer = (FIGURE_EMS if contribution.kind in ("data", "sound") else PICTURE_EMS) * \
            self.em
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
        self._take(box, walk)
        return box

    def place(self, contribution: Contribution, alike: list[Box] | None = None
              ) -> tuple[Box, int]:
        """A free box for `contribution`, which is then taken, and the walk's step. With
        `alike` (the places of the contributions it shares most with), a spot touching
        one of them, or near their middle: clusters form. A sparse carte packs tight
        into its frame's shape; a crowded sector spirals out from its pole."""
        walk = self.walk_of(contribution)
        seed = int(hashlib.sha256(contribution.id.encode()).hexdigest()[:8], 16) / 2**32
        half_w, half_h = self.footprint(contribution)
        inside = self._inside(walk)
        if walk[0] is None:
            pole, start = (0.0, 0.0), walk[1] * RING
        else:
            dx, dy = self.axis(sum(self.sector(walk)) / 2)
            pole, start = (dx * POLE_REACH, dy * POLE_REACH), 0.0
        box = None
        sparse = len(self.boxes) < EVERY_BOX
        middle = alike[:MIDDLE] if alike else []  # the first alike: the cluster's middle
        near = (sum(b[0] for b in middle) / len(middle),
                sum(b[1] for b in middle) / len(middle)) if middle else None
        if alike and near is not None:  # touching one of the contributions it is alike
            box = self._pack(near, alike, half_w, half_h, inside, sparse, self.cards)
        if box is None and sparse:
            box = self._pack(pole, self.boxes, half_w, half_h, inside, True, self.cards)
        if box is None:
            # Spots before the last one taken here are mostly full: the walk resumes near
            # it, so placing stays quick however many contributions the carte holds.
            first = max(0, self.walked.get(walk, 0) - BACKTRACK)
            box, self.walked[walk] = self._walk(pole, start, first, seed, half_w, half_h,
                                                inside)
        assert box is not None
        self._take(box, walk)
        return box, self.walked.get(walk, 0)

    def _name_spot(self, name: Name, half_w: float, half_h: float) -> Box | None:
        """Where a name goes: the free room nearest the middle of the cards it names, or,
        on a crowded carte, when a card has landed on it, nearest where it stood (it
        steps aside, and stays near the frontier its cards grow at)."""
        inside = self._inside(name.names)
        if len(self.boxes) >= EVERY_BOX and name.box[2]:
            x, y, _, _ = name.box  # first the spots around where it stood: quick to try
            aside = self._pack((x, y), [name.box], half_w, half_h, inside, False,
                               self.occupancy)
            if aside is not None:
                return aside
            anchor = (x, y)
        else:
            anchor = self.centre(name.names) or (name.axis[0] * name.reach,
                                                 name.axis[1] * name.reach)
        return self._pack(anchor, self.occupancy.near(*anchor, PACK_REACH), half_w, half_h,
                          inside, False, self.occupancy)

    def _inside(self, walk: tuple[str | None, int]) -> Callable[[Any, Any], Any]:
        """Whether points (floats or arrays) lie in the walk's sector, or less than
        `slack` beyond one of its borders (its two sides, and the line across its apex),
        and never more than `TERRITORY_SLACK` beyond its theme's wedge: near the centre a
        sequence may spill into its neighbours, never into another territory."""
        theme, ring = walk
        if theme is None:
            return lambda x, y: np.ones(np.shape(x), dtype=bool)
        wedge = self._beyond((theme, 0))
        sector = self._beyond(walk) if ring else wedge

        def inside(x: Any, y: Any) -> Any:
            u = x / SPREAD
            beyond = sector(u, y)
            return (wedge(u, y) <= TERRITORY_SLACK) & \
                ((beyond <= SLACK) | (beyond <= slack(np.hypot(u, y))))
        return inside

    def _beyond(self, walk: tuple[str | None, int]) -> Callable[[Any, Any], Any]:
        """How far points (x unstretched) lie beyond the walk's sector: signed
        distances, < 0 inside."""
        low, high = self.sector(walk)
        cos_low, sin_low, cos_high, sin_high = (math.cos(low), math.sin(low),
                                                math.cos(high), math.sin(high))
        cos_mid, sin_mid = math.cos((low + high) / 2), math.sin((low + high) / 2)
        return lambda u, y: -np.minimum(np.minimum(y * cos_low - u * sin_low,
                                                   u * sin_high - y * cos_high),
                                        u * cos_mid + y * sin_mid)

    def _pack(self, anchor: tuple[float, float], seeds: Iterable[Box], half_w: float,
              half_h: float, inside: Callable[[Any, Any], Any], compact: bool,
              taken: Occupancy) -> Box | None:
        """The free box nearest `anchor` (x counted 1/SPREAD as much) among the spots
        touching the `seeds`: boxes pack side by side, gutter to gutter. `compact`:
        first the spots that widen the whole view least (none, while one fits within
        it), so a sparse carte fills its frame before it grows and stays large enough to
        read whole. None when no spot is free. Every seed's twelve spots are ranked at
        once, and only the best are tried against what is `taken` (the cards)."""
        ax, ay = anchor
        overlaps = taken.overlaps
        if bool(inside(ax, ay)) and not overlaps((ax, ay, half_w, half_h)):
            return (ax, ay, half_w, half_h)
        boxes = np.array(list(seeds), dtype=float).reshape(-1, 4)
        if not len(boxes):
            return None
        bx, by, bw, bh = boxes.T
        right, left = bx + bw + half_w + TOUCH, bx - bw - half_w - TOUCH
        top, bottom = by + bh + half_h + TOUCH, by - bh - half_h - TOUCH
        across = (bx, bx - bw + half_w, bx + bw - half_w)  # centred, flush left, right
        along = (by, by + bh - half_h, by - bh + half_h)  # centred, flush top, bottom
        xs = np.stack((right, right, right, left, left, left, *across, *across), 1).ravel()
        ys = np.stack((*along, *along, top, top, top, bottom, bottom, bottom), 1).ravel()
        distance = ((xs - ax) / SPREAD) ** 2 + (ys - ay) ** 2
        bounds = self.framed.bounds if compact else None
        view = np.zeros(len(xs)) if bounds is None else \
            np.round(viewed(bounds, xs, ys, half_w, half_h), 9)
        ranked = np.lexsort((distance, view))
        seen: set[tuple[float, float]] = set()
        for index in ranked[inside(xs[ranked], ys[ranked])].tolist():
            spot = (float(xs[index]), float(ys[index]))
            if spot in seen:
                continue
            seen.add(spot)
            box = (*spot, half_w, half_h)
            if not overlaps(box):
                return box
        return None

    def _walk(self, centre: tuple[float, float], start: float, first: int, seed: float,
              half_w: float, half_h: float, inside: Callable[[float, float], bool],
              ) -> tuple[Box, int]:
        """A golden-angle spiral out of `centre` to the first free box inside the walk's
        sector, and the step it was found at. Steps are laid out a batch at a time and
        those inside the sector found at once (far out, a sector is a narrow share of
        each turn), so a crowded carte places as quickly as a sparse one."""
        overlaps = self.cards.overlaps
        cx, cy = centre
        for batch in itertools.count(first, WALK_BATCH):
            steps = np.arange(batch, batch + WALK_BATCH)
            radius = start + STEP * np.sqrt(steps)
            angle = (steps + seed * 7) * GOLDEN_ANGLE
            xs, ys = cx + radius * np.cos(angle) * SPREAD, cy + radius * np.sin(angle)
            for index in np.flatnonzero(inside(xs, ys)):
                box = (float(xs[index]), float(ys[index]), half_w, half_h)
                if not overlaps(box):
                    return box, int(steps[index])
        raise AssertionError("unreachable: the spiral is endless")

    def _take(self, box: Box, walk: tuple[str | None, int]) -> None:
        self.count += 1
        self.cards.take(box)
        self.occupancy.take(box)
        self.framed.add(box)
        if len(self.boxes) < EVERY_BOX:
            self.boxes.append(box)
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
                reached = self.reached.setdefault(named, [0.0, 0.0, 0.0, 0.0])
                reached[0] += along
                reached[1] += 1
                reached[2] += box[0]
                reached[3] += box[1]
                if named != (theme, 0) and reached[1] == 1:
                    name = self.names.add(self.sequences[ring - 1], index, SEQUENCE_PX,
                                          self.axis((low + high) / 2), along, named)
                    self.framed.add(name.box)
        if self.names.uncover(box):  # a name the card landed on moved on
            self._frame_names()
        for _ in range(8):  # a larger step may widen the framing, which may ask another
            level = name_level(self.framed.get())
            if level <= self.names.level:
                break
            self.names.rescale(level, [self.middle(name.names) for name in self.names.names])
            self._frame_names()

    def _frame_names(self) -> None:
        for name in self.names.names:
            if name.sequence or name.theme in self.present:
                self.framed.add(name.box)

    def middle(self, walk: tuple[str | None, int]) -> float:
        """How far along its axis the places of `walk` lie on average (map units)."""
        total, count = self.reached.get(walk, (THEME_REACH, 1.0))[:2]
        return total / count

    def centre(self, walk: tuple[str | None, int]) -> tuple[float, float] | None:
        """The mean of the places of `walk` (None before its first)."""
        reached = self.reached.get(walk)
        return None if reached is None else (reached[2] / reached[1], reached[3] / reached[1])
