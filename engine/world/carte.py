"""The carte's contents and where each contribution sits on it.

Placement is deterministic from arrival order: each theme is a pole on a circle and
its contributions spiral out from it (golden angle), untagged ones around the centre.
An arrival never moves what is already placed.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from engine.world.contribution import Contribution

GOLDEN_ANGLE = math.pi * (3.0 - math.sqrt(5.0))
POLE_RADIUS = 0.55
SPACING = 0.16


@dataclass(frozen=True)
class Placed:
    """A contribution with its map position (-1..1 on the short side) and arrival time."""

    contribution: Contribution
    x: float
    y: float
    born: float


class Carte:
    """Contributions in arrival order, each placed once; `version` counts changes."""

    def __init__(self, themes: tuple[str, ...]) -> None:
        self.themes = themes
        self.placed: list[Placed] = []
        self.ids: set[str] = set()
        self.states: dict[str, str] = {}
        self.per_pole: dict[str | None, int] = {}
        self.version = 0
        self.last_arrival: float | None = None

    def __len__(self) -> int:
        return len(self.placed)

    def add(self, contribution: Contribution, now: float, state: str = "shown"
            ) -> Placed | None:
        """Place a new contribution; the same content twice is placed once."""
        if contribution.id in self.ids:
            return None
        self.states[contribution.id] = state
        theme = contribution.tags.theme if contribution.tags.theme in self.themes else None
        x, y = self.pole(theme)
        index = self.per_pole.get(theme, 0)
        self.per_pole[theme] = index + 1
        wobble = int(hashlib.sha256(contribution.id.encode()).hexdigest()[:8], 16) / 2**32
        radius = SPACING * math.sqrt(index + 0.5)
        angle = index * GOLDEN_ANGLE + wobble * 0.6
        placed = Placed(contribution, x + radius * math.cos(angle) * 1.4,
                        y + radius * math.sin(angle) * 0.9, now)
        self.placed.append(placed)
        self.ids.add(contribution.id)
        self.version += 1
        self.last_arrival = now
        return placed

    def moderate(self, id: str, state: str) -> bool:
        """Show, hide or pin; hiding keeps the place, so showing again puts it back."""
        if id not in self.ids or self.states.get(id) == state:
            return False
        self.states[id] = state
        self.version += 1
        return True

    def visible(self) -> list[Placed]:
        return [p for p in self.placed if self.states[p.contribution.id] != "hidden"]

    def pole(self, theme: str | None) -> tuple[float, float]:
        """The map position a theme gathers around; the centre for none."""
        if theme is None or not self.themes:
            return 0.0, 0.0
        turn = self.themes.index(theme) / len(self.themes)
        angle = math.pi * 0.75 - turn * 2.0 * math.pi
        return POLE_RADIUS * 1.5 * math.cos(angle), POLE_RADIUS * math.sin(angle)
