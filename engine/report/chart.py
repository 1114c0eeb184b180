"""Numeric data drawn as an inline SVG line chart, with its values as a table.

No script and no library: the chart is markup written here, styled by archive.css, and
its numbers stay readable by everyone in a table beside it.
"""

from __future__ import annotations

import math
from itertools import pairwise

from engine.report.markup import esc, number

Series = tuple[tuple[str, tuple[float, ...]], ...]
WIDTH, HEIGHT = 480, 250
LEFT, RIGHT, TOP, BOTTOM = 52, 16, 14, 30
MAX_LINES = 6
MAX_POINTS = 240
MAX_ROWS = 60


def nice_ticks(low: float, high: float, count: int = 4) -> list[float]:
    """Round values from below `low` to above `high`, about `count` steps of 1, 2 or 5
    times a power of ten."""
    if high <= low:
        low, high = low - 1, high + 1
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first, last = math.floor(low / step), math.ceil(high / step)
    return [i * step for i in range(first, last + 1)]


def axes(series: Series) -> tuple[tuple[str, tuple[float, ...]] | None, Series]:
    """The x axis (the first column when it only grows, like hours) and the lines."""
    first = series[0][1]
    if len(series) > 1 and all(b > a for a, b in pairwise(first)):
        return series[0], series[1:1 + MAX_LINES]
    return None, series[:MAX_LINES]


def line_chart(series: Series, title: str) -> str:
    """A `<figure>` with the chart, its legend and a table of the values."""
    x_axis, lines = axes(series)
    length = max(len(values) for _, values in lines)
    xs = x_axis[1] if x_axis is not None else tuple(float(i + 1) for i in range(length))
    values = [v for _, line in lines for v in line]
    y_ticks = nice_ticks(min(values), max(values))
    x_ticks = nice_ticks(xs[0], xs[min(length, len(xs)) - 1], 5)
    y_low, y_high = y_ticks[0], y_ticks[-1]
    x_low, x_high = xs[0], max(xs[min(length, len(xs)) - 1], xs[0] + 1e-9)

    def px(x: float) -> float:
        return LEFT + (x - x_low) / (x_high - x_low) * (WIDTH - LEFT - RIGHT)

    def py(y: float) -> float:
        return HEIGHT - BOTTOM - (y - y_low) / (y_high - y_low) * (HEIGHT - TOP - BOTTOM)

    parts = [f'<svg class="courbe" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-label="{esc(title)}">']
    for tick in y_ticks:
        parts.append(f'<line class="grille" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
                     f'y1="{py(tick):.1f}" y2="{py(tick):.1f}"/>'
                     f'<text class="graduation" x="{LEFT - 8}" y="{py(tick) + 4:.1f}" '
                     f'text-anchor="end">{number(tick)}</text>')
    for tick in (t for t in x_ticks if x_low <= t <= x_high):
        parts.append(f'<text class="graduation" x="{px(tick):.1f}" y="{HEIGHT - 8}" '
                     f'text-anchor="middle">{number(tick)}</text>')
    for index, (name, line) in enumerate(lines):
        step = max(1, math.ceil(len(line) / MAX_POINTS))
        points = [(px(xs[i]), py(line[i])) for i in range(0, min(len(line), len(xs)), step)]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        last_x, last_y = points[-1]
        parts.append(f'<g class="s{index}"><title>{esc(name)}</title>'
                     f'<polyline points="{path}"/>'
                     f'<circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="3.5"/></g>')
    parts.append("</svg>")
    legend = "".join(f'<li class="s{i}">{esc(name)}</li>' for i, (name, _) in enumerate(lines))
    return (f'<figure class="donnees">{"".join(parts)}<figcaption><ul class="legende">'
            f'{legend}</ul></figcaption></figure>{values_table(x_axis, lines)}')


def values_table(x_axis: tuple[str, tuple[float, ...]] | None, lines: Series) -> str:
    """The numbers themselves, folded away: the first rows, and how many there are."""
    columns = ([x_axis] if x_axis is not None else []) + list(lines)
    rows = max(len(values) for _, values in columns)
    head = "".join(f'<th scope="col">{esc(name)}</th>' for name, _ in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{number(values[r]) if r < len(values) else ''}</td>"
                         for _, values in columns) + "</tr>"
        for r in range(min(rows, MAX_ROWS)))
    more = f"<p>… et {rows - MAX_ROWS} lignes de plus dans le fichier.</p>" \
        if rows > MAX_ROWS else ""
    return (f'<details class="valeurs"><summary>Voir les valeurs</summary>'
            f'<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}'
            f'</details>')
