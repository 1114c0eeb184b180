"""The days of the event as strips of points: each contribution at its arrival time.

One SVG per day, hours along the strip, points stacked where they crowd, coloured by
theme; each point links to its contribution and carries the same filter facets, so the
filters dim the points they leave out.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from itertools import groupby

from engine.config import EventConfig
from engine.report.french import capitalised, clock, kind_label, long_date, plural
from engine.report.items import Item
from engine.report.markup import attributes, esc, facet_attributes, theme_class

WIDTH = 960
SIDE = 28
ROOM = 128  # the most height points may stack to
BELOW = 30  # under the axis: hour labels
GAP = 11.0  # distance between stacked points, when there is room
HOUR = timedelta(hours=1)


def day_strip(event: EventConfig, items: list[Item]) -> str:
    """One day's SVG: an axis of whole hours around the day's arrivals, and its points."""
    start = items[0].at.replace(minute=0, second=0, microsecond=0)
    end = max(items[-1].at.replace(minute=0, second=0, microsecond=0) + HOUR, start + HOUR)
    hours = round((end - start) / HOUR)
    every = max(1, math.ceil(hours / 12))
    span = (end - start).total_seconds()

    def x(moment: datetime) -> float:
        return SIDE + (moment - start).total_seconds() / span * (WIDTH - 2 * SIDE)

    stacks: dict[int, int] = {}
    places = []
    for item in items:
        column = round(x(item.at) / GAP)
        level = stacks.get(column, 0)
        stacks[column] = level + 1
        places.append((column * GAP, level))
    highest = max(stacks.values())
    gap = min(GAP, ROOM / highest)
    radius = max(1.5, gap * 0.42)
    axis = max(44, round(highest * gap + 24))
    parts = [f'<line class="axe" x1="{SIDE}" x2="{WIDTH - SIDE}" y1="{axis}" y2="{axis}"/>']
    for hour in range(0, hours + 1, every):
        tick = x(start + hour * HOUR)
        parts.append(f'<line class="heure" x1="{tick:.1f}" x2="{tick:.1f}" y1="{axis}" '
                     f'y2="{axis + 6}"/><text class="graduation" x="{tick:.1f}" '
                     f'y="{axis + 22}" text-anchor="middle">'
                     f'{(start + hour * HOUR).hour} h</text>')
    for item, (cx, level) in zip(items, places, strict=True):
        tags = item.contribution.tags
        label = " · ".join(filter(None, (clock(item.at), kind_label(item.kind),
                                         capitalised(tags.theme or ""), item.contribution.name)))
        parts.append(f'<a class="point {theme_class(event, tags.theme)}" '
                     f'href="#c-{esc(item.id)}"{facet_attributes(item)}>'
                     f'<circle cx="{cx:.1f}" cy="{axis - 10 - level * gap:.1f}" '
                     f'r="{radius:.1f}"><title>{esc(label)}</title></circle></a>')
    return (f'<svg class="frise" viewBox="0 0 {WIDTH} {axis + BELOW}" role="group"'
            f'{attributes(aria_label=f"Arrivées du {long_date(start)}, heure par heure")}>'
            f'{"".join(parts)}</svg>')


def timeline(event: EventConfig, items: list[Item]) -> str:
    """Every day of the event, in order: a heading, a summary and its strip."""
    days: list[tuple[date, list[Item]]] = [
        (day, list(group)) for day, group in
        groupby(sorted(items, key=lambda i: i.at), key=lambda i: i.at.date())]
    blocks = []
    for number, (_, arrivals) in enumerate(days, start=1):
        first, last = arrivals[0].at, arrivals[-1].at
        blocks.append(
            f'<div class="jour"><h3>Jour {number} <span>{esc(long_date(first))}</span></h3>'
            f'<p class="resume">{plural(len(arrivals), "contribution", "contributions")}, '
            f'de {clock(first)} à {clock(last)}</p>{day_strip(event, arrivals)}</div>')
    return "".join(blocks)
