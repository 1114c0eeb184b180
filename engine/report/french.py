"""The archive's words for its French-speaking public: kinds, dates and times.

Written out here rather than taken from the system locale, so an archive built on any
machine reads the same.
"""

from __future__ import annotations

from datetime import datetime

KIND_LABELS = {
    "text": "Texte", "keywords": "Mots-clés", "image": "Image", "drawing": "Dessin",
    "animation": "Animation", "video": "Vidéo", "sound": "Son", "data": "Données",
}
DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind.capitalize())


def capitalised(word: str) -> str:
    """`démocratie` → `Démocratie`, leaving the rest of the word as it was written."""
    return word[:1].upper() + word[1:]


def plural(count: int, one: str, many: str) -> str:
    """`1 contribution`, `3 contributions` (French counts 0 and 1 as singular)."""
    return f"{count} {one if count < 2 else many}"


def day_of_month(moment: datetime) -> str:
    return "1er" if moment.day == 1 else str(moment.day)


def long_date(moment: datetime, weekday: bool = True, year: bool = True) -> str:
    """`jeudi 12 juin 2025`."""
    words = [DAYS[moment.weekday()]] if weekday else []
    words += [day_of_month(moment), MONTHS[moment.month - 1]]
    if year:
        words.append(str(moment.year))
    return " ".join(words)


def clock(moment: datetime) -> str:
    """`14 h 05`, the way French typography writes a time of day."""
    return f"{moment.hour} h {moment.minute:02d}"


def date_span(first: datetime, last: datetime) -> str:
    """`12 juin 2025`, `12 et 13 juin 2025` or `30 juin – 1er juillet 2025`."""
    if first.date() == last.date():
        return long_date(first, weekday=False)
    if (first.year, first.month) == (last.year, last.month):
        days = f"{day_of_month(first)} et {day_of_month(last)}" \
            if (last.date() - first.date()).days == 1 else \
            f"{day_of_month(first)} – {day_of_month(last)}"
        return f"{days} {MONTHS[first.month - 1]} {first.year}"
    return (f"{long_date(first, weekday=False, year=first.year != last.year)} – "
            f"{long_date(last, weekday=False)}")


def in_words(count: int, feminine: bool = False) -> str:
    """Small counts in words, as prose writes them: `deux jours`, `une journée`."""
    words = ("zéro", "une" if feminine else "un", "deux", "trois", "quatre", "cinq", "six",
             "sept", "huit", "neuf", "dix")
    return words[count] if 0 <= count < len(words) else str(count)
