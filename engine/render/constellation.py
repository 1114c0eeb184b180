"""The keywords as a living constellation: each word once, where the contributions that
carry it are, growing as it recurs."""

from __future__ import annotations

import math
from collections import defaultdict

import moderngl
import numpy as np

from engine.render.glyphs import GlyphAtlas, layout
from engine.render.text import PINNED, STRIDE, TextBatch, instances
from engine.world.carte import Carte

GOLD = (1.0, 0.84, 0.52, 0.85)
MAX_WORDS = 300
RECENT = 5000  # contributions looked at, newest first


class Constellation:
    def __init__(self, ctx: moderngl.Context, atlas: GlyphAtlas) -> None:
        self.atlas = atlas
        self.batch = TextBatch(ctx, atlas)
        self.version = -1

    def update(self, carte: Carte) -> None:
        if carte.version == self.version:
            return
        self.version = carte.version
        places: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
        shown: dict[str, str] = {}
        for placed in carte.visible()[-RECENT:]:
            for word in placed.contribution.tags.keywords:
                key = word.casefold()
                shown.setdefault(key, word)
                places[key].append((placed.x, placed.y, placed.born))
        ranked = sorted(places, key=lambda k: (-len(places[k]), k))[:MAX_WORDS]
        rows = []
        for key in ranked:
            spots = places[key]
            x = sum(s[0] for s in spots) / len(spots)
            y = sum(s[1] for s in spots) / len(spots) + 0.06
            born = max(s[2] for s in spots)
            grown = min(0.8 + 0.5 * (math.sqrt(len(spots)) - 1), 2.5)
            size = carte.layout.em / 2 * grown
            quads = layout(self.atlas, self.atlas.typesetter.set(f"#{shown[key]}", 1e9))
            rows.append(instances(quads, (x, y, size, born), GOLD, PINNED))
        self.batch.set(np.concatenate(rows) if rows else np.empty((0, STRIDE), "f4"))

    def draw(self, resolution: tuple[int, int], time: float, opacity: float, drift: float,
             view: tuple[float, ...]) -> None:
        self.batch.draw(resolution, time, opacity, drift, view)

    def release(self) -> None:
        self.batch.release()
