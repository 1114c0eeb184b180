"""What is taken on the map: boxes in a spatial hash, and the extent they span.

Contributions and the names of the event's structure share it, so a walk for a free
spot avoids both and no name ever covers a contribution.
"""

from __future__ import annotations

import math
from collections import defaultdict

Box = tuple[float, float, float, float]  # centre x, y, half width, half height
CELL = 0.5


def clash(a: Box, b: Box) -> bool:
    return abs(a[0] - b[0]) < a[2] + b[2] and abs(a[1] - b[1]) < a[3] + b[3]


class Occupancy:
    """Taken boxes, found by the cells of a square grid they touch."""

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], list[Box]] = defaultdict(list)

    @staticmethod
    def _cells(box: Box) -> list[tuple[int, int]]:
        x, y, w, h = box
        return [(i, j) for i in range(math.floor((x - w) / CELL), math.floor((x + w) / CELL) + 1)
                for j in range(math.floor((y - h) / CELL), math.floor((y + h) / CELL) + 1)]

    def take(self, box: Box) -> None:
        for cell in self._cells(box):
            self.cells[cell].append(box)

    def free(self, box: Box) -> None:
        for cell in self._cells(box):
            self.cells[cell].remove(box)

    def near(self, x: float, y: float, reach: float) -> list[Box]:
        """The boxes touching the cells within `reach` of (x, y), each once, in the
        order they were taken cell by cell."""
        found: dict[Box, None] = {}
        floor = math.floor
        for i in range(floor((x - reach) / CELL), floor((x + reach) / CELL) + 1):
            for j in range(floor((y - reach) / CELL), floor((y + reach) / CELL) + 1):
                found.update(dict.fromkeys(self.cells.get((i, j), ())))
        return list(found)

    def overlaps(self, box: Box) -> bool:
        x, y, w, h = box
        cells = self.cells
        floor = math.floor
        for i in range(floor((x - w) / CELL), floor((x + w) / CELL) + 1):
            for j in range(floor((y - h) / CELL), floor((y + h) / CELL) + 1):
                for ox, oy, ow, oh in cells.get((i, j), ()):
                    if abs(x - ox) < w + ow and abs(y - oy) < h + oh:
                        return True
        return False


class Extent:
    """The smallest box (left, bottom, right, top) holding every box given to it: it
    only ever grows, so the view framing it never closes in."""

    def __init__(self) -> None:
        self.bounds: tuple[float, float, float, float] | None = None

    def add(self, box: Box) -> None:
        x, y, w, h = box
        left, bottom, right, top = self.bounds or (x, y, x, y)
        self.bounds = (min(left, x - w), min(bottom, y - h), max(right, x + w),
                       max(top, y + h))

    def get(self) -> tuple[float, float, float, float]:
        return self.bounds or (0.0, 0.0, 0.0, 0.0)
