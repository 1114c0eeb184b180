"""What the whole view names, as a map engine places labels: the collective's terms for
each territory and sector, the titles of cards too small to read, and each territory's
representative statement, whole.

Levels of detail: when the whole view shows the cards at or above the readable floor,
every card reads, and only the terms speak, in the free space between cards. When it
does not, a card gives way: to its title, set at the floor over the cards, or, where
even titles would collide, to its territory's terms. Labels are placed once per change
of the carte or of the whole view (never per frame), in priority order (territory
terms, pinned and recent titles, statements, sector terms, other titles), each at the
first free spot near its anchor at screen scale; what does not fit is not drawn. Labels
shown by the previous plan come first within their rank, so a plan changes little from
the one before. Everything follows from the carte and show time: the same journal and
clock give the same labels.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, replace

from engine.meaning.lexicon import Standing
from engine.world.carte import Carte, Placed
from engine.world.layout import card
from engine.world.occupancy import Box, Occupancy
from engine.world.typeset import Setting

FLOOR_PX = 20.0  # the smallest em that reads, in pixels on a 1080-line output
TITLE_PX = 22.0  # a card's title, a little above the floor
STATEMENT_PX = 22.0
SECTOR_PX = (22.0, 28.0)  # a sector's terms, least and most weighty
TERM_PX = (28.0, 48.0)  # a territory's terms, least and most weighty
READING_TERM_PX = (24.0, 34.0)  # the same, in the free room between cards that read
SMALLEST_TERM_PX = 22.0  # a term with no room at its size tries down to this
RISING = 1.25  # a rising term grows by this much
TERMS = 6  # terms named per territory, at most
FIRST_TERMS = 3  # the terms each territory names before anything else
SECTOR_TERMS = 2
RECENT = 40  # the latest cards whose titles are tried
TURN_SECONDS = 12.0  # a territory's representative statements take turns
STATEMENTS = 4  # a territory's statements in turn
STATEMENT_MEASURE = 22.0  # ems a line
MARGIN_PX = 10.0  # free room kept around a label (two labels side by side read as one)
PICTURE_PX = 10.0  # a picture smaller than this (half side, px) may be covered
SEARCH = 1600  # spots tried around a term's anchor
TITLE_SEARCH = 40  # spots tried around a card for its title


@dataclass(frozen=True)
class Label:
    """Words the whole view shows: `text` set at `px` (an em in pixels on a 1080-line
    output at the whole view), centred at (x, y) on the map. `role`: `term` (a
    territory's), `sector`, `title` (a card's), `statement`. `over` when it lies over
    cards that do not read (it gives way when they do); `theme` its theme's index."""

    text: str
    role: str
    x: float
    y: float
    px: float
    theme: int | None
    over: bool
    rising: bool = False
    id: str = ""
    measure: float = 1e9  # ems a line (statements wrap)

    def key(self) -> tuple[str, str, str]:
        return (self.role, self.id, self.text)


@dataclass(frozen=True)
class Plan:
    """The labels of one whole view, and whether its cards read (at or above the floor)."""

    labels: tuple[Label, ...] = ()
    reads: bool = True
    card_px: float = 0.0
    featured: tuple[str, ...] = ()  # the statements named: the camera's tour favours them


class Legend:
    """Plans the labels of the whole view; `plan` keeps the last one."""

    def __init__(self) -> None:
        self.plan = Plan()

    def place(self, carte: Carte, view: tuple[float, float, float], aspect: float,
              now: float) -> Plan:
        """Labels for the whole `view` (centre x, y and zoom) of frames `aspect` wide."""
        layout = carte.layout
        zoom = view[2]
        pixel = 1.0 / (540.0 * zoom)  # map units per pixel at 1080 lines
        card_px = layout.em * zoom * 540.0
        reads = card_px >= FLOOR_PX
        before = {label.key() for label in self.plan.labels}
        frame = (view[0], view[1], aspect / zoom, 1.0 / zoom)
        placing = Placing(carte, pixel, reads, frame)
        labels: list[Label] = []
        themes = layout.themes
        lexicon = carte.lexicon
        ranked = {index: lexicon.terms(theme, TERMS, now) for index, theme in enumerate(themes)}
        sizes = TERM_PX if not reads else READING_TERM_PX

        said: set[str] = set()

        def offer(candidates: list[Label], search: int) -> None:
            candidates.sort(key=lambda label: label.key() not in before)  # stable
            for label in candidates:
                if label.text.casefold() in said:  # the same words once on the map
                    continue
                placed = placing.fit(label, search)
                for px in (label.px * 0.8, SMALLEST_TERM_PX):  # a term shrinks to fit
                    if placed is None and label.role in ("term", "sector") and px < label.px:
                        placed = placing.fit(replace(label, px=max(px, SMALLEST_TERM_PX)),
                                             search)
                if placed is not None:
                    labels.append(placed)
                    said.add(label.text.casefold())

        for rank in range(FIRST_TERMS):
            offer([term_label(standing[rank], index, rank, sizes)
                   for index, standing in ranked.items() if len(standing) > rank],
                  SEARCH)
        featured: list[str] = []
        if not reads:
            offer([title_label(carte, p, FLOOR_PX) for p in pinned(carte)], TITLE_SEARCH)
            statements = []
            for index, theme in enumerate(themes):
                ids = lexicon.representatives(theme, STATEMENTS)
                if ids:
                    chosen = ids[int(now // TURN_SECONDS) % len(ids)]
                    featured.append(chosen)
                    statements.append(statement_label(carte, chosen, index))
            offer([s for s in statements if s is not None], SEARCH // 2)
            offer([title_label(carte, p, TITLE_PX) for p in recent(carte)], TITLE_SEARCH)
        sectors = []
        for index, theme in enumerate(themes):
            for sequence in layout.sequences:
                for rank, standing in enumerate(lexicon.terms(f"{theme}/{sequence}",
                                                              SECTOR_TERMS, now)):
                    sectors.append(term_label(standing, index, rank, SECTOR_PX, "sector"))
        offer(sectors, SEARCH // 3)
        offer([term_label(standing[rank], index, rank, sizes)
               for rank in range(FIRST_TERMS, TERMS)
               for index, standing in ranked.items() if len(standing) > rank], SEARCH // 3)
        self.plan = Plan(tuple(labels), reads, card_px, tuple(featured))
        return self.plan


def term_label(standing: Standing, theme: int, rank: int, sizes: tuple[float, float],
               role: str = "term") -> Label:
    low, high = sizes
    px = low + (high - low) * standing.weight * (1.0 - 0.08 * rank)
    rising = standing.rising > 0
    return Label(standing.form, role, standing.x, standing.y, px * (RISING if rising else 1.0),
                 theme, True, rising)


def title_label(carte: Carte, placed: Placed, px: float) -> Label:
    contribution = placed.contribution
    reading = contribution.reading
    text = reading.title if reading is not None and reading.title else card(contribution).text
    return Label(text, "title", placed.x, placed.y, px, theme_of(carte, placed), True,
                 id=contribution.id)


def statement_label(carte: Carte, id: str, theme: int) -> Label | None:
    placed = carte.find(id)
    if placed is None:
        return None
    said = " ".join(card(placed.contribution).text.split())
    return Label(said, "statement", placed.x, placed.y, STATEMENT_PX, theme, True, id=id,
                 measure=STATEMENT_MEASURE)


def theme_of(carte: Carte, placed: Placed) -> int | None:
    theme = placed.contribution.tags.theme
    return carte.layout.themes.index(theme) if theme in carte.layout.themes else None


def pinned(carte: Carte) -> Iterator[Placed]:
    for id in sorted(carte.pinned):
        placed = carte.find(id)
        if placed is not None and card(placed.contribution).text:
            yield placed


def recent(carte: Carte) -> list[Placed]:
    """The latest cards shown (newest first), whose titles come next."""
    found = []
    for placed in reversed(carte.placed):
        if len(found) >= RECENT:
            break
        if placed.contribution.id not in carte.hidden and card(placed.contribution).text:
            found.append(placed)
    return found


class Placing:
    """Free room at screen scale: the names, the pictures large enough to be seen, the
    cards when they read, and the labels placed so far."""

    def __init__(self, carte: Carte, pixel: float, reads: bool,
                 frame: tuple[float, float, float, float]) -> None:
        self.carte = carte
        self.pixel = pixel
        self.reads = reads
        self.frame = frame
        self.taken = Occupancy()
        layout = carte.layout
        for name in layout.names.names:
            self.taken.take(name.box)
        for index in carte.figures:
            placed = carte.placed[index]
            if placed.contribution.id not in carte.hidden and \
                    min(placed.w, placed.h) >= PICTURE_PX * pixel:
                self.taken.take((placed.x, placed.y, placed.w, placed.h))

    def setting(self, label: Label) -> Setting:
        return self.carte.layout.typesetter.set(label.text, label.measure)

    def fit(self, label: Label, search: int) -> Label | None:
        """`label` at the first free spot of a spiral around its anchor, inside the
        frame; None when there is none."""
        setting = self.setting(label)
        em = label.px * self.pixel
        margin = MARGIN_PX * self.pixel
        half_w = setting.width * em / 2 + margin
        half_h = setting.height * em / 2 + margin
        cx, cy, frame_w, frame_h = self.frame
        step = 6.0 * self.pixel
        for index in range(search):
            radius = step * math.sqrt(index)
            angle = index * 2.39996323
            x = label.x + radius * math.cos(angle) * 1.6
            y = label.y + radius * math.sin(angle)
            if abs(x - cx) + half_w > frame_w or abs(y - cy) + half_h > frame_h:
                continue
            box: Box = (x, y, half_w, half_h)
            if self.taken.overlaps(box) or (self.reads and
                                            self.carte.layout.occupancy.overlaps(box)):
                continue
            self.taken.take(box)
            return Label(label.text, label.role, x, y, label.px, label.theme,
                         label.over and not self.reads, label.rising, label.id, label.measure)
        return None

