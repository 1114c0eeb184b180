"""Line charts drawn with Pillow (matplotlib is not a dependency of the project).

Stacked panels share one time axis; each has its own y scale, grid, legend and title,
so a soak's memory, frame times and counts can be read at a glance.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

WIDTH = 1400
PANEL = 180
GAP = 46
LEFT, RIGHT, TOP = 84, 24, 48
INK = (40, 40, 48)
GRID = (222, 222, 230)
COLOURS = ((31, 119, 180), (214, 39, 40), (44, 160, 44), (255, 127, 14), (148, 103, 189),
           (140, 86, 75))


@dataclass(frozen=True)
class Panel:
    """One chart: a title, the unit of its y axis and its named lines."""

    title: str
    unit: str
    lines: tuple[tuple[str, Sequence[float | None]], ...]


def ticks(low: float, high: float, count: int = 4) -> list[float]:
    """Round values spanning `low`..`high` for an axis."""
    span = high - low or abs(high) or 1.0
    raw = span / count
    step = 10 ** math.floor(math.log10(raw))
    step *= next(m for m in (1, 2, 2.5, 5, 10) if step * m >= raw)
    first = math.floor(low / step) * step
    return [first + i * step for i in range(count + 2) if first + i * step <= high + step]


def label(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 or value == int(value) else f"{value:.3g}"


def draw(path: Path, title: str, times: Sequence[float], panels: Sequence[Panel]) -> None:
    """Write a PNG of `panels` over `times` (seconds); None values leave gaps."""
    height = TOP + len(panels) * (PANEL + GAP)
    image = Image.new("RGB", (WIDTH, height), "white")
    pen = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=13)
    big = ImageFont.load_default(size=18)
    pen.text((LEFT, 14), title, fill=INK, font=big)
    end = max(times[-1] if times else 1.0, 1.0)
    for index, panel in enumerate(panels):
        top = TOP + index * (PANEL + GAP) + 22
        box = (LEFT, top, WIDTH - RIGHT, top + PANEL - 22)
        values = [v for _, line in panel.lines for v in line if v is not None]
        scale = ticks(min(values, default=0.0), max(values, default=1.0))
        low, high = scale[0], scale[-1] if scale[-1] > scale[0] else scale[0] + 1

        def x_of(t: float, box: tuple[int, int, int, int] = box) -> float:
            return box[0] + (box[2] - box[0]) * t / end

        def y_of(v: float, box: tuple[int, int, int, int] = box,
                 low: float = low, high: float = high) -> float:
            return box[3] - (box[3] - box[1]) * (v - low) / (high - low)

        heading = f"{panel.title} ({panel.unit})"
        pen.text((LEFT, top - 20), heading, fill=INK, font=font)
        for value in scale:
            y = y_of(value)
            pen.line((box[0], y, box[2], y), fill=GRID)
            pen.text((box[0] - 6, y), label(value), fill=INK, font=font, anchor="rm")
        for minute in ticks(0.0, end / 60, 8):
            x = x_of(minute * 60)
            if x <= box[2]:
                pen.line((x, box[1], x, box[3]), fill=GRID)
                pen.text((x, box[3] + 4), f"{minute:g} min", fill=INK, font=font, anchor="mt")
        pen.rectangle(box, outline=INK)
        legend = box[0] + int(pen.textlength(heading, font=font)) + 40
        for number, (name, line) in enumerate(panel.lines):
            colour = COLOURS[number % len(COLOURS)]
            points: list[tuple[float, float]] = []
            for t, v in zip(times, line, strict=True):
                if v is None:
                    if len(points) > 1:
                        pen.line(points, fill=colour, width=2)
                    points = []
                else:
                    points.append((x_of(t), y_of(v)))
            if len(points) > 1:
                pen.line(points, fill=colour, width=2)
            elif points:
                pen.point(points, fill=colour)
            pen.line((legend, top - 12, legend + 18, top - 12), fill=colour, width=3)
            pen.text((legend + 22, top - 20), name, fill=INK, font=font)
            legend += 30 + int(pen.textlength(name, font=font))
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
