"""The address table as OSCQuery JSON nodes (Vidvox's proposal), values from a snapshot.

`Tree` is built once per address space (cheap, rebuilt on reload); `node()` fills in
the current values from an immutable `Snapshot`, so answering never touches the engine.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pythonosc.osc_message_builder import OscMessageBuilder

from engine.control.model import Snapshot, Status
from engine.control.routes import ROOT, AddressSpace, Route
from engine.control.values import Choice, Param

READ, WRITE = 1, 2
PARAM_TAGS = {"float": "f", "long": "i", "bool": "T", "color": "ffff", "point2D": "ff",
              "choice": "s"}
UNITS = {"tempo": "time.bpm", "fade": "time.s"}
VECTOR_UNITS = {"color": "color.rgba", "point2D": "position.cart2D"}
CRITICAL_SECTIONS = ("Contributions", "Moderation")
ATTRIBUTES = ("FULL_PATH", "CONTENTS", "TYPE", "ACCESS", "VALUE", "RANGE", "DESCRIPTION",
              "CLIPMODE", "UNIT", "CRITICAL")
EXTENSIONS = {name: True for name in ("ACCESS", "VALUE", "RANGE", "DESCRIPTION", "CLIPMODE",
                                      "UNIT", "CRITICAL", "LISTEN", "PATH_ADDED",
                                      "PATH_REMOVED", "PATH_CHANGED")}
OPTIONAL = re.compile(r"\[[^\]]*\]")
TAG = re.compile(r"\b([ifs]) ")
STATUS_FIELDS = {f"{ROOT}/status/{name}": name for name in Status.__dataclass_fields__}


@dataclass(frozen=True)
class Tree:
    """Every node path of an address space: its route (None for a pure container)
    and its children's names in order."""

    space: AddressSpace
    routes: Mapping[str, Route]
    children: Mapping[str, tuple[str, ...]]

    def __contains__(self, path: str) -> bool:
        return path in self.children

    def node(self, path: str, snapshot: Snapshot) -> dict[str, Any]:
        """The JSON node at `path` (which must be in the tree) and everything below it."""
        route = self.routes.get(path)
        found: dict[str, Any] = {"FULL_PATH": path}
        found.update(describe(route, snapshot) if route is not None else
                     {"ACCESS": 0, "DESCRIPTION": _container_doc(path)})
        names = self.children[path]
        if names:
            found["CONTENTS"] = {name: self.node(_join(path, name), snapshot)
                                 for name in names}
        return found

    def shape(self, path: str) -> dict[str, Any]:
        """What a node declares, without values: compared to tell a changed node."""
        route = self.routes.get(path)
        if route is None:
            return {}
        found = describe(route, Snapshot())
        found.pop("VALUE", None)
        return found


def build_tree(space: AddressSpace) -> Tree:
    """The tree of `space`'s addresses, from `/` down."""
    routes = {r.address: r for r in space.routes}
    children: dict[str, list[str]] = {"/": []}
    for address in routes:
        parent = "/"
        for part in address.strip("/").split("/"):
            path = _join(parent, part)
            if path not in children:
                children[path] = []
                children[parent].append(part)
            parent = path
    return Tree(space, routes, {p: tuple(c) for p, c in children.items()})


def describe(route: Route, snapshot: Snapshot) -> dict[str, Any]:
    """One method's attributes: type tags, access, range, value, and hints."""
    found: dict[str, Any] = {"DESCRIPTION": route.doc}
    spec = route.param
    if spec is not None:
        found.update(_param(route, spec, snapshot))
    else:
        tags = type_tags(route)
        if tags is not None:
            found["TYPE"] = tags
        found["ACCESS"] = READ if route.handler is None else WRITE
        value = _status_value(route.address, snapshot)
        if value is not None:
            found["ACCESS"] = READ
            found["VALUE"] = [value]
    if route.section in CRITICAL_SECTIONS and route.handler is not None:
        found["CRITICAL"] = True
    return found


def type_tags(route: Route) -> str | None:
    """The OSC type tags a method takes (optional arguments left out); for a variable
    list, such as a stroke's points, the tags of one item (a one-point stroke is a
    message too), so that clients list it."""
    if route.param is not None:
        return PARAM_TAGS[route.param.type]
    return "".join(TAG.findall(OPTIONAL.sub("", route.arguments).replace("...", "") + " "))


def _param(route: Route, spec: Param, snapshot: Snapshot) -> dict[str, Any]:
    tags = PARAM_TAGS[spec.type]
    found: dict[str, Any] = {"TYPE": tags, "ACCESS": READ | WRITE}
    if isinstance(spec, Choice):
        found["RANGE"] = [{"VALS": list(spec.choices)}]
    elif spec.type == "bool":
        pass
    elif spec.type in VECTOR_UNITS:
        low, high = (0.0, 1.0) if spec.type == "color" else (spec.min, spec.max)
        found["RANGE"] = [_bounds(_item(low, i), _item(high, i)) for i in range(len(tags))]
        found["CLIPMODE"] = ["both"] * len(tags)
        found["UNIT"] = [VECTOR_UNITS[spec.type]] * len(tags)
    else:
        found["RANGE"] = [_bounds(spec.min, spec.max)]
        found["CLIPMODE"] = [_clipmode(spec.min, spec.max)]
        if spec.name in UNITS:
            found["UNIT"] = [UNITS[spec.name]]
    value = snapshot.value(route.key) if route.key is not None else None
    found["VALUE"] = json_value(spec.default if value is None else value)
    return found


def _item(bound: Any, index: int) -> Any:
    return bound[index] if isinstance(bound, list | tuple) else bound


def _bounds(low: Any, high: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if low is not None:
        found["MIN"] = low
    if high is not None:
        found["MAX"] = high
    return found


def _clipmode(low: Any, high: Any) -> str:
    return {(True, True): "both", (True, False): "low", (False, True): "high"}.get(
        (low is not None, high is not None), "none")


def json_value(value: Any) -> list[Any]:
    """A value as OSCQuery's VALUE array: one item per type tag."""
    if isinstance(value, tuple | list):
        return [float(v) for v in value]
    return [value]


def _status_value(address: str, snapshot: Snapshot) -> Any:
    name = STATUS_FIELDS.get(address)
    return None if name is None else getattr(snapshot.status, name)


def _container_doc(path: str) -> str:
    return "Carte sensible live control" if path in ("/", ROOT) else \
        path.rsplit("/", 1)[-1].capitalize()


def _join(parent: str, name: str) -> str:
    return f"/{name}" if parent == "/" else f"{parent}/{name}"


def value_message(route: Route, value: Any) -> bytes:
    """A value as the binary OSC message a LISTEN stream carries, typed as `TYPE` says
    (on/off as T/F)."""
    builder = OscMessageBuilder(route.address)
    for item in json_value(value):
        builder.add_arg(item)
    return builder.build().dgram


def host_info(name: str, osc: tuple[str, int], ws: tuple[str, int]) -> dict[str, Any]:
    """`GET /?HOST_INFO`: who we are, where OSC goes, and exactly what is implemented."""
    return {"NAME": name, "EXTENSIONS": dict(EXTENSIONS), "OSC_IP": osc[0],
            "OSC_PORT": osc[1], "OSC_TRANSPORT": "UDP", "WS_IP": ws[0], "WS_PORT": ws[1]}
