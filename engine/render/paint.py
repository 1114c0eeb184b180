"""The paint layer: graffiti inking itself at its place, stroke by stroke, and a
tablet's strokes as they are drawn.

A new drawing with strokes (SVG, tablet graffiti) inks itself over a few seconds where
the carte placed it; then its picture (the decoder's rendering, in its own colours and
widths) fades in as the ink fades out, and stays: budgeted and mipmapped like every
picture, so it reads at any zoom and anywhere on the map. A tablet's strokes show at
once where they are drawn on the view and fade a few seconds later; the contribution
they make arrives at its own place. All of it is a function of show time, drawn each
frame as instanced segments seen through the camera: no ink is left over a card.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence

import moderngl
import numpy as np

from engine.render.text import internal_program
from engine.world.carte import Carte, Placed
from engine.world.contribution import Point

INK = (0.97, 0.88, 0.7, 0.95)
WIDTH = 0.006  # a stroke's half width at full pressure, as a share of its drawing's size
SEGMENTS_PER_SECOND = 1440.0
INK_SECONDS = (0.8, 4.0)  # the shortest and longest inking of a drawing
FADE = 1.0  # seconds the ink takes to give way to the drawing's picture
LIVE_SECONDS = 6.0  # a tablet's stroke stays this long after it was drawn
STRIDE = 12  # floats per segment: both ends, both half widths, colour, appears, vanishes


def segments(strokes: Iterable[Sequence[Point]], centre: tuple[float, float],
             half: float, aspect: float = 1.0,
             colour: tuple[float, float, float, float] = INK) -> np.ndarray:
    """Strokes in a 0..1 box (y down) of `half` map units around `centre` (wider by
    `aspect`) as map-space segments, in drawing order, width following pressure:
    (n, STRIDE) float32 rows; their moments are left for the caller to set."""
    parts = [np.asarray(stroke, dtype=np.float32).reshape(-1, 3) for stroke in strokes]
    points = [p for p in parts if len(p) > 1]
    if not points:
        return np.empty((0, STRIDE), np.float32)
    found = np.zeros((sum(len(p) - 1 for p in points), STRIDE), np.float32)
    start = 0
    for stroke in points:
        ends = slice(start, start + len(stroke) - 1)
        for column, point in ((0, stroke[:-1]), (2, stroke[1:])):
            found[ends, column] = centre[0] + (point[:, 0] - 0.5) * 2 * half * aspect
            found[ends, column + 1] = centre[1] - (point[:, 1] - 0.5) * 2 * half
            found[ends, 4 + column // 2] = WIDTH * 2 * half * (0.4 + 0.6 * point[:, 2])
        start = ends.stop
    found[:, 6:10] = colour
    return found


def ink_seconds(count: int) -> float:
    """How long a drawing of `count` segments takes to ink itself."""
    low, high = INK_SECONDS
    return min(max(count / SEGMENTS_PER_SECOND, low), high)


class PaintLayer:
    """Drawings inking themselves and a tablet's live strokes, one instanced draw."""

    def __init__(self, ctx: moderngl.Context) -> None:
        self.ctx = ctx
        self.program = internal_program(ctx, "ink")
        self.strip = ctx.buffer(np.array([0, -1, 0, 1, 1, -1, 1, 1], dtype="f4"))
        self.capacity = 0
        self.count = 0
        self.buffer: moderngl.Buffer | None = None
        self.vao: moderngl.VertexArray | None = None
        self.inking: dict[str, np.ndarray] = {}  # drawings whose ink still shows
        self.waiting: dict[str, np.ndarray] = {}  # drawings waiting for a moderator
        self.live: deque[np.ndarray] = deque()  # a tablet's strokes still showing
        self.last_points: dict[str, Point] = {}
        self.shown: set[str] = set()  # the drawings in the buffer
        self.dirty = False

    def add(self, placed: Placed, strokes: Sequence[Sequence[Point]], at: float,
            gutter: float, waiting: bool = False) -> float:
        """Ink a drawing's `strokes` at its place from show time `at`, over the square
        its picture takes (the place less `gutter`); returns when the picture should
        appear (`at` when there are no strokes to ink). A drawing `waiting` for a
        moderator keeps its strokes until `approve`."""
        found = segments(strokes, (placed.x, placed.y), min(placed.w, placed.h) - gutter)
        if not len(found):
            return at
        if waiting:
            self.waiting[placed.contribution.id] = found
            return at
        return self._ink(placed.contribution.id, found, at)

    def forget(self, id: str) -> None:
        """Let a drawing's ink go (a provisional place taken back)."""
        if self.inking.pop(id, None) is not None or self.waiting.pop(id, None) is not None:
            self.dirty = True

    def approve(self, id: str, at: float) -> float:
        """A waiting drawing let through inks itself from `at`; when its picture shows."""
        found = self.waiting.pop(id, None)
        return at if found is None else self._ink(id, found, at)

    def _ink(self, id: str, found: np.ndarray, at: float) -> float:
        seconds = ink_seconds(len(found))
        found[:, 10] = at + seconds * np.arange(len(found)) / len(found)
        found[:, 11] = at + seconds + FADE
        self.inking[id] = found
        self.dirty = True
        return at + seconds

    def live_stroke(self, stroke: str, points: tuple[Point, ...], view: tuple[float, ...],
                    resolution: tuple[int, int], at: float) -> None:
        """Points a tablet is drawing now, in screen coordinates (0..1, y down), joined
        to the points of the same stroke drawn in earlier frames."""
        joined = (self.last_points[stroke], *points) if stroke in self.last_points else points
        if points:
            self.last_points[stroke] = points[-1]
        if len(self.last_points) > 64:  # strokes long finished
            del self.last_points[next(iter(self.last_points))]
        found = segments([joined], (view[0], view[1]), 1.0 / view[2],
                         resolution[0] / resolution[1])
        found[:, 10], found[:, 11] = at, at + LIVE_SECONDS
        if len(found):
            self.live.append(found)
            self.dirty = True

    def update(self, carte: Carte, time: float) -> None:
        """Let go of ink that has faded; rewrite the segments when what shows changed."""
        for id in [i for i, found in self.inking.items() if found[0, 11] <= time]:
            del self.inking[id]
            self.dirty = True
        for id in [i for i in self.waiting if carte.states.get(i) == "hidden"]:
            del self.waiting[id]  # refused: it will not be inked
        while self.live and self.live[0][:, 11].max() <= time:
            self.live.popleft()
            self.dirty = True
        shown = {i for i in self.inking if i not in carte.hidden}
        if shown != self.shown:
            self.shown, self.dirty = shown, True
        if self.dirty:
            self.dirty = False
            self._write([*(self.inking[i] for i in shown), *self.live])

    def _write(self, parts: list[np.ndarray]) -> None:
        self.count = sum(len(p) for p in parts)
        if not self.count:
            return
        if self.count > self.capacity:
            self.capacity = max(1024, self.count * 2)
            for obj in (self.vao, self.buffer):
                if obj is not None:
                    obj.release()
            self.buffer = self.ctx.buffer(reserve=self.capacity * STRIDE * 4)
            self.vao = self.ctx.vertex_array(self.program, [
                (self.strip, "2f", "corner"),
                (self.buffer, "4f 2f 4f 2f/i", "ends", "widths", "colour", "moments"),
            ])
        assert self.buffer is not None
        self.buffer.write(np.ascontiguousarray(np.concatenate(parts), dtype="f4"))

    def draw(self, resolution: tuple[int, int], time: float, view: tuple[float, ...],
             opacity: float) -> None:
        if not self.count or self.vao is None:
            return
        for name, value in {"resolution": resolution, "time": time, "view": view,
                            "fade": FADE, "opacity": opacity}.items():
            if name in self.program:
                self.program[name].value = value
        self.vao.render(moderngl.TRIANGLE_STRIP, vertices=4, instances=self.count)

    def release(self) -> None:
        for obj in (self.vao, self.buffer, self.strip, self.program):
            if obj is not None:
                obj.release()
