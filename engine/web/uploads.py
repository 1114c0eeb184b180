"""One contribution read from a `multipart/form-data` body, within caps while it streams.

The file part goes straight to a staging file in chunks; the whole body is never held,
and the request is answered 413 as soon as it passes the cap (503 when the door's disk
budget is spent). Whatever a client sends, the answer is a 4xx with a reason in French.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import BodyPartReader, web

from engine.web.sniff import HEAD, suffix_of
from engine.world.contribution import Point

CHUNK = 256 * 1024  # few, large reads: each one waits its turn for the interpreter
FIELD_BYTES = 64 * 1024     # a text field; the text itself is capped by intake
STROKES_BYTES = 512 * 1024  # a drawing's JSON
MAX_STROKES = 200
MAX_POINTS = 10_000  # a finger drawing has a few hundred; the SVG decoder takes 20,000 lines
MAX_DEPTH = 3  # strokes, points, numbers
TAG_FIELDS = ("theme", "sequence", "parcours", "author")
KINDS = ("text", "keywords", "file", "strokes")


class WebRefusal(Exception):
    """A request refused with an HTTP status and a reason for the participant."""

    def __init__(self, status: int, reason: str, retry_after: int = 0) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.retry_after = retry_after


@dataclass
class Upload:
    """What a participant sent: one kind of contribution, and the words to tag it."""

    kind: str = ""
    text: str = ""
    suffix: str = ""  # of the staged file, from its content
    strokes: tuple[tuple[Point, ...], ...] = ()
    tags: dict[str, Any] = field(default_factory=dict)


def too_large(cap: int) -> WebRefusal:
    return WebRefusal(413, f"C'est trop lourd : au plus {cap // (1024 * 1024)} Mo par envoi. "
                           "Essayez une photo plus petite ou un son plus court.")


Spend = Callable[[int], None]  # counts bytes against the door's disk budget (or 503)


async def read_upload(request: web.Request, staged: Path, cap: int, spend: Spend) -> Upload:
    """Read the form; a file part is written to `staged` (removed again on a refusal)."""
    declared = request.content_length
    if declared is not None and declared > cap + FIELD_BYTES:
        raise too_large(cap)
    if not request.content_type.startswith("multipart/"):
        raise WebRefusal(415, "Envoyez le formulaire de la page (multipart/form-data).")
    upload = Upload()
    budget = [cap + FIELD_BYTES]
    try:
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                raise WebRefusal(400, "Formulaire mal formé.")
            await _part(part, upload, staged, cap, budget, spend)
    except (WebRefusal, ConnectionError):  # a refusal, or a client gone: said once
        _discard(staged)
        raise
    except Exception as error:
        # aiohttp's multipart reader says a malformed body in many ways (a part header
        # with a line break in a file name, a boundary that never comes…)
        _discard(staged)
        raise WebRefusal(400, "Formulaire mal formé ; rechargez la page et réessayez.") \
            from error
    except BaseException:  # cancelled with the server
        _discard(staged)
        raise
    if not upload.kind:
        raise WebRefusal(400, "Écrivez un texte ou des mots-clés, ou joignez une photo, "
                              "un dessin ou un son.")
    return upload


async def _part(part: BodyPartReader, upload: Upload, staged: Path, cap: int,
                budget: list[int], spend: Spend) -> None:
    name = part.name or ""
    if name == "file":
        _one_kind(upload, "file")
        upload.suffix = await _stream(part, staged, cap, budget, spend)
        return
    limit = STROKES_BYTES if name == "strokes" else FIELD_BYTES
    data = await _small(part, limit, budget)
    spend(len(data))
    value = data.decode("utf-8").strip()
    if name in TAG_FIELDS:
        if value:
            upload.tags[name] = value[:120]
    elif name == "keywords":
        words = [w.strip() for w in value.replace("\n", ",").split(",") if w.strip()]
        if words:
            _one_kind(upload, "keywords")
            upload.text = "\n".join(words)
    elif name == "text":
        if value:
            _one_kind(upload, "text")
            upload.text = value
    elif name == "strokes" and value:
        _one_kind(upload, "strokes")
        upload.strokes = parse_strokes(value)
    # Other fields (a button's name, a page's extras) are ignored.


def _one_kind(upload: Upload, kind: str) -> None:
    if upload.kind and upload.kind != kind:
        raise WebRefusal(400, "Une chose à la fois : un texte, des mots-clés, une photo, "
                              "un dessin ou un son par envoi.")
    upload.kind = kind


async def _small(part: BodyPartReader, limit: int, budget: list[int]) -> bytes:
    data = bytearray()
    while chunk := await part.read_chunk(CHUNK):
        data += chunk
        budget[0] -= len(chunk)
        if len(data) > limit or budget[0] < 0:
            raise WebRefusal(413, "Ce champ est trop long ; raccourcissez-le.")
    return bytes(data)


async def _stream(part: BodyPartReader, staged: Path, cap: int, budget: list[int],
                  spend: Spend) -> str:
    """The file part into `staged`, chunk by chunk; its suffix from its first bytes.
    (The door syncs it to disk, off this loop.)"""
    size = 0
    head = b""
    with open(staged, "wb") as out:
        while chunk := await part.read_chunk(CHUNK):
            size += len(chunk)
            budget[0] -= len(chunk)
            if size > cap or budget[0] < 0:
                raise too_large(cap)
            spend(len(chunk))
            if len(head) < HEAD:
                head += chunk[:HEAD]
            out.write(chunk)
    if size == 0:
        raise WebRefusal(400, "Le fichier est vide.")
    suffix = suffix_of(head, part.headers.get("Content-Type", ""))
    if suffix is None:
        raise WebRefusal(415, "Ce type de fichier n'est pas accepté ; envoyez une photo "
                              "(JPEG, PNG, HEIC…), une vidéo courte ou un son.")
    return suffix


def parse_strokes(text: str) -> tuple[tuple[Point, ...], ...]:
    """`[[[x, y, pressure], …], …]` with x, y, pressure in 0..1 (clamped)."""
    drawn = "Le dessin n'a pas pu être lu ; effacez-le et recommencez."
    if nesting(text) > MAX_DEPTH:
        raise WebRefusal(400, drawn)
    try:
        value = json.loads(text)
    except ValueError as error:
        raise WebRefusal(400, drawn) from error
    if not isinstance(value, list) or not value or len(value) > MAX_STROKES:
        raise WebRefusal(400, drawn if value else "Le dessin est vide : tracez quelque "
                                                   "chose avec le doigt.")
    strokes: list[tuple[Point, ...]] = []
    total = 0
    for stroke in value:
        if not isinstance(stroke, list):
            raise WebRefusal(400, drawn)
        points = tuple(_point(p, drawn) for p in stroke)
        total += len(points)
        if total > MAX_POINTS:
            raise WebRefusal(413, "Le dessin a plus de " + f"{MAX_POINTS:,}".replace(
                ",", "\u202f") + " points : simplifiez-le ou envoyez-le en deux fois.")
        if len(points) >= 2:
            strokes.append(points)
    if not strokes:
        raise WebRefusal(400, "Le dessin est vide : tracez quelque chose avec le doigt.")
    return tuple(strokes)


def nesting(text: str) -> int:
    """How deep brackets nest in a JSON text (strings hold none in a drawing), counted
    before parsing, so a hostile depth never reaches the parser's recursion."""
    depth = deepest = 0
    for char in text:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _point(value: Any, drawn: str) -> Point:
    if not isinstance(value, list) or len(value) not in (2, 3) or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and v == v for v in value):
        raise WebRefusal(400, drawn)
    x, y, pressure = (*value, 1.0) if len(value) == 2 else value
    return (min(max(float(x), 0.0), 1.0), min(max(float(y), 0.0), 1.0),
            min(max(float(pressure), 0.0), 1.0))


def _discard(staged: Path) -> None:
    staged.unlink(missing_ok=True)
