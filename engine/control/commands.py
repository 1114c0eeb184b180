"""Commands: what OSC messages become, for the frame loop to apply.

The server thread only builds these small frozen values; the main thread drains them
once per frame and applies them to the world, the renderer and the soundscape.
Contributions (`AddText`, `AddKeywords`, `AddStroke`) go through intake like files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.control.model import ParamKey
from engine.control.values import Param, Step, resolve
from engine.world.contribution import Point


@dataclass(frozen=True)
class SetParam:
    """Set or nudge one parameter.

    scope "layer": `owner` is the layer's name (as in the scene), `name` is `opacity`,
    `blend`, `enabled` or one of its declared inputs; scope "sound": a soundscape
    parameter; scope "transport": `blackout`, `freeze` or `tempo` (BPM). `steps` are
    the frame's changes in arrival order; `resolve(current)` gives the new value."""

    scope: str
    owner: str
    name: str
    spec: Param
    steps: tuple[Step, ...]

    @property
    def key(self) -> ParamKey:
        return (self.scope, self.owner, self.name)

    def resolve(self, current: Any) -> Any:
        """The value after this frame's steps, each clamped to the declared range."""
        return resolve(self.spec, current, self.steps)


@dataclass(frozen=True)
class SwitchScene:
    """Show scene `name` (one of the model's scenes), crossfading over `fade` seconds;
    None means the scene's own transition default."""

    name: str
    fade: float | None = None


@dataclass(frozen=True)
class Moderate:
    """A moderator's decision about contribution `id`: hide, show, pin, unpin, focus,
    or unfocus (with `id` empty). Hiding never deletes."""

    action: str
    id: str


@dataclass(frozen=True)
class Transport:
    """A one-shot action: `snapshot` (PNG of the current frame into the data folder),
    `safe` (switch to the safe scene), or `tap` (tap tempo). `at` is when the message
    arrived (time.monotonic()), so tap intervals do not depend on frame timing."""

    action: str
    at: float


@dataclass(frozen=True)
class AddText:
    """A text contribution. Each tag is an event word as in inbox folder names (theme,
    sequence, parcours or moment, matched without case or accents), `#keyword`, or
    `author:NAME`. `origin` says where it came from, e.g. `osc 192.168.1.20`."""

    text: str
    tags: tuple[str, ...]
    origin: str


@dataclass(frozen=True)
class AddKeywords:
    """Keywords contributed without a text; tags as for `AddText`."""

    keywords: tuple[str, ...]
    tags: tuple[str, ...]
    origin: str


@dataclass(frozen=True)
class AddStroke:
    """A finished graffiti stroke: points (x, y in 0..1, y down; pressure 0..1), to
    journal as a drawing contribution. `stroke` matches the live `StrokeProgress` ids."""

    stroke: str
    points: tuple[Point, ...]
    tags: tuple[str, ...]
    origin: str


@dataclass(frozen=True)
class StrokeProgress:
    """Points added to an open stroke since the last frame, to draw it live; the
    stroke is journaled only when its `AddStroke` arrives."""

    stroke: str
    points: tuple[Point, ...]


Command = (SetParam | SwitchScene | Moderate | Transport | AddText | AddKeywords | AddStroke
           | StrokeProgress)
