"""The carte's contents: contributions in arrival order, their places and states."""

from __future__ import annotations

from dataclasses import dataclass

from engine.world.contribution import Contribution
from engine.world.layout import Layout

RELATED_LOOKBACK = 400
LINKS_PER_ARRIVAL = 2


def related(a: Contribution, b: Contribution) -> bool:
    """Shared keywords, the same parcours, or the same theme in the same sequence."""
    ta, tb = a.tags, b.tags
    if {k.casefold() for k in ta.keywords} & {k.casefold() for k in tb.keywords}:
        return True
    if ta.parcours and ta.parcours == tb.parcours:
        return True
    return bool(ta.theme and ta.sequence and (ta.theme, ta.sequence) == (tb.theme, tb.sequence))


@dataclass(frozen=True)
class Placed:
    """A contribution with its map position (-1..1 on the short side) and arrival time."""

    contribution: Contribution
    x: float
    y: float
    born: float


class Carte:
    """Contributions in arrival order, each placed once; `version` counts changes."""

    def __init__(self, themes: tuple[str, ...], sequences: tuple[str, ...] = ()) -> None:
        self.layout = Layout(themes, sequences)
        self.placed: list[Placed] = []
        self.ids: set[str] = set()
        self.states: dict[str, str] = {}
        self.links: list[tuple[int, int]] = []
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
        x, y = self.layout.place(contribution)
        placed = Placed(contribution, x, y, now)
        index = len(self.placed)
        earlier = range(index - 1, max(-1, index - 1 - RELATED_LOOKBACK), -1)
        partners = [i for i in earlier if related(contribution, self.placed[i].contribution)]
        self.links += [(i, index) for i in partners[:LINKS_PER_ARRIVAL]]
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
