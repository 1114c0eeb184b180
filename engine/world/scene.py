"""Scenes: TOML files listing the layers to draw, bottom first.

    title = "Champ des pensées"
    [[layers]]
    kind = "field"            # a full-screen shader from shaders/
    shader = "champ"
    blend = "normal"          # normal | add | screen | multiply
    opacity = 1.0
    [layers.params]           # the shader's declared inputs
    flow = 0.35
    [[layers]]
    kind = "contributions"    # the contributions as text cards
    [[layers]]
    kind = "invitation"       # a QR code of [web] public_url and the address, to join
    [layers.params]
    x = 0.88                  # its centre, in screen fractions (y down), and its height
    y = 0.78
    size = 0.36
    [[layers]]
    kind = "post"             # a full-screen shader reading `inputImage` (what is below)
    shader = "post-lueur"
    [transition]              # how this scene arrives when switched to
    seconds = 3.0
    shader = "fondu"          # a transition shader: startImage, endImage, progress
    softness = 0.2            # any other key: one of the transition shader's inputs
    [soundscape]              # the sound preset: a module of sound/ and its parameters
    module = "paysage"
    [soundscape.params]
    bed = 0.6

Loading checks every key against what the layer kind and its shader declare, so an
artist learns the file and line of a mistake; a broken scene never replaces a good one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.lastgood import LastGood
from engine.problems import Problem, ProblemError
from engine.render.shader import ShaderInput, ShaderSource
from engine.tomlfile import locate, read_toml

BLENDS = ("normal", "add", "screen", "multiply")
LAYER_KEYS = {"kind", "name", "shader", "blend", "opacity", "enabled", "params"}
SCENE_KEYS = {"title", "layers", "transition", "soundscape"}
TRANSITION_KEYS = {"seconds", "shader"}

# Parameters of the built-in contributions layer, declared like shader inputs.
CONTRIBUTION_INPUTS = (
    ShaderInput("size", "float", 1.0, 0.25, 1.0, "Text size (of the carte's; never larger)"),
    ShaderInput("drift", "float", 0.012, 0.0, 0.1, "Drift"),
    ShaderInput("color", "color", (0.96, 0.93, 0.86, 1.0), None, None, "Ink"),
    ShaderInput("threads", "float", 1.0, 0.0, 1.0, "Threads"),
    ShaderInput("keywords", "float", 0.0, 0.0, 1.0, "Keyword constellation (over the cards)"),
    ShaderInput("backdrop", "float", 0.0, 0.0, 1.0, "Card backdrop (a soft plate behind each "
                "card, for bright fields)"),
)
# The invitation layer (a QR code of [web] public_url): where it sits and how tall.
INVITATION_INPUTS = (
    ShaderInput("x", "float", 0.88, 0.0, 1.0, "Centre x (screen fraction)"),
    ShaderInput("y", "float", 0.78, 0.0, 1.0, "Centre y (screen fraction, down)"),
    ShaderInput("size", "float", 0.36, 0.05, 1.0, "Height (screen fraction)"),
)
LAYER_KINDS = ("field", "contributions", "post", "invitation")
SHADED_KINDS = ("field", "post")


@dataclass(frozen=True)
class LayerSpec:
    """One layer as the scene file describes it."""

    name: str
    kind: str
    shader: str | None = None
    blend: str = "normal"
    opacity: float = 1.0
    enabled: bool = True
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Scene:
    """A named, ordered stack of layers."""

    name: str
    path: Path
    title: str
    layers: tuple[LayerSpec, ...]
    transition_seconds: float = 2.0
    transition_shader: str = "fondu"
    transition_params: Mapping[str, Any] = field(default_factory=dict)
    sound_module: str | None = None
    sound_params: Mapping[str, float] = field(default_factory=dict)


ShaderLookup = Callable[[str], ShaderSource | None]


def layer_inputs(spec: LayerSpec, shaders: ShaderLookup) -> tuple[ShaderInput, ...]:
    """The parameters a layer accepts: its shader's inputs or the built-in ones."""
    if spec.kind == "contributions":
        return CONTRIBUTION_INPUTS
    if spec.kind == "invitation":
        return INVITATION_INPUTS
    source = shaders(spec.shader) if spec.shader else None
    return source.inputs if source else ()


def load_scene(path: Path, shaders: ShaderLookup) -> Scene:
    """Read and validate a scene file; raise `ProblemError` with every located problem."""
    raw, text = read_toml(path)
    problems: list[Problem] = []

    def complain(where: tuple[str | int, ...], message: str) -> None:
        problems.append(Problem(path, locate(text, where), message))

    for key in raw.keys() - SCENE_KEYS:
        complain((key,), f"unknown key {key!r}; a scene has {', '.join(sorted(SCENE_KEYS))}")
    entries = raw.get("layers", [])
    if not isinstance(entries, list) or not entries:
        complain(("layers",), "a scene needs at least one [[layers]] table")
        entries = []
    layers = []
    for index, entry in enumerate(entries):
        layer = _load_layer(index, entry, shaders, complain)
        if layer is not None:
            layers.append(layer)
    title = raw.get("title", path.stem)
    if not isinstance(title, str):
        complain(("title",), "title must be a string")
    transition = raw.get("transition", {})
    if not isinstance(transition, dict):
        complain(("transition",), "[transition] must be a table with seconds and shader")
        transition = {}
    seconds = transition.get("seconds", 2.0)
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or \
            not 0 <= seconds <= 600:
        complain(("transition", "seconds"), "[transition] seconds must be a number 0..600")
    shader = transition.get("shader", "fondu")
    source = shaders(shader) if isinstance(shader, str) else None
    if source is None:
        complain(("transition", "shader"),
                 f"[transition] shader {shader!r} not found or not valid in the shaders folder")
    transition_params = _transition_params(transition, source, complain)
    module, sound_params = _soundscape(raw.get("soundscape", {}), complain)
    if problems:
        raise ProblemError(problems)
    return Scene(path.stem, path, str(title), tuple(layers), float(seconds), str(shader),
                 transition_params, module, sound_params)


def _transition_params(transition: dict[str, Any], source: ShaderSource | None,
                       complain: Callable[[tuple[str | int, ...], str], None]
                       ) -> dict[str, Any]:
    """The `[transition]` keys besides seconds and shader: the transition's own inputs."""
    inputs = {i.name: i for i in source.inputs} if source else {}
    params: dict[str, Any] = {}
    for key in transition.keys() - TRANSITION_KEYS:
        if key not in inputs:
            known = ", ".join(["seconds", "shader", *inputs])
            complain(("transition", key), f"unknown key {key!r} in [transition]; expected "
                                          f"{known}")
            continue
        try:
            params[key] = inputs[key].clamp(transition[key])
        except (TypeError, ValueError) as error:
            complain(("transition", key), f"[transition] {key}: {error}")
    return params


def _soundscape(entry: Any, complain: Callable[[tuple[str | int, ...], str], None]
                ) -> tuple[str | None, dict[str, float]]:
    """A scene's sound preset: which module of the sound folder plays, and its values."""
    if not isinstance(entry, dict):
        complain(("soundscape",), "[soundscape] must be a table with module and params")
        return None, {}
    for key in entry.keys() - {"module", "params"}:
        complain(("soundscape", key), f"unknown key {key!r} in [soundscape]; expected "
                                      "module, params")
    module = entry.get("module")
    if module is not None and (not isinstance(module, str) or
                               not re.fullmatch(r"[A-Za-z_][\w-]*", module)):
        complain(("soundscape", "module"), "[soundscape] module must name a file of the "
                                           "sound folder, without .py")
        module = None
    params = entry.get("params", {})
    values: dict[str, float] = {}
    if not isinstance(params, dict):
        complain(("soundscape", "params"), "[soundscape.params] must be a table of numbers")
        params = {}
    for name, value in params.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            complain(("soundscape", "params", name), f"sound parameter {name!r} must be a "
                                                      "number")
        else:
            values[name] = float(value)
    return module, values


def _load_layer(index: int, entry: Any, shaders: ShaderLookup,
                complain: Callable[[tuple[str | int, ...], str], None]) -> LayerSpec | None:
    where = ("layers", index)
    label = f"layer {index + 1}"
    if not isinstance(entry, dict):
        complain(where, f"{label} must be a table")
        return None
    count_before = _Counter(complain)
    for key in entry.keys() - LAYER_KEYS:
        count_before(("layers", index, key),
                     f"{label}: unknown key {key!r}; expected {', '.join(sorted(LAYER_KEYS))}")
    kind = entry.get("kind")
    if kind not in LAYER_KINDS:
        count_before(("layers", index, "kind"),
                     f"{label}: kind {kind!r} is unknown; expected one of {', '.join(LAYER_KINDS)}")
        return None
    shader = entry.get("shader")
    if kind in SHADED_KINDS:
        if not isinstance(shader, str):
            count_before(("layers", index, "shader"),
                         f"{label}: a {kind} layer needs shader = NAME")
            return None
        if shaders(shader) is None:
            count_before(("layers", index, "shader"),
                         f"{label}: shader {shader!r} not found or not valid in the shaders folder")
            return None
    blend = entry.get("blend", "normal")
    if blend not in BLENDS:
        count_before(("layers", index, "blend"),
                     f"{label}: blend {blend!r} is unknown; expected one of {', '.join(BLENDS)}")
    opacity = entry.get("opacity", 1.0)
    if isinstance(opacity, bool) or not isinstance(opacity, int | float) or not 0 <= opacity <= 1:
        count_before(("layers", index, "opacity"), f"{label}: opacity must be a number 0..1")
    enabled = entry.get("enabled", True)
    if not isinstance(enabled, bool):
        count_before(("layers", index, "enabled"), f"{label}: enabled must be true or false")
    spec = LayerSpec(str(entry.get("name", shader or kind)), kind, shader, str(blend))
    inputs = {i.name: i for i in layer_inputs(spec, shaders)}
    params: dict[str, Any] = {}
    raw_params = entry.get("params", {})
    if not isinstance(raw_params, dict):
        count_before(("layers", index, "params"), f"{label}: params must be a table")
        raw_params = {}
    for name, value in raw_params.items():
        where_param = ("layers", index, "params", name)
        if name not in inputs:
            known = ", ".join(inputs) or "none"
            count_before(where_param, f"{label}: parameter {name!r} is not declared; "
                                      f"declared: {known}")
            continue
        try:
            params[name] = inputs[name].clamp(value)
        except (TypeError, ValueError) as error:
            count_before(where_param, f"{label}: parameter {name!r}: {error}")
    if count_before.count:
        return None
    return LayerSpec(spec.name, kind, shader, str(blend), float(opacity), bool(enabled), params)


class _Counter:
    """Forwards complaints and counts them, so a layer with any problem is dropped."""

    def __init__(self, complain: Callable[[tuple[str | int, ...], str], None]) -> None:
        self.complain = complain
        self.count = 0

    def __call__(self, where: tuple[str | int, ...], message: str) -> None:
        self.count += 1
        self.complain(where, message)


class SceneLibrary(LastGood[Scene]):
    """The scenes folder, each scene at its last good version."""

    def __init__(self, folder: Path, shaders: ShaderLookup) -> None:
        super().__init__(folder, ".toml", lambda path: load_scene(path, shaders))
