"""Live control over real UDP on loopback: python-osc and liblo clients, floods, garbage."""

from __future__ import annotations

import contextlib
import errno
import os
import selectors
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pythonosc.osc_bundle_builder import OscBundleBuilder
from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder

from engine.config import OscConfig
from engine.control import (
    AddStroke,
    AddText,
    Command,
    ContributionSummary,
    ControlModel,
    ControlSettings,
    Moderate,
    OscBindError,
    OscServer,
    SetParam,
    Snapshot,
    Status,
    StrokeProgress,
    Transport,
)
from engine.render.shader import ShaderInput
from tests.test_osc_table import FLOW, MODEL, near_osc

LOOPBACK = ("127.0.0.1/32",)
FLOW_KEY = ("layer", "champ", "flow")
needs_liblo = pytest.mark.skipif(shutil.which("oscsend") is None or
                                 shutil.which("oscdump") is None,
                                 reason="liblo-tools (oscsend, oscdump) not installed")


@contextlib.contextmanager
def serving(limits: ControlSettings | None = None, port: int = 0,
            allow: tuple[str, ...] = LOOPBACK) -> Iterator[OscServer]:
    with OscServer(OscConfig("127.0.0.1", port, allow), MODEL, limits) as server:
        yield server


@pytest.fixture
def server() -> Iterator[OscServer]:
    with serving() as running:
        yield running


class Client:
    """A python-osc message builder on its own UDP socket, which also reads replies."""

    def __init__(self, server: OscServer, host: str = "127.0.0.1") -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((host, 0))
        self.target = server.address

    def send(self, address: str, *args: Any) -> None:
        builder = OscMessageBuilder(address)
        for arg in args:
            builder.add_arg(arg)
        self.send_raw(builder.build().dgram)

    def send_raw(self, data: bytes) -> None:
        self.sock.sendto(data, self.target)

    def replies(self, seconds: float = 1.0) -> list[tuple[str, list[Any]]]:
        """Every reply arriving within `seconds` (fewer seconds once one has come)."""
        received = []
        self.sock.settimeout(seconds)
        with contextlib.suppress(TimeoutError):
            while True:
                message = OscMessage(self.sock.recv(65536))
                received.append((message.address, message.params))
                self.sock.settimeout(0.1)
        return received

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def client(server: OscServer) -> Iterator[Client]:
    sender = Client(server)
    yield sender
    sender.close()


def wait_for(condition: Callable[[], bool], seconds: float = 2.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"not within {seconds} s"
        time.sleep(0.005)


def collect(server: OscServer, condition: Callable[[list[Command]], bool],
            seconds: float = 2.0) -> list[Command]:
    """Drain like the frame loop (every few ms) until `condition` holds."""
    commands: list[Command] = []
    wait_for(lambda: bool(commands.extend(server.drain())) or condition(commands), seconds)
    return commands


def test_a_fader_move_becomes_a_command_and_a_query_is_answered_to_the_sender(
        server: OscServer, client: Client) -> None:
    client.send(FLOW, 0.5)
    client.send(FLOW, "+", 0.25)
    # one command when both land in one frame, two on a loaded machine: the same value
    commands = collect(server, lambda c: sum(len(x.steps) for x in c) >= 2)
    assert all(isinstance(c, SetParam) and c.key == FLOW_KEY for c in commands)
    value = 0.0
    for command in commands:
        value = command.resolve(value)
    assert value == 0.75
    server.publish(Snapshot(scene="champ", params={FLOW_KEY: 0.75}))
    client.send(FLOW, "?")
    client.send("/carte/scenes/switch", "?")
    client.send("/carte/scenes/list")
    assert client.replies() == [(FLOW, [0.75]), ("/carte/scenes/switch", ["champ"]),
                                ("/carte/scenes/list", ["champ", "nuit blanche"])]
    assert server.drain() == []


def test_a_moderator_lists_recent_contributions_then_hides_one(
        server: OscServer, client: Client) -> None:
    recent = (ContributionSummary("00aa11bb22cc33dd", "text", "Le soin " * 40),
              ContributionSummary("ffee", "drawing", "", hidden=True))
    server.publish(Snapshot(recent=recent))
    client.send("/carte/moderation/recent", 5)
    replies = client.replies()
    assert replies[0] == ("/carte/moderation/recent", [2])
    assert replies[1][1][:2] == ["00aa11bb22cc33dd", "text"]
    assert len(replies[1][1][2]) <= 120
    assert replies[2][1] == ["ffee", "drawing", "", 1, 0]
    client.send("/carte/moderation/hide", "00aa11bb22cc33dd")
    assert collect(server, bool) == [Moderate("hide", "00aa11bb22cc33dd")]


def test_commands_make_no_reply(server: OscServer, client: Client) -> None:
    client.send(FLOW, 0.3)
    client.send("/carte/transport/snapshot")
    client.send("/carte/nowhere", 1)
    client.send(FLOW, "not a number")
    assert client.replies(0.3) == []


def test_a_sender_outside_the_allow_list_is_counted_and_ignored(server: OscServer) -> None:
    stranger = Client(server, host="127.0.0.2")
    try:
        server.publish(Snapshot(params={FLOW_KEY: 0.5}))
        stranger.send(FLOW, 0.9)
        stranger.send(FLOW, "?")
        wait_for(lambda: server.stats().get("sender not allowed") == 2)
        assert stranger.replies(0.3) == []
        assert server.drain() == []
    finally:
        stranger.close()


@needs_liblo
def test_liblo_oscsend_drives_parameters_and_contributes_text(server: OscServer) -> None:
    host, port = server.address

    def oscsend(*args: str) -> None:
        subprocess.run(["oscsend", host, str(port), *args], check=True, timeout=5)

    oscsend(FLOW, "f", "0.5")
    oscsend(FLOW, "sf", "+", "0.125")
    oscsend("/carte/layers/champ/pulse", "T")
    oscsend("/carte/contributions/text", "sss", "Écouter avant d'agir", "démocratie", "#soin")
    # the fader's two messages may land in one frame or two (a loaded machine)
    commands = collect(server, lambda c: sum(len(getattr(x, "steps", (1,))) for x in c) >= 4)
    flows = [c for c in commands if isinstance(c, SetParam) and c.key == FLOW_KEY]
    value = None
    for flow in flows:
        value = flow.resolve(value)
    assert value == 0.625
    pulse, text = [c for c in commands if c not in flows]
    assert isinstance(pulse, SetParam) and pulse.resolve(False) is True
    assert isinstance(text, AddText)
    assert (text.text, text.tags) == ("Écouter avant d'agir", ("démocratie", "#soin"))
    assert text.origin.startswith("osc 127.0.0.1:")


@needs_liblo
def test_subscribers_receive_status_and_arrivals_over_liblo(server: OscServer,
                                                            client: Client) -> None:
    port = free_port()
    dump = subprocess.Popen(["oscdump", "-L", str(port)], stdout=subprocess.PIPE)
    try:
        wait_for(lambda: port_taken(port))
        client.send("/carte/feedback/subscribe", port)
        wait_for(lambda: server.stats()["subscribers"] == 1)
        server.broadcast_status(Status(59.5, 12, refused=4, queue=3, audio="running"))
        server.broadcast_arrival(ContributionSummary("00aa", "text", "Bonjour", "datas"))
        lines = read_lines(dump, until="/carte/arrivals")
    finally:
        dump.terminate()
        dump.wait(timeout=5)
        assert dump.stdout is not None
        dump.stdout.close()
    assert any(line.startswith("/carte/status/contributions i 12") for line in lines)
    assert any(line.startswith("/carte/status/refused i 4") for line in lines)
    assert any(line.startswith('/carte/arrivals ssss "00aa" "text" "Bonjour" "datas"')
               for line in lines)
    assert client.replies(0.2) == []  # the subscriber's port got the feedback, not this one


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_taken(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.bind(("0.0.0.0", port))
        except OSError as error:
            return error.errno == errno.EADDRINUSE
        return False


def read_lines(process: subprocess.Popen[bytes], until: str, seconds: float = 3.0) -> list[str]:
    """Lines from a child's stdout until one contains `until` (raw reads, so no line
    waits in a buffer that select cannot see)."""
    assert process.stdout is not None
    output = ""
    deadline = time.monotonic() + seconds
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while until not in output:
            assert time.monotonic() < deadline, f"no {until} from oscdump; got {output!r}"
            if selector.select(timeout=0.1):
                output += os.read(process.stdout.fileno(), 65536).decode()
    return [line.split(" ", 1)[1] for line in output.splitlines() if " " in line]


def test_garbage_never_takes_the_server_down(server: OscServer, client: Client) -> None:
    @settings(max_examples=400, deadline=None)
    @given(st.one_of(st.binary(max_size=300), near_osc()))
    def send(data: bytes) -> None:
        client.send_raw(data)

    send()
    server.publish(Snapshot(params={FLOW_KEY: 0.5}))
    for _ in range(3):  # the flood may have filled the socket buffer for a moment
        client.send(FLOW, "?")
        if (FLOW, [0.5]) in client.replies():
            break
    else:
        pytest.fail("the server no longer answers after the garbage")
    assert server.thread is not None and server.thread.is_alive()
    assert server.stats()["malformed packet"] > 0


def test_a_bundle_timed_in_the_future_does_not_delay_the_next_message(
        server: OscServer, client: Client) -> None:
    later = OscBundleBuilder(time.time() + 5.0)
    later.add_content(OscMessageBuilder(FLOW).build())
    client.send_raw(later.build().dgram)
    sent = time.monotonic()
    client.send("/carte/transport/snapshot")
    [now] = collect(server, bool)
    assert isinstance(now, Transport) and time.monotonic() - sent < 1.0
    assert server.stats()["scheduled"] == 1
    soon = OscBundleBuilder(time.time() + 0.3)
    soon.add_content(OscMessageBuilder("/carte/transport/safe").build())
    client.send_raw(soon.build().dgram)
    sent = time.monotonic()
    [due] = collect(server, bool)
    assert due == Transport("safe", due.at) and due.at - sent >= 0.25
    too_far = OscBundleBuilder(time.time() + 3600)
    too_far.add_content(OscMessageBuilder("/carte/transport/safe").build())
    client.send_raw(too_far.build().dgram)
    wait_for(lambda: server.stats().get("scheduled too far ahead") == 1)


def test_a_flood_is_coalesced_per_address_within_a_frame(server: OscServer,
                                                         client: Client) -> None:
    for index in range(500):
        client.send(FLOW, index / 1000)
        client.send("/carte/sound/density", 1 - index / 1000)
        if index % 50 == 49:  # let the server keep up, so the socket buffer drops nothing
            wait_for(lambda count=2 * (index + 1): server.stats()["accepted"] == count)
    flow, density = server.drain()
    assert isinstance(flow, SetParam) and flow.resolve(None) == pytest.approx(0.499)
    assert isinstance(density, SetParam) and density.resolve(None) == pytest.approx(0.501)


def test_a_sender_over_its_rate_is_capped_and_the_queue_is_bounded() -> None:
    with serving(ControlSettings(rate=50, burst=20, queue=8)) as server:
        client = Client(server)
        try:
            started = time.monotonic()
            for index in range(200):
                client.send("/carte/contributions/text", f"idée {index}")
                if index % 50 == 49:
                    wait_for(lambda count=index + 1: server.stats()["accepted"] +
                             server.stats().get("rate limited", 0) == count)
            elapsed = time.monotonic() - started
            stats = server.stats()
            assert stats["accepted"] <= 20 + 50 * elapsed + 1
            assert stats["rate limited"] == 200 - stats["accepted"]
            assert stats["queue full"] == stats["accepted"] - 8
            assert len(server.drain()) == 8
        finally:
            client.close()


def test_a_tablet_stroke_is_drawn_live_then_contributed(server: OscServer,
                                                        client: Client) -> None:
    client.send("/carte/contributions/stroke/begin", "coopérations")
    for step in range(10):
        client.send("/carte/contributions/stroke/point", step / 10, 0.5, 0.8)
    live = collect(server, lambda c: sum(len(s.points) for s in c) == 10)
    assert all(isinstance(s, StrokeProgress) for s in live)
    client.send("/carte/contributions/stroke/end", 1)
    [stroke] = collect(server, bool)
    assert isinstance(stroke, AddStroke) and stroke.stroke == live[0].stroke
    assert stroke.tags == ("coopérations",) and len(stroke.points) == 10
    assert stroke.points[3] == pytest.approx((0.3, 0.5, 0.8))


def test_the_address_space_follows_reloaded_scenes(server: OscServer, client: Client) -> None:
    server.update(ControlModel(scenes=("aube",), layers=(
        ("aube", (ShaderInput("glow", "float", 0.0, 0.0, 2.0, "Glow"),)),)))
    client.send("/carte/layers/aube/glow", 1.5)
    client.send(FLOW, 0.5)
    [glow] = collect(server, bool)
    assert isinstance(glow, SetParam) and glow.key == ("layer", "aube", "glow")
    wait_for(lambda: server.stats().get("unknown address") == 1)


def test_a_port_in_use_names_the_port_and_the_config_key() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        server = OscServer(OscConfig("127.0.0.1", port, LOOPBACK), MODEL)
        with pytest.raises(OscBindError) as caught:
            server.start()
    assert f"port {port} is already in use" in str(caught.value)
    assert "[osc] port" in str(caught.value)
    assert server.thread is None
