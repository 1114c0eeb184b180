"""The paint layer: graffiti as ink that draws itself, stroke by stroke, and stays.

A texture covering the map keeps every stroke ever drawn (it is never cleared, except
to take a hidden drawing away). Drawings that carry strokes (SVG, tablet graffiti) are
inked a few segments per frame at their place on the carte, so the audience watches
them being drawn; strokes from a live tablet are inked as they come.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence

import moderngl
import numpy as np

from engine.render.text import internal_program
from engine.world.carte import Carte, Placed
from engine.world.contribution import Point

EXTENT = (-1.8, -1.2, 3.6, 2.4)  # the map rectangle painted on: x0, y0, width, height
SIZE = (3072, 2048)
SEGMENTS_PER_FRAME = 48
INK = (0.97, 0.88, 0.7, 0.95)
WIDTH = 0.004  # map units at full pressure
STRIDE = 10


def segments(strokes: Iterable[Sequence[Point]], centre: tuple[float, float],
             half: float, aspect: float = 1.0,
             colour: tuple[float, float, float, float] = INK) -> np.ndarray:
    """Strokes in a 0..1 box (y down) of `half` map units around `centre` (wider by
    `aspect`) as map-space segments, width following pressure: (n, STRIDE) float32 rows
    of both ends, both widths and the colour (compact: a drawing is kept for days)."""
    parts = [np.asarray(stroke, dtype=np.float32).reshape(-1, 3) for stroke in strokes]
    points = [p for p in parts if len(p) > 1]
    if not points:
        return np.empty((0, STRIDE), np.float32)
    found = np.empty((sum(len(p) - 1 for p in points), STRIDE), np.float32)
    start = 0
    for stroke in points:
        ends = slice(start, start + len(stroke) - 1)
        for column, point in ((0, stroke[:-1]), (2, stroke[1:])):
            found[ends, column] = centre[0] + (point[:, 0] - 0.5) * 2 * half * aspect
            found[ends, column + 1] = centre[1] - (point[:, 1] - 0.5) * 2 * half
            found[ends, 4 + column // 2] = WIDTH * (0.3 + point[:, 2])
        start = ends.stop
    found[:, 6:] = colour
    return found


class PaintLayer:
    def __init__(self, ctx: moderngl.Context) -> None:
        self.ctx = ctx
        self.texture = ctx.texture(SIZE, 4)
        self.texture.filter = (moderngl.LINEAR, moderngl.LINEAR)
        self.fbo = ctx.framebuffer(color_attachments=[self.texture])
        self.ink = internal_program(ctx, "ink")
        self.show = internal_program(ctx, "paint")
        self.strip = ctx.buffer(np.array([0, -1, 0, 1, 1, -1, 1, 1], dtype="f4"))
        self.corners = ctx.buffer(np.array([0, 0, 1, 0, 0, 1, 1, 1], dtype="f4"))
        self.quad = ctx.vertex_array(self.show, [(self.corners, "2f", "corner")])
        self.capacity = 0
        self.buffer: moderngl.Buffer | None = None
        self.vao: moderngl.VertexArray | None = None
        self.pending: deque[np.ndarray] = deque()  # segments still to ink, in order
        self.painted: dict[str, np.ndarray] = {}
        self.hidden: set[str] = set()
        self.last_points: dict[str, Point] = {}
        self.moderations = 0
        self.clear()

    def clear(self) -> None:
        self.fbo.clear(0.0, 0.0, 0.0, 0.0)

    def add(self, placed: Placed, strokes: Sequence[Sequence[Point]],
            hidden: bool = False) -> bool:
        """Queue a drawing's `strokes` (a hidden one, e.g. waiting for a moderator, is
        kept to be inked when shown); True when it is painted here (not as a picture)."""
        id = placed.contribution.id
        if not strokes or id in self.painted:
            return bool(strokes)
        found = segments(strokes, (placed.x, placed.y), min(placed.w, placed.h) * 0.9)
        self.painted[id] = found
        if hidden:
            self.hidden.add(id)
        else:
            self.pending.append(found)
        return True

    def live(self, stroke: str, points: tuple[Point, ...], view: tuple[float, ...],
             resolution: tuple[int, int]) -> None:
        """Points a tablet is drawing now, in screen coordinates (0..1, y down), joined
        to the points of the same stroke drawn in earlier frames."""
        joined = (self.last_points[stroke], *points) if stroke in self.last_points else points
        if points:
            self.last_points[stroke] = points[-1]
        if len(self.last_points) > 64:  # strokes long finished
            del self.last_points[next(iter(self.last_points))]
        self._ink(segments([joined], (view[0], view[1]), 1.0 / view[2],
                           resolution[0] / resolution[1]))

    def update(self, carte: Carte) -> None:
        """Ink this frame's share of the queue; repaint without what was hidden."""
        hidden = self.hidden if carte.moderations == self.moderations else \
            {i for i in self.painted if i in carte.hidden}
        self.moderations = carte.moderations
        if hidden != self.hidden:
            self.hidden = hidden
            self.clear()
            self.pending.clear()
            kept = [found for i, found in self.painted.items() if i not in hidden]
            if kept:
                self._ink(np.concatenate(kept))
            return
        batch = []
        left = SEGMENTS_PER_FRAME
        while self.pending and left:
            found = self.pending.popleft()
            batch.append(found[:left])
            if len(found) > left:
                self.pending.appendleft(found[left:])
            left -= len(batch[-1])
        if batch:
            self._ink(np.concatenate(batch))

    def _ink(self, batch: np.ndarray) -> None:
        if not len(batch):
            return
        if len(batch) > self.capacity:
            self.capacity = max(1024, len(batch) * 2)
            for obj in (self.vao, self.buffer):
                if obj is not None:
                    obj.release()
            self.buffer = self.ctx.buffer(reserve=self.capacity * STRIDE * 4)
            self.vao = self.ctx.vertex_array(self.ink, [
                (self.strip, "2f", "corner"),
                (self.buffer, "4f 2f 4f/i", "ends", "widths", "colour"),
            ])
        assert self.buffer is not None and self.vao is not None
        self.buffer.write(np.ascontiguousarray(batch, dtype="f4"))
        previous = self.ctx.fbo
        self.fbo.use()
        self.ctx.enable(moderngl.BLEND)
        self.ctx.blend_func = (moderngl.ONE, moderngl.ONE_MINUS_SRC_ALPHA)
        self.ink["extent"].value = EXTENT
        self.vao.render(moderngl.TRIANGLE_STRIP, vertices=4, instances=len(batch))
        previous.use()

    def draw(self, resolution: tuple[int, int], view: tuple[float, ...],
             opacity: float) -> None:
        self.texture.use(0)
        for name, value in {"paint": 0, "extent": EXTENT, "resolution": resolution,
                            "view": view, "opacity": opacity}.items():
            if name in self.show:
                self.show[name].value = value
        self.quad.render(moderngl.TRIANGLE_STRIP)

    def release(self) -> None:
        for obj in (self.vao, self.buffer, self.quad, self.corners, self.strip, self.fbo,
                    self.texture, self.ink, self.show):
            if obj is not None:
                obj.release()
