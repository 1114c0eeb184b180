"""The carte in miniature, for the archive's header: each contribution a point where the
live carte placed it, in its theme's territory, joined to those it echoes.

Positions and links come from `engine.world.carte`, fed the public contributions in
arrival order, so the miniature has the shape the projected carte had. Each theme's name
stands just outside its own cloud of points, on the side facing away from the centre.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from engine.config import EventConfig
from engine.report.french import capitalised
from engine.report.items import Item
from engine.report.markup import esc, theme_class
from engine.world.carte import Carte, Placed

SCALE = 100.0  # SVG units per map unit
MARGIN = 0.08  # map units around everything drawn
LABEL_GAP = 0.12  # map units between a cloud's outermost point and its name
GLYPH = 0.55  # a glyph's width, in font sizes (serif italic, roughly)
PICTURES = ("image", "drawing", "animation", "video")


@dataclass(frozen=True)
class Label:
    """A theme's name, where it stands and which way it reads from there."""

    theme: str
    x: float
    y: float
    anchor: str  # start, middle or end, as SVG's text-anchor

    def extent(self, size: float) -> tuple[float, float]:
        """Left and right edges in map units, for a font `size` in map units."""
        width = len(self.theme) * GLYPH * size
        left = {"start": self.x, "middle": self.x - width / 2, "end": self.x - width}
        return left[self.anchor], left[self.anchor] + width


def label_of(theme: str, points: list[Placed]) -> Label:
    """The name just beyond the theme's points, in the direction of their centre."""
    cx = sum(p.x for p in points) / len(points)
    cy = sum(p.y for p in points) / len(points)
    angle = math.atan2(cy, cx) if (cx, cy) != (0.0, 0.0) else -math.pi / 2
    dx, dy = math.cos(angle), math.sin(angle)
    reach = max(p.x * dx + p.y * dy for p in points) + LABEL_GAP
    anchor = "start" if dx > 0.35 else "end" if dx < -0.35 else "middle"
    return Label(theme, dx * reach, dy * reach, anchor)


def mapped(event: EventConfig, items: list[Item]) -> Carte:
    """The carte of the archived contributions, in the order they came."""
    carte = Carte(event.themes, event.sequences, language=event.language)
    for item in sorted(items, key=lambda i: i.at):
        carte.add(item.contribution, 0.0)
    return carte


def constellation(event: EventConfig, carte: Carte) -> str:
    """An SVG of the points, links and theme names; empty when there is nothing to draw."""
    placed = carte.placed
    if not placed:
        return ""
    labels = [label_of(t, [p for p in placed if p.contribution.tags.theme == t])
              for t in event.themes if any(p.contribution.tags.theme == t for p in placed)]
    size = (max(p.x for p in placed) - min(p.x for p in placed) + 0.5) / 16
    edges = [label.extent(size) for label in labels]
    left = min([p.x for p in placed] + [a for a, _ in edges]) - MARGIN
    right = max([p.x for p in placed] + [b for _, b in edges]) + MARGIN
    # the map's y points up, SVG's down: the miniature is the projection's way up
    top = max([p.y for p in placed] + [la.y + size for la in labels]) + MARGIN
    bottom = min([p.y for p in placed] + [la.y - size for la in labels]) - MARGIN

    def sx(x: float) -> str:
        return f"{(x - left) * SCALE:.1f}"

    def sy(y: float) -> str:
        return f"{(top - y) * SCALE:.1f}"

    lines = "".join(f'<line x1="{sx(placed[a].x)}" y1="{sy(placed[a].y)}" '
                    f'x2="{sx(placed[b].x)}" y2="{sy(placed[b].y)}"/>' for a, b in carte.links)
    parts = [f'<g class="liens">{lines}</g>']
    radius = size * SCALE / 7 * min(1.0, max(0.55, math.sqrt(120 / len(placed))))
    for point in placed:
        contribution = point.contribution
        scale = 1.4 if contribution.kind in PICTURES else 1.0
        parts.append(f'<circle class="{theme_class(event, contribution.tags.theme)}" '
                     f'cx="{sx(point.x)}" cy="{sy(point.y)}" r="{radius * scale:.1f}"/>')
    for label in labels:
        parts.append(f'<text class="pole {theme_class(event, label.theme)}" x="{sx(label.x)}" '
                     f'y="{sy(label.y)}" font-size="{size * SCALE:.1f}" '
                     f'text-anchor="{label.anchor}" dominant-baseline="middle">'
                     f"{esc(capitalised(label.theme))}</text>")
    return (f'<svg class="constellation" viewBox="0 0 {(right - left) * SCALE:.0f} '
            f'{(top - bottom) * SCALE:.0f}" role="img" aria-label="La carte en miniature : '
            'chaque point est une contribution, dans le territoire de son thème">'
            f'{"".join(parts)}</svg>')
