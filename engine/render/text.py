"""Draws many text blocks as one instanced call over the glyph atlas."""

from __future__ import annotations

from importlib import resources

import moderngl
import numpy as np

from engine.render.glyphs import HALO_EMS, GlyphAtlas
from engine.world.typeset import Setting

# Per-instance floats: quad (4), tex (4), anchor (4), color (4), role (2).
STRIDE = 18
SETTLE_AFTER = 12.0
CARD, PINNED, LABEL, OVER = 0.0, 1.0, 2.0, 3.0  # roles (text.vert)
PLATE_EMS = 0.2  # a backdrop's reach beyond its text (with the quads' halo, inside the gutter)


def internal_program(ctx: moderngl.Context, name: str) -> moderngl.Program:
    """The engine's own GLSL pair `glsl/NAME.vert` + `glsl/NAME.frag`."""
    folder = resources.files("engine.render") / "glsl"
    return ctx.program(vertex_shader=(folder / f"{name}.vert").read_text(encoding="utf-8"),
                       fragment_shader=(folder / f"{name}.frag").read_text(encoding="utf-8"))


def instances(quads: np.ndarray, anchor: tuple[float, float, float, float],
              color: tuple[float, ...], role: float = CARD, px: float = 0.0) -> np.ndarray:
    """Glyph quads of one text block made into instance rows for `TextBatch`: a card, a
    pinned card, or a label set at `px` (an em in pixels at 1080 lines, whole view)."""
    rows = np.empty((len(quads), STRIDE), dtype=np.float32)
    rows[:, :8] = quads
    rows[:, 8:12] = anchor
    rows[:, 12:16] = color
    rows[:, 16] = role
    rows[:, 17] = px
    return rows


def plate(setting: Setting, strength: float = -1.0, reach: float = PLATE_EMS) -> np.ndarray:
    """The quad of a backdrop (text.vert: negative texture coordinates), in ems about
    the text's centre, `reach` wider than the text each side; `strength` its darkness
    (negative: the layer's `backdrop`)."""
    return np.array([[-setting.width / 2 - reach, -setting.height / 2 - reach,
                      setting.width + 2 * reach, setting.height + 2 * reach,
                      -1.0, strength, -1.0, strength]], dtype=np.float32)


class TextBatch:
    """A growable instance buffer drawn with the text program in one call."""

    def __init__(self, ctx: moderngl.Context, atlas: GlyphAtlas) -> None:
        self.ctx = ctx
        self.atlas = atlas
        self.program = internal_program(ctx, "text")
        self.texture = ctx.texture((atlas.pixels.shape[1], atlas.pixels.shape[0]), 1,
                                   dtype="f1")
        self.texture.filter = (moderngl.LINEAR_MIPMAP_LINEAR, moderngl.LINEAR)
        self.corners = ctx.buffer(np.array([0, 0, 1, 0, 0, 1, 1, 1], dtype="f4"))
        self.uploaded = -1  # the atlas version in `texture`
        self.capacity = 0
        self.count = 0
        self.mirror = np.empty((0, STRIDE), dtype=np.float32)
        self.buffer: moderngl.Buffer | None = None
        self.vao: moderngl.VertexArray | None = None

    def set(self, rows: np.ndarray) -> None:
        """Replace the batch's glyphs."""
        self.count = 0
        self.append(rows)

    def append(self, rows: np.ndarray) -> None:
        """Add glyphs after those drawn already, writing only them to the GPU (the
        buffer grows geometrically, so appending stays cheap however large it gets)."""
        start, self.count = self.count, self.count + len(rows)
        if self.count > self.capacity or self.buffer is None:
            self.capacity = max(1024, self.count * 2)
            kept = self.mirror[:start]
            self.mirror = np.empty((self.capacity, STRIDE), dtype=np.float32)
            self.mirror[:start] = kept
            self._release_buffer()
            self.buffer = self.ctx.buffer(reserve=self.capacity * STRIDE * 4)
            self.vao = self.ctx.vertex_array(self.program, [
                (self.corners, "2f", "corner"),
                (self.buffer, "4f 4f 4f 4f 2f/i", "quad", "tex", "anchor", "color",
                 "role"),
            ])
            start = 0
        self.mirror[self.count - len(rows):self.count] = rows
        if self.count > start:
            self.buffer.write(self.mirror[start:self.count], offset=start * STRIDE * 4)

    def draw(self, resolution: tuple[int, int], time: float, opacity: float = 1.0,
             drift: float = 0.0, view: tuple[float, ...] = (0.0, 0.0, 1.0),
             backdrop: float = 0.0, letters: float = 1.0) -> None:
        if not self.count or self.vao is None:
            return
        if self.atlas.version != self.uploaded:
            self.texture.write(self.atlas.pixels)
            self.texture.build_mipmaps()
            self.uploaded = self.atlas.version
        self.texture.use(0)
        uniforms = {"atlas": 0, "resolution": resolution, "time": time, "opacity": opacity,
                    "drift": drift, "settle_after": SETTLE_AFTER, "view": view,
                    "letters": letters, "halo_texels": HALO_EMS * self.atlas.pixel_size,
                    "backdrop": backdrop}
        for name, value in uniforms.items():
            if name in self.program:
                self.program[name].value = value
        self.vao.render(moderngl.TRIANGLE_STRIP, vertices=4, instances=self.count)

    def _release_buffer(self) -> None:
        if self.vao is not None:
            self.vao.release()
        if self.buffer is not None:
            self.buffer.release()

    def release(self) -> None:
        self._release_buffer()
        for obj in (self.texture, self.corners, self.program):
            obj.release()
