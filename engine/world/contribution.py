"""A contribution: what a participant brought, with the event's tags."""

from __future__ import annotations

from dataclasses import dataclass, field


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
class Contribution:
    """One item on the carte. `id` is derived from the content, so the same bytes
    dropped twice are the same contribution."""

    id: str
    kind: str
    name: str
    text: str = ""
    tags: Tags = field(default_factory=Tags)
