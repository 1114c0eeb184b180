"""Threads between related contributions, so the collective thought reads as a web.

A thread runs from the edge of one place to the edge of the other, never across its
own two cards' text; the cards it passes under keep their plates over it."""

from __future__ import annotations

import hashlib

import moderngl
import numpy as np

from engine.render.text import internal_program
from engine.world.carte import Carte, Placed

SEGMENTS = 24
INK = (0.75, 0.82, 1.0)


def between(a: Placed, b: Placed) -> tuple[float, float]:
    """Where the straight way from `a`'s centre to `b`'s leaves `a`'s place and enters
    `b`'s, as fractions of it (the thread is drawn between)."""
    dx, dy = abs(b.x - a.x) + 1e-9, abs(b.y - a.y) + 1e-9
    return min(a.w / dx, a.h / dy), 1.0 - min(b.w / dx, b.h / dy)


class Threads:
    """One instanced strip per link; the buffer is rewritten only when the carte changes."""

    def __init__(self, ctx: moderngl.Context) -> None:
        self.ctx = ctx
        self.program = internal_program(ctx, "threads")
        steps = np.linspace(0.0, 1.0, SEGMENTS + 1, dtype="f4")
        strip = np.empty((len(steps) * 2, 2), dtype="f4")
        strip[0::2, 0] = strip[1::2, 0] = steps
        strip[0::2, 1], strip[1::2, 1] = -1.0, 1.0
        self.vertices = len(strip)
        self.strip = ctx.buffer(strip)
        self.capacity = 0
        self.count = 0
        self.version = -1
        self.buffer: moderngl.Buffer | None = None
        self.vao: moderngl.VertexArray | None = None

    def update(self, carte: Carte) -> None:
        if carte.version == self.version:
            return
        self.version = carte.version
        rows = []
        for a, b in carte.links:
            first, second = carte.placed[a], carte.placed[b]
            if first.contribution.id in carte.hidden or second.contribution.id in carte.hidden:
                continue
            digest = hashlib.sha256(second.contribution.id.encode()).digest()
            bend = digest[0] / 127.5 - 1.0
            start, end = between(first, second)
            if start < end:
                rows.append((first.x, first.y, second.x, second.y, second.born, bend, start,
                             end))
        self.count = len(rows)
        if not rows:
            return
        data = np.array(rows, dtype="f4")
        if self.count > self.capacity:
            self.capacity = max(256, self.count * 2)
            self._release_buffer()
            self.buffer = self.ctx.buffer(reserve=self.capacity * data.shape[1] * 4)
            self.vao = self.ctx.vertex_array(self.program, [
                (self.strip, "2f", "along"),
                (self.buffer, "4f 2f 2f/i", "ends", "timing", "span"),
            ])
        assert self.buffer is not None
        self.buffer.write(data)

    def draw(self, resolution: tuple[int, int], time: float, view: tuple[float, ...],
             opacity: float, width: float) -> None:
        if not self.count or self.vao is None:
            return
        for name, value in {"resolution": resolution, "time": time, "view": view,
                            "width": width, "ink": INK, "opacity": opacity}.items():
            if name in self.program:
                self.program[name].value = value
        self.vao.render(moderngl.TRIANGLE_STRIP, vertices=self.vertices, instances=self.count)

    def _release_buffer(self) -> None:
        for obj in (self.vao, self.buffer):
            if obj is not None:
                obj.release()

    def release(self) -> None:
        self._release_buffer()
        self.strip.release()
        self.program.release()
