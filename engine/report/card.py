"""One contribution as a card: its medium, its words, its credits and its tags.

Every visitor-supplied string goes through `esc`; file references come from `Medium`,
whose names are the contribution's id.
"""

from __future__ import annotations

import re

from engine.config import EventConfig
from engine.report.chart import line_chart
from engine.report.french import capitalised, clock, kind_label, long_date
from engine.report.items import Item
from engine.report.markup import attributes, esc, facet_attributes, theme_class
from engine.report.media import Medium

WAVE_BARS = 96


def title_of(name: str) -> str:
    """A file name as a title: `photo-atelier.jpg` → `Photo atelier`."""
    stem = name.rsplit(".", 1)[0] if "." in name.strip(".") else name
    return capitalised(" ".join(re.split(r"[-_\s]+", stem)).strip()) or name


def paragraphs(text: str) -> str:
    """Plain text as paragraphs (blank lines) and line breaks, escaped."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text.strip()) if b.strip()]
    return "".join("<p>" + "<br>".join(esc(line) for line in b.splitlines()) + "</p>"
                   for b in blocks)


def waveform(envelope: tuple[float, ...]) -> str:
    """The sound's loudness over time as bars: a picture of it before it is played."""
    if not envelope:
        return ""
    step = max(1, -(-len(envelope) // WAVE_BARS))
    peaks = [max(envelope[i:i + step]) for i in range(0, len(envelope), step)]
    top = max(max(peaks), 1e-6)
    width = 4 * len(peaks)
    bars = "".join(f'<rect x="{4 * i + 0.5}" y="{30 - 28 * p / top:.1f}" width="3" '
                   f'height="{max(1.0, 56 * p / top):.1f}" rx="1.5"/>'
                   for i, p in enumerate(peaks))
    return (f'<svg class="onde" viewBox="0 0 {width} 60" preserveAspectRatio="none" '
            f'aria-hidden="true">{bars}</svg>')


def size_attributes(medium: Medium) -> str:
    """Width and height, so the page keeps the medium's room before it loads."""
    return attributes(width=medium.width or None, height=medium.height or None)


def picture(medium: Medium, alt: str) -> str:
    return (f'<a class="agrandir" href="{esc(medium.file)}"><img'
            f'{attributes(src=medium.file, alt=alt)}{size_attributes(medium)} '
            f'loading="lazy" decoding="async"></a>')


def medium_html(item: Item, medium: Medium | None, title: str) -> str:
    """The contribution's own matter: its picture, player, chart, text or words."""
    contribution = item.contribution
    label = kind_label(item.kind)
    if medium is not None and medium.element == "img":
        return f'<figure class="media">{picture(medium, f"{label} : {title}")}</figure>'
    if medium is not None and medium.element == "video":
        return (f'<figure class="media"><video controls preload="metadata"'
                f'{attributes(poster=medium.poster or None)}{size_attributes(medium)}>'
                f'<source{attributes(src=medium.file, type=medium.mime)}>'
                f'<a href="{esc(medium.file)}">Voir la vidéo</a></video></figure>')
    if medium is not None and medium.element == "audio":
        envelope = contribution.clip.envelope if contribution.clip is not None else ()
        return (f'<figure class="media son">{waveform(envelope)}<audio controls '
                f'preload="metadata"><source{attributes(src=medium.file, type=medium.mime)}>'
                f'<a href="{esc(medium.file)}">Écouter le son</a></audio></figure>')
    if item.kind == "data" and contribution.series:
        chart = line_chart(contribution.series, f"Données : {title}")
        download = "" if medium is None else \
            (f'<p class="telecharger"><a{attributes(href=medium.file, type=medium.mime)} '
             f'download>Télécharger le tableau</a></p>')
        return chart + download
    if item.kind == "keywords":
        return ""
    return f'<blockquote class="texte">{paragraphs(contribution.text)}</blockquote>' \
        if contribution.text.strip() else ""


def card(event: EventConfig, item: Item, medium: Medium | None) -> str:
    """The `<li>` of one contribution, with the facets the filters read."""
    contribution = item.contribution
    tags = contribution.tags
    title = title_of(contribution.name)
    words = "".join(f"<li>{esc(word)}</li>" for word in tags.keywords)
    places = [capitalised(v) for v in (tags.sequence, item.parcours, tags.moment) if v]
    when = f"{long_date(item.at, year=False)} · {clock(item.at)}"
    pin = ' <span class="une">À la une</span>' if item.pinned else ""
    credit = f'<p class="credit">{esc(tags.author)}</p>' if tags.author else ""
    classes = f"carte {theme_class(event, tags.theme)} k-{item.kind}" + \
        (" epinglee" if item.pinned else "")
    return (
        f'<li{attributes(class_=classes, id=f"c-{item.id}")}{facet_attributes(item)}>'
        f'<article aria-labelledby="h-{esc(item.id)}">'
        f"{medium_html(item, medium, title)}"
        f'<div class="corps"><p class="genre">{esc(kind_label(item.kind))}{pin}</p>'
        f'<h4 id="h-{esc(item.id)}">{esc(title)}</h4>'
        + (f'<ul class="mots" aria-label="Mots-clés">{words}</ul>' if words else "")
        + f'{credit}<p class="reperes"><time datetime="{item.at.isoformat(timespec="seconds")}">'
        f"{esc(when)}</time></p>"
        + (f'<p class="lieux">{"".join(f"<span>{esc(p)}</span>" for p in places)}</p>'
           if places else "")
        + "</div></article></li>")
