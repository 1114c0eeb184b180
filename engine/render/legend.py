"""The whole view's labels drawn: the legend's plan (engine.world.legend) as glyph
instances, each label on a soft plate of its halo's shade so it reads over the blur of
the cards beneath it. Planned again only when the carte or the whole view changes (at
most once a `PLAN_SECONDS` of show time for arrivals), never per frame."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import moderngl
import numpy as np

from engine.render.glyphs import GlyphAtlas
from engine.render.glyphs import layout as glyph_quads
from engine.render.inks import theme_ink
from engine.render.text import LABEL, OVER, STRIDE, TextBatch, instances, plate
from engine.world.carte import Carte
from engine.world.legend import TURN_SECONDS, Label, Legend, Plan

PLAN_SECONDS = 1.0  # arrivals re-plan the labels at most this often
PLATE = 0.8  # how dark a label's plate is
PLATE_REACH = 0.4  # ems a label's plate reaches beyond its text
INKS = {"term": 1.0, "sector": 0.88}  # a term's ink alpha by role (others: the cards')
CardInk = Callable[[int | None], tuple[float, ...]]


def label_ink(label: Label, card_ink: CardInk) -> tuple[float, ...]:
    """Terms in their theme's ink (a rising one lit towards white), titles and
    statements in the cards' ink."""
    if label.role in INKS and label.theme is not None:
        ink = theme_ink(label.theme)
        if label.rising:
            ink = tuple(c + (1.0 - c) * 0.55 for c in ink)
        return (*ink, INKS[label.role])
    return tuple(card_ink(label.theme))


def label_rows(plan: Plan, atlas: GlyphAtlas, pixel: float, born: dict[tuple, float],
               card_ink: CardInk) -> np.ndarray:
    """Instances of every label of `plan`, at `pixel` map units per pixel at 1080 lines
    of the whole view it was planned for."""
    rows = []
    for label in plan.labels:
        setting = atlas.typesetter.set(label.text, label.measure)
        quads = np.concatenate([plate(setting, PLATE, PLATE_REACH), glyph_quads(atlas, setting)])
        rows.append(instances(quads, (label.x, label.y, label.px * pixel / 2,
                                      born.get(label.key(), -1e4)),
                              label_ink(label, card_ink), OVER if label.over else LABEL,
                              label.px))
    return np.concatenate(rows) if rows else np.empty((0, STRIDE), "f4")


class LegendLayer:
    """The labels of the whole view, re-planned as the carte and the view change."""

    def __init__(self, ctx: moderngl.Context, atlas: GlyphAtlas) -> None:
        self.atlas = atlas
        self.batch = TextBatch(ctx, atlas)
        self.legend = Legend()
        self.planned: tuple[Any, ...] = ()
        self.planned_at = -1e9
        self.born: dict[tuple, float] = {}

    @property
    def plan(self) -> Plan:
        return self.legend.plan

    def update(self, carte: Carte, whole: tuple[float, float, float], aspect: float,
               time: float, card_ink: CardInk, look: tuple) -> None:
        view = tuple(round(v, 4) for v in whole)
        key = (carte.version, view, int(time // TURN_SECONDS), look)
        if key == self.planned or (key[1:] == self.planned[1:] and
                                   time - self.planned_at < PLAN_SECONDS):
            return
        self.planned, self.planned_at = key, time
        plan = self.legend.place(carte, whole, aspect, time)
        keys = {label.key() for label in plan.labels}
        self.born = {k: self.born.get(k, time) for k in keys}
        self.batch.set(label_rows(plan, self.atlas, 1.0 / (540.0 * whole[2]), self.born,
                                  card_ink))

    def draw(self, resolution: tuple[int, int], time: float, opacity: float,
             view: tuple[float, ...], letters: float) -> None:
        self.batch.draw(resolution, time, opacity, 0.0, view, 0.0, letters)

    def release(self) -> None:
        self.batch.release()
