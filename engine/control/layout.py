"""An Open Stage Control session laid out from the address table: no mapping by hand.

One tab per section, one panel per layer; a fader per number, a toggle per on/off, a
switch per choice (scenes, blend modes), a colour picker per colour, buttons for
triggers and requests, text fields for contributions and moderation, and text
displays for the status subscribers receive. Widgets set only the properties they
need; Open Stage Control fills in its defaults for the rest when it loads the file.
"""

from __future__ import annotations

import json
import re
from typing import Any

from engine.control.routes import SECTIONS, AddressSpace, Route
from engine.control.values import Choice

VERSION = "1.26.0"  # newer than every session converter Open Stage Control would run
PANEL_HEIGHT = 240
NARROW, WIDE = 80, 200


def open_stage_control_session(space: AddressSpace) -> dict[str, Any]:
    """The session as a JSON-ready dict (write it with `json.dump`)."""
    tabs = []
    for section in SECTIONS:
        groups: dict[str, list[Route]] = {}
        for route in space.section(section):
            if route.control != "none":
                groups.setdefault(route.group, []).append(route)
        if groups:
            panels = [_panel(section, group, routes) for group, routes in groups.items()]
            tabs.append({"type": "tab", "id": _id("tab", section), "label": section,
                         "layout": "vertical", "widgets": panels})
    return {"createdWith": "Open Stage Control", "version": VERSION, "type": "session",
            "content": {"type": "root", "id": "root", "tabs": tabs}}


def session_json(space: AddressSpace) -> str:
    return json.dumps(open_stage_control_session(space), indent=2, ensure_ascii=False)


def _panel(section: str, group: str, routes: list[Route]) -> dict[str, Any]:
    return {"type": "panel", "id": _id("panel", section, group), "layout": "horizontal",
            "height": PANEL_HEIGHT, "html": group, "scroll": True,
            "widgets": [_widget(route) for route in routes]}


def _widget(route: Route) -> dict[str, Any]:
    common = {"id": _id(route.address), "address": route.address}
    shape = {"fader": _fader, "toggle": _toggle, "choice": _choice, "color": _color,
             "xy": _xy, "trigger": _button, "request": _button, "text": _input,
             "display": _display}[route.control]
    return {**shape(route), **common}


def _fader(route: Route) -> dict[str, Any]:
    spec = route.param
    assert spec is not None and not isinstance(spec, Choice)
    low = spec.min if spec.min is not None else min(0.0, spec.default)
    high = spec.max if spec.max is not None else max(1.0, 2 * spec.default)
    widget = {"type": "fader", "html": route.label, "width": NARROW,
              "range": {"min": low, "max": high}, "default": spec.default,
              "doubleTap": True, "typeTags": "f", "decimals": 3}
    if spec.type == "long":
        widget.update(typeTags="i", decimals=0, steps=int(high - low) + 1)
    return widget


def _toggle(route: Route) -> dict[str, Any]:
    # true/false go out as T/F, as the engine's replies and OSCQuery type on/off
    return {"type": "button", "mode": "toggle", "label": route.label, "on": True, "off": False,
            "width": NARROW}


def _choice(route: Route) -> dict[str, Any]:
    assert isinstance(route.param, Choice)
    values = list(route.param.choices)
    return {"type": "switch", "html": route.label, "values": values, "typeTags": "s",
            "width": WIDE if len(values) > 4 else NARROW + 40}


def _color(route: Route) -> dict[str, Any]:
    spec = route.param
    default = list(spec.default) if spec is not None else [1.0, 1.0, 1.0, 1.0]
    return {"type": "rgb", "html": route.label, "range": {"min": 0, "max": 1}, "alpha": True,
            "rangeAlpha": {"min": 0, "max": 1}, "default": default, "decimals": 3,
            "width": WIDE}


def _xy(route: Route) -> dict[str, Any]:
    spec = route.param
    x, y = _axis(spec, 0), _axis(spec, 1)
    if spec is None:  # stroke points: y grows downwards, as on the carte
        y = {"min": 1, "max": 0}
    return {"type": "xy", "html": route.label, "rangeX": x, "rangeY": y, "decimals": 3,
            "width": WIDE}


def _axis(spec: Any, index: int) -> dict[str, float]:
    def bound(value: Any, fallback: float) -> float:
        if isinstance(value, list | tuple):
            return float(value[index])
        return fallback if value is None else float(value)

    return {"min": bound(getattr(spec, "min", None), 0.0),
            "max": bound(getattr(spec, "max", None), 1.0)}


def _button(route: Route) -> dict[str, Any]:
    return {"type": "button", "mode": "momentary", "label": route.label, "width": NARROW}


def _input(route: Route) -> dict[str, Any]:
    return {"type": "input", "html": route.label, "typeTags": "s", "width": WIDE,
            "height": 60}


def _display(route: Route) -> dict[str, Any]:
    return {"type": "text", "html": route.label, "width": WIDE, "height": 60}


def _id(*parts: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", "_".join(p for p in parts if p)).strip("_")
