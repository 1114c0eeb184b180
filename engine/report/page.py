"""The archive's one page: header, film, poster, timeline, filters and contributions.

The skeleton is `assets/page.html`; this module fills it. Contributions are grouped by
theme in the event's order (those without a theme last) and, within a group, pinned
ones first, then by arrival.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from importlib.resources import files
from string import Template

from engine.config import EventConfig
from engine.report.card import card, size_attributes
from engine.report.constellation import constellation, mapped
from engine.report.french import (
    capitalised,
    date_span,
    in_words,
    kind_label,
    long_date,
    plural,
)
from engine.report.items import Item
from engine.report.markup import NONE, attributes, esc, facets, theme_class
from engine.report.media import Medium
from engine.report.timeline import timeline
from engine.world.carte import Carte
from engine.world.contribution import KINDS

GENERATOR = "Carte sensible"
TERMS = 8  # the terms a theme's section names
FILTERS = (("theme", "Thème", "Tous les thèmes", "Sans thème"),
           ("sequence", "Séquence", "Toutes les séquences", "Sans séquence"),
           ("parcours", "Parcours", "Tous les parcours", "Hors parcours"),
           ("kind", "Forme", "Toutes les formes", ""))


@dataclass(frozen=True)
class Extras:
    """The film and the poster of the whole event, when they were made."""

    film: Medium | None = None
    poster: Medium | None = None


def vocabulary(event: EventConfig, key: str, items: list[Item]) -> list[str]:
    """The values a filter offers: the event's words, then any others found."""
    known = {"theme": event.themes, "sequence": event.sequences,
             "parcours": tuple(event.parcours),
             "kind": tuple(k for k in KINDS if any(i.kind == k for i in items))}[key]
    found = [facets(i)[key] for i in items]
    return list(known) + sorted({v for v in found if v not in known and v != NONE})


def filters(event: EventConfig, items: list[Item]) -> str:
    """One labelled `<select>` per facet, each option with its count."""
    blocks = []
    for key, label, everything, without in FILTERS:
        counts = Counter(facets(i)[key] for i in items)
        options = [f'<option value="">{esc(everything)}</option>']
        for value in vocabulary(event, key, items):
            name = kind_label(value) if key == "kind" else capitalised(value)
            options.append(f"<option{attributes(value=value)}>{esc(name)} "
                           f"({counts[value]})</option>")
        if counts[NONE] and without:
            options.append(f'<option value="{NONE}">{esc(without)} ({counts[NONE]})</option>')
        blocks.append(f'<label class="filtre"><span>{label}</span>'
                      f'<select name="{key}">{"".join(options)}</select></label>')
    return "".join(blocks)


def groups(event: EventConfig, items: list[Item], media: dict[str, Medium | None],
           carte: Carte) -> str:
    """A section per theme, with the terms its contributions said most and its cards."""
    themes = [t for t in vocabulary(event, "theme", items)
              if any(facets(i)["theme"] == t for i in items)]
    if any(facets(i)["theme"] == NONE for i in items):
        themes.append(NONE)
    sections = []
    for index, theme in enumerate(themes):
        chosen = sorted((i for i in items if facets(i)["theme"] == theme),
                        key=lambda i: (not i.pinned, i.at))
        heading = "Sans thème" if theme == NONE else capitalised(theme)
        cards = "".join(card(event, i, media.get(i.id)) for i in chosen)
        said = [t.form for t in carte.lexicon.terms(theme, TERMS)] if theme != NONE else []
        terms = (f'<p class="termes">Ses mots : {esc(" · ".join(said))}</p>' if said else "")
        sections.append(
            f'<section class="groupe {theme_class(event, theme)}" '
            f'aria-labelledby="groupe-{index}"><h3 class="titre-groupe" id="groupe-{index}">'
            f'{esc(heading)} <span>{plural(len(chosen), "contribution", "contributions")}'
            f'</span></h3>{terms}<ol class="cartes">{cards}</ol></section>')
    return "".join(sections)


def legend(event: EventConfig, items: list[Item]) -> str:
    present = {i.contribution.tags.theme for i in items}
    entries = [(theme_class(event, t), capitalised(t)) for t in event.themes if t in present]
    if None in present or present - set(event.themes) - {None}:
        entries.append(("t-none", "Sans thème"))
    return '<ul class="legende-themes">' + "".join(
        f'<li class="{css}">{esc(name)}</li>' for css, name in entries) + "</ul>"


def film_figure(film: Medium) -> str:
    return (f'<figure class="vitrine-film"><video controls preload="metadata"'
            f'{size_attributes(film)}><source{attributes(src=film.file, type=film.mime)}>'
            f'<a href="{esc(film.file)}">Voir le film</a></video><figcaption>Le film : la '
            "carte rejouée du début à la fin, avec son paysage sonore. "
            f'<a href="{esc(film.file)}" download>Télécharger</a></figcaption></figure>')


def poster_figure(poster: Medium) -> str:
    return (f'<figure class="vitrine-affiche"><a href="{esc(poster.link or poster.file)}">'
            f"<img{attributes(src=poster.file)}{size_attributes(poster)} alt=\"La carte "
            "sensible telle qu’elle s’est dessinée au fil des échanges\"></a><figcaption>"
            "L’affiche : la carte telle qu’elle s’est dessinée ; l’image mène à sa pleine "
            "résolution.</figcaption></figure>")


def showcase(extras: Extras) -> str:
    """The film and the poster side by side, under one heading."""
    figures = ([film_figure(extras.film)] if extras.film else []) + \
        ([poster_figure(extras.poster)] if extras.poster else [])
    if not figures:
        return ""
    return (f'<section id="vitrine" aria-labelledby="vitrine-titre"><h2 id="vitrine-titre">'
            f"{esc(showcase_title(extras))}</h2>"
            f'<div class="vitrine">{"".join(figures)}</div></section>')


def showcase_title(extras: Extras) -> str:
    if extras.film and extras.poster:
        return "Le film et l’affiche"
    return "Le film" if extras.film else "L’affiche"


def render(event: EventConfig, items: list[Item], media: dict[str, Medium | None],
           extras: Extras, built: datetime) -> str:
    """The whole page as HTML text."""
    days = sorted({i.at.date() for i in items})
    dates = date_span(min(i.at for i in items), max(i.at for i in items)) if items else ""
    span = "une journée" if len(days) <= 1 else f"{in_words(len(days))} jours"
    intro = (f"Pendant {span}, participantes et participants, animateurs et transcripteurs "
             "ont nourri la carte de textes, de mots, de dessins, d’images, de sons et de "
             "données. Voici tout ce qui a été partagé, à parcourir par thème, par séquence "
             "et par parcours.")
    themes = {i.contribution.tags.theme for i in items} - {None}
    carte = mapped(event, items)
    figures = [plural(len(items), "contribution", "contributions"),
               plural(len(themes), "thème", "thèmes"),
               plural(len({i.contribution.tags.author for i in items} - {None}),
                      "auteur ou rôle crédité", "auteurs ou rôles crédités")]
    contents = [("#vitrine", showcase_title(extras)) if extras.film or extras.poster else None,
                ("#fil", "Le fil des jours"), ("#contributions", "Les contributions")]
    template = Template(files("engine.report").joinpath("assets/page.html")
                        .read_text(encoding="utf-8"))
    return template.substitute(
        generator=GENERATOR, dates=esc(dates), intro=esc(intro),
        figures="".join(f"<li>{esc(f)}</li>" for f in figures),
        contents="".join(f'<li><a href="{href}">{esc(name)}</a></li>'
                         for href, name in filter(None, contents)),
        constellation=constellation(event, carte), showcase=showcase(extras),
        timeline_title="Le fil de la journée" if len(days) <= 1 else
        f"Le fil des {in_words(len(days))} jours",
        legend=legend(event, items), timeline=timeline(event, items),
        filters=filters(event, items), groups=groups(event, items, media, carte),
        built=esc(f"{long_date(built)}"))
