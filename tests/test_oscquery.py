"""OSCQuery over real HTTP and WebSocket on loopback, into a running engine; found by
a zeroconf browser and read by headless Chromium."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder

from engine.app import Engine
from engine.config import OscConfig, load_config
from engine.control import OscBindError, OscServer, osc_map_markdown
from engine.control.model import Snapshot
from engine.control.oscquery import OscQueryServer, QueryLimits
from engine.control.refusal import SLOW
from engine.problems import ProblemError
from tests.conftest import ROOT, set_config
from tests.engines import make_engine, step_until
from tests.test_osc_table import MODEL

FLAT = '/*{"INPUTS": [{"NAME": "teinte", "TYPE": "color", "DEFAULT": [0, 0, 1, 1]}]}*/\n' \
    "void main() { gl_FragColor = teinte; }\n"
WIDER = '/*{"INPUTS": [{"NAME": "teinte", "TYPE": "color", "DEFAULT": [0, 0, 1, 1]},' \
    '{"NAME": "grain", "TYPE": "float", "DEFAULT": 0.2, "MIN": 0.0, "MAX": 2.0}]}*/\n' \
    "void main() { gl_FragColor = teinte * grain; }\n"
TEINTE = "/carte/layers/aplat/teinte"
OPACITY = "/carte/layers/aplat/opacity"


NAME = f"Carte essai {os.getpid()}"


@pytest.fixture
def engine(project: Path) -> Iterator[Engine]:
    (project.parent / "shaders" / "aplat.glsl").write_text(FLAT)
    (project.parent / "scenes" / "champ.toml").write_text(
        '[[layers]]\nkind = "field"\nshader = "aplat"\n[[layers]]\nkind = "contributions"\n')
    set_config(project, "oscquery", "enabled", "true")
    # Its own name: another engine on this machine (a second test run) advertises too.
    set_config(project, "oscquery", "name", f'"{NAME}"')
    running = make_engine(project, live=True)
    running.start()
    yield running
    running.close()


def base(engine: Engine) -> str:
    assert engine.control is not None and engine.control.query is not None
    host, port = engine.control.query.address
    return f"http://{host}:{port}"


def get(url: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            body = answer.read()
            return answer.status, json.loads(body) if body else None
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def udp(engine: Engine, address: str, *args: object) -> None:
    builder = OscMessageBuilder(address)
    for arg in args:
        builder.add_arg(arg)
    assert engine.control is not None
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.sendto(builder.build().dgram, engine.control.server.address)


def reread(engine: Engine, path: str) -> Any:
    """A node read again with python-oscquery's client (an OSCQuery client not written
    here), as a VJ tool does after PATH_ADDED."""
    from pythonoscquery.osc_query_client import OSCQueryClient
    from zeroconf import ServiceInfo

    host, port = base(engine).removeprefix("http://").rsplit(":", 1)
    info = ServiceInfo("_oscjson._tcp.local.", f"{NAME}._oscjson._tcp.local.",
                       addresses=[socket.inet_aton(host)], port=int(port))
    node = OSCQueryClient(info).query_node(path)
    assert node is not None, path
    return node


def map_rows(markdown: str) -> dict[str, tuple[str, str]]:
    """address -> (arguments, range) from `carte osc-map`'s tables."""
    rows = {}
    for line in markdown.splitlines():
        found = re.match(r"\| `([^`]+)` \| (.*?) \| (.*?) \| ", line)
        if found:
            rows[found[1]] = (found[2], found[3])
    return rows


def test_every_mapped_address_is_a_node_with_its_type_and_range(engine: Engine) -> None:
    assert engine.control is not None
    engine.step()
    space = engine.control.server.space
    rows = map_rows(osc_map_markdown(space))
    assert TEINTE in rows and len(rows) == len(space.routes)
    status, root = get(base(engine) + "/")
    assert status == 200 and root["FULL_PATH"] == "/" and "carte" in root["CONTENTS"]
    for address, (arguments, described) in rows.items():
        status, node = get(base(engine) + address)
        assert status == 200, address
        assert node["FULL_PATH"] == address and node["DESCRIPTION"]
        route = space.route(address) or next(r for r in space.routes if r.address == address)
        tags = node.get("TYPE", "")
        required = re.sub(r"\[[^\]]*\]", "", arguments.replace("\\|", "|")).split()
        first = required[0] if required else ""
        if route.param is not None and route.param.type == "bool":
            assert tags == "T" and first == "i"   # 0/1 or T/F, both accepted
        elif tags:
            assert tags[0] == first, (address, tags, arguments)
        spec = route.param
        if spec is not None and spec.type in ("float", "long"):
            low, high = described.split("..")
            bounds = node["RANGE"][0]
            assert (str(bounds.get("MIN", "-inf")), str(bounds.get("MAX", "inf"))) == \
                (low, high) or (bounds.get("MIN"), bounds.get("MAX")) == \
                (float(low), float(high)), address
        if spec is not None and spec.type == "choice":
            assert node["RANGE"][0]["VALS"] == described.split(";")[0].split(", ")
        assert node["ACCESS"] == (3 if spec is not None else 1 if route.handler is None
                                  else 2)
    _, scene = get(base(engine) + "/carte/scenes/switch")
    assert scene["RANGE"][0]["VALS"] == list(engine.scenes.names())
    assert scene["VALUE"] == [engine.scene_name]


def test_attributes_host_info_and_refusals(engine: Engine) -> None:
    url = base(engine)
    assert get(url + OPACITY + "?TYPE") == (200, {"TYPE": "f"})
    assert get(url + OPACITY + "?RANGE") == (200, {"RANGE": [{"MIN": 0.0, "MAX": 1.0}]})
    assert get(url + OPACITY + "?CLIPMODE") == (200, {"CLIPMODE": ["both"]})
    assert get(url + "/carte/moderation/hide?CRITICAL") == (200, {"CRITICAL": True})
    assert get(url + "/carte/transport/tempo?UNIT") == (200, {"UNIT": ["time.bpm"]})
    assert get(url + "/carte/layers?VALUE")[0] == 204
    assert get(url + "/carte/nowhere")[0] == 404
    assert get(url + OPACITY + "?NOPE")[0] == 400
    status, info = get(url + "/?HOST_INFO")
    assert engine.control is not None
    assert status == 200 and info["NAME"] == NAME
    assert (info["OSC_IP"], info["OSC_PORT"], info["OSC_TRANSPORT"]) == \
        (*engine.control.server.address, "UDP")
    assert info["WS_PORT"] == engine.control.query.address[1]
    assert set(info["EXTENSIONS"]) == {"ACCESS", "VALUE", "RANGE", "DESCRIPTION",
                                       "CLIPMODE", "UNIT", "CRITICAL", "LISTEN",
                                       "PATH_ADDED", "PATH_REMOVED", "PATH_CHANGED"}
    request = urllib.request.Request(url + OPACITY, data=b"[0.5]", method="PUT")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 405 and "read-only" in refused.value.read().decode()


def test_value_follows_udp_and_listen_streams_it_as_binary_osc(engine: Engine) -> None:
    async def scenario() -> tuple[list[OscMessage], Any]:
        async with aiohttp.ClientSession() as session, \
                session.ws_connect(base(engine).replace("http", "ws") + "/") as ws:
            await ws.send_str(json.dumps({"COMMAND": "LISTEN", "DATA": OPACITY}))
            await ws.send_str(json.dumps({"COMMAND": "LISTEN", "DATA": TEINTE}))
            await asyncio.sleep(0.2)
            udp(engine, OPACITY, 0.25)
            udp(engine, TEINTE, 1.0, 0.5, 0.0)
            await asyncio.sleep(0.2)   # the datagrams reach the OSC thread
            engine.step()              # one frame applies and publishes them
            got = []
            while len(got) < 2:
                message = await ws.receive(timeout=5)
                assert message.type == aiohttp.WSMsgType.BINARY
                got.append(OscMessage(message.data))
            async with session.get(base(engine) + OPACITY + "?VALUE") as answer:
                value = await answer.json()
            return got, value

    got, value = asyncio.run(scenario())
    assert value == {"VALUE": [0.25]}
    streamed = {m.address: m.params for m in got}
    assert streamed == {OPACITY: [0.25], TEINTE: [1.0, 0.5, 0.0, 1.0]}


def test_osc_over_the_websocket_steers_like_udp_and_ignore_stops_the_stream(
        engine: Engine) -> None:
    async def scenario() -> list[Any]:
        async with aiohttp.ClientSession() as session, \
                session.ws_connect(base(engine).replace("http", "ws") + "/") as ws:
            await ws.send_str(json.dumps({"COMMAND": "LISTEN", "DATA": OPACITY}))
            await ws.send_bytes(_message(OPACITY, 7.0))   # clamped, as over UDP
            await asyncio.sleep(0.3)
            engine.step()
            first = OscMessage((await ws.receive(timeout=5)).data).params
            await ws.send_str(json.dumps({"COMMAND": "IGNORE", "DATA": OPACITY}))
            await ws.send_bytes(_message(OPACITY, 0.1))
            await asyncio.sleep(0.3)
            engine.step()
            with pytest.raises(asyncio.TimeoutError):
                await ws.receive(timeout=0.5)
            return first

    assert asyncio.run(scenario()) == [1.0]
    assert engine.steering.values(engine)[("layer", "aplat", "opacity")] == pytest.approx(0.1)


def _message(address: str, *args: Any) -> bytes:
    builder = OscMessageBuilder(address)
    for arg in args:
        builder.add_arg(arg)
    return builder.build().dgram


def test_a_shader_saved_with_a_new_input_adds_its_path(engine: Engine,
                                                       project: Path) -> None:
    async def scenario() -> list[dict[str, Any]]:
        async with aiohttp.ClientSession() as session, \
                session.ws_connect(base(engine).replace("http", "ws") + "/") as ws:
            await asyncio.sleep(0.2)
            (project.parent / "shaders" / "aplat.glsl").write_text(WIDER)
            notes: list[dict[str, Any]] = []
            deadline = time.monotonic() + 10
            while not any(n["COMMAND"] == "PATH_ADDED" for n in notes):
                assert time.monotonic() < deadline, notes
                engine.step()
                try:
                    message = await ws.receive(timeout=0.05)
                except TimeoutError:
                    continue
                notes.append(json.loads(message.data))
            return notes

    notes = asyncio.run(scenario())
    added = next(n["DATA"] for n in notes if n["COMMAND"] == "PATH_ADDED")
    assert added == "/carte/layers/aplat/grain"  # a path, as the proposal and libossia say
    node = reread(engine, added)
    assert node.full_path == added and node.value == [0.2]
    assert get(base(engine) + added + "?RANGE") == (200, {"RANGE": [{"MIN": 0.0, "MAX": 2.0}]})


def test_a_scene_switch_removes_and_adds_the_layers_paths(engine: Engine) -> None:
    async def scenario() -> list[dict[str, Any]]:
        async with aiohttp.ClientSession() as session, \
                session.ws_connect(base(engine).replace("http", "ws") + "/") as ws:
            await ws.send_str(json.dumps({"COMMAND": "LISTEN", "DATA": OPACITY}))
            await asyncio.sleep(0.2)
            udp(engine, "/carte/scenes/switch", "brume", 0.0)
            notes: list[dict[str, Any]] = []
            deadline = time.monotonic() + 10
            while {"PATH_REMOVED", "PATH_ADDED"} - {n["COMMAND"] for n in notes}:
                assert time.monotonic() < deadline, notes
                engine.step()
                with contextlib.suppress(asyncio.TimeoutError):
                    message = await ws.receive(timeout=0.05)
                    if message.type == aiohttp.WSMsgType.TEXT:
                        notes.append(json.loads(message.data))
            return notes

    notes = asyncio.run(scenario())
    removed = [n["DATA"] for n in notes if n["COMMAND"] == "PATH_REMOVED"]
    added = [n["DATA"] for n in notes if n["COMMAND"] == "PATH_ADDED"]
    assert "/carte/layers/aplat" in removed and OPACITY not in removed  # whole subtrees
    assert added and all(isinstance(p, str) and p.startswith("/carte/layers/") for p in added)
    assert get(base(engine) + OPACITY)[0] == 404
    for path in added:  # each re-read, with what is below it, by a client not written here
        node = reread(engine, path)
        assert node.full_path == path and node.is_container
        opacity = next(n for n in node.contents if n.full_path.endswith("/opacity"))
        assert opacity.value == [1.0] and opacity.type == [float]


@contextlib.contextmanager
def serving(allow: tuple[str, ...], limits: QueryLimits | None = None
            ) -> Iterator[tuple[OscServer, OscQueryServer]]:
    """Both servers on loopback without an engine: the frame loop is the test."""
    osc = OscServer(OscConfig("127.0.0.1", 0, allow), MODEL)
    osc.start()
    query = OscQueryServer("test", "127.0.0.1", 0, osc, limits)
    try:
        query.start()
        yield osc, query
    finally:
        query.stop()
        osc.stop()


@pytest.fixture
def bare() -> Iterator[tuple[OscServer, OscQueryServer]]:
    with serving(("10.9.8.0/24",)) as both:
        yield both


def test_a_client_outside_the_allow_list_gets_nothing(
        bare: tuple[OscServer, OscQueryServer]) -> None:
    osc, query = bare
    url = f"http://127.0.0.1:{query.address[1]}"
    status, text = get(url + "/carte/layers/champ/flow?VALUE")
    assert status == 403 and "allow list" in text
    assert get(url + "/?HOST_INFO")[0] == 403

    async def websocket() -> int:
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await session.ws_connect(url.replace("http", "ws") + "/")
            return refused.value.status

    assert asyncio.run(websocket()) == 403
    assert osc.drain() == []


@pytest.fixture
def served() -> Iterator[tuple[OscServer, OscQueryServer]]:
    with serving(("127.0.0.0/8",)) as both:
        yield both


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=600))
def test_garbage_http_requests_are_refused_without_harm(
        served: tuple[OscServer, OscQueryServer], garbage: bytes) -> None:
    _, query = served
    with socket.create_connection(query.address, timeout=5) as sock:
        sock.sendall(b"GET /" + garbage + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        head = sock.recv(64)
    assert head.startswith(b"HTTP/1.") and head[9:12] in (b"200", b"204", b"400", b"404")
    assert get(f"http://127.0.0.1:{query.address[1]}/carte?CONTENTS")[0] == 200


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(st.text(max_size=200), st.binary(max_size=200),
                          st.just("[" * 8000 + "]" * 8000),
                          st.builds(lambda c, d: json.dumps({"COMMAND": c, "DATA": d}),
                                    st.sampled_from(["LISTEN", "IGNORE", "X", ""]),
                                    st.one_of(st.text(max_size=40), st.integers(),
                                              st.none()))),
                max_size=8))
def test_garbage_websocket_frames_are_refused_without_harm(
        served: tuple[OscServer, OscQueryServer], frames: list[str | bytes]) -> None:
    osc, query = served
    url = f"ws://127.0.0.1:{query.address[1]}/"

    async def scenario() -> None:
        async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
            for frame in frames:
                if isinstance(frame, bytes):
                    await ws.send_bytes(frame)
                else:
                    await ws.send_str(frame)
            await ws.send_bytes(_message("/carte/layers/champ/flow", 0.5))
            await ws.send_str(json.dumps({"COMMAND": "LISTEN", "DATA": "/carte"}))

    asyncio.run(scenario())
    deadline = time.monotonic() + 2
    commands = []
    while not commands and time.monotonic() < deadline:
        commands = osc.drain()
        time.sleep(0.01)
    assert any(getattr(c, "key", None) == ("layer", "champ", "flow") for c in commands)


def test_an_oversized_websocket_message_closes_only_that_client(
        served: tuple[OscServer, OscQueryServer]) -> None:
    _, query = served
    url = f"ws://127.0.0.1:{query.address[1]}/"

    async def scenario() -> tuple[Any, int]:
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(url) as ws:
                await ws.send_bytes(b"/" + b"x" * 40000)
                closed = await ws.receive(timeout=5)
            async with session.get(url.replace("ws", "http") + "carte") as answer:
                return closed.type, answer.status

    closed, status = asyncio.run(scenario())
    assert closed in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED) and status == 200


def test_a_client_that_does_not_read_is_dropped_and_the_others_are_served() -> None:
    with serving(("127.0.0.0/8",), QueryLimits(backlog=4, send_seconds=0.5)) as (_, query):
        slow = socket.socket()
        slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
        slow.connect(query.address)
        slow.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                     b"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                     b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
        assert b" 101 " in slow.recv(4096)
        for path in ("/carte/layers/champ/flow", "/carte/layers/champ/tint"):
            text = json.dumps({"COMMAND": "LISTEN", "DATA": path}).encode()
            mask = b"\0\0\0\0"  # a client's frames are masked; zero keeps the bytes
            slow.sendall(bytes([0x81, 0x80 | len(text)]) + mask + text)
        deadline = time.monotonic() + 20
        step = 0
        while query.clients or step < 10:
            assert time.monotonic() < deadline, "the slow client was never dropped"
            step += 1
            level = (step % 100) / 100
            query.publish(Snapshot(params={("layer", "champ", "flow"): level,
                                           ("layer", "champ", "tint"): (level,) * 4}))
            time.sleep(0.001)
        assert query.complaints.snapshot().get(SLOW) == 1 and query.updates > 100
        assert get(f"http://127.0.0.1:{query.address[1]}/carte?CONTENTS")[0] == 200
        slow.close()


def test_listening_on_every_interface_host_info_names_the_one_reached() -> None:
    osc = OscServer(OscConfig("0.0.0.0", 0, ("127.0.0.0/8",)), MODEL)
    query = OscQueryServer("venue", "0.0.0.0", 0, osc)
    osc.start()
    try:
        query.start()
        status, info = get(f"http://127.0.0.1:{query.address[1]}/?HOST_INFO")
    finally:
        query.stop()
        osc.stop()
    assert status == 200 and (info["OSC_IP"], info["WS_IP"]) == ("127.0.0.1", "127.0.0.1")


def test_a_taken_port_names_the_oscquery_key(served: tuple[OscServer, OscQueryServer]) -> None:
    osc, query = served
    other = OscQueryServer("again", "127.0.0.1", query.address[1], osc)
    with pytest.raises(OscBindError) as refused:
        other.start()
    assert "already in use" in str(refused.value) and "[oscquery] port" in str(refused.value)


def test_carte_run_serves_oscquery_and_a_taken_port_stops_it_clearly(project: Path) -> None:
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    port = holder.getsockname()[1]
    set_config(project, "oscquery", "enabled", "true")
    set_config(project, "oscquery", "port", str(port))
    command = [sys.executable, "-m", "engine", "run", "--headless", "--config", str(project),
               "--seconds", "20"]
    holder.listen()
    try:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
    finally:
        holder.close()
    assert done.returncode == 1
    assert f"cannot listen for OSCQuery on 127.0.0.1:{port}: port {port} is already in " \
        "use" in done.stderr and "change [oscquery] port in the config file" in done.stderr
    running = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        deadline, answer = time.monotonic() + 30, None
        while answer is None and time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                answer = get(f"http://127.0.0.1:{port}/?HOST_INFO")
            time.sleep(0.2)
    finally:
        running.terminate()
        running.wait(30)
    assert answer is not None and answer[0] == 200 and answer[1]["NAME"] == "Carte sensible"


def test_a_bad_oscquery_key_is_named_with_its_file(project: Path) -> None:
    set_config(project, "oscquery", "port", "70000")
    set_config(project, "oscquery", "name", '""')
    with pytest.raises(ProblemError) as refused:
        load_config(project)
    text = str(refused.value)
    assert "config.toml" in text and "[oscquery] port" in text and "[oscquery] name" in text


def test_a_zeroconf_browser_finds_the_service(engine: Engine) -> None:
    from zeroconf import ServiceBrowser, ServiceListener, Zeroconf

    found: dict[str, int] = {}

    class Listener(ServiceListener):
        def add_service(self, zc: Zeroconf, kind: str, name: str) -> None:
            info = zc.get_service_info(kind, name, timeout=3000)
            if info is not None and name.startswith(NAME):
                found[kind] = info.port

        update_service = remove_service = add_service

    browser_zc = Zeroconf(interfaces=["127.0.0.1"])
    try:
        browser = ServiceBrowser(browser_zc, ["_oscjson._tcp.local.", "_osc._udp.local."],
                                 Listener())
        deadline = time.monotonic() + 10
        while len(found) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        browser.cancel()
    finally:
        browser_zc.close()
    assert engine.control is not None and engine.control.query is not None
    assert found == {"_oscjson._tcp.local.": engine.control.query.address[1],
                     "_osc._udp.local.": engine.control.server.address[1]}


PAGE = """<!doctype html><title>probe</title><body>waiting</body><script>
const ROOT = "http://127.0.0.1:{http}", OPACITY = "/carte/layers/aplat/opacity";
function padded(text) {
  const bytes = new TextEncoder().encode(text);
  const out = new Uint8Array((bytes.length >> 2) * 4 + 4);
  out.set(bytes); return out;
}
function float(x) {
  const b = new Uint8Array(4); new DataView(b.buffer).setFloat32(0, x); return b;
}
function osc(address, tail) {
  const parts = [padded(address), padded(",f"), tail];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0; for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}
fetch(ROOT + "/?HOST_INFO").then(r => r.json()).then(info => {
  const ws = new WebSocket("ws://" + info.WS_IP + ":" + info.WS_PORT + "/");
  ws.binaryType = "arraybuffer";
  ws.onopen = () => {
    ws.send(JSON.stringify({COMMAND: "LISTEN", DATA: OPACITY}));
    ws.send(osc(OPACITY, float(0.1)));   // a page of another site: must not steer
    document.body.textContent = "listening";
  };
  ws.onmessage = (event) => {
    if (typeof event.data === "string") return;
    const value = new DataView(event.data).getFloat32(event.data.byteLength - 4);
    if (value !== 0.75) return;
    fetch(ROOT + OPACITY + "?RANGE").then(r => r.json()).then(range => {
      document.body.textContent = "chromium saw " + value + " of " + range.RANGE[0].MAX +
        " on " + info.NAME;
    });
  };
});
</script>"""


def page_text(devtools: str) -> str:
    """The page's body text, read over Chromium's DevTools protocol."""
    async def ask() -> str:
        async with aiohttp.ClientSession() as session:
            async with session.get(devtools.replace("ws://", "http://").split("/devtools")[0]
                                   + "/json") as answer:
                target = next(t for t in await answer.json() if t["type"] == "page")
            async with session.ws_connect(target["webSocketDebuggerUrl"]) as ws:
                await ws.send_json({"id": 1, "method": "Runtime.evaluate",
                                    "params": {"expression": "document.body.textContent"}})
                reply = await ws.receive_json(timeout=5)
                return str(reply["result"]["result"].get("value", ""))

    return asyncio.run(ask())


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium not installed")
def test_headless_chromium_follows_values_over_plain_websocket_but_cannot_steer(
        engine: Engine, tmp_path: Path) -> None:
    assert engine.control is not None and engine.control.query is not None
    page = tmp_path / "probe.html"
    page.write_text(PAGE.replace("{http}", str(engine.control.query.address[1])))
    browser = subprocess.Popen(["chromium", "--headless", "--no-sandbox", "--disable-gpu",
                                f"--user-data-dir={tmp_path / 'profile'}",
                                "--remote-debugging-port=0", page.as_uri()],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        assert browser.stderr is not None
        devtools = ""
        while not devtools:
            line = browser.stderr.readline()
            assert line, "chromium ended before its DevTools started"
            devtools = line.split("DevTools listening on ")[-1].strip() \
                if "DevTools listening on" in line else ""
        deadline, level, text = time.monotonic() + 60, 0.5, ""
        while not text.startswith("chromium saw"):
            assert time.monotonic() < deadline, text
            level = 1.25 - level   # 0.5, 0.75, 0.5 ...: every change is streamed
            udp(engine, OPACITY, level)
            time.sleep(0.1)
            engine.step()
            text = page_text(devtools)
    finally:
        browser.kill()
        browser.wait()
    assert text == f"chromium saw 0.75 of 1 on {NAME}"
    assert engine.control.query.complaints.snapshot().get("sender not allowed") == 1
    assert engine.steering.values(engine)[("layer", "aplat", "opacity")] != \
        pytest.approx(0.1)


def test_a_readable_node_without_a_value_answers_an_empty_object(engine: Engine) -> None:
    url = base(engine)
    assert get(url + "/carte/arrivals?ACCESS") == (200, {"ACCESS": 1})
    assert get(url + "/carte/arrivals?VALUE") == (200, {})  # readable, nothing yet
    assert get(url + "/carte/moderation/hide?VALUE")[0] == 204  # write-only
    assert get(url + "/carte/contributions/stroke?TYPE") == (200, {"TYPE": "fff"})


def test_booleans_are_typed_alike_over_udp_and_oscquery(engine: Engine) -> None:
    url = base(engine)
    assert get(url + "/carte/transport/blackout?TYPE") == (200, {"TYPE": "T"})
    assert engine.control is not None
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(0.05)
        for value in (True, False):
            builder = OscMessageBuilder("/carte/transport/blackout")
            builder.add_arg(value)
            sock.sendto(builder.build().dgram, engine.control.server.address)
            step_until(engine, lambda v=value: engine.steering.blackout == v, 10)
            for _ in range(3):  # published for queries
                engine.step()
            with contextlib.suppress(TimeoutError):
                while sock.recv(1024):  # the echo of the change itself
                    pass
            query = OscMessageBuilder("/carte/transport/blackout")
            query.add_arg("?")
            sock.sendto(query.build().dgram, engine.control.server.address)
            deadline = time.monotonic() + 5
            reply = None
            while reply is None:
                assert time.monotonic() < deadline, "no reply"
                engine.step()
                with contextlib.suppress(TimeoutError):
                    reply = OscMessage(sock.recv(1024))
            assert reply.params == [value]
            assert reply.dgram[28:32].startswith(b",T" if value else b",F")
            assert get(url + "/carte/transport/blackout?VALUE") == (200, {"VALUE": [value]})


def test_one_host_cannot_lock_the_others_out() -> None:
    with serving(("127.0.0.0/8",), QueryLimits(per_host=4)) as (_, query):
        port = query.address[1]

        async def scenario() -> tuple[list[int], int]:
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(
                    local_addr=("127.0.0.5", 0), force_close=True)) as greedy, \
                    aiohttp.ClientSession(connector=aiohttp.TCPConnector(
                        local_addr=("127.0.0.6", 0))) as other:
                held = [await greedy.ws_connect(f"ws://127.0.0.1:{port}/") for _ in range(4)]
                statuses = []
                for _ in range(2):
                    async with greedy.get(f"http://127.0.0.1:{port}/carte") as answer:
                        statuses.append(answer.status)
                async with other.get(f"http://127.0.0.1:{port}/carte") as answer:
                    served = answer.status
                for ws in held:
                    await ws.close()
                return statuses, served

        statuses, served = asyncio.run(scenario())
    assert statuses == [503, 503] and served == 200


def test_the_name_dns_sd_registered_is_the_one_host_info_gives(project: Path) -> None:
    from pythonoscquery.osc_query_browser import OSCQueryBrowser
    from pythonoscquery.osc_query_client import OSCQueryClient
    from zeroconf import ServiceInfo, Zeroconf

    taken = f"Carte prise {os.getpid()}"
    squatter = Zeroconf(interfaces=["127.0.0.1"])
    info = ServiceInfo("_oscjson._tcp.local.", f"{taken}._oscjson._tcp.local.",
                       addresses=[socket.inet_aton("127.0.0.1")], port=9,
                       server="ailleurs.local.")
    squatter.register_service(info)
    # On one machine a probe's unicast answer reaches only one of the sockets sharing
    # port 5353: the squatter announces itself again and again, as another host would
    # be heard on a venue's network.
    quiet = threading.Event()
    shouting = threading.Thread(target=lambda: [squatter.update_service(info)
                                                for _ in iter(lambda: quiet.wait(0.3), True)],
                                name="squatter")
    shouting.start()
    browser = None
    try:
        (project.parent / "shaders" / "aplat.glsl").write_text(FLAT)
        set_config(project, "oscquery", "enabled", "true")
        set_config(project, "oscquery", "name", f'"{taken}"')
        running = make_engine(project, live=True)
        running.start()
        try:
            assert running.control is not None and running.control.query is not None
            query = running.control.query
            deadline = time.monotonic() + 20
            while query.name == taken:
                assert time.monotonic() < deadline, "never advertised"
                time.sleep(0.1)
            browser = OSCQueryBrowser()
            found = None
            while found is None:
                assert time.monotonic() < deadline + 10, "not found by browsing"
                found = next((s for s in browser.get_discovered_oscquery()
                              if s is not None and s.port == query.address[1]), None)
                time.sleep(0.1)
            listed = found.name.removesuffix("._oscjson._tcp.local.")
            named = OSCQueryClient(found).get_host_info()
        finally:
            running.close()
    finally:
        quiet.set()
        shouting.join()
        if browser is not None:
            browser.browser.cancel()
            browser.zc.close()
        squatter.unregister_service(info)
        squatter.close()
    assert listed != taken and listed.startswith(taken)
    assert named is not None and named.name == listed
