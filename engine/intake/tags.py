"""Tags from where a file was dropped: `inbox/democratie/possibles/photo.jpg`.

Folder names are matched against the event's vocabulary without regard to case or
accents, so a transcripteur can type `democratie` for `démocratie`.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from engine.config import EventConfig
from engine.world.contribution import Tags


def fold(word: str) -> str:
    """Lower case, no accents, spaces and dashes alike: the form names are compared in."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.replace("-", " ").replace("_", " ").split())


def tags_from_folders(path: Path, inbox: Path, event: EventConfig) -> tuple[Tags, list[str]]:
    """Tags named by the sub-folders between the inbox and the file, and the folder
    names that matched nothing (reported, not silently dropped)."""
    vocabularies = {
        "theme": event.themes,
        "sequence": event.sequences,
        "parcours": tuple(event.parcours),
        "moment": event.moments,
    }
    found: dict[str, str] = {}
    unknown: list[str] = []
    for folder in path.relative_to(inbox).parts[:-1]:
        key = fold(folder)
        match = next(((field, word) for field, words in vocabularies.items()
                      for word in words if fold(word) == key), None)
        if match:
            found[match[0]] = match[1]
        else:
            unknown.append(folder)
    return Tags(**found), unknown
