"""A contribution: what a participant brought, with the event's tags and its payload.

Intake decodes files (in worker processes) into these CPU-side payloads; the renderer
and the soundscape read only the fields of their kind. Arrays are excluded from
equality so contributions compare by identity of content (`id`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import numpy as np

KINDS = ("text", "keywords", "image", "animation", "video", "sound", "data", "drawing")

# The names the doors give what they put in the inbox (a phone's upload, an OSC text):
# a person never chose them, so they are never shown as a title.
DOOR_NAMES = re.compile(r"^(web-[0-9a-f]{24}|osc-\d{8}-\d{6}-\d+-\d+)\.[a-z0-9]+$")
ENVELOPE_SECONDS = 0.05  # a clip's envelope holds one peak per this many seconds
Colour = tuple[float, float, float]
Point = tuple[float, float, float]  # x, y in 0..1 (y down), pressure 0..1


@dataclass(frozen=True)
class Tags:
    """The event's vocabulary attached to a contribution (any may be missing)."""

    theme: str | None = None
    sequence: str | None = None
    parcours: str | None = None
    moment: str | None = None
    author: str | None = None
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Clip:
    """Sound at the engine's sample rate: float32 in -1..1, shape (frames, channels)."""

    samples: np.ndarray = field(compare=False, repr=False)
    sample_rate: int
    envelope: tuple[float, ...] = ()  # peak level per ENVELOPE_SECONDS, 0..1
    loudness: float | None = None  # EBU R128 integrated loudness of its mono mix, LUFS

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.sample_rate


@dataclass(frozen=True)
class Contribution:
    """One item on the carte. `id` is derived from the content, so the same bytes
    dropped twice are the same contribution. Only the fields of its `kind` are set:

    - text, keywords: `text` (keywords also in `tags.keywords`)
    - image, drawing: `pixels` (RGBA uint8, height x width x 4), `palette`
    - animation, video: `frames` (RGBA uint8, n x h x w x 4), `durations` (s), `palette`;
      a video's sound track in `clip`
    - sound: `clip`
    - data: `series` (name, finite values)
    - drawing: `strokes` when the source had vector strokes (SVG, live graffiti)
    - any: `note`, what decoding left out of the file (an animation's damaged tail)
    """

    id: str
    kind: str
    name: str
    text: str = ""
    tags: Tags = field(default_factory=Tags)
    palette: tuple[Colour, ...] = ()
    pixels: np.ndarray | None = field(default=None, compare=False, repr=False)
    frames: np.ndarray | None = field(default=None, compare=False, repr=False)
    durations: tuple[float, ...] = ()
    clip: Clip | None = None
    series: tuple[tuple[str, tuple[float, ...]], ...] = ()
    strokes: tuple[tuple[Point, ...], ...] = ()
    note: str = ""  # what decoding left out of the file, and why (the journal's reason)


def door_named(name: str) -> bool:
    """Whether `name` was made up by a door, not given by a person."""
    return DOOR_NAMES.match(name) is not None


def light(contribution: Contribution) -> Contribution:
    """The contribution without its arrays (pixels, frames, sound, strokes): what the
    carte keeps in memory for days; the arrays are on the GPU, in pyo, in the paint layer
    or in the payload cache."""
    if contribution.pixels is None and contribution.frames is None and \
            contribution.clip is None and not contribution.strokes:
        return contribution
    clip = None if contribution.clip is None else \
        replace(contribution.clip, samples=contribution.clip.samples[:0])
    return replace(contribution, pixels=None, frames=None, clip=clip, strokes=())
