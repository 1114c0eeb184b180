"""Where the view looks, frame by frame: the whole carte framed, and arrivals visited.

The whole view frames what is there: it fits every place with a margin, and when a
contribution lands outside it eases outward (it never closes in again, so the map only
ever grows on screen). A new contribution is announced: the view glides to it and stays
long enough to read it (about three words a second), then returns to the whole carte.
Arrivals wait their turn in a queue, each with a shorter visit the longer the queue (a
burst is paced fairly, never starved). When nothing arrives for a while the view tours
older contributions, mostly the statements the whole view names as representative; a
page visited is read whole on a panel. Everything follows from the arrivals and show
time, so renders and replays are deterministic.
"""

from __future__ import annotations

import hashlib
import math
from collections import deque
from dataclasses import dataclass

from engine.world.carte import Carte, Placed
from engine.world.layout import MARGIN, card, card_text

View = tuple[float, float, float]  # centre x, y and zoom (1: the short side spans -1..1)

GLIDE = 1.6      # seconds to travel between views
FRAMING = 2.5    # seconds the whole view takes to ease outward
LINGER = 4.0     # seconds on a new arrival at least, when nothing else waits
WORDS_PER_SECOND = 3.0
LONGEST = 20.0   # seconds of reading at most
PAGE_LONGEST = 45.0  # seconds of reading a page at most
PAGE_FADE = 0.6  # seconds a page's reading panel takes to come and go
SHORTEST = 1.2   # seconds on an arrival in a burst
VISIT_FILL = 0.7  # a visit shows its contribution across this much of the screen
VISIT_EM = 1 / 12  # the largest em a view shows, as a fraction of the screen height
QUIET = 40.0     # seconds without arrivals before touring
TOUR_EVERY = 18.0


@dataclass(frozen=True)
class Visit:
    x: float
    y: float
    zoom: float
    start: float
    end: float
    id: str = ""  # the contribution visited
    page: bool = False  # a page: its reading panel shows it whole


def ease(t: float) -> float:
    t = min(max(t, 0.0), 1.0)
    return t * t * (3.0 - 2.0 * t)


def blend(a: View, b: View, weight: float) -> View:
    """Between two views, the zoom moving evenly in scale."""
    return (a[0] + (b[0] - a[0]) * weight, a[1] + (b[1] - a[1]) * weight,
            math.exp(math.log(a[2]) + (math.log(b[2]) - math.log(a[2])) * weight))


def reading_seconds(placed: Placed, page: bool = False) -> float:
    """How long a visitor needs to read a contribution as it arrives (a page longer)."""
    words = len(card_text(placed.contribution).split())
    return min(max(LINGER, words / WORDS_PER_SECOND), PAGE_LONGEST if page else LONGEST)


class Camera:
    """Schedules visits and answers the view (centre x, y and zoom) at any time, for
    frames of `aspect` (width over height)."""

    def __init__(self, aspect: float = 16 / 9) -> None:
        self.aspect = aspect
        self.waiting: deque[Placed] = deque()
        self.visit: Visit | None = None
        self.last_arrival = 0.0
        self.last_end = 0.0
        self.framed: tuple[View, View, float] | None = None  # from, to, since
        self.extent: tuple[float, ...] = ()
        self.view: View = (0.0, 0.0, 1.0)
        self.featured: tuple[str, ...] = ()  # the statements the whole view names

    def arrived(self, placed: Placed) -> None:
        self.waiting.append(placed)
        self.last_arrival = placed.born

    def zoom_on(self, placed: Placed, em: float) -> float:
        """The zoom that shows `placed` across `VISIT_FILL` of the screen, its text no
        larger than `VISIT_EM`."""
        fit = VISIT_FILL * min(1.0 / max(placed.h, 1e-6), self.aspect / max(placed.w, 1e-6))
        return min(fit, VISIT_EM * 2.0 / em)

    def focus(self, placed: Placed | None, now: float, seconds: float,
              em: float = 0.06) -> None:
        """A moderator's focus: go to `placed` now and stay; None returns to the whole."""
        self.waiting.clear()
        if placed is None:
            if self.visit is not None:
                self.visit = Visit(self.visit.x, self.visit.y, self.visit.zoom,
                                   self.visit.start, min(self.visit.end, now))
            return
        self.visit = Visit(placed.x, placed.y, self.zoom_on(placed, em), now,
                           now + GLIDE + seconds, placed.contribution.id)

    def whole(self, now: float, carte: Carte) -> View:
        """The view of the whole carte at `now`: its extent with a margin, eased outward
        from the previous framing whenever the extent grew."""
        if carte.placed and carte.extent != self.extent:
            self.extent = carte.extent
            left, bottom, right, top = carte.extent
            half_w = (right - left) / 2 * (1 + 2 * MARGIN)
            half_h = (top - bottom) / 2 * (1 + 2 * MARGIN)
            zoom = min(1.0 / half_h, self.aspect / half_w, VISIT_EM * 2.0 / carte.layout.em)
            target = ((left + right) / 2, (bottom + top) / 2, zoom)
            if self.framed is None:
                self.framed = (target, target, now)
            else:
                current = self.whole(now, carte)
                self.framed = (current, (*target[:2], min(zoom, current[2])), now)
        if self.framed is None:
            return (0.0, 0.0, 1.0)
        start, end, since = self.framed
        return blend(start, end, ease((now - since) / FRAMING))

    def settled(self) -> View:
        """The whole view once its easing is done: what the legend names."""
        return self.framed[1] if self.framed is not None else (0.0, 0.0, 1.0)

    def update(self, now: float, carte: Carte) -> View:
        """The view at `now`: (x, y, zoom)."""
        if self.visit is not None and now >= self.visit.end + GLIDE:
            self.last_end = self.visit.end + GLIDE
            self.visit = None
        if self.visit is None:
            self.visit = self._next(now, carte)
        whole = self.whole(now, carte)
        visit = self.visit
        if visit is None:
            self.view = whole
        else:
            going = ease((now - visit.start) / GLIDE)
            leaving = ease((now - visit.end) / GLIDE)
            near = (visit.x, visit.y, max(visit.zoom, whole[2]))
            self.view = blend(whole, near, going * (1.0 - leaving))
        return self.view

    def page(self, now: float, carte: Carte) -> tuple[str, float]:
        """The page the view is visiting (its id) and how far its reading panel is shown
        (0..1): it comes once the view has arrived and goes before it leaves."""
        visit = self.visit
        if visit is None:
            return "", 0.0
        if not visit.page or visit.id in carte.hidden:
            return "", 0.0
        shown = ease((now - visit.start - GLIDE) / PAGE_FADE) * \
            (1.0 - ease((now - visit.end + PAGE_FADE) / PAGE_FADE))
        return visit.id, shown

    def _next(self, now: float, carte: Carte) -> Visit | None:
        em = carte.layout.em
        while self.waiting:
            target = self.waiting.popleft()
            if target.contribution.id not in carte.hidden:
                page = carte.layout.is_page(card(target.contribution))
                stay = max(SHORTEST, reading_seconds(target, page) / (1 + len(self.waiting)))
                return Visit(target.x, target.y, self.zoom_on(target, em), now,
                             now + GLIDE + stay, target.contribution.id, page)
        quiet_since = max(self.last_arrival, self.last_end)
        placed = carte.placed
        if len(placed) > len(carte.hidden) and now - quiet_since >= QUIET:
            slot = int(now // TOUR_EVERY)
            pick = int(hashlib.sha256(str(slot).encode()).hexdigest()[:8], 16)
            # two visits in three go to a representative statement, in turn
            featured = [carte.find(id) for id in self.featured if id not in carte.hidden]
            featured = [p for p in featured if p is not None]
            if featured and slot % 3:
                target = featured[pick % len(featured)]
            else:
                pick %= len(placed)
                target = next(p for p in placed[pick:] + placed[:pick]
                              if p.contribution.id not in carte.hidden)
            self.last_end = now + TOUR_EVERY - QUIET  # tour again after TOUR_EVERY
            page = carte.layout.is_page(card(target.contribution))
            return Visit(target.x, target.y, self.zoom_on(target, em) * 0.8, now,
                         now + GLIDE + (reading_seconds(target, True) if page else LINGER * 1.5),
                         target.contribution.id, page)
        return None
