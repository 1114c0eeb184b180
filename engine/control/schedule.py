"""Messages from bundles timed in the future, held until due without stalling anything.

The socket loop keeps reading while these wait; it only asks, each turn, what is due
and how long until the next one. A bundle may not be scheduled further ahead than
`horizon` seconds, and at most `capacity` messages wait at once.
"""

from __future__ import annotations

import heapq
import itertools
from typing import Generic, TypeVar

from engine.control.refusal import AHEAD, SCHEDULE, Refused

Item = TypeVar("Item")


class Schedule(Generic[Item]):
    """A bounded heap of items by due time (Unix seconds, as OSC timetags are)."""

    def __init__(self, capacity: int, horizon: float) -> None:
        self.capacity = capacity
        self.horizon = horizon
        self.heap: list[tuple[float, int, Item]] = []
        self.order = itertools.count()

    def add(self, due: float, item: Item, now: float) -> None:
        """Hold `item` until `due`; `Refused` when too far ahead or when full."""
        if due - now > self.horizon:
            raise Refused(AHEAD, f"due in {due - now:.1f} s; at most {self.horizon:g} s ahead")
        if len(self.heap) >= self.capacity:
            raise Refused(SCHEDULE, f"{self.capacity} messages already wait for their time")
        heapq.heappush(self.heap, (due, next(self.order), item))

    def pop_due(self, now: float) -> list[Item]:
        """Items whose time has come, in due order."""
        due = []
        while self.heap and self.heap[0][0] <= now:
            due.append(heapq.heappop(self.heap)[2])
        return due

    def wait(self, now: float, longest: float) -> float:
        """Seconds until the next item is due, at most `longest`."""
        if not self.heap:
            return longest
        return min(max(self.heap[0][0] - now, 0.0), longest)

    def __len__(self) -> int:
        return len(self.heap)
