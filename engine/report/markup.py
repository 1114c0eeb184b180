"""HTML pieces every part of the page shares: escaping, attributes, filter facets.

Everything a visitor wrote (names, texts, tags, column names) reaches the page through
`esc` or `attributes`, never by string formatting alone.
"""

from __future__ import annotations

import html
import math

from engine.config import EventConfig
from engine.report.items import Item

NONE = "-"  # the facet value of a contribution without that tag
ACCENTS = 8  # theme colours in archive.css: .t0 … .t7


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def attributes(**values: object) -> str:
    """` name="value"` pairs, escaped; `data_theme` becomes `data-theme` and `class_`
    `class`; None is left out."""
    return "".join(f' {name.rstrip("_").replace("_", "-")}="{esc(value)}"'
                   for name, value in values.items() if value is not None)


def facets(item: Item) -> dict[str, str]:
    """The values the filters select on, as `data-*` attributes carry them."""
    tags = item.contribution.tags
    return {"theme": tags.theme or NONE, "sequence": tags.sequence or NONE,
            "parcours": item.parcours or NONE, "kind": item.kind}


def facet_attributes(item: Item) -> str:
    return attributes(**{f"data_{key}": value for key, value in facets(item).items()})


def theme_class(event: EventConfig, theme: str | None) -> str:
    """The CSS class giving a theme its colour (`t-none` for contributions without one)."""
    if theme not in event.themes:
        return "t-none"
    return f"t{event.themes.index(theme) % ACCENTS}"


def number(value: float) -> str:
    """A number the French way: `1 250,5`, no trailing zeros, no exponent for big values."""
    if not math.isfinite(value):
        return esc(value)
    digits = 0 if value == int(value) else max(0, 2 - math.floor(math.log10(abs(value))))
    text = f"{value:,.{min(digits, 6)}f}".replace(",", "\u202f").replace(".", ",")
    return text.rstrip("0").rstrip(",") if "," in text else text
