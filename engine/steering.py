"""Live steering: what VJs and moderators change over OSC, applied on the main thread.

Values set live sit over the scene file's values (`overrides`), so a scene reload or a
scene switch keeps them where they still apply; `effective(scene)` is the scene as it
is drawn. Contributions sent over OSC are written into the inbox as files (with a
sidecar of tags) so they are archived and journaled exactly like dropped ones.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections import deque
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from engine.control import (
    AddKeywords,
    AddStroke,
    AddText,
    Command,
    Moderate,
    SetParam,
    StrokeProgress,
    SwitchScene,
    Transport,
)
from engine.control.model import ParamKey
from engine.control.routes import LAYER_CONTROLS, TRANSPORT_PARAMS, input_name, input_param
from engine.control.strokes import stroke_svg
from engine.intake.tags import match
from engine.render.surface import save_png
from engine.world.scene import Scene, layer_inputs

if TYPE_CHECKING:
    from engine.audio.host import Soundscape
    from engine.clock import Tick
    from engine.config import Config
    from engine.journal.journal import Journal
    from engine.render.compositor import Compositor
    from engine.render.library import ShaderLibrary
    from engine.render.surface import FrameTarget
    from engine.supervise.writer import Writer
    from engine.world.camera import Camera
    from engine.world.carte import Carte

log = logging.getLogger(__name__)
TAP_MEMORY = 6
FOCUS_SECONDS = 8.0


class Stage(Protocol):
    """The parts of the running show that steering acts on (`engine.app.Engine`)."""

    config: Config
    scene: Scene
    shaders: ShaderLibrary
    audio: Soundscape | None
    compositor: Compositor
    camera: Camera
    carte: Carte
    tick: Tick
    target: FrameTarget
    journal: Journal
    writer: Writer

    def switch_scene(self, name: str, seconds: float | None = None) -> bool: ...

    def moderate(self, id: str, state: str) -> None: ...


class Steering:
    """Overrides of layer parameters and the transport, and the commands that set them."""

    def __init__(self) -> None:
        self.overrides: dict[ParamKey, Any] = {
            ("transport", "", p.name): p.default for p in TRANSPORT_PARAMS}
        self.version = 0
        self.taps: deque[float] = deque(maxlen=TAP_MEMORY)
        self.sent = 0
        self.changed: dict[ParamKey, Any] = {}
        self._cache: tuple[int, int, Scene] | None = None

    @property
    def blackout(self) -> bool:
        return bool(self.overrides[("transport", "", "blackout")])

    @property
    def freeze(self) -> bool:
        return bool(self.overrides[("transport", "", "freeze")])

    def effective(self, scene: Scene) -> Scene:
        """`scene` with the live overrides applied to its layers."""
        if self._cache is not None and self._cache[:2] == (id(scene), self.version):
            return self._cache[2]
        layers = []
        for layer in scene.layers:
            mine = {name: value for (scope, owner, name), value in self.overrides.items()
                    if scope == "layer" and owner == layer.name}
            params = dict(layer.params) | {input_name(k): v for k, v in mine.items()
                                           if k not in ("opacity", "blend", "enabled")}
            layers.append(replace(layer, params=params,
                                  opacity=float(mine.get("opacity", layer.opacity)),
                                  blend=str(mine.get("blend", layer.blend)),
                                  enabled=bool(mine.get("enabled", layer.enabled))))
        transition = {name: value for (scope, _, name), value in self.overrides.items()
                      if scope == "transition"}
        effective = replace(scene, layers=tuple(layers),
                            transition_params=dict(scene.transition_params) | transition)
        self._cache = (id(scene), self.version, effective)
        return effective

    def values(self, engine: Stage) -> dict[ParamKey, Any]:
        """Every steerable value as it stands, for OSC queries."""
        found: dict[ParamKey, Any] = {}
        for layer in self.effective(engine.scene).layers:
            found[("layer", layer.name, "opacity")] = layer.opacity
            found[("layer", layer.name, "blend")] = layer.blend
            found[("layer", layer.name, "enabled")] = layer.enabled
            for spec in layer_inputs(layer, engine.shaders.source):
                found[("layer", layer.name, input_param(spec.name))] = \
                    layer.params.get(spec.name, spec.default)
        source = engine.shaders.source(engine.scene.transition_shader)
        for spec in source.inputs if source else ():
            found[("transition", "", spec.name)] = \
                engine.scene.transition_params.get(spec.name, spec.default)
        found.update({k: v for k, v in self.overrides.items() if k[0] != "layer"})
        return found

    def saved(self, scene: str) -> dict[str, Any]:
        """What a restart needs to resume the show as it was: JSON-ready."""
        return {"scene": scene, "overrides": [[*key, value] for key, value in
                                              self.overrides.items()]}

    def restore(self, saved: Any) -> str | None:
        """Take back overrides saved by `saved`; returns the scene it was showing.
        A damaged state file restores nothing rather than something wrong."""
        if not isinstance(saved, dict) or not isinstance(saved.get("overrides"), list):
            return None
        for entry in saved["overrides"]:
            if isinstance(entry, list) and len(entry) == 4 and \
                    all(isinstance(part, str) for part in entry[:3]):
                value = tuple(entry[3]) if isinstance(entry[3], list) else entry[3]
                self.overrides[(entry[0], entry[1], entry[2])] = value
        self.version += 1
        scene = saved.get("scene")
        return scene if isinstance(scene, str) else None

    def set(self, key: ParamKey, value: Any) -> None:
        self.overrides[key] = value
        self.version += 1
        self.changed[key] = value

    def take_changes(self) -> list[tuple[str, str, str, Any]]:
        """Changes since the last call, latest value per parameter (for the journal)."""
        changes = [(*key, list(v) if isinstance(v, tuple) else v)
                   for key, v in self.changed.items()]
        self.changed.clear()
        return changes

    def apply(self, engine: Stage, command: Command) -> None:
        """One command from OSC; nothing here may raise past the frame loop."""
        if isinstance(command, SetParam):
            current = self.values(engine).get(command.key)
            if current is None:
                current = default_of(command)
            self.set(command.key, command.resolve(current))
            if command.scope == "sound" and engine.audio is not None:
                engine.audio.set_param(command.name, float(self.overrides[command.key]))
        elif isinstance(command, SwitchScene):
            engine.switch_scene(command.name, command.fade)
        elif isinstance(command, Moderate):
            self._moderate(engine, command)
        elif isinstance(command, Transport):
            self._transport(engine, command)
        elif isinstance(command, AddText | AddKeywords | AddStroke):
            self._contribute(engine, command)
        elif isinstance(command, StrokeProgress):
            engine.compositor.paint.live_stroke(command.stroke, command.points,
                                                engine.camera.view, engine.target.size,
                                                engine.tick.time)

    def _moderate(self, engine: Stage, command: Moderate) -> None:
        if command.action in ("focus", "unfocus"):
            placed = next((p for p in engine.carte.placed
                           if p.contribution.id == command.id), None)
            engine.camera.focus(placed, engine.tick.time, FOCUS_SECONDS, engine.carte.layout.em)
            return
        state = {"hide": "hidden", "show": "shown", "pin": "pinned", "unpin": "shown"}
        try:
            engine.journal.moderate(command.id, state[command.action])
        except (KeyError, ValueError) as error:
            log.warning("moderation %s %s: %s", command.action, command.id, error)
            return
        engine.moderate(command.id, state[command.action])

    def _transport(self, engine: Stage, command: Transport) -> None:
        if command.action == "snapshot":
            stamp = f"{time.strftime('%Y%m%d-%H%M%S')}-{engine.tick.frame}"
            path = engine.config.paths.data / "snapshots" / f"carte-{stamp}.png"
            pixels = engine.target.pixels()  # encoded off the frame loop
            engine.writer.put(f"snapshot {stamp}", lambda: save_png(pixels, path))
            log.info("snapshot: %s", path)
        elif command.action == "safe":
            engine.switch_scene(engine.config.display.safe_scene, 1.0)
            self.set(("transport", "", "blackout"), False)
            self.set(("transport", "", "freeze"), False)
        elif command.action == "tap":
            if self.taps and command.at - self.taps[-1] > 2.0:
                self.taps.clear()  # a pause starts a new count
            self.taps.append(command.at)
            if len(self.taps) >= 2:
                beat = (self.taps[-1] - self.taps[0]) / (len(self.taps) - 1)
                spec = next(p for p in TRANSPORT_PARAMS if p.name == "tempo")
                self.set(("transport", "", "tempo"), spec.clamp(60.0 / beat))

    def _contribute(self, engine: Stage, command: AddText | AddKeywords | AddStroke) -> None:
        """Write the contribution into the inbox, as a transcripteur's file would be."""
        self.sent += 1
        stamp = f"osc-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{self.sent}"
        if isinstance(command, AddText):
            name, body = f"{stamp}.txt", command.text
        elif isinstance(command, AddKeywords):
            name, body = f"{stamp}.mots", "\n".join(command.keywords)
        else:
            name, body = f"{stamp}.svg", stroke_svg(command.points)
        inbox = engine.config.paths.inbox
        tags = sidecar(command.tags, engine, command.origin)
        write_then_rename(inbox / f"{name}.json", json.dumps(tags, ensure_ascii=False))
        write_then_rename(inbox / name, body)


def default_of(command: SetParam) -> Any:
    spec = command.spec
    return spec.default if spec is not None else next(
        (p.default for p in LAYER_CONTROLS if p.name == command.name), None)


def sidecar(words: tuple[str, ...], engine: Stage, origin: str) -> dict[str, Any]:
    """OSC tag words as a sidecar: event words, `#keywords`, `author:NAME`."""
    tags: dict[str, Any] = {"author": origin}
    keywords: list[str] = []
    for word in words:
        if word.startswith("#"):
            keywords.append(word[1:])
        elif word.lower().startswith("author:"):
            tags["author"] = word.split(":", 1)[1].strip()
        else:
            hit = match(word, engine.config.event)
            if hit:
                tags[hit[0]] = hit[1]
            else:
                log.warning("OSC tag %r from %s is not of the event's vocabulary", word, origin)
    if keywords:
        tags["keywords"] = keywords
    return tags


def write_then_rename(path: Path, text: str) -> None:
    partial = path.with_name(path.name + ".part")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)
