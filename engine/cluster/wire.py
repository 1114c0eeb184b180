"""What travels in the stream, and how a node reads it without trusting it.

Three kinds of message, each a small JSON object: a contribution (the facts of an
archived file whose bytes are in the object store: its digest, size, suffix, name, tags
and first state), a moderation, a cue (a scene switch or the transport). Reading one
checks every field's type, size and vocabulary; anything else is refused with a reason
and skipped, like a malformed OSC message. Tags are then matched against the event's
vocabulary by intake, exactly as a sidecar's are.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass
from typing import Any

from engine.journal.journal import STATES

VERSION = 1
MAX_MESSAGE = 64 * 1024
MAX_NAME = 255
MAX_REASON = 500
HEX_ID = re.compile(r"^[0-9a-f]{16}$")
DIGEST = re.compile(r"^[0-9a-f]{64}$")
SUFFIX = re.compile(r"^\.[a-z0-9]{1,10}$")
CUES = ("scene", "blackout", "freeze", "tempo")


class Unreadable(ValueError):
    """A stream message this node does not apply, and why."""


@dataclass(frozen=True)
class Offered:
    """A contribution a node took: its file is `sha256` in the object store."""

    id: str
    sha256: str
    size: int
    suffix: str
    name: str
    tags: dict[str, Any]
    state: str
    at: float
    covers: int = 0  # for its own node: the journal's moderation rows its state includes


@dataclass(frozen=True)
class Decided:
    """A moderator's decision about contribution `id`; `row` is the moderation's row in
    the journal of the node that decided it."""

    id: str
    state: str
    reason: str
    at: float
    row: int


@dataclass(frozen=True)
class Cue:
    """A scene switch (`value` the scene, `fade` seconds or None for its own) or the
    transport (`blackout`, `freeze`: on/off; `tempo`: BPM), for every node (`scope`
    empty) or one node."""

    cue: str
    value: str | bool | float
    fade: float | None = None
    scope: str = ""
    by: str = "engine"  # or "command": `carte cluster cue`, which its own node applies too


Said = Offered | Decided | Cue


def encode(said: Said) -> bytes:
    return json.dumps({"v": VERSION, **asdict(said)}, ensure_ascii=False).encode()


def decode(kind: str, data: bytes) -> Said:
    """The message of `kind` (the subject's last token), checked; `Unreadable` if not."""
    if len(data) > MAX_MESSAGE:
        raise Unreadable(f"{len(data)} bytes, more than {MAX_MESSAGE}")
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise Unreadable(f"not JSON ({error})") from error
    if not isinstance(raw, dict):
        raise Unreadable("not a JSON object")
    if raw.get("v") != VERSION:
        raise Unreadable(f"version {raw.get('v')!r}; this engine reads version {VERSION} "
                         "(run the same version on every node)")
    fields = Fields(raw)
    if kind == "contribution":
        id, sha256 = fields.text("id", HEX_ID), fields.text("sha256", DIGEST)
        if not sha256.startswith(id):
            raise Unreadable("its id is not its content's digest")
        tags = raw.get("tags")
        if not isinstance(tags, dict) or len(json.dumps(tags)) > 4096:
            raise Unreadable("tags: expected a small table")
        return Offered(id, sha256, fields.count("size"), fields.text("suffix", SUFFIX),
                       fields.text("name", limit=MAX_NAME), tags,
                       fields.choice("state", STATES), fields.number("at"),
                       fields.count("covers"))
    if kind == "moderation":
        return Decided(fields.text("id", HEX_ID), fields.choice("state", STATES),
                       fields.text("reason", limit=MAX_REASON), fields.number("at"),
                       fields.count("row"))
    if kind == "cue":
        cue = fields.choice("cue", CUES)
        value: str | bool | float
        if cue == "scene":
            value = fields.text("value", limit=MAX_NAME)
        elif cue == "tempo":
            value = fields.number("value")
        else:
            value = raw.get("value")
            if not isinstance(value, bool):
                raise Unreadable("value: expected true or false")
        fade = None if raw.get("fade") is None else fields.number("fade")
        return Cue(cue, value, fade, fields.text("scope", limit=64),
                   fields.choice("by", ("engine", "command")))
    raise Unreadable(f"unknown kind {kind!r}")


class Fields:
    """Typed reads of a message's fields, each failing with the field's name."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw

    def text(self, key: str, pattern: re.Pattern[str] | None = None,
             limit: int = 1 << 16) -> str:
        value = self.raw.get(key, "")
        if not isinstance(value, str) or len(value) > limit or \
                (pattern is not None and not pattern.match(value)):
            raise Unreadable(f"{key}: not what a {key} looks like")
        return value

    def choice(self, key: str, choices: tuple[str, ...]) -> str:
        value = self.raw.get(key)
        if value not in choices:
            raise Unreadable(f"{key}: {value!r} is not one of {', '.join(choices)}")
        return str(value)

    def number(self, key: str) -> float:
        value = self.raw.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or \
                not math.isfinite(value):
            raise Unreadable(f"{key}: expected a number")
        return float(value)

    def count(self, key: str) -> int:
        value = self.raw.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise Unreadable(f"{key}: expected a whole number")
        return value
