"""The arrival choreography: where the view looks, frame by frame.

A new contribution is announced: the view glides to it and lingers, then returns to the
whole carte. Arrivals wait their turn in a queue, each with a shorter visit the longer
the queue (a burst is paced fairly, never starved: every arrival still blooms in place).
When nothing arrives for a while the view tours older contributions, so the carte never
looks frozen. Everything is a function of show time, so renders are deterministic.
"""

from __future__ import annotations

import hashlib
import math
from collections import deque
from dataclasses import dataclass

from engine.world.carte import Carte, Placed

WHOLE = (0.0, 0.0, 1.0)
GLIDE = 1.6      # seconds to travel between views
LINGER = 4.0     # seconds on a new arrival, when nothing else waits
SHORTEST = 1.2   # seconds on an arrival in a burst
ZOOM = 2.2       # how close a visit comes
QUIET = 40.0     # seconds without arrivals before touring
TOUR_EVERY = 18.0


@dataclass(frozen=True)
class Visit:
    x: float
    y: float
    zoom: float
    start: float
    end: float


def ease(t: float) -> float:
    t = min(max(t, 0.0), 1.0)
    return t * t * (3.0 - 2.0 * t)


class Camera:
    """Schedules visits and answers the view (centre x, y and zoom) at any time."""

    def __init__(self) -> None:
        self.waiting: deque[Placed] = deque()
        self.visit: Visit | None = None
        self.last_arrival = 0.0
        self.last_end = 0.0
        self.view = WHOLE

    def arrived(self, placed: Placed) -> None:
        self.waiting.append(placed)
        self.last_arrival = placed.born

    def focus(self, placed: Placed | None, now: float, seconds: float) -> None:
        """A moderator's focus: go to `placed` now and stay; None returns to the whole."""
        self.waiting.clear()
        if placed is None:
            if self.visit is not None:
                self.visit = Visit(self.visit.x, self.visit.y, self.visit.zoom,
                                   self.visit.start, min(self.visit.end, now))
            return
        self.visit = Visit(placed.x, placed.y, ZOOM, now, now + GLIDE + seconds)

    def update(self, now: float, carte: Carte) -> tuple[float, ...]:
        """The view at `now`: (x, y, zoom)."""
        if self.visit is not None and now >= self.visit.end + GLIDE:
            self.last_end = self.visit.end + GLIDE
            self.visit = None
        if self.visit is None:
            self.visit = self._next(now, carte)
        self.view = self._view(now)
        return self.view

    def _next(self, now: float, carte: Carte) -> Visit | None:
        while self.waiting:
            target = self.waiting.popleft()
            if target.contribution.id not in carte.hidden:
                stay = max(SHORTEST, LINGER / (1 + len(self.waiting)))
                return Visit(target.x, target.y, ZOOM, now, now + GLIDE + stay)
        quiet_since = max(self.last_arrival, self.last_end)
        placed = carte.placed
        if len(placed) > len(carte.hidden) and now - quiet_since >= QUIET:
            slot = int(now // TOUR_EVERY)
            pick = int(hashlib.sha256(str(slot).encode()).hexdigest()[:8], 16) % len(placed)
            target = next(p for p in placed[pick:] + placed[:pick]
                          if p.contribution.id not in carte.hidden)
            self.last_end = now + TOUR_EVERY - QUIET  # tour again after TOUR_EVERY
            return Visit(target.x, target.y, ZOOM * 0.8, now, now + GLIDE + LINGER * 1.5)
        return None

    def _view(self, now: float) -> tuple[float, float, float]:
        visit = self.visit
        if visit is None:
            return WHOLE
        going = ease((now - visit.start) / GLIDE)
        leaving = ease((now - visit.end) / GLIDE)
        weight = going * (1.0 - leaving)
        zoom = math.exp(math.log(visit.zoom) * weight)
        return visit.x * weight, visit.y * weight, zoom
