"""The OSC address table without sockets: routing, values, the map and the surface."""

from __future__ import annotations

import contextlib
import json
import math
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.control import (
    ControlModel,
    SetParam,
    build_address_space,
    open_stage_control_session,
    osc_map_markdown,
)
from engine.control.handlers import Context, dispatch
from engine.control.mailbox import Mailbox
from engine.control.packets import parse_datagram
from engine.control.refusal import Refused
from engine.control.routes import address_part
from engine.control.settings import ControlSettings
from engine.render.shader import ShaderInput
from engine.world.scene import CONTRIBUTION_INPUTS

MODEL = ControlModel(
    scenes=("champ", "nuit blanche"),
    layers=(("champ", (ShaderInput("flow", "float", 0.3, 0.0, 1.0, "Flow"),
                       ShaderInput("tint", "color", (1.0, 1.0, 1.0, 1.0), None, None, "Tint"),
                       ShaderInput("count", "long", 3, 1, 8, "Count"),
                       ShaderInput("centre", "point2D", (0.0, 0.0), None, None, "Centre"),
                       ShaderInput("pulse", "bool", False, None, None, "Pulse"))),
            ("contributions", CONTRIBUTION_INPUTS)),
    sound=(ShaderInput("density", "float", 0.5, 0.0, 1.0, "Density"),),
)
SPACE = build_address_space(MODEL)
FLOW = "/carte/layers/champ/flow"


def run(address: str, *args: Any) -> Any:
    route = SPACE.route(address)
    assert route is not None and route.handler is not None
    return dispatch(route.handler, route.key, address, list(args),
                    Context("osc test", 0.0, ControlSettings()))


def test_every_declared_input_and_sound_parameter_has_an_address() -> None:
    addresses = {r.address for r in SPACE.routes}
    for name in ("opacity", "blend", "enabled", "flow", "tint", "count", "centre", "pulse"):
        assert f"/carte/layers/champ/{name}" in addresses
    for spec in CONTRIBUTION_INPUTS:
        assert f"/carte/layers/contributions/{spec.name}" in addresses
    assert "/carte/sound/density" in addresses
    assert address_part("Démocratie vivante #2") == "Democratie-vivante-2"


def test_absolute_relative_and_clamped_values_resolve_like_one_message_at_a_time() -> None:
    assert run(FLOW, 0.5).resolve(None) == 0.5
    assert run(FLOW, 7.0).resolve(0.2) == 1.0                   # clamped to MAX
    assert run(FLOW, "+", 0.25).resolve(0.5) == 0.75
    assert run(FLOW, "-0.25").resolve(0.5) == 0.25
    assert run(FLOW, "*", 3).resolve(0.2) == pytest.approx(0.6)
    assert run(FLOW, "+", 0.1).resolve(None) == pytest.approx(0.4)  # from the default
    assert run("/carte/layers/champ/count", "+", 10).resolve(3) == 8
    assert run("/carte/layers/champ/count", 2.6).resolve(None) == 3
    assert run("/carte/layers/champ/tint", 0.2, 0.4, 2.0).resolve(None) == (0.2, 0.4, 1.0, 1.0)
    assert run("/carte/layers/champ/tint", "*", 0.5).resolve((1, 1, 1, 1)) == \
        (0.5, 0.5, 0.5, 0.5)
    assert run("/carte/layers/champ/pulse", 1.0).resolve(False) is True
    assert run("/carte/layers/champ/blend", "screen").resolve("normal") == "screen"
    assert run("/carte/layers/champ/blend", 1).resolve("normal") == "add"


@pytest.mark.parametrize("args", [("abc",), (math.nan,), (math.inf,), (), (0.1, 0.2),
                                  ("+",), ("+", "x"), (b"blob",), ("?", 1)])
def test_bad_values_are_refused(args: tuple[Any, ...]) -> None:
    with pytest.raises(Refused):
        run(FLOW, *args)


def test_relative_steps_pile_up_within_a_frame_and_an_absolute_value_resets_them() -> None:
    mailbox = Mailbox(16)
    mailbox.put([run(FLOW, 0.9), run(FLOW, "+", 0.5), run(FLOW, "-", 0.3)])
    [merged] = mailbox.drain()
    assert isinstance(merged, SetParam)
    assert merged.resolve(0.0) == pytest.approx(0.7)  # 0.9 -> 1.0 (clamped) -> 0.7
    mailbox.put([run(FLOW, "+", 0.5), run(FLOW, 0.2)])
    [latest] = mailbox.drain()
    assert latest.resolve(0.0) == 0.2


def test_scenes_triggers_and_contributions() -> None:
    assert run("/carte/scenes/switch", "nuit blanche", 900.0).fade == 600.0
    assert run("/carte/scenes/switch", 1).name == "nuit blanche"
    with pytest.raises(Refused):
        run("/carte/scenes/switch", "../../etc/passwd")
    assert run("/carte/transport/snapshot") is not None
    assert run("/carte/transport/snapshot", 0) is None       # a push button's release
    text = run("/carte/contributions/text", " Bonjour\x07 la carte ", "démocratie", "#soin")
    assert (text.text, text.tags) == ("Bonjour la carte", ("démocratie", "#soin"))
    assert run("/carte/contributions/keywords", "#soin, lien,soin").keywords == ("soin", "lien")
    with pytest.raises(Refused):
        run("/carte/contributions/text", "x" * 5000)
    with pytest.raises(Refused):
        run("/carte/moderation/hide", "not an id!")
    assert run("/carte/moderation/hide", "0123abcd").id == "0123abcd"


def test_the_map_and_the_surface_cover_every_incoming_address() -> None:
    markdown = osc_map_markdown(SPACE)
    session = open_stage_control_session(SPACE)
    json.dumps(session)
    widgets: dict[str, dict[str, Any]] = {}

    def walk(node: dict[str, Any]) -> None:
        for child in node.get("tabs", []) + node.get("widgets", []):
            if "address" in child:
                widgets[child["address"]] = child
            walk(child)

    walk(session["content"])
    assert session["type"] == "session" and session["content"]["type"] == "root"
    for route in SPACE.routes:
        assert f"`{route.address}`" in markdown
        if route.control != "none":
            assert route.address in widgets
    assert widgets[FLOW]["type"] == "fader"
    assert widgets[FLOW]["range"] == {"min": 0.0, "max": 1.0}
    assert widgets["/carte/transport/blackout"]["mode"] == "toggle"
    assert widgets["/carte/transport/snapshot"]["mode"] == "momentary"
    assert widgets["/carte/scenes/switch"]["values"] == ["champ", "nuit blanche"]
    ids = [w["id"] for w in widgets.values()]
    assert len(ids) == len(set(ids))


osc_values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(-2**63, 2**63 - 1),
    st.text(max_size=30), st.sampled_from(["?", "+", "-", "*", "=", "+0.1", "*x"]),
    st.binary(max_size=8), st.booleans(), st.none())


@settings(max_examples=300, deadline=None)
@given(address=st.sampled_from(sorted(SPACE.incoming)), args=st.lists(osc_values, max_size=7))
def test_any_arguments_give_an_outcome_or_a_refusal(address: str, args: list[Any]) -> None:
    try:
        outcome = run(address, *args)
    except Refused:
        return
    if isinstance(outcome, SetParam):
        outcome.resolve(None)


def padded(data: bytes) -> bytes:
    return data + b"\0" * (4 - len(data) % 4)


@st.composite
def near_osc(draw: st.DrawFn) -> bytes:
    """Datagrams that look like OSC: real or odd addresses, any type tags, any payload,
    bundles with any element sizes and timetags, nested."""
    address = draw(st.sampled_from([*sorted(SPACE.incoming), "/carte", "/", "/carte/x"]))
    tags = draw(st.text(alphabet=",ifdsbrmtTFNhc[]xyz", max_size=10)).encode()
    message = padded(address.encode()) + padded(tags) + draw(st.binary(max_size=64))
    for _ in range(draw(st.integers(0, 5))):
        size = draw(st.one_of(st.integers(-8, 8), st.just(len(message)))).to_bytes(
            4, "big", signed=True)
        message = b"#bundle\0" + draw(st.binary(min_size=8, max_size=8)) + size + message
    return message


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=256), near_osc()))
def test_any_bytes_parse_or_are_refused(data: bytes) -> None:
    with contextlib.suppress(Refused):
        parse_datagram(data)


RANGE = re.compile(r"^(-?\d+(?:\.\d+)?)\.\.(-?\d+(?:\.\d+)?)(?:[ ;,]|$)")


def applied(outcome: Any) -> float:
    """The number a handler's outcome will apply: a parameter's new value, a count, a port."""
    if isinstance(outcome, SetParam):
        return float(outcome.steps[0][1])
    numbers = [v for v in vars(outcome).values()
               if isinstance(v, int | float) and not isinstance(v, bool)]
    assert len(numbers) == 1, outcome
    return float(numbers[0])


def test_every_range_in_the_map_is_what_the_handler_accepts() -> None:
    """One number in, a range in the map: the edges are taken as they are, and beyond
    them the value is either refused or held at the edge the map names."""
    checked = 0
    for route in SPACE.routes:
        found = RANGE.match(route.range)
        if route.handler is None or found is None or \
                route.arguments not in ("f", "i", "[i count]", "[i port]"):
            continue
        low, high = float(found[1]), float(found[2])
        integer = "i" in route.arguments
        beyond = 1 if integer else (high - low) / 10 or 1
        for sent, expected in ((low, low), (high, high), (low - beyond, low),
                                (high + beyond, high)):
            value = int(sent) if integer else sent
            try:
                outcome = route.handler([value], Context("osc test", 0.0, ControlSettings()))
            except Refused:
                assert expected != sent, f"{route.address} refused {value}, in its range"
                continue
            assert applied(outcome) == pytest.approx(expected), (route.address, value)
        checked += 1
    assert checked >= 8  # every float parameter, the tempo, recent, subscribe
