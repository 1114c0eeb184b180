"""What the engine tells live control: what can be steered, and how things are now.

`ControlModel` describes what exists (scenes, layers and their inputs, sound
parameters); the address space is built from it and rebuilt when it changes.
`Snapshot` is what the frame loop publishes each frame so that queries are answered
off the main thread, from an immutable value, never from live engine state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.render.shader import ShaderInput

# (scope, owner, name): ("layer", "champ", "flow"), ("sound", "", "density"),
# ("transport", "", "tempo"); the scene on screen is ("scene", "", "").
ParamKey = tuple[str, str, str]
SCENE_KEY: ParamKey = ("scene", "", "")


@dataclass(frozen=True)
class ControlModel:
    """What live control can reach: scene names, the layers on screen with their
    declared inputs (bottom first), and the soundscape's parameters."""

    scenes: tuple[str, ...] = ()
    layers: tuple[tuple[str, tuple[ShaderInput, ...]], ...] = ()
    sound: tuple[ShaderInput, ...] = ()
    transition: tuple[ShaderInput, ...] = ()  # the on-screen scene's transition inputs
    themes: tuple[str, ...] = ()  # the event's themes, whose terms are published


@dataclass(frozen=True)
class ContributionSummary:
    """One contribution as a moderator's tablet lists it, or as an arrival is announced."""

    id: str
    kind: str
    text: str = ""          # a short excerpt; trimmed again before sending
    theme: str = ""
    hidden: bool = False
    pinned: bool = False


@dataclass(frozen=True)
class Status:
    """The engine's health, as sent to subscribed clients."""

    fps: float = 0.0
    contributions: int = 0
    refused: int = 0        # every refusal the journal holds, not only this run's
    queue: int = 0          # arrivals waiting to be placed
    audio: str = "off"      # e.g. "running", "off", "failed: no device"
    backbone: str = "alone"  # several rooms: "joined", "cut off", "connecting"; or alone
    applied: int = 0        # the last stream sequence this node applied
    lag: int = 0            # stream messages this node has still to apply
    nodes: int = 0          # other nodes heard on the backbone


# Each `/carte/status/NAME` message: the `Status` field, its OSC type, what it says.
STATUS_FIELDS = (("fps", "f", "Frames per second drawn."),
                 ("contributions", "i", "Contributions on the carte."),
                 ("refused", "i", "Contributions refused (files, OSC texts) over the whole "
                                  "event: the journal's count, kept across restarts."),
                 ("queue", "i", "Arrivals waiting to be placed."),
                 ("audio", "s", "The soundscape's state."),
                 ("backbone", "s", "Several rooms: `joined`, `cut off` or `connecting`; "
                                   "`alone` for one machine."),
                 ("applied", "i", "Several rooms: the last stream sequence applied here."),
                 ("lag", "i", "Several rooms: stream messages still to apply here."),
                 ("nodes", "i", "Several rooms: other nodes heard on the backbone."))


TOP = 3  # terms in a theme's `top`


@dataclass(frozen=True)
class RegionTerms:
    """A territory's or sector's terms as published: (term, weight 0..1, count) each,
    strongest first; `address` its part of `/carte/terms/...`."""

    region: str
    address: str
    vitality: float
    contributions: int
    terms: tuple[tuple[str, float, int], ...] = ()


@dataclass(frozen=True)
class Snapshot:
    """The engine as the frame loop last saw it; replaced whole, never mutated."""

    scene: str = ""
    params: Mapping[ParamKey, Any] = field(default_factory=dict)
    recent: tuple[ContributionSummary, ...] = ()   # newest first
    status: Status = field(default_factory=Status)
    terms: tuple[RegionTerms, ...] = ()  # each theme's and sector's terms

    def reading(self, address: str) -> Any:
        """A theme's published reading at `/carte/terms/THEME/vitality|top`, or None."""
        for region in self.terms:
            if address == f"/carte/terms/{region.address}/vitality":
                return region.vitality
            if address == f"/carte/terms/{region.address}/top":
                return " · ".join(term for term, _, _ in region.terms[:TOP])
        return None

    def value(self, key: ParamKey) -> Any:
        """The current value at `key`, or None when the engine did not publish it."""
        if key == SCENE_KEY:
            return self.scene or None
        return self.params.get(key)
