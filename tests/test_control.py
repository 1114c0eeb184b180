"""Live control end to end: real UDP into a running engine, seen in its pixels."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder

from engine.app import Engine
from engine.config import PathsConfig, defaults_text
from engine.control.handlers import MAX_RECENT
from tests.conftest import ROOT, set_config
from tests.engines import make_engine, step_until
from tests.pixels import luminance, mean_colour

FLAT = '/*{"INPUTS": [{"NAME": "teinte", "TYPE": "color", "DEFAULT": [0, 0, 1, 1]}]}*/\n' \
    "void main() { gl_FragColor = teinte; }\n"


@pytest.fixture
def engine(project: Path) -> Iterator[Engine]:
    (project.parent / "shaders" / "aplat.glsl").write_text(FLAT)
    (project.parent / "scenes" / "champ.toml").write_text(
        '[[layers]]\nkind = "field"\nshader = "aplat"\n[[layers]]\nkind = "contributions"\n')
    running = make_engine(project, live=True)
    running.start()
    yield running
    running.close()


@pytest.fixture
def client() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(5)
    yield sock
    sock.close()


def send(sock: socket.socket, engine: Engine, address: str, *args: object) -> None:
    message = OscMessageBuilder(address)
    for arg in args:
        message.add_arg(arg)
    assert engine.control is not None
    sock.sendto(message.build().dgram, engine.control.server.address)


def colour_is(engine: Engine, rgb: tuple[float, float, float]) -> bool:
    return bool(abs(mean_colour(engine.target.pixels()) - rgb).max() < 0.02)


def test_shader_input_and_relative_opacity_reach_the_pixels(engine: Engine,
                                                           client: socket.socket) -> None:
    step_until(engine, lambda: colour_is(engine, (0.0, 0.0, 1.0)), 5.0)
    send(client, engine, "/carte/layers/aplat/teinte", 1.0, 0.5, 0.0)
    frames = 0

    def green() -> bool:
        nonlocal frames
        frames += 1
        return colour_is(engine, (1.0, 0.5, 0.0))

    step_until(engine, green, 5.0)
    send(client, engine, "/carte/layers/aplat/opacity", "*", 0.5)
    step_until(engine, lambda: colour_is(engine, (0.5, 0.25, 0.0)), 5.0)
    send(client, engine, "/carte/layers/aplat/opacity", "?")
    engine.step()
    reply = OscMessage(client.recv(4096))
    assert (reply.address, reply.params) == ("/carte/layers/aplat/opacity", [0.5])


def test_a_moderator_hides_a_contribution_from_a_tablet(engine: Engine,
                                                        client: socket.socket) -> None:
    (engine.config.paths.inbox / "a.txt").write_text("Une idée à modérer")
    step_until(engine, lambda: len(engine.carte) == 1, 10.0)
    id = engine.carte.placed[0].contribution.id
    send(client, engine, "/carte/moderation/recent", 5)
    engine.step()
    header = OscMessage(client.recv(4096))
    item = OscMessage(client.recv(4096))
    assert header.address == "/carte/moderation/recent" and item.params[0] == id
    send(client, engine, "/carte/moderation/hide", id)
    step_until(engine, lambda: engine.carte.states[id] == "hidden", 5.0)
    [entry] = engine.journal.contributions()
    assert entry.state == "hidden"  # journaled like `carte hide`, never deleted


def test_a_text_sent_over_osc_is_journaled_with_its_tags(engine: Engine,
                                                        client: socket.socket) -> None:
    send(client, engine, "/carte/contributions/text", "Écouter avant de décider",
         "democratie", "possibles", "#écoute", "author:Léa")
    step_until(engine, lambda: len(engine.carte) == 1, 10.0)
    contribution = engine.carte.placed[0].contribution
    assert contribution.text == "Écouter avant de décider"
    tags = contribution.tags
    assert (tags.theme, tags.sequence, tags.author, tags.keywords) == \
        ("démocratie", "possibles", "Léa", ("écoute",))
    assert engine.journal.contributions()[0].source.startswith("osc-")


def test_transport_blackout_snapshot_and_safe_scene(engine: Engine,
                                                    client: socket.socket) -> None:
    step_until(engine, lambda: colour_is(engine, (0.0, 0.0, 1.0)), 5.0)
    send(client, engine, "/carte/transport/blackout", 1)
    step_until(engine, lambda: float(luminance(engine.target.pixels()).max()) == 0.0, 5.0)
    send(client, engine, "/carte/transport/safe")
    step_until(engine, lambda: colour_is(engine, (0.0, 0.0, 1.0)), 5.0)
    send(client, engine, "/carte/transport/snapshot")
    folder = engine.config.paths.data / "snapshots"
    step_until(engine, lambda: folder.is_dir() and any(folder.glob("*.png")), 5.0)


def test_a_taken_port_is_named_and_the_run_exits_non_zero(project: Path) -> None:
    holder = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    holder.bind(("127.0.0.1", 0))
    port = holder.getsockname()[1]
    set_config(project, "osc", "port", str(port))
    set_config(project, "osc", "bind_retry_seconds", "1.0")
    try:
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "engine", "run", "--headless",
                               "--config", str(project), "--seconds", "5"], cwd=ROOT,
                              capture_output=True, text=True, timeout=60)
    finally:
        holder.close()
    assert done.returncode == 1
    assert f"port {port} is already in use" in done.stderr and "[osc] port" in done.stderr
    assert "retrying" in done.stderr and time.monotonic() - started < 30


def test_the_published_osc_map_is_current(tmp_path: Path) -> None:
    """docs/osc-map.md is what `carte osc-map` prints for the engine's defaults and the
    shipped scenes (whatever a venue set in its own config.toml)."""
    paths = PathsConfig(**{name: ROOT / name for name in ("scenes", "shaders", "sound")},
                        inbox=tmp_path / "inbox", data=tmp_path / "data",
                        refused=tmp_path / "refused")
    config = tmp_path / "config.toml"
    config.write_text(defaults_text(paths), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "engine", "osc-map", "--config", str(config)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (ROOT / "docs" / "osc-map.md").read_text(encoding="utf-8") == done.stdout, \
        "run `carte osc-map --config CONFIG > docs/osc-map.md` on a config of the " \
        "defaults (tests/conftest.py: own_config) and commit it"


def test_a_restart_resumes_the_scene_and_live_settings(project: Path,
                                                      client: socket.socket) -> None:
    (project.parent / "shaders" / "aplat.glsl").write_text(FLAT)
    scenes = project.parent / "scenes"
    (scenes / "champ.toml").write_text('[[layers]]\nkind = "field"\nshader = "aplat"\n')
    (scenes / "autre.toml").write_text('[[layers]]\nkind = "field"\nshader = "aplat"\n')
    first = make_engine(project, live=True)
    first.start()
    try:
        send(client, first, "/carte/scenes/switch", "autre", 0.0)
        send(client, first, "/carte/layers/aplat/teinte", 0.0, 1.0, 0.0)
        step_until(first, lambda: colour_is(first, (0.0, 1.0, 0.0)), 5.0)
    finally:
        first.close()
    again = make_engine(project, live=True)
    again.start()
    try:
        assert again.scene_name == "autre"
        step_until(again, lambda: colour_is(again, (0.0, 1.0, 0.0)), 5.0)
    finally:
        again.close()


def test_recent_gives_as_many_as_the_map_promises(project: Path,
                                                  client: socket.socket) -> None:
    """The map says `/carte/moderation/recent` takes 1..50: with more on the carte, 50 come
    back, newest first."""
    for number in range(MAX_RECENT + 5):
        (project.parent / "inbox" / f"idee-{number:02}.txt").write_text(f"Idée numéro {number}")
    subprocess.run([sys.executable, "-m", "engine", "ingest", "--config", str(project)],
                   cwd=ROOT, check=True, capture_output=True, timeout=120)
    engine = make_engine(project, live=True)
    try:
        engine.start()
        step_until(engine, lambda: len(engine.carte) == MAX_RECENT + 5, 20.0)
        send(client, engine, "/carte/moderation/recent", MAX_RECENT)
        engine.step()
        header = OscMessage(client.recv(4096))
        items = [OscMessage(client.recv(4096)) for _ in range(header.params[0])]
        newest = [entry.id for entry in reversed(engine.journal.contributions())]
    finally:
        engine.close()
    assert header.params == [MAX_RECENT]
    assert [item.params[0] for item in items] == newest[:MAX_RECENT]
