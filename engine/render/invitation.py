"""The invitation: a card with a QR code of the web door's address and the address itself,
so a visitor can point a phone at the projection and contribute.

The card is drawn once on the CPU (segno for the code, the engine's font for the words)
and shown as one textured quad; its place and size are the layer's parameters, so a
scene places it and OSC moves, hides or fades it like any layer.
"""

from __future__ import annotations

from pathlib import Path

import moderngl
import numpy as np
import segno
from PIL import Image, ImageDraw, ImageFont

from engine.render.text import internal_program

CARD_WIDTH = 600
INK = (21, 19, 26, 255)
PAPER = (244, 239, 230, 255)
HEADLINE = "Participez !"


def short_address(url: str) -> str:
    """What a visitor types: the address without its scheme or a trailing slash."""
    return url.split("://", 1)[-1].rstrip("/")


def invitation_card(url: str, font: Path) -> np.ndarray:
    """The card as RGBA pixels, top row first: a headline, the QR code, the address."""
    code = segno.make(url, error="m")
    modules = np.array([[bool(v) for v in row] for row in code.matrix], dtype=bool)
    scale = max(1, (CARD_WIDTH - 80) // (len(modules) + 8))
    side = scale * (len(modules) + 8)  # with its four-module quiet zone
    heading = ImageFont.truetype(str(font), 54)
    words = ImageFont.truetype(str(font), 48 if len(short_address(url)) < 20 else 30)
    height = 100 + side + 90
    card = Image.new("RGBA", (CARD_WIDTH, height), PAPER)
    pen = ImageDraw.Draw(card)
    pen.text((CARD_WIDTH / 2, 55), HEADLINE, font=heading, fill=INK, anchor="mm")
    left = (CARD_WIDTH - side) // 2
    picture = np.where(np.kron(modules, np.ones((scale, scale), bool))[..., None],
                       np.array(INK, np.uint8), np.array(PAPER, np.uint8))
    card.paste(Image.fromarray(picture.astype(np.uint8), "RGBA"),
               (left + 4 * scale, 100 + 4 * scale))
    pen.text((CARD_WIDTH / 2, 100 + side + 42), short_address(url), font=words, fill=INK,
             anchor="mm")
    return np.asarray(card)


class Invitation:
    """The card on the GPU; nothing is drawn without an address to invite to."""

    def __init__(self, ctx: moderngl.Context, url: str, font: Path) -> None:
        self.ctx = ctx
        self.url = url
        self.font = font
        self.texture: moderngl.Texture | None = None
        self.program: moderngl.Program | None = None
        self.vao: moderngl.VertexArray | None = None
        self.buffer: moderngl.Buffer | None = None
        self.aspect = 1.0

    def _build(self) -> None:
        pixels = invitation_card(self.url, self.font)
        height, width = pixels.shape[:2]
        self.aspect = width / height
        self.texture = self.ctx.texture((width, height), 4, np.ascontiguousarray(pixels).tobytes())
        self.texture.filter = (moderngl.LINEAR_MIPMAP_LINEAR, moderngl.LINEAR)
        self.texture.build_mipmaps()
        self.program = internal_program(self.ctx, "invitation")
        self.buffer = self.ctx.buffer(np.array([0, 0, 1, 0, 0, 1, 1, 1], "f4").tobytes())
        self.vao = self.ctx.vertex_array(self.program, [(self.buffer, "2f", "corner")])

    def draw(self, resolution: tuple[int, int], params: dict[str, float],
             opacity: float) -> None:
        if not self.url:
            return
        if self.vao is None:
            self._build()
        assert self.program is not None and self.texture is not None and self.vao is not None
        width, height = resolution
        half_h = params["size"] / 2
        half_w = half_h * self.aspect * height / width
        self.program["centre"].value = (params["x"], params["y"])
        self.program["half_size"].value = (half_w, half_h)
        self.program["opacity"].value = opacity
        self.program["card"].value = 0
        self.texture.use(0)
        self.vao.render(moderngl.TRIANGLE_STRIP)

    def release(self) -> None:
        for thing in (self.vao, self.buffer, self.program, self.texture):
            if thing is not None:
                thing.release()
        self.vao = self.buffer = self.program = self.texture = None
