"""The running show as its live links see it (OSC and the web door): what they read
each frame and the steering they hand commands to. `engine.app.Engine` is one; the
links depend on this face of it, not on the app that holds them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from engine.steering import Stage

if TYPE_CHECKING:
    from engine.cluster.link import ClusterLink
    from engine.intake.intake import Intake
    from engine.steering import Steering
    from engine.world.scene import SceneLibrary


class Show(Stage, Protocol):
    steering: Steering
    scene_name: str
    scenes: SceneLibrary
    intake: Intake
    cluster: ClusterLink | None  # several rooms: the backbone, when on
    refused: int  # contributions refused over the event
    artist_changes: int  # artists' file changes taken, so a link knows to rebuild

    def fps(self) -> float: ...

    def status(self) -> dict[str, object]: ...
