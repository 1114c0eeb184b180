"""Tags from where and how a file was dropped.

In rising priority: the event's defaults (`[event.defaults]`), the sub-folders it was
dropped in (`inbox/democratie/possibles/photo.jpg`), a sidecar beside it
(`photo.jpg.toml` or `photo.jpg.json`, where `moderation = "pending"` also holds it for a
moderator), and the arguments of an OSC message. Names are
matched against the event's vocabulary without regard to case or accents, so a
transcripteur can type `democratie` for `démocratie`; what matches nothing is reported.
"""

from __future__ import annotations

import json
import tomllib
import unicodedata
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from engine.config import EventConfig
from engine.world.contribution import Tags

SIDECAR_SUFFIXES = (".toml", ".json")
SIDECAR_MAX_BYTES = 64 * 1024
FREE_FIELDS = ("author",)


def fold(word: str) -> str:
    """Lower case, no accents, spaces and dashes alike: the form names are compared in."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.replace("-", " ").replace("_", " ").split())


def vocabularies(event: EventConfig) -> dict[str, tuple[str, ...]]:
    return {"theme": event.themes, "sequence": event.sequences,
            "parcours": tuple(event.parcours), "moment": event.moments}


def match(word: str, event: EventConfig, field: str | None = None) -> tuple[str, str] | None:
    """(field, canonical word) for a name of the vocabulary, in `field` or any."""
    key = fold(word)
    for name, words in vocabularies(event).items():
        if field in (None, name):
            for known in words:
                if fold(known) == key:
                    return name, known
    return None


def from_folders(path: Path, inbox: Path, event: EventConfig) -> tuple[dict[str, str], list[str]]:
    """Tags named by the sub-folders between the inbox and the file; unknown names."""
    found: dict[str, str] = {}
    unknown: list[str] = []
    for folder in path.relative_to(inbox).parts[:-1]:
        hit = match(folder, event)
        if hit:
            found[hit[0]] = hit[1]
        else:
            unknown.append(f"folder {folder!r}")
    return found, unknown


def sidecar_of(path: Path) -> Path | None:
    """The sidecar beside `path`, if one was dropped."""
    for suffix in SIDECAR_SUFFIXES:
        candidate = path.with_name(path.name + suffix)
        if candidate.is_file() and not candidate.is_symlink():
            return candidate
    return None


def is_sidecar(path: Path) -> bool:
    """`photo.jpg.toml`: a known suffix on a name that itself has a suffix."""
    return path.suffix.lower() in SIDECAR_SUFFIXES and Path(path.stem).suffix != ""


def from_values(values: dict[str, Any], event: EventConfig, origin: str
                ) -> tuple[dict[str, Any], list[str]]:
    """Tags from a sidecar's or an OSC message's key/values; what was not understood."""
    found: dict[str, Any] = {}
    unknown: list[str] = []
    for key, value in values.items():
        if key == "keywords":
            words = value.split(",") if isinstance(value, str) else value
            if isinstance(words, list) and all(isinstance(w, str) for w in words):
                found["keywords"] = tuple(w.strip() for w in words if w.strip())
            else:
                unknown.append(f"{origin} keywords must be a list of words")
        elif key == "moderation" and value == "pending":
            found[key] = value  # waits for a moderator (the web door's pre-moderation)
        elif key in FREE_FIELDS and isinstance(value, str):
            found[key] = value.strip()[:120]
        elif key in vocabularies(event) and isinstance(value, str):
            hit = match(value, event, key)
            if hit:
                found[key] = hit[1]
            else:
                unknown.append(f"{origin} {key} {value!r}")
        else:
            unknown.append(f"{origin} key {key!r}")
    return found, unknown


def read_sidecar(path: Path, event: EventConfig) -> tuple[dict[str, Any], list[str]]:
    try:
        data = path.read_bytes()[:SIDECAR_MAX_BYTES].decode("utf-8-sig")
        values = tomllib.loads(data) if path.suffix.lower() == ".toml" else json.loads(data)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        return {}, [f"sidecar {path.name} unreadable ({error})"]
    if not isinstance(values, dict):
        return {}, [f"sidecar {path.name} must be a table of tags"]
    return from_values(values, event, f"sidecar {path.name}")


def combine(decoded: Tags, layers: list[dict[str, Any]]) -> Tags:
    """The decoded keywords, then each layer of tags over the previous (rising priority).
    Keywords accumulate; other fields are replaced."""
    tags = decoded
    allowed = {f.name for f in fields(Tags)}
    for layer in layers:
        values = {k: v for k, v in layer.items() if k in allowed}
        if "keywords" in values:
            values["keywords"] = tuple(dict.fromkeys(tags.keywords + tuple(values["keywords"])))
        tags = replace(tags, **values)
    return tags
