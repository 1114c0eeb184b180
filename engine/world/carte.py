"""The carte's contents: contributions in arrival order, their places and states."""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from engine.world.contribution import Contribution, light
from engine.world.layout import Layout, Spot

LINKS_PER_ARRIVAL = 2


def bonds(contribution: Contribution) -> set[str]:
    """What relates contributions: a shared keyword, the same parcours, or the same theme
    in the same sequence."""
    tags = contribution.tags
    found = {f"mot:{k.casefold()}" for k in tags.keywords}
    if tags.parcours:
        found.add(f"parcours:{tags.parcours}")
    if tags.theme and tags.sequence:
        found.add(f"lieu:{tags.theme}:{tags.sequence}")
    return found


@dataclass(frozen=True)
class Placed:
    """A contribution with its place on the map (centre and half extents, in map units:
    -1..1 is the short side of the whole view at zoom 1) and its arrival time."""

    contribution: Contribution
    x: float
    y: float
    born: float
    w: float = 0.0
    h: float = 0.0

    def place(self) -> dict[str, float]:
        """The place as `carte list --json` gives it."""
        return {"x": round(self.x, 5), "y": round(self.y, 5), "w": round(self.w, 5),
                "h": round(self.h, 5)}


ABSENT = ("hidden", "pending", "rejected")  # placed and kept, never drawn


class Carte:
    """Contributions in arrival order, each placed once; `version` counts changes.
    `text_size` is the em as a fraction of the whole view's height (see `Layout`)."""

    def __init__(self, themes: tuple[str, ...], sequences: tuple[str, ...] = (),
                 text_size: float = 0.03, font: Path | None = None,
                 shows: Callable[[Contribution], bool] | None = None) -> None:
        self.setting = (themes, sequences, text_size * 2.0, font)
        self.shows = shows  # what this screen draws (a room's parcours); None: all
        self.states: dict[str, str] = {}
        self.version = 0
        self.moderations = 0
        self.last_arrival: float | None = None
        self.found: list[tuple[str, float, float, int]] = []
        self._clear()

    def _clear(self) -> None:
        self.layout = Layout(*self.setting)
        self.placed: list[Placed] = []
        self.steps: list[int] = []  # the walk's step of each place, to take it again
        self.ids: set[str] = set()
        self.hidden: set[str] = set()  # kept with `states`, so frames never scan the carte
        self.elsewhere: set[str] = set()  # placed, but not what this screen shows
        self.pinned: set[str] = set()
        self.links: list[tuple[int, int]] = []
        self.bonded: dict[str, list[int]] = defaultdict(list)  # bond -> indices, in order
        self.provisional: int | None = None  # index of the first provisional place

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """What the whole view frames (left, bottom, right, top): every place and the
        names of what is there; it only ever grows."""
        return self.layout.framed.get()

    def __len__(self) -> int:
        return len(self.placed)

    def add(self, contribution: Contribution, now: float, state: str = "shown",
            spot: Spot | None = None, provisional: bool = False,
            half: tuple[float, float] | None = None) -> Placed | None:
        """Place a new contribution (at `spot` when it was placed before: a restart); the
        same content twice is placed once. New spots are kept in `found` for the journal,
        except `provisional` ones (a room cut off from the others: see `rewind`).
        `contribution` may carry its arrays (a picture's aspect); the carte keeps it
        without them."""
        if contribution.id in self.ids:
            return None
        if provisional and self.provisional is None:
            self.provisional = len(self.placed)
        self.states[contribution.id] = state
        if self.shows is not None and not self.shows(contribution):
            self.elsewhere.add(contribution.id)
        self._file(contribution.id, state)
        if spot is None:
            box, step = self.layout.place(contribution)
            if not provisional:
                self.found.append((contribution.id, box[0], box[1], step))
        else:
            box, step = self.layout.take(contribution, spot, half), int(spot[2])
        x, y, w, h = box
        placed = Placed(light(contribution), x, y, now, w, h)
        self.steps.append(step)
        index = len(self.placed)
        mine = bonds(contribution)
        latest = {i for bond in mine for i in self.bonded[bond][-LINKS_PER_ARRIVAL:]}
        partners = heapq.nlargest(LINKS_PER_ARRIVAL, latest)
        self.links += [(i, index) for i in partners]
        for bond in mine:
            self.bonded[bond].append(index)
        self.placed.append(placed)
        self.ids.add(contribution.id)
        self.version += 1
        self.last_arrival = now
        return placed

    def complete(self, contribution: Contribution) -> Placed | None:
        """A contribution's full payload replacing its preview, in the same place."""
        for index, placed in enumerate(self.placed):
            if placed.contribution.id == contribution.id:
                self.placed[index] = replace(placed, contribution=contribution)
                self.version += 1
                return self.placed[index]
        return None

    def moderate(self, id: str, state: str) -> bool:
        """Show, hide or pin; hiding keeps the place, so showing again puts it back."""
        if id not in self.ids or self.states.get(id) == state:
            return False
        self.states[id] = state
        self._file(id, state)
        self.version += 1
        self.moderations += 1
        return True

    def _file(self, id: str, state: str) -> None:
        for group, names in ((self.hidden, ABSENT), (self.pinned, ("pinned",))):
            if state in names or (group is self.hidden and id in self.elsewhere):
                group.add(id)
            else:
                group.discard(id)

    def absent(self) -> int:
        """Contributions placed but not drawn by a moderator's decision (hidden, waiting
        for approval, rejected), whatever this screen shows."""
        return len(self.hidden - self.elsewhere)

    def rewind(self) -> list[Placed]:
        """Take back the provisional places (a room cut off from the others placed its own
        arrivals at once; once the stream orders them among the others', they are placed
        again in that order): the carte is as it was before the first of them, every place
        before it unmoved. Returns what was taken back, in order."""
        if self.provisional is None:
            return []
        keep, dropped = self.provisional, self.placed[self.provisional:]
        kept, steps = self.placed[:keep], self.steps[:keep]
        names = self.layout.names.version
        for placed in dropped:
            self.states.pop(placed.contribution.id, None)
        self._clear()
        for placed, step in zip(kept, steps, strict=True):
            self.add(placed.contribution, placed.born, self.states[placed.contribution.id],
                     (placed.x, placed.y, step), half=(placed.w, placed.h))
        # whatever was drawn from the names and the cards is drawn again
        self.layout.names.version = max(names, self.layout.names.version) + 1
        self.version += 1
        self.moderations += 1
        return dropped

    def visible(self) -> list[Placed]:
        return [p for p in self.placed if p.contribution.id not in self.hidden]
