"""Live graffiti: a tablet's points assembled into strokes, one open stroke per sender.

Each point becomes a `StrokeProgress` for the frame loop to draw at once; `end` (or
silence for `idle` seconds, or the point cap) closes the stroke as an `AddStroke`,
which goes through intake like any drawing.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from engine.control.commands import AddStroke, Command, StrokeProgress
from engine.control.requests import StrokeInput
from engine.world.contribution import Point

MAX_OPEN = 64


@dataclass
class _Open:
    id: str
    tags: tuple[str, ...]
    origin: str
    touched: float
    points: list[Point] = field(default_factory=list)


class Strokes:
    """Open strokes by sender (host:port); used by the server thread only."""

    def __init__(self, max_points: int, idle: float) -> None:
        self.max_points = max_points
        self.idle = idle
        self.open: dict[str, _Open] = {}
        self.numbers = itertools.count(1)

    def take(self, sender: str, origin: str, request: StrokeInput, now: float) -> list[Command]:
        """The commands one stroke message makes."""
        if request.action == "whole":
            return [AddStroke(self._name(sender), request.points, request.tags, origin)]
        if request.action == "end":
            return self._close(sender)
        if request.action == "begin":
            return self._close(sender) + self._begin(sender, origin, request.tags, now)
        made: list[Command] = []
        stroke = self.open.get(sender)
        if stroke is None:
            made += self._begin(sender, origin, (), now)
            stroke = self.open[sender]
        stroke.points.extend(request.points)
        stroke.touched = now
        made.append(StrokeProgress(stroke.id, request.points))
        if len(stroke.points) >= self.max_points:
            made += self._close(sender) + self._begin(sender, origin, stroke.tags, now)
        return made

    def expire(self, now: float) -> list[Command]:
        """Close strokes whose sender went quiet (a dropped connection mid-line)."""
        quiet = [s for s, stroke in self.open.items() if now - stroke.touched > self.idle]
        return [command for sender in quiet for command in self._close(sender)]

    def _begin(self, sender: str, origin: str, tags: tuple[str, ...],
               now: float) -> list[Command]:
        made: list[Command] = []
        if len(self.open) >= MAX_OPEN:
            made += self._close(min(self.open, key=lambda s: self.open[s].touched))
        self.open[sender] = _Open(self._name(sender), tags, origin, now)
        return made

    def _close(self, sender: str) -> list[Command]:
        stroke = self.open.pop(sender, None)
        if stroke is None or not stroke.points:
            return []
        return [AddStroke(stroke.id, tuple(stroke.points), stroke.tags, stroke.origin)]

    def _name(self, sender: str) -> str:
        return f"{sender}#{next(self.numbers)}"


def stroke_svg(*strokes: tuple[Point, ...]) -> str:
    """Tablet or finger strokes as a small SVG: pressure sets each segment's width."""
    segments = "".join(
        f'<line x1="{a[0] * 1000:.1f}" y1="{a[1] * 1000:.1f}" x2="{b[0] * 1000:.1f}" '
        f'y2="{b[1] * 1000:.1f}" stroke-width="{2 + 14 * b[2]:.1f}"/>'
        for points in strokes for a, b in itertools.pairwise(points))
    return ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1000 1000">'
            f'<g stroke="#f4e6c8" stroke-linecap="round">{segments}</g></svg>\n')
