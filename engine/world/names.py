"""The event's structure named on the map: each theme in its territory, each sequence
in its sector of the theme once it holds a contribution.

A name is drawn at a size that reads on a 1080-line output however much the carte
holds: its size follows the framing in steps (`GROWTH`), and at each step it walks out
again along its axis, from the middle of what it names, to the first place where it
covers no contribution and no other name. Its box is taken in the layout's occupancy, so
contributions walk around it. All of it follows from the arrival order, so the same
journal names the same map.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from engine.world.occupancy import Box, Occupancy, clash
from engine.world.typeset import Typesetter

THEME_PX = 32  # a theme's name: pixels per em on a 1080-line output, whole view
SEQUENCE_PX = 20  # a sequence's name: just above the readable floor of cards (20 px)
GROWTH = 1.25  # the step between two sizes of the names
STRIDE_EMS = 0.4  # how far a name walks at a time, in its own ems
MARGIN_EMS = 0.25  # room for the glyphs' halo and capitals' accents above the ascent


@dataclass(frozen=True)
class Name:
    """A name, its theme (for the theme's ink), its size in pixels per em on a 1080-line
    output at the whole view, its box, and the walk it stands on: from the centre,
    `reach` steps of `axis`. `names` is the walk it names (see `Layout.walk_of`)."""

    text: str
    theme: int
    px: float
    box: Box
    axis: tuple[float, float]
    reach: float
    names: tuple[str | None, int]

    @property
    def sequence(self) -> bool:
        return bool(self.names[1])


class Names:
    """The names on the map and the size step they are set at."""

    def __init__(self, occupancy: Occupancy, typesetter: Typesetter, gutter: float,
                 spot: Callable[[Name, float, float], Box | None] = lambda n, w, h: None
                 ) -> None:
        self.occupancy = occupancy
        self.spot = spot  # a free spot the layout offers a name (half width, height)
        self.typesetter = typesetter
        self.gutter = gutter
        self.names: list[Name] = []
        self.level = 0
        self.version = 0

    def em(self, px: float) -> float:
        """A name's em in map units at the current step (the whole view's short side
        spans 2 map units at zoom 1, 1,080 pixels)."""
        return px / 540.0 * GROWTH ** self.level

    def add(self, text: str, theme: int, px: float, axis: tuple[float, float],
            reach: float, names: tuple[str | None, int]) -> Name:
        """Name a place: walk from `reach` along `axis` until free, and take it."""
        name = self._walk(Name(text, theme, px, (0.0, 0.0, 0.0, 0.0), axis, reach, names))
        self.names.append(name)
        self.version += 1
        return name

    def rescale(self, level: int, reaches: list[float]) -> None:
        """Set every name at a larger step, each walking from its reach in `reaches`."""
        self.level = level
        for index, name in enumerate(self.names):
            self.occupancy.free(name.box)
            self.names[index] = self._walk(replace(name, reach=reaches[index],
                                                   box=(0.0, 0.0, 0.0, 0.0)))
        self.version += 1

    def uncover(self, box: Box) -> bool:
        """Move on any name a card's `box` lands on (a card never gives way to a name);
        whether one moved."""
        moved = False
        for index, name in enumerate(self.names):
            if clash(name.box, box):
                self.occupancy.free(name.box)
                self.names[index] = self._walk(name)
                self.version += 1
                moved = True
        return moved

    def _walk(self, name: Name) -> Name:
        em = self.em(name.px)
        setting = self.typesetter.set(name.text, 1e9)
        gutter = self.gutter + MARGIN_EMS * em
        half_w, half_h = setting.width * em / 2 + gutter, setting.height * em / 2 + gutter
        dx, dy = name.axis
        reach = name.reach
        stride = STRIDE_EMS * em
        offered = self.spot(name, half_w, half_h)
        while offered is None:
            box = (dx * reach, dy * reach, half_w, half_h)
            if not self.occupancy.overlaps(box):
                break
            reach += stride
        else:
            box = offered
        self.occupancy.take(box)
        return replace(name, box=box, reach=reach)
