"""The address space: one table of every OSC address under `/carte`.

The same table routes incoming messages, prints `carte osc-map` and lays out the
Open Stage Control surface, so the three never disagree. It is built from a
`ControlModel` (what scenes, layers, inputs and sound parameters exist), cheaply
enough to rebuild whenever scenes or shaders reload.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace

from engine.control import handlers as h
from engine.control.model import SCENE_KEY, STATUS_FIELDS, ControlModel, ParamKey
from engine.control.settings import ControlSettings
from engine.control.values import Choice, Param
from engine.render.shader import ShaderInput
from engine.world.scene import BLENDS

ROOT = "/carte"
SECTIONS = ("Scenes", "Layers", "Sound", "Transport", "Contributions", "Moderation",
            "Feedback")
LAYER_CONTROLS: tuple[Param, ...] = (
    ShaderInput("opacity", "float", 1.0, 0.0, 1.0, "Opacity"),
    Choice("blend", BLENDS, "normal", "Blend"),
    ShaderInput("enabled", "bool", True, None, None, "Enabled"),
)
TRANSPORT_PARAMS: tuple[Param, ...] = (
    ShaderInput("blackout", "bool", False, None, None, "Blackout"),
    ShaderInput("freeze", "bool", False, None, None, "Freeze"),
    ShaderInput("tempo", "float", 120.0, 20.0, 300.0, "Tempo (BPM)"),
    ShaderInput("mouse", "point2D", (0.0, 0.0), (0.0, 0.0), (1.0, 1.0), "Mouse (iMouse)"),
)
DEFAULTS = ControlSettings()
UNSAFE = re.compile(r"[^A-Za-z0-9_.\-]+")


@dataclass(frozen=True)
class Route:
    """One address: how to call it, what it does, and the handler that checks it.

    `control` says what a control surface shows for it: fader, toggle, choice, color,
    xy, trigger, text, request, display (sent by the engine, so no handler), or none."""

    address: str
    section: str
    label: str
    arguments: str
    range: str
    doc: str
    produces: str
    control: str
    handler: h.Handler | None
    group: str = ""
    param: Param | None = None
    key: ParamKey | None = None


@dataclass(frozen=True)
class AddressSpace:
    """Every route, in documentation order, and the incoming ones by address."""

    model: ControlModel
    routes: tuple[Route, ...]
    incoming: Mapping[str, Route]

    def route(self, address: str) -> Route | None:
        return self.incoming.get(address)

    def section(self, name: str) -> list[Route]:
        return [r for r in self.routes if r.section == name]


def address_part(name: str) -> str:
    """A name as one address segment: accents dropped, anything outside
    letters, digits, `_ . -` made a dash (OSC reserves space # * , / ? [ ] { })."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", name)
                    if not unicodedata.combining(c))
    return UNSAFE.sub("-", plain).strip("-") or "_"


def build_address_space(model: ControlModel,
                        settings: ControlSettings = DEFAULTS) -> AddressSpace:
    """The whole table for what `model` describes, with `settings`' limits in its docs."""
    routes = [*_scenes(model), *_layers(model), *_params("Sound", "sound", "", "/sound",
                                                         model.sound),
              *_params("Transition", "transition", "", "/transition", model.transition),
              *_transport(), *_contributions(settings), *_moderation(), *_feedback(settings)]
    incoming = {r.address: r for r in routes if r.handler is not None}
    return AddressSpace(model, tuple(routes), incoming)


def _scenes(model: ControlModel) -> list[Route]:
    names = ", ".join(model.scenes) or "none loaded"
    return [
        Route(f"{ROOT}/scenes/switch", "Scenes", "Scene", "s name [f fade]",
              f"{names}; fade 0..{h.MAX_FADE:g} s",
              "Show this scene (a name, or its index from 0), crossfading over `fade` "
              "seconds (default: the scene's own transition). `?` replies with the scene "
              "on screen.", "SwitchScene", "choice", h.switch_scene(model.scenes),
              param=Choice("scene", model.scenes, model.scenes[0] if model.scenes else "",
                           "Scene"), key=SCENE_KEY),
        Route(f"{ROOT}/scenes/list", "Scenes", "List scenes", "", "",
              "Replies `/carte/scenes/list s...` with every scene name.", "reply", "request",
              h.list_scenes),
    ]


SHADER_INPUT = "input-"  # before a shader input named like a layer's own control


def input_param(name: str) -> str:
    """A shader input's name among its layer's parameters (OSC address, OSCQuery node,
    live override): an input named like one of the layer's own controls (`opacity`,
    `blend`, `enabled`) is `input-opacity` there, so both are reached."""
    return SHADER_INPUT + name if name in {c.name for c in LAYER_CONTROLS} else name


def input_name(param: str) -> str:
    """The shader input a layer parameter of `input_param` stands for."""
    plain = param.removeprefix(SHADER_INPUT)
    return plain if plain != param and input_param(plain) == param else param


def _layers(model: ControlModel) -> list[Route]:
    routes: list[Route] = []
    used: set[str] = set()
    for name, inputs in model.layers:
        part = _unique(address_part(name), used)
        declared = tuple(i if input_param(i.name) == i.name else
                         replace(i, name=input_param(i.name)) for i in inputs)
        routes += _params("Layers", "layer", name, f"/layers/{part}",
                          (*LAYER_CONTROLS, *declared))
    return routes


def _unique(part: str, used: set[str]) -> str:
    candidate, suffix = part, 2
    while candidate in used:
        candidate, suffix = f"{part}-{suffix}", suffix + 1
    used.add(candidate)
    return candidate


def _params(section: str, scope: str, owner: str, path: str,
            specs: tuple[Param, ...]) -> list[Route]:
    return [_param_route(section, scope, owner, f"{ROOT}{path}/{address_part(spec.name)}",
                         spec) for spec in specs]


def _param_route(section: str, scope: str, owner: str, address: str, spec: Param) -> Route:
    arguments, control = {
        "float": ("f", "fader"), "long": ("i", "fader"), "bool": ("i 0|1", "toggle"),
        "color": ("f r f g f b [f a]", "color"), "point2D": ("f x f y", "xy"),
        "choice": ("s name (or i index)", "choice"), "event": ("i 1", "toggle"),
        "image": ("s source", "text"),
    }[spec.type]
    relative = spec.type not in ("bool", "choice", "event", "image")
    label = spec.label or spec.name
    where = f"layer {owner}" if scope == "layer" else scope
    doc = f"{label} ({where})." + (" Relative: `\"+\" x`, `\"-\" x`, `\"*\" x`." if relative
                                  else "") + " `?` replies with the value."
    return Route(address, section, label, arguments, describe_range(spec), doc, "SetParam",
                 control, h.parameter(scope, owner, spec), group=owner, param=spec,
                 key=(scope, owner, spec.name))


def describe_range(spec: Param) -> str:
    """The declared range in words, as the map prints it."""
    if isinstance(spec, Choice):
        return ", ".join(spec.choices)
    if spec.type == "bool":
        return "0 off, 1 on"
    if spec.type == "event":
        return "1 fires it for one frame, 0 re-arms it"
    if spec.type == "image":
        return "below, previous, or an image file of the shaders folder"
    if spec.type == "long" and spec.values:
        return ", ".join(f"{v} {label}" for v, label in zip(spec.values, spec.labels,
                                                              strict=False))
    if spec.type == "color":
        return "each 0..1; alpha 1 if left out"
    low = "-inf" if spec.min is None else _number(spec.min)
    high = "inf" if spec.max is None else _number(spec.max)
    return f"{low}..{high}"


def _number(value: object) -> str:
    if isinstance(value, list | tuple):
        return "(" + ", ".join(_number(v) for v in value) + ")"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _transport() -> list[Route]:
    triggers = (
        ("snapshot", "Snapshot", "Save a PNG of the current frame into the data folder."),
        ("safe", "Safe scene", "Switch to the safe scene at once."),
        ("tap", "Tap tempo", "Tap tempo: the interval between taps sets the tempo."),
    )
    return [*_params("Transport", "transport", "", "/transport", TRANSPORT_PARAMS),
            *(_trigger("Transport", f"/transport/{action}", label, doc, "Transport",
                       h.transport(action)) for action, label, doc in triggers)]


def _trigger(section: str, path: str, label: str, doc: str, produces: str,
             handler: h.Handler) -> Route:
    return Route(f"{ROOT}{path}", section, label, "[i 1]", "",
                 doc + " Fires with no argument or a non-zero one (0, a button's release, "
                       "is ignored).", produces, "trigger", handler)


def _contributions(settings: ControlSettings) -> list[Route]:
    section = "Contributions"
    tags = ("Tags: event words as in inbox folder names (theme, sequence, parcours, "
            "moment), `#keyword`, `author:NAME`.")
    return [
        Route(f"{ROOT}/contributions/text", section, "Text", "s text [s tag...]",
              f"up to {settings.max_text} characters", "Contribute a text. " + tags, "AddText",
              "text", h.add_text),
        Route(f"{ROOT}/contributions/keywords", section, "Keywords", "s words [s tag...]",
              "words separated by commas", "Contribute keywords. " + tags, "AddKeywords",
              "text", h.add_keywords),
        Route(f"{ROOT}/contributions/stroke", section, "Stroke",
              "[s tag...] f x f y f pressure ...",
              f"each 0..1; 1..{settings.max_stroke_points} points",
              "A whole graffiti stroke in one message (x, y from the top left).",
              "AddStroke", "none", h.add_stroke),
        Route(f"{ROOT}/contributions/stroke/begin", section, "Stroke begin", "[s tag...]",
              "", "Start a live stroke for this sender (closes any open one).",
              "StrokeProgress", "request", h.stroke_begin),
        Route(f"{ROOT}/contributions/stroke/point", section, "Stroke point",
              "f x f y [f pressure]", "each 0..1; pressure 1 if left out",
              "Add a point to this sender's open stroke, drawn live.", "StrokeProgress",
              "xy", h.stroke_point),
        _trigger(section, "/contributions/stroke/end", "Stroke end",
                 "Finish this sender's stroke; it becomes a drawing contribution.",
                 "AddStroke", h.stroke_end),
    ]


def _moderation() -> list[Route]:
    actions = (("hide", "Hide it from the carte (never deleted)."),
               ("show", "Show it again."), ("pin", "Keep it in place and on top."),
               ("unpin", "Release a pinned one."), ("focus", "Bring it to the centre."))
    routes = [Route(f"{ROOT}/moderation/{action}", "Moderation", action.capitalize(),
                    "s id", "a contribution id", doc, "Moderate", "text", h.moderate(action))
              for action, doc in actions]
    routes.append(_trigger("Moderation", "/moderation/unfocus", "Unfocus",
                           "Release the focused contribution.", "Moderate",
                           h.unfocus))
    routes.append(Route(f"{ROOT}/moderation/recent", "Moderation", "Recent", "[i count]",
                        f"1..{h.MAX_RECENT}, default {h.DEFAULT_RECENT}",
                        "Replies `/carte/moderation/recent i count`, then one "
                        "`/carte/moderation/recent/item s id s kind s text i hidden i pinned` "
                        "per contribution, newest first.", "reply", "request",
                        h.list_recent))
    return routes


def _feedback(settings: ControlSettings) -> list[Route]:
    section = "Feedback"
    return [
        Route(f"{ROOT}/feedback/subscribe", section, "Subscribe", "[i port]",
              "0..65535; 0 or none: the reply port",
              "Receive status and arrivals at this sender's address, on `port`, for "
              f"{settings.lease:g} s (send again to renew); at most {settings.subscribers} "
              "subscribers. Replies `/carte/feedback/subscribe f seconds`.",
              "reply", "request", h.subscription(True)),
        Route(f"{ROOT}/feedback/unsubscribe", section, "Unsubscribe", "[i port]", "",
              "Stop receiving status and arrivals.", "", "request", h.subscription(False)),
        Route(f"{ROOT}/feedback/status", section, "Status", "", "",
              "Replies once with every `/carte/status/...` message.", "reply", "request",
              h.status),
        *(Route(f"{ROOT}/status/{name}", section, name.capitalize(), kind, "", doc + " Sent "
                "by the engine to subscribers.", "sent", "display", None)
          for name, kind, doc in STATUS_FIELDS),
        Route(f"{ROOT}/arrivals", section, "Arrivals", "s id s kind s text s theme", "",
              "Sent by the engine to subscribers as each contribution arrives.", "sent",
              "display", None),
    ]
