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


@dataclass(frozen=True)
class Snapshot:
    """The engine as the frame loop last saw it; replaced whole, never mutated."""

    scene: str = ""
    params: Mapping[ParamKey, Any] = field(default_factory=dict)
    recent: tuple[ContributionSummary, ...] = ()   # newest first
    status: Status = field(default_factory=Status)

    def value(self, key: ParamKey) -> Any:
        """The current value at `key`, or None when the engine did not publish it."""
        if key == SCENE_KEY:
            return self.scene or None
        return self.params.get(key)
