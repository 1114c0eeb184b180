"""Handlers: one message's arguments checked and turned into a command or a request.

Handlers are pure: they read the arguments and the context, and return a value or
raise `Refused`. They never touch the engine and never send anything, so a handler
cannot reply by accident. Strings are only ever compared, trimmed or carried as
content; none becomes a file path.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.control.commands import (
    AddKeywords,
    AddText,
    Command,
    Moderate,
    SetParam,
    SwitchScene,
    Transport,
)
from engine.control.model import ParamKey
from engine.control.refusal import OVERSIZED, RANGE, WRONG, Refused
from engine.control.requests import (
    ListRecent,
    ListScenes,
    ListTerms,
    Query,
    Request,
    StatusRequest,
    StrokeInput,
    Subscription,
)
from engine.control.settings import ControlSettings
from engine.control.values import QUERY, Param, finite, is_number, parse_step
from engine.world.contribution import Point

CONTRIBUTION_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
MAX_FADE = 600.0  # as a scene's [transition] seconds
MAX_RECENT = 50
DEFAULT_RECENT = 10

Outcome = Command | Request


@dataclass
class Context:
    """Who sent the message and when; `notes` collects accepted-but-corrected values."""

    origin: str
    now: float
    settings: ControlSettings
    notes: list[str] = field(default_factory=list)


Handler = Callable[[Sequence[Any], Context], Outcome | None]


def dispatch(handler: Handler, key: ParamKey | None, address: str, args: Sequence[Any],
             context: Context) -> Outcome | None:
    """Run a route's handler; a lone `"?"` is a query wherever the route has a value."""
    if len(args) == 1 and args[0] == QUERY:
        if key is None:
            raise Refused(WRONG, f"{address} has no value to query")
        return Query(address, key)
    return handler(args, context)


def parameter(scope: str, owner: str, spec: Param) -> Handler:
    numeric = spec.type not in ("bool", "event", "choice", "image")

    def handle(args: Sequence[Any], context: Context) -> SetParam:
        step = parse_step(spec, args)
        if numeric and step[0] == "=":
            given = tuple(a for a in args if not isinstance(a, str))  # drop a leading "="
            value = step[1] if isinstance(step[1], tuple) else (step[1],)
            if given != value[:len(given)]:  # counted, not refused: a fader overshot
                context.notes.append(f"{spec.name} {list(args)} -> {step[1]}")
        return SetParam(scope, owner, spec.name, spec, (step,))

    return handle


def fired(args: Sequence[Any]) -> bool:
    """Whether a trigger fires: no argument or a non-zero one. A zero is a push
    button's release and is ignored."""
    if not args:
        return True
    if len(args) == 1 and (isinstance(args[0], bool) or is_number(args[0])):
        return bool(args[0])
    raise Refused(WRONG, "a trigger takes no argument or one number")


def trigger(make: Callable[[Context], Outcome]) -> Handler:
    def handle(args: Sequence[Any], context: Context) -> Outcome | None:
        return make(context) if fired(args) else None

    return handle


def transport(action: str) -> Handler:
    return trigger(lambda context: Transport(action, context.now))


unfocus = trigger(lambda context: Moderate("unfocus", ""))


def switch_scene(scenes: tuple[str, ...]) -> Handler:
    def handle(args: Sequence[Any], context: Context) -> SwitchScene:
        if not 1 <= len(args) <= 2:
            raise Refused(WRONG, "expected a scene name and an optional fade time")
        name = args[0]
        if is_number(name) and float(name).is_integer() and 0 <= name < len(scenes):
            name = scenes[int(name)]
        if name not in scenes:
            raise Refused(RANGE, f"no scene {_show(name)}; scenes: {', '.join(scenes)}")
        fade = None
        if len(args) == 2:
            fade = min(max(finite(args[1], "fade"), 0.0), MAX_FADE)
        return SwitchScene(str(name), fade)

    return handle


def moderate(action: str) -> Handler:
    def handle(args: Sequence[Any], context: Context) -> Moderate:
        if len(args) != 1 or not isinstance(args[0], str):
            raise Refused(WRONG, f"{action} takes one contribution id")
        if not CONTRIBUTION_ID.fullmatch(args[0]):
            raise Refused(WRONG, f"{_show(args[0])} is not a contribution id")
        return Moderate(action, args[0])

    return handle


def add_text(args: Sequence[Any], context: Context) -> AddText:
    limits = context.settings
    text = _text(args[:1], limits.max_text, "text")
    return AddText(text, _tags(args[1:], limits), context.origin)


def add_keywords(args: Sequence[Any], context: Context) -> AddKeywords:
    limits = context.settings
    words = _text(args[:1], limits.max_string * limits.max_tags, "keywords")
    keywords = tuple(dict.fromkeys(w.strip().lstrip("#").strip() for w in words.split(",")))
    keywords = tuple(k for k in keywords if k)
    if not keywords or len(keywords) > limits.max_tags or \
            any(len(k) > limits.max_string for k in keywords):
        raise Refused(WRONG, f"expected 1 to {limits.max_tags} keywords separated by commas")
    return AddKeywords(keywords, _tags(args[1:], limits), context.origin)


def add_stroke(args: Sequence[Any], context: Context) -> StrokeInput:
    limits = context.settings
    strings = 0
    while strings < len(args) and isinstance(args[strings], str):
        strings += 1
    points = _points(args[strings:], context, triples=True)
    if not points:
        raise Refused(WRONG, "a stroke needs at least one point (x y pressure)")
    if len(points) > limits.max_stroke_points:
        raise Refused(OVERSIZED, f"{len(points)} points; at most {limits.max_stroke_points}")
    return StrokeInput("whole", points, _tags(args[:strings], limits))


def stroke_begin(args: Sequence[Any], context: Context) -> StrokeInput:
    return StrokeInput("begin", (), _tags(args, context.settings))


def stroke_point(args: Sequence[Any], context: Context) -> StrokeInput:
    if len(args) not in (2, 3):
        raise Refused(WRONG, "a point is x y and an optional pressure")
    return StrokeInput("point", _points(args, context, triples=False))


def stroke_end(args: Sequence[Any], context: Context) -> StrokeInput | None:
    return StrokeInput("end") if fired(args) else None


def list_scenes(args: Sequence[Any], context: Context) -> ListScenes:
    return ListScenes()


def list_recent(args: Sequence[Any], context: Context) -> ListRecent:
    if not args:
        return ListRecent(DEFAULT_RECENT)
    if len(args) != 1:
        raise Refused(WRONG, "expected an optional number of contributions")
    return ListRecent(int(min(max(finite(args[0], "count"), 1), MAX_RECENT)))


def list_terms(args: Sequence[Any], context: Context) -> ListTerms:
    if not args:
        return ListTerms()
    if len(args) != 1 or not isinstance(args[0], str):
        raise Refused(WRONG, "expected an optional theme, or theme/sequence")
    return ListTerms(args[0][:200])


def status(args: Sequence[Any], context: Context) -> StatusRequest:
    return StatusRequest()


def subscription(on: bool) -> Handler:
    def handle(args: Sequence[Any], context: Context) -> Subscription:
        if not args:
            return Subscription(on, 0)
        port = args[0] if len(args) == 1 else None
        if not is_number(port) or not float(port).is_integer() or not 0 <= port <= 65535:
            raise Refused(WRONG, "expected an optional UDP port, 0..65535")
        return Subscription(on, int(port))

    return handle


def _text(args: Sequence[Any], limit: int, what: str) -> str:
    if len(args) != 1 or not isinstance(args[0], str):
        raise Refused(WRONG, f"expected the {what} as a string")
    text = "".join(c for c in args[0] if c in "\n\t" or unicodedata.category(c) != "Cc")
    text = text.strip()
    if not text:
        raise Refused(WRONG, f"the {what} is empty")
    if len(text) > limit:
        raise Refused(OVERSIZED, f"{what} of {len(text)} characters; at most {limit}")
    return text


def _tags(args: Sequence[Any], limits: ControlSettings) -> tuple[str, ...]:
    if len(args) > limits.max_tags:
        raise Refused(OVERSIZED, f"{len(args)} tags; at most {limits.max_tags}")
    tags = []
    for tag in args:
        if not isinstance(tag, str):
            raise Refused(WRONG, "tags are strings")
        if len(tag) > limits.max_string:
            raise Refused(OVERSIZED, f"a tag of {len(tag)} characters; at most "
                                     f"{limits.max_string}")
        if tag.strip():
            tags.append(tag.strip())
    return tuple(tags)


def _points(args: Sequence[Any], context: Context, triples: bool) -> tuple[Point, ...]:
    numbers = [finite(a, "point") for a in args]
    if triples and len(numbers) % 3:
        raise Refused(WRONG, "points are x y pressure triples")
    size = 3 if triples else len(numbers)
    points = []
    for start in range(0, len(numbers), size):
        x, y, pressure = (*numbers[start:start + size], 1.0)[:3]
        point = (_unit(x), _unit(y), _unit(pressure))
        if point != (x, y, pressure):
            context.notes.append(f"point {x, y, pressure} -> {point}")
        points.append(point)
    return tuple(points)


def _unit(value: float) -> float:
    return min(max(value, 0.0), 1.0)


def _show(value: Any) -> str:
    """A value quoted for a log line, cut short so a long string cannot flood the log."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."

