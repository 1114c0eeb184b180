"""Pictures on the carte: photos, drawings, animations and videos in one texture array.

Each picture gets a slot (a layer of the array) holding a thumbnail; all are drawn in
one instanced call. Uploads are paced (`uploads_per_frame`) so a burst of dropped
photos never makes one frame long; animations and videos advance by uploading their
current frame into their slot, the most recent first, within the same budget. When
slots run out the least recently arrived unpinned picture gives its slot up.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import moderngl
import numpy as np
from PIL import Image

from engine.render.figures import figure
from engine.render.text import SETTLE_AFTER, internal_program
from engine.world.carte import Placed
from engine.world.layout import PICTURE_HALF, SETTLED

SLOT = 256
PICTURE_KINDS = ("image", "drawing", "animation", "video", "data", "sound")
FRAMED = ("image", "animation", "video")
DRAWN = ("data", "sound")  # reveal left to right as they arrive
STRIDE = 10


@dataclass
class Picture:
    placed: Placed
    slot: int
    pixels: np.ndarray | None
    shown_frame: int = -1
    u: float = 1.0
    v: float = 1.0


def thumbnail(rgba: np.ndarray) -> np.ndarray:
    """Fit an RGBA image into a slot, keeping its aspect; top-left aligned."""
    image = Image.fromarray(rgba, "RGBA")
    image.thumbnail((SLOT, SLOT), Image.Resampling.BILINEAR, reducing_gap=2.0)
    return np.asarray(image)


class PictureLayer:
    """Owns the texture array, the slots and the instance buffer of every picture."""

    def __init__(self, ctx: moderngl.Context, slots: int, uploads_per_frame: int = 2) -> None:
        self.ctx = ctx
        self.slots = slots
        self.uploads_per_frame = uploads_per_frame
        self.program = internal_program(ctx, "media")
        self.array = ctx.texture_array((SLOT, SLOT, slots), 4)
        self.array.filter = (moderngl.LINEAR, moderngl.LINEAR)
        self.corners = ctx.buffer(np.array([0, 0, 1, 0, 0, 1, 1, 1], dtype="f4"))
        self.buffer = ctx.buffer(reserve=slots * STRIDE * 4)
        self.vao = ctx.vertex_array(self.program, [
            (self.corners, "2f", "corner"),
            (self.buffer, "4f 4f 1f 1f/i", "place", "look", "framed", "pinned"),
        ])
        self.pictures: OrderedDict[str, Picture] = OrderedDict()
        self.free = list(range(slots - 1, -1, -1))
        self.waiting: list[str] = []
        self.count = 0
        self.version = -1

    def add(self, placed: Placed, pinned: set[str]) -> None:
        contribution = placed.contribution
        if contribution.kind not in PICTURE_KINDS or contribution.id in self.pictures:
            return
        pixels = contribution.pixels if contribution.pixels is not None else figure(contribution)
        if pixels is None and contribution.frames is None:
            return
        if not self.free:
            victim = next((i for i in self.pictures if i not in pinned), None)
            if victim is None:
                return
            self.free.append(self.pictures.pop(victim).slot)
        self.pictures[contribution.id] = Picture(placed, self.free.pop(), pixels)
        self.waiting.append(contribution.id)

    def update(self, time: float, hidden: set[str], pinned: set[str], version: int) -> None:
        """Upload what is due this frame, then rewrite instances if anything changed."""
        budget = self.uploads_per_frame
        changed = version != self.version
        while self.waiting and budget:
            picture = self.pictures.get(self.waiting.pop(0))
            if picture is not None:
                self._upload(picture, 0)
                budget -= 1
                changed = True
        for picture in reversed(self.pictures.values()):
            if budget == 0:
                break
            frame = self._frame_at(picture, time)
            if frame != picture.shown_frame and picture.shown_frame >= 0:
                self._upload(picture, frame)
                budget -= 1
        if changed:
            self._write(hidden, pinned)
            self.version = version

    def _frame_at(self, picture: Picture, time: float) -> int:
        contribution = picture.placed.contribution
        if contribution.frames is None or not contribution.durations:
            return 0
        durations = np.asarray(contribution.durations)
        moment = (time - picture.placed.born) % float(durations.sum())
        return int(np.searchsorted(np.cumsum(durations), moment, side="right")) \
            % len(durations)

    def _upload(self, picture: Picture, frame: int) -> None:
        contribution = picture.placed.contribution
        source = contribution.frames[frame] if contribution.frames is not None else \
            picture.pixels
        assert source is not None
        small = thumbnail(source)
        height, width = small.shape[:2]
        self.array.write(np.ascontiguousarray(small),
                         viewport=(0, 0, picture.slot, width, height, 1))
        picture.u, picture.v = width / SLOT, height / SLOT
        picture.shown_frame = frame

    def _write(self, hidden: set[str], pinned: set[str]) -> None:
        rows = []
        for id, picture in self.pictures.items():
            if id in hidden or picture.shown_frame < 0:
                continue
            aspect = picture.u / picture.v
            half_w = PICTURE_HALF * min(1.0, aspect)
            half_h = PICTURE_HALF * min(1.0, 1.0 / aspect)
            placed = picture.placed
            kind = placed.contribution.kind
            framed = 1.0 if kind in FRAMED else 2.0 if kind in DRAWN else 0.0
            rows.append((placed.x, placed.y, half_w, half_h, picture.slot, placed.born,
                         picture.u, picture.v, framed, float(id in pinned)))
        self.count = len(rows)
        if rows:
            self.buffer.write(np.array(rows, dtype="f4"))

    def draw(self, resolution: tuple[int, int], time: float, opacity: float,
             drift: float, view: tuple[float, ...]) -> None:
        if not self.count:
            return
        self.array.use(0)
        for name, value in {"pictures": 0, "resolution": resolution, "time": time,
                            "opacity": opacity, "drift": drift, "settled": SETTLED,
                            "settle_after": SETTLE_AFTER, "view": view}.items():
            if name in self.program:
                self.program[name].value = value
        self.vao.render(moderngl.TRIANGLE_STRIP, vertices=4, instances=self.count)

    def release(self) -> None:
        for obj in (self.vao, self.buffer, self.corners, self.array, self.program):
            obj.release()
