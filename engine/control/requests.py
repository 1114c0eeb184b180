"""Requests: messages the OSC thread answers or keeps itself, never the frame loop.

Queries are answered from the last published `Snapshot`; subscriptions and open
strokes are the server's own bookkeeping. Only these produce replies, and only to
the sender that asked.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.control.model import ParamKey
from engine.world.contribution import Point


@dataclass(frozen=True)
class Query:
    """`ADDRESS "?"`: reply `ADDRESS value...` with the current value."""

    address: str
    key: ParamKey


@dataclass(frozen=True)
class ListScenes:
    """Reply with every scene name."""


@dataclass(frozen=True)
class ListRecent:
    """Reply with the newest `count` contributions and their ids."""

    count: int


@dataclass(frozen=True)
class ListTerms:
    """Reply with each theme's (or one region's) terms."""

    region: str = ""


@dataclass(frozen=True)
class StatusRequest:
    """Reply once with the engine's status."""


@dataclass(frozen=True)
class Subscription:
    """Start (`on`) or stop receiving status and arrivals at the sender's address,
    on `port` (0: the configured reply port, else the sender's own port)."""

    on: bool
    port: int


@dataclass(frozen=True)
class StrokeInput:
    """A tablet's stroke: streamed (`begin` with tags, `point`, `end`) or `whole`."""

    action: str
    points: tuple[Point, ...] = ()
    tags: tuple[str, ...] = ()


Request = Query | ListScenes | ListRecent | ListTerms | StatusRequest | Subscription | \
    StrokeInput
