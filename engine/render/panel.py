"""A page read whole: when the camera visits a page (a text longer than the map shows),
its whole text comes over the view on a plate, set as large as the frame allows, and
goes again before the view returns to the whole carte. The map keeps the page's
opening in its place; only the reading panel shows the rest, never a column taller
than the frame."""

from __future__ import annotations

import moderngl
import numpy as np

from engine.render.glyphs import GlyphAtlas
from engine.render.glyphs import layout as glyph_quads
from engine.render.text import PINNED, TextBatch, instances, plate
from engine.world.carte import Carte
from engine.world.layout import card
from engine.world.typeset import Setting

OVERLAY = -1e9  # "born" of glyphs drawn in screen space (text.vert)
FILL = 0.82  # of the frame's width and height the page may take
LARGEST = 1 / 22  # the largest em, as a share of the frame's height
MEASURES = (28.0, 34.0, 40.0, 48.0, 56.0, 64.0)  # ems a line, the one setting it largest
PLATE = 0.94


def fitted(atlas: GlyphAtlas, text: str, sizes: tuple[float, ...], aspect: float
           ) -> tuple[Setting, float]:
    """The setting of `text` that reads largest within the frame, and its em as a share
    of the frame's height."""
    best: tuple[float, Setting] | None = None
    for measure in MEASURES:
        setting = atlas.typesetter.set(text, measure, sizes)
        em = min(FILL * aspect / setting.width, FILL / setting.height, LARGEST)
        if best is None or em > best[0]:
            best = (em, setting)
    assert best is not None
    return best[1], best[0]


class ReadingPanel:
    """The whole text of the page being visited, in screen space."""

    def __init__(self, ctx: moderngl.Context, atlas: GlyphAtlas) -> None:
        self.atlas = atlas
        self.batch = TextBatch(ctx, atlas)
        self.shown: tuple[str, tuple[int, int]] = ("", (0, 0))

    def draw(self, carte: Carte, page: tuple[str, float], resolution: tuple[int, int],
             ink: tuple[float, ...], opacity: float) -> None:
        id, shown = page
        placed = carte.find(id) if id and shown > 0 else None
        if placed is None:
            return
        if self.shown != (id, resolution):
            self.shown = (id, resolution)
            said = card(placed.contribution)
            setting, em = fitted(self.atlas, said.text, said.sizes,
                                 resolution[0] / resolution[1])
            quads = np.concatenate([plate(setting, PLATE),
                                    glyph_quads(self.atlas, setting, ragged=True)])
            # overlay anchors are in NDC; `size` is half the NDC height of an em
            self.batch.set(instances(quads, (0.0, 0.0, em, OVERLAY), (*ink[:3], 1.0), PINNED))
        self.batch.draw(resolution, 0.0, opacity * shown)

    def release(self) -> None:
        self.batch.release()
