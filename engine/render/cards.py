"""The contributions as text cards, the names of the event's structure, and the legend's
labels: the carte's type, in three instanced batches.

A card is set as the layout set it when placing it (a scene's `size` only draws it
smaller, about its centre) and tinted with its theme's hue. Whether the cards show as
letters follows the view: at or above the readable floor they read, below it they give
way (to a blur of their letters, and to the legend's titles and terms); the change is
eased over a fraction of a second, so a glide never leaves letters half faded at rest.
"""

from __future__ import annotations

from typing import Any

import moderngl
import numpy as np

from engine.render.glyphs import GlyphAtlas
from engine.render.glyphs import layout as glyph_quads
from engine.render.inks import theme_ink, tinted
from engine.render.legend import LegendLayer
from engine.render.panel import ReadingPanel
from engine.render.text import LABEL, PINNED, STRIDE, TextBatch, instances, plate
from engine.world.carte import Carte
from engine.world.layout import card
from engine.world.legend import FLOOR_PX

FULL_CARDS = 1000  # the most recent cards show their whole text
EASE = 6.0  # per second: how fast cards turn to letters and back as the view crosses the floor


def name_rows(carte: Carte, atlas: GlyphAtlas) -> np.ndarray:
    """Glyph instances of the names of themes and sequences, in the themes' colours,
    each set at its step's size in its box, as labels of the whole view (text.vert: they
    keep that size on screen within their box and fade as the view nears). A theme is
    named once it holds a contribution; an empty carte names all of them."""
    names = carte.layout.names
    present = carte.layout.present if carte.placed else set(range(len(carte.layout.themes)))
    rows = [instances(glyph_quads(atlas, atlas.typesetter.set(name.text, 1e9)),
                      (name.box[0], name.box[1], names.em(name.px) / 2, -1e4),
                      (*theme_ink(name.theme), 0.75 if name.sequence else 0.9), LABEL,
                      name.px)
            for name in names.names if name.sequence or name.theme in present]
    return np.concatenate(rows) if rows else np.empty((0, STRIDE), "f4")


def card_rows(carte: Carte, atlas: GlyphAtlas, params: dict[str, Any], start: int = 0
              ) -> np.ndarray:
    """Glyph instances of the cards of `carte.placed[start:]`; cards older than the
    newest `FULL_CARDS` shorten to their first words."""
    layout = carte.layout
    size = layout.em / 2 * min(float(params["size"]), 1.0)
    old = len(carte.placed) - FULL_CARDS
    backdrop = float(params["backdrop"]) > 0
    inks = {theme: tinted(params["color"], index) for index, theme in enumerate(layout.themes)}
    rows = []
    for index in range(start, len(carte.placed)):
        placed = carte.placed[index]
        state = carte.states[placed.contribution.id]
        said = card(placed.contribution)
        if placed.contribution.id in carte.hidden or not said.text:  # hidden, pending…
            continue
        setting = layout.title(said) if index < old and state != "pinned" else \
            layout.setting(said)
        quads = glyph_quads(atlas, setting)
        if backdrop:
            quads = np.concatenate([plate(setting), quads])
        rows.append(instances(quads, (placed.x, placed.y, size, placed.born),
                              inks.get(placed.contribution.tags.theme, params["color"]),
                              PINNED if state == "pinned" else 0.0))
    return np.concatenate(rows) if rows else np.empty((0, STRIDE), "f4")


def card_px(carte: Carte, zoom: float, size: float) -> float:
    """A card's em in pixels on a 1080-line output at `zoom`."""
    return carte.layout.em * min(size, 1.0) * zoom * 540.0


class ContributionCards:
    """The cards, laid out once each. A new arrival only appends its glyphs; the whole
    buffer is rebuilt when a moderation or the layer's look changes, and every
    `FULL_CARDS` arrivals, when older cards shorten to their first words (the carte
    stays legible, and light to draw, at thousands of contributions)."""

    def __init__(self, ctx: moderngl.Context, atlas: GlyphAtlas) -> None:
        self.atlas = atlas
        self.batch = TextBatch(ctx, atlas)
        self.names = TextBatch(ctx, atlas)
        self.legend = LegendLayer(ctx, atlas)
        self.panel = ReadingPanel(ctx, atlas)
        self.page: tuple[str, float] = ("", 0.0)
        self.carte: Carte | None = None
        self.ink: tuple[float, ...] = (1.0, 1.0, 1.0, 1.0)
        self.named: tuple[int, int, bool] = (-1, 0, False)  # what `names` was built from
        self.look: tuple[Any, ...] = ()
        self.shown = 0  # contributions of carte.placed already in the batch
        self.seen = (-1, -1)  # (moderations, rebuild epoch) the batch was built for
        self.letters = 1.0
        self.time: float | None = None

    def update(self, carte: Carte, params: dict[str, Any], view: tuple[float, ...],
               whole: tuple[float, float, float], aspect: float, time: float,
               page: tuple[str, float] = ("", 0.0)) -> None:
        look = (params["size"], tuple(params["color"]), params["backdrop"])
        epoch = len(carte.placed) // FULL_CARDS
        if look != self.look or (carte.moderations, epoch) != self.seen:
            self.look, self.seen, self.shown = look, (carte.moderations, epoch), 0
            self.batch.set(np.empty((0, STRIDE), "f4"))
        # the names, and which of them show (name_rows: the present themes)
        named = (carte.layout.names.version, len(carte.layout.present), bool(carte.placed))
        if named != self.named:
            self.named = named
            self.names.set(name_rows(carte, self.atlas))
        if self.shown != len(carte.placed):
            rows = card_rows(carte, self.atlas, params, self.shown)
            if len(rows):
                self.batch.append(rows)
            self.shown = len(carte.placed)
        reads = card_px(carte, view[2], float(params["size"])) >= FLOOR_PX
        step = 1.0 if self.time is None else min(1.0, max(time - self.time, 0.0) * EASE)
        self.letters += ((1.0 if reads else 0.0) - self.letters) * step
        self.time = time
        colour = params["color"]
        self.legend.update(carte, whole, aspect, time,
                           lambda theme: tinted(colour, theme), look)
        self.carte, self.page, self.ink = carte, page, tuple(colour)

    def draw(self, resolution: tuple[int, int], time: float, opacity: float,
             drift: float, view: tuple[float, ...], backdrop: float = 0.0) -> None:
        self.batch.draw(resolution, time, opacity, drift, view, backdrop, self.letters)
        self.names.draw(resolution, time, opacity, 0.0, view)
        self.legend.draw(resolution, time, opacity, view, self.letters)
        if self.carte is not None:
            self.panel.draw(self.carte, self.page, resolution, self.ink, opacity)

    def release(self) -> None:
        self.batch.release()
        self.names.release()
        self.legend.release()
        self.panel.release()
