"""Pictures on the carte: photos, drawings, animations, videos, and drawn figures.

Two tiers keep GPU memory inside `[display] gpu_budget_mb` however many pictures come:
every picture has a small thumbnail in an atlas (always resident), and the most recent
and the pinned ones also hold a full slot (256 px) in a texture array, where
animations and videos play. A picture losing its slot falls back to its thumbnail.
Each tier is one instanced draw, so draw calls do not grow with the carte. Uploads are
paced per frame so a burst of dropped photos never makes one frame long.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import moderngl
import numpy as np
from PIL import Image

from engine.render.figures import figure
from engine.render.text import SETTLE_AFTER, internal_program
from engine.world.carte import Placed
from engine.world.contribution import Contribution

SLOT = 256
THUMB = 40
CELL = 42
PAGE = 2048
PER_ROW = PAGE // CELL
PER_PAGE = PER_ROW * PER_ROW
PAGE_MB = PAGE * PAGE * 4 / 2**20
SLOT_MB = SLOT * SLOT * 4 / 2**20
PICTURE_KINDS = ("image", "drawing", "animation", "video", "data", "sound")
FRAMED = ("image", "animation", "video")
DRAWN = ("data", "sound")  # reveal left to right as they arrive
STRIDE = 12
PLAYING = 8  # animations and videos playing at once; older ones keep a still frame


@dataclass
class Picture:
    """A picture and the pixels it still needs: originals until fitted to a slot, then
    only the fitted frames, and none once it has lost its slot (reloaded if it is
    pinned again), so memory does not grow with the carte."""

    placed: Placed
    pixels: np.ndarray | None
    frames: np.ndarray | None
    cell: int | None = None
    slot: int | None = None
    shown_frame: int = -1
    slot_extent: tuple[float, float] = (1.0, 1.0)
    thumb_extent: tuple[float, float] = (0.0, 0.0)
    fitted: dict[int, np.ndarray] = field(default_factory=dict)
    still_frame: int | None = None  # an animation that stopped playing
    appears: float = 0.0  # show time it fades in (a drawing's, once its ink is drawn)

    def count(self) -> int:
        return len(self.frames) if self.frames is not None else 1

    def fitted_frame(self, frame: int, size: int) -> np.ndarray | None:
        """Frame `frame` fitted into `size` pixels, kept for the slot's next turns; the
        originals are let go once every frame is fitted."""
        if frame in self.fitted:
            return self.fitted[frame]
        source = self.frames[frame] if self.frames is not None else self.pixels
        if source is None:
            return None
        small = fit(source, size)
        if size == SLOT:
            self.fitted[frame] = small
            if len(self.fitted) == self.count():
                self.pixels = self.frames = None
        return small

    def forget(self) -> None:
        """Out of its slot: only the thumbnail stays (on the GPU)."""
        self.fitted.clear()
        self.pixels = self.frames = None

    def still(self) -> None:
        """No longer among the playing: keep the frame on screen, let the others go."""
        self.still_frame = max(self.shown_frame, 0)
        self.fitted = {k: v for k, v in self.fitted.items() if k == self.still_frame}
        self.pixels = self.frames = None


def fit(rgba: np.ndarray, size: int) -> np.ndarray:
    """An RGBA image fitted into `size` pixels, keeping its aspect; top-left aligned."""
    image = Image.fromarray(rgba, "RGBA")
    image.thumbnail((size, size), Image.Resampling.BILINEAR, reducing_gap=2.0)
    return np.ascontiguousarray(np.asarray(image))


def pages_for(budget_mb: float, slots: int) -> int:
    """Thumbnail pages that fit beside the full slots in the budget (at least one)."""
    return max(1, int((budget_mb - slots * SLOT_MB) // PAGE_MB))


class Tier:
    """One texture array and the instance buffer of the pictures drawn from it."""

    def __init__(self, ctx: moderngl.Context, program: moderngl.Program, corners: moderngl.Buffer,
                 size: int, layers: int, capacity: int) -> None:
        self.array = ctx.texture_array((size, size, layers), 4)
        self.array.filter = (moderngl.LINEAR, moderngl.LINEAR)
        self.buffer = ctx.buffer(reserve=capacity * STRIDE * 4)
        self.vao = ctx.vertex_array(program, [
            (corners, "2f", "corner"),
            (self.buffer, "4f 4f 4f/i", "place", "look", "uvrect"),
        ])
        self.count = 0

    def write(self, rows: list[tuple[float, ...]]) -> None:
        self.count = len(rows)
        if rows:
            self.buffer.write(np.array(rows, dtype="f4"))

    def release(self) -> None:
        for obj in (self.vao, self.buffer, self.array):
            obj.release()


class PictureLayer:
    """The pictures of the carte within a GPU memory budget."""

    def __init__(self, ctx: moderngl.Context, slots: int, budget_mb: float = 192.0,
                 uploads_per_frame: int = 2, thumbs_per_frame: int = 8,
                 reload: Callable[[str], Contribution | None] = lambda id: None) -> None:
        self.ctx = ctx
        self.reload = reload
        self.slots = slots
        self.uploads_per_frame = uploads_per_frame
        self.thumbs_per_frame = thumbs_per_frame
        self.program = internal_program(ctx, "media")
        self.corners = ctx.buffer(np.array([0, 0, 1, 0, 0, 1, 1, 1], dtype="f4"))
        pages = pages_for(budget_mb, slots)
        self.cells = pages * PER_PAGE
        self.full = Tier(ctx, self.program, self.corners, SLOT, slots, slots)
        self.thumbs = Tier(ctx, self.program, self.corners, PAGE, pages, self.cells)
        self.gpu_mb = slots * SLOT_MB + pages * PAGE_MB
        self.pictures: dict[str, Picture] = {}  # in arrival order
        self.free_slots = list(range(slots - 1, -1, -1))
        self.free_cells = list(range(self.cells - 1, -1, -1))
        self.slot_holders: deque[str] = deque()  # oldest first
        self.waiting_slots: deque[str] = deque()
        self.waiting_thumbs: deque[str] = deque()
        self.version = -1
        self.dirty = False

    def add(self, placed: Placed, pinned: Callable[[str], bool],
            contribution: Contribution, appears: float | None = None) -> None:
        """A new picture, fading in at show time `appears` (when it was placed unless
        said); `contribution` carries the pixels (`placed` may not: the carte keeps
        contributions without their arrays)."""
        if contribution.kind not in PICTURE_KINDS or contribution.id in self.pictures:
            return
        pixels = contribution.pixels if contribution.pixels is not None else figure(contribution)
        if pixels is None and contribution.frames is None:
            return
        picture = self.pictures[contribution.id] = Picture(
            placed, pixels, contribution.frames,
            appears=placed.born if appears is None else appears)
        if self._claim_cell(picture, pinned):
            self.waiting_thumbs.append(contribution.id)
        self._claim_slot(picture, pinned)

    def forget(self, id: str) -> None:
        """Let a picture go (a provisional place taken back): its slot and cell are free."""
        picture = self.pictures.pop(id, None)
        if picture is None:
            return
        if picture.slot is not None:
            self.free_slots.append(picture.slot)
        if picture.cell is not None:
            self.free_cells.append(picture.cell)
        for held in (self.slot_holders, self.waiting_slots, self.waiting_thumbs):
            while id in held:
                held.remove(id)
        self.dirty = True

    def appear(self, id: str, at: float) -> None:
        """Fade a picture in again from show time `at` (approved by a moderator)."""
        picture = self.pictures.get(id)
        if picture is not None:
            picture.appears = at
            self.dirty = True

    def complete(self, placed: Placed, frames: np.ndarray | None) -> None:
        """A preview's full payload (a video's `frames`): it plays from now on. `placed`
        stays light, as the carte keeps it: the frames are held only while the picture
        holds a slot, never for the rest of the show."""
        picture = self.pictures.get(placed.contribution.id)
        if picture is not None:
            picture.placed = placed
            if picture.slot is not None:
                picture.frames = frames
                picture.fitted.clear()
            self.dirty = True

    def _claim_cell(self, picture: Picture, pinned: Callable[[str], bool]) -> bool:
        if not self.free_cells:
            victim = next((p for i, p in self.pictures.items()
                           if p.cell is not None and not pinned(i)), None)
            if victim is None:
                return False
            self.free_cells.append(victim.cell)
            victim.cell = None
            self.dirty = True
        picture.cell = self.free_cells.pop()
        return True

    def _claim_slot(self, picture: Picture, pinned: Callable[[str], bool]) -> None:
        if not self.free_slots:
            victim_id = next((i for i in self.slot_holders if not pinned(i)), None)
            if victim_id is None:
                return
            self.slot_holders.remove(victim_id)
            victim = self.pictures[victim_id]
            self.free_slots.append(victim.slot)
            victim.slot, victim.shown_frame = None, -1
            if victim.thumb_extent[0] > 0:  # else once its thumbnail is uploaded
                victim.forget()
            self.dirty = True
        if picture.pixels is None and picture.frames is None and not picture.fitted:
            again = self.reload(picture.placed.contribution.id)
            if again is None:
                return
            picture.pixels = again.pixels if again.pixels is not None else figure(again)
            picture.frames = again.frames
            picture.still_frame = None
        picture.slot = self.free_slots.pop()
        self.slot_holders.append(picture.placed.contribution.id)
        self.waiting_slots.append(picture.placed.contribution.id)

    def update(self, time: float, hidden: set[str], pinned: set[str], version: int) -> None:
        """Uploads due this frame, then the instance rows if anything changed."""
        if version != self.version:
            for id in pinned:  # a pinned picture gets its full slot back
                picture = self.pictures.get(id)
                if picture is not None and picture.slot is None:
                    self._claim_slot(picture, pinned.__contains__)
        for _ in range(min(self.thumbs_per_frame, len(self.waiting_thumbs))):
            picture = self.pictures[self.waiting_thumbs.popleft()]
            if picture.cell is not None:
                self._upload_thumb(picture)
        budget = self.uploads_per_frame
        while self.waiting_slots and budget:
            picture = self.pictures[self.waiting_slots.popleft()]
            if picture.slot is not None:
                self._upload_slot(picture, 0)
                budget -= 1
        playing = 0
        for id in reversed(self.slot_holders):
            picture = self.pictures[id]
            if picture.still_frame is not None or len(picture.placed.contribution.durations) < 2:
                continue
            playing += 1
            if playing > PLAYING:
                picture.still()  # memory stays bounded: only the newest animations play
                continue
            if budget == 0:
                continue
            frame = self._frame_at(picture, time)
            if picture.shown_frame >= 0 and frame != picture.shown_frame:
                self._upload_slot(picture, frame)
                budget -= 1
        if self.dirty or version != self.version:
            self._write(hidden, pinned)
            self.version, self.dirty = version, False

    def _frame_at(self, picture: Picture, time: float) -> int:
        contribution = picture.placed.contribution
        if len(contribution.durations) < 2:
            return 0
        durations = np.asarray(contribution.durations)
        moment = (time - picture.placed.born) % float(durations.sum())
        return int(np.searchsorted(np.cumsum(durations), moment, side="right")) \
            % len(durations)

    def _upload_slot(self, picture: Picture, frame: int) -> None:
        assert picture.slot is not None
        small = picture.fitted_frame(frame, SLOT)
        if small is None:
            return
        height, width = small.shape[:2]
        self.full.array.write(small, viewport=(0, 0, picture.slot, width, height, 1))
        picture.slot_extent = (width / SLOT, height / SLOT)
        picture.shown_frame = frame
        self.dirty = True

    def _upload_thumb(self, picture: Picture) -> None:
        assert picture.cell is not None
        small = picture.fitted_frame(0, THUMB)
        if small is None:
            return
        height, width = small.shape[:2]
        page, index = divmod(picture.cell, PER_PAGE)
        x, y = index % PER_ROW * CELL, index // PER_ROW * CELL
        self.thumbs.array.write(small, viewport=(x, y, page, width, height, 1))
        picture.thumb_extent = (width / PAGE, height / PAGE)
        self.dirty = True
        if picture.slot is None:
            picture.forget()

    def _write(self, hidden: set[str], pinned: set[str]) -> None:
        full, thumbs = [], []
        for id, picture in self.pictures.items():
            if id in hidden:
                continue
            placed = picture.placed
            kind = placed.contribution.kind
            framed = 1.0 if kind in FRAMED else 2.0 if kind in DRAWN else 0.0
            if picture.slot is not None and picture.shown_frame >= 0:
                u, v = picture.slot_extent
                rect, layer, tier = (0.0, 0.0, u, v), picture.slot, full
            elif picture.cell is not None and picture.thumb_extent[0] > 0:
                page, index = divmod(picture.cell, PER_PAGE)
                u, v = picture.thumb_extent
                rect = (index % PER_ROW * CELL / PAGE, index // PER_ROW * CELL / PAGE, u, v)
                layer, tier = page, thumbs
            else:
                continue
            tier.append((placed.x, placed.y, placed.w, placed.h, layer, picture.appears, framed,
                         float(id in pinned), *rect))
        self.full.write(full)
        self.thumbs.write(thumbs)

    def draw(self, resolution: tuple[int, int], time: float, opacity: float,
             drift: float, view: tuple[float, ...], gutter: float = 0.0) -> None:
        for name, value in {"pictures": 0, "resolution": resolution, "time": time,
                            "opacity": opacity, "drift": drift, "gutter": gutter,
                            "settle_after": SETTLE_AFTER, "view": view}.items():
            if name in self.program:
                self.program[name].value = value
        for tier in (self.thumbs, self.full):
            if tier.count:
                tier.array.use(0)
                tier.vao.render(moderngl.TRIANGLE_STRIP, vertices=4, instances=tier.count)

    def release(self) -> None:
        self.full.release()
        self.thumbs.release()
        self.corners.release()
        self.program.release()
