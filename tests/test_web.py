"""The web door over real HTTP on loopback: a live engine on EGL, aiohttp's client."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import numpy as np
import pytest
from PIL import Image

from engine.app import Engine
from engine.config import load_config
from engine.journal.journal import Journal
from engine.problems import ProblemError
from engine.render.figures import title_of
from engine.web.server import WebBindError
from tests.conftest import ROOT, set_config
from tests.engines import make_engine, step_until
from tests.web_client import Client, form

TOKEN = "jeton-des-moderateurs-2026"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


def web_project(project: Path, premoderation: bool = True, **values: str) -> Path:
    set_config(project, "web", "enabled", "true")
    set_config(project, "web", "port", "0")
    set_config(project, "web", "moderator_token", f'"{TOKEN}"')
    set_config(project, "web", "premoderation", "true" if premoderation else "false")
    set_config(project, "osc", "enabled", "false")
    for key, value in values.items():
        set_config(project, "web", key, value)
    return project


def photo(colour: tuple[int, int, int] = (200, 80, 40), size: tuple[int, int] = (64, 48)
          ) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()


@contextlib.contextmanager
def started(project: Path, **values: str) -> Iterator[tuple[Engine, Client]]:
    """A live engine with its web door on a free port, and a client of it."""
    engine = make_engine(web_project(project, **values), live=True)
    engine.start()
    assert engine.web is not None
    client = Client(f"http://127.0.0.1:{engine.web.server.port}", engine.step)
    try:
        yield engine, client
    finally:
        client.close()
        engine.close()


@pytest.fixture
def live(project: Path) -> Iterator[tuple[Engine, Client]]:
    with started(project, burst="3") as both:
        yield both


def send(client: Client, **fields: object) -> tuple[int, dict[str, object]]:
    answer = client.request("POST", "/api/contributions", data=form(**fields))
    return answer.status, answer.json()


def state(client: Client, id: str) -> dict[str, object]:
    return client.request("GET", f"/api/contributions/{id}").json()


def sent(engine: Engine, client: Client, **fields: object) -> str:
    """Send; the door answers once the upload is archived and journaled (`received`),
    then intake decodes it: step until the journal says what it became. Its id."""
    status, answer = send(client, **fields)
    assert status == 202 and answer["state"] == "received", answer
    id = str(answer["id"])
    assert engine.journal.receipt(id) is not None  # journaled before the answer
    step_until(engine, lambda: state(client, id)["state"] != "received", 20)
    return id


def moderate(client: Client, headers: dict[str, str] | None = None, **order: object) -> int:
    return client.request("POST", "/api/moderation", json=order,
                          headers=BEARER if headers is None else headers).status


def test_a_text_waits_for_a_moderator_then_shows_on_the_carte(live: tuple[Engine, Client]
                                                              ) -> None:
    engine, client = live
    for _ in range(3):
        engine.step()
    labels = engine.compositor.cards.batch.count  # the themes' names: no card yet
    id = sent(engine, client, text="La confiance se construit lentement",
              theme="démocratie", author="Awa, animatrice")
    entry = engine.journal.accepted(id)
    assert entry is not None and entry.state == "pending"
    assert entry.tags["theme"] == "démocratie" and entry.tags["author"] == "Awa, animatrice"
    assert entry.source.startswith("web-") and entry.source.endswith(".txt")
    step_until(engine, lambda: id in engine.carte.ids, 10)
    for _ in range(5):
        engine.step()
    assert id in engine.carte.hidden and engine.compositor.cards.batch.count == labels
    assert state(client, id) == {"id": id, "state": "pending", "kind": "text",
                                 "on_carte": False}
    assert moderate(client, {}, action="approve", id=id) == 401  # no token: nothing applied
    assert moderate(client, {"Authorization": "Bearer faux"}, action="approve", id=id) == 401
    assert engine.journal.accepted(id).state == "pending"
    assert moderate(client, action="approve", id=id) == 200
    step_until(engine, lambda: engine.compositor.cards.batch.count > labels, 10)
    assert state(client, id)["on_carte"] is True


def test_a_rejected_contribution_is_kept_with_its_reason(live: tuple[Engine, Client]) -> None:
    engine, client = live
    id = sent(engine, client, keywords="insulte, hors sujet")
    assert moderate(client, action="reject", id=id, reason="Hors charte") == 200
    shown = state(client, id)
    assert shown["state"] == "rejected" and shown["reason"] == "Hors charte"
    assert shown["on_carte"] is False
    assert engine.journal.accepted(id) is not None  # never deleted
    assert [e.state for e in engine.journal.entries() if e.id == id] == ["rejected"]


def test_photo_drawing_and_moderation_actions(live: tuple[Engine, Client]) -> None:
    engine, client = live
    picture = engine.journal.accepted(sent(engine, client, file=(photo(), "image/jpeg",
                                                                 "../../etc/passwd")))
    assert picture.kind == "image" and picture.source.endswith(".jpg")
    assert "passwd" not in picture.source and "passwd" not in picture.name
    strokes = [[[0.1, 0.1, 0.5], [0.5, 0.6, 0.8], [0.9, 0.2, 1.0]], [[0.2, 0.9], [0.8, 0.9]]]
    drawing = engine.journal.accepted(sent(engine, client, strokes=json.dumps(strokes)))
    assert drawing.kind == "drawing" and drawing.source.endswith(".svg")
    cached = engine.intake.cache.load(drawing.id)
    assert cached is not None and len(cached.strokes) == 3  # one per segment, as from OSC
    id = picture.id
    for action, expected in (("approve", "shown"), ("pin", "pinned"), ("unpin", "shown"),
                             ("hide", "hidden"), ("show", "shown")):
        assert moderate(client, action=action, id=id) == 200
        assert engine.journal.accepted(id).state == expected
    step_until(engine, lambda: engine.carte.states.get(id) == "shown", 10)
    assert moderate(client, action="focus", id=id) == 200
    thumb = client.request("GET", f"/api/moderation/thumbnail/{id}", headers=BEARER)
    assert thumb.status == 200 and thumb.body.startswith(b"\xff\xd8")
    assert moderate(client, action="scene", name="nuit") in (200, 404)
    scenes = engine.scenes.names()
    other = next(n for n in scenes if n != engine.scene_name)
    assert moderate(client, action="scene", name=other) == 200
    step_until(engine, lambda: engine.scene_name == other, 10)
    assert moderate(client, action="blackout", on=True) == 200
    step_until(engine, lambda: engine.steering.blackout, 10)
    assert moderate(client, action="dance", id=id) == 400
    assert moderate(client, action="hide", id="0123456789abcdef") == 404


def test_refusals_speak_french_and_take_nothing(project: Path) -> None:
    with started(project, burst="20") as (engine, client):
        refusals_speak_french(engine, client)


def refusals_speak_french(engine: Engine, client: Client) -> None:
    damaged = sent(engine, client, file=(b"\xff\xd8\xff\xe0" + b"\x00" * 200, "image/jpeg"))
    fate = state(client, damaged)  # received, then refused when decoded: the page says why
    assert fate["state"] == "refused" and "abîmé" in str(fate["reason"])
    assert send(client, file=(b"MZ\x90\x00 not a picture", "image/png"))[0] == 415
    assert send(client, text="un", keywords="deux")[0] == 400
    status, answer = send(client, theme="datas")
    assert status == 400 and "Écrivez" in str(answer["error"])
    assert send(client, strokes="[[[0.1, 0.2]]]")[0] == 400
    assert not any(p.name.startswith((".web-", "web-"))
                   for p in engine.config.paths.inbox.iterdir())
    assert [e for e in engine.journal.entries() if e.state == "shown"] == []


def test_oversized_uploads_are_refused_while_streaming(project: Path) -> None:
    with started(project, max_upload_mb="1", burst="20") as (engine, client):
        declared = client.request("POST", "/api/contributions", data=b"x" * 10,
                                  headers={"Content-Type": "multipart/form-data; boundary=b",
                                           "Content-Length": str(50 << 20)})
        assert declared.status == 413 and "Mo" in declared.json()["error"]
        streamed, sent = stream_without_length(engine, 4 << 20)
        assert streamed.startswith(b"HTTP/1.1 413")
        assert b"Mo par envoi" in streamed
        assert sent < 3 << 20  # answered before the 4 MiB body was all sent
        assert not any(p.name.startswith((".web-", "web-"))
                       for p in engine.config.paths.inbox.iterdir())


def stream_without_length(engine: Engine, size: int) -> tuple[bytes, int]:
    """A chunked upload (no Content-Length) over a raw socket: the answer, and how many
    bytes were sent before it came."""
    head = (b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n"
            b"Content-Type: image/jpeg\r\n\r\n\xff\xd8\xff")
    sent = 0
    with socket.create_connection(("127.0.0.1", engine.web.server.port)) as sock:
        sock.sendall(b"POST /api/contributions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
                     b"chunked\r\nContent-Type: multipart/form-data; boundary=b\r\n\r\n")
        sock.sendall(b"%x\r\n%s\r\n" % (len(head), head))
        sock.settimeout(0.01)
        chunk = b"\0" * 65536
        answer = b""
        while sent < size and not answer:
            try:
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
                answer = sock.recv(65536)
            except TimeoutError:
                engine.step()
            except (BrokenPipeError, ConnectionResetError):
                break
        sock.settimeout(5)
        while not answer.endswith(b"}"):
            more = sock.recv(65536)
            if not more:
                break
            answer += more
    return answer, sent


def test_a_busy_phone_is_told_when_to_come_back(live: tuple[Engine, Client]) -> None:
    _, client = live
    answers = [send(client, text=f"idée {n}") for n in range(4)]  # burst is 3
    assert [a[0] for a in answers[:3]] == [202, 202, 202]
    refused = client.request("POST", "/api/contributions", data=form(text="encore"))
    assert refused.status == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert "attendez" in refused.json()["error"]


def test_only_a_spent_disk_budget_answers_503(project: Path) -> None:
    with started(project, staging_mb="1", burst="20") as (engine, client):
        noise = np.random.default_rng(1).integers(0, 255, (1000, 1000, 3), np.uint8)
        out = io.BytesIO()
        Image.fromarray(noise).save(out, "JPEG", quality=95)
        assert len(out.getvalue()) > 1 << 20
        full = client.request("POST", "/api/contributions",
                              data=form(file=(out.getvalue(), "image/jpeg")))
        assert full.status == 503 and int(full.headers["Retry-After"]) >= 1
        assert "réessayez" in full.json()["error"]
        assert not any(p.name.startswith((".web-", "web-"))
                       for p in engine.config.paths.inbox.iterdir())
        assert sent(engine, client, text="la place revient") != ""


def test_console_sessions_need_their_csrf_token(live: tuple[Engine, Client]) -> None:
    engine, client = live
    id = sent(engine, client, text="à valider depuis la tablette")
    login = client.request("GET", "/moderation")
    assert login.status == 200 and 'type="password"' in login.text
    wrong = client.request("POST", "/moderation/login", data={"token": "devine"})
    assert wrong.status == 401 and "bon code" in wrong.text
    opened = client.request("POST", "/moderation/login", data={"token": TOKEN})
    assert opened.status == 303
    cookie = opened.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    console = client.request("GET", "/moderation")
    assert console.status == 200 and "Console de la carte" in console.text
    csrf = console.text.split('name="csrf" content="')[1].split('"')[0]
    assert moderate(client, {}, action="approve", id=id) == 401  # cookie alone: refused
    assert engine.journal.accepted(id).state == "pending"
    assert moderate(client, {"X-CSRF-Token": "autre"}, action="approve", id=id) == 401
    assert moderate(client, {"X-CSRF-Token": csrf}, action="approve", id=id) == 200
    arrivals = client.request("GET", "/api/moderation/arrivals").json()  # newest first
    assert arrivals["arrivals"][0]["id"] == id and arrivals["arrivals"][0]["state"] == "shown"
    assert client.request("POST", "/moderation/logout", headers={"X-CSRF-Token": csrf}
                          ).status == 303
    assert client.request("GET", "/api/moderation/arrivals").status == 401


def test_every_answer_carries_the_security_headers(live: tuple[Engine, Client]) -> None:
    engine, client = live
    for path in ("/", "/moderation", "/assets/participer.js", "/assets/carte.css",
                 "/assets/../config.toml", "/nulle-part", "/api/status",
                 "/api/contributions/zzz"):
        answer = client.request("GET", path)
        assert "script-src 'self'" in answer.headers["Content-Security-Policy"], path
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert client.request("GET", "/assets/../config.toml").status == 404
    assert client.request("GET", "/api/status").status == 401
    step_until(engine, lambda: (engine.config.paths.data / "status.json").exists()
               or engine.web.board.status != {}, 10)
    status = client.request("GET", "/api/status", headers=BEARER)
    assert status.status == 200 and "fps" in status.json()
    page = client.request("GET", "/").text
    assert 'lang="fr"' in page and "<option value=\"démocratie\">" in page
    assert "http" not in page.split("<body>")[1].replace("http-equiv", "")  # nothing fetched


def test_visitor_strings_are_escaped_in_pages(project: Path) -> None:
    text = project.read_text(encoding="utf-8").replace(
        'themes = ["capacitations"', 'themes = ["<b>gras</b>", "capacitations"')
    project.write_text(text, encoding="utf-8")
    with started(project) as (_, client):
        page = client.request("GET", "/").text
    assert "<b>gras</b>" not in page and "&lt;b&gt;gras&lt;/b&gt;" in page


def test_web_config_problems_name_the_file_and_key(project: Path) -> None:
    web_project(project, port="70000", public_url='"ftp://x"')
    set_config(project, "web", "moderator_token", '"court"')
    with pytest.raises(ProblemError) as caught:
        load_config(project)
    said = str(caught.value)
    for key in ("[web] port", "[web] moderator_token", "[web] public_url"):
        assert key in said
    assert str(project) in said
    checked = subprocess.run([sys.executable, "-m", "engine", "check", "--config", str(project)],
                             cwd=ROOT, capture_output=True, text=True)
    assert checked.returncode != 0 and "[web] moderator_token" in checked.stdout + checked.stderr


def test_a_taken_port_is_named_and_the_start_fails(project: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        web_project(project, host='"127.0.0.1"', port=str(port), bind_retry_seconds="0.2")
        engine = make_engine(project, live=True)
        with pytest.raises(WebBindError) as caught:
            engine.start()
    assert f"port {port} is already in use" in str(caught.value)
    assert "[web] port" in str(caught.value)


def test_old_journals_take_the_new_states(tmp_path: Path) -> None:
    import sqlite3
    path = tmp_path / "journal.sqlite"
    db = sqlite3.connect(path)
    db.executescript("CREATE TABLE moderation (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT "
                     "NOT NULL, state TEXT NOT NULL CHECK (state IN ('shown', 'hidden', "
                     "'pinned')), at REAL NOT NULL); INSERT INTO moderation (id, state, at) "
                     "VALUES ('a', 'hidden', 1.0);")
    db.close()
    journal = Journal(path)
    try:
        assert journal.moderation_since(0) == [(1, "a", "hidden")]
        journal.db.execute("INSERT INTO moderation (id, state, at) VALUES ('a', 'pending', 2)")
    finally:
        journal.close()


def test_pictures_keep_their_colour(live: tuple[Engine, Client]) -> None:
    engine, client = live
    cached = engine.intake.cache.load(sent(engine, client, file=(photo((20, 160, 220)),
                                                                 "image/jpeg")))
    assert cached is not None and cached.pixels is not None
    mean = cached.pixels[..., :3].reshape(-1, 3).mean(axis=0)
    assert np.allclose(mean, (20, 160, 220), atol=12)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_door(client: Client, running: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert running.poll() is None, "the engine stopped"
        try:
            if client.request("GET", "/").status == 200:
                return
        except aiohttp.ClientError:
            pass
        time.sleep(0.1)
    raise AssertionError("the web door did not open")


async def upload_many(client: Client, count: int, acknowledged: list[str]) -> None:
    async def one(index: int) -> None:
        data = form(text=f"Pensée {index} envoyée pendant la panne")
        with contextlib.suppress(aiohttp.ClientError, asyncio.TimeoutError):
            async with client.session.post(client.base + "/api/contributions",
                                           data=data) as answer:
                if answer.status == 202:
                    acknowledged.append((await answer.json())["id"])
    await asyncio.gather(*(one(i) for i in range(count)))


def test_kill_9_during_uploads_keeps_every_acknowledged_contribution_once(project: Path
                                                                          ) -> None:
    port = free_port()
    web_project(project, host='"127.0.0.1"', port=str(port), burst="1000",
                uploads_per_minute="60000.0", connections_per_address="100")
    command = [sys.executable, "-m", "engine", "run", "--headless", "--config", str(project)]
    acknowledged: list[str] = []
    client = Client(f"http://127.0.0.1:{port}")
    try:
        for round in range(2):
            running = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)
            try:
                wait_for_door(client, running, 60)
                before = len(acknowledged)
                uploads = asyncio.run_coroutine_threadsafe(
                    upload_many(client, 60, acknowledged), client.loop)
                deadline = time.monotonic() + 30
                while len(acknowledged) < before + 10 + 10 * round:
                    assert time.monotonic() < deadline, "no upload acknowledged"
                    time.sleep(0.01)
            finally:
                running.kill()  # kill -9, uploads in flight
                running.wait()
            uploads.result(timeout=30)
        running = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        try:
            wait_for_door(client, running, 60)
            for id in acknowledged:  # each known at once, then decoded from the inbox
                answer = client.request("GET", f"/api/contributions/{id}")
                assert answer.status == 200
                deadline = time.monotonic() + 60
                while answer.json()["state"] == "received":
                    assert time.monotonic() < deadline, f"{id} never decoded"
                    time.sleep(0.2)
                    answer = client.request("GET", f"/api/contributions/{id}")
                assert answer.json()["state"] == "pending", answer.json()
        finally:
            running.terminate()
            running.wait(timeout=30)
    finally:
        client.close()
    config = load_config(project)
    journal = Journal(config.paths.data / "journal.sqlite")
    try:
        accepted = [e for e in journal.entries() if e.state not in ("refused", "duplicate")]
    finally:
        journal.close()
    ids = [e.id for e in accepted]
    assert len(acknowledged) >= 30
    assert set(acknowledged) <= set(ids)
    assert len(ids) == len(set(ids)) and len({e.source for e in accepted}) == len(accepted)
    assert not any(p.name.startswith(".web-") for p in config.paths.inbox.iterdir())


def webm_recording(seconds: float = 1.0) -> bytes:
    """A phone's voice memo: Opus in WebM, as browsers' MediaRecorder makes."""
    import av

    out = io.BytesIO()
    frames = int(48000 * seconds)
    with av.open(out, "w", format="webm") as container:
        stream = container.add_stream("libopus", rate=48000)
        tone = (0.3 * np.sin(np.linspace(0, 2 * np.pi * 440 * seconds, frames))
                ).astype(np.float32)
        for start in range(0, frames, 960):
            frame = av.AudioFrame.from_ndarray(tone[None, start:start + 960], format="flt",
                                               layout="mono")
            frame.sample_rate = 48000
            frame.pts = start
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return out.getvalue()


def test_a_recorded_sound_arrives_as_a_sound(live: tuple[Engine, Client]) -> None:
    engine, client = live
    entry = engine.journal.accepted(sent(engine, client, file=(webm_recording(),
                                                               "audio/webm;codecs=opus", "son")))
    assert entry.kind == "sound"
    named = engine.journal.accepted(sent(engine, client, file=(
        webm_recording(seconds=3.0), "audio/webm", "son"), author="Noé"))
    # on the carte: a named sound and its length, never the name the door made up
    assert title_of(engine.intake.cache.load(entry.id)) == "un son · 1 s"
    assert title_of(engine.intake.cache.load(named.id)) == "Noé · 3 s"


def test_a_drawing_waiting_for_a_moderator_is_not_inked(live: tuple[Engine, Client]) -> None:
    engine, client = live
    id = sent(engine, client, strokes=json.dumps([[[0.1, 0.5, 1.0], [0.9, 0.5, 1.0]]]))
    paint = engine.compositor.paint
    step_until(engine, lambda: id in engine.carte.ids, 10)
    for _ in range(10):
        engine.step()
    assert id not in paint.shown and paint.count == 0  # no ink drawn while it waits
    assert moderate(client, action="approve", id=id) == 200
    step_until(engine, lambda: id in paint.shown and paint.count > 0, 10)


def test_the_whole_pending_queue_pages_oldest_first_with_its_words(project: Path) -> None:
    with started(project, burst="200", uploads_per_minute="6000.0") as (engine, client):
        for n in range(100):
            assert send(client, text=f"Idée {n:03d} : ralentir ensemble")[0] == 202
        step_until(engine, lambda: engine.journal.page(("pending",), None, 1, True)[1] == 100,
                   60)
        seen: list[dict[str, object]] = []
        after = ""
        while True:
            page = client.request("GET", f"/api/moderation/arrivals?state=pending&limit=30"
                                  f"{after}", headers=BEARER).json()
            assert page["count"] == 100 and len(page["arrivals"]) <= 30
            seen += page["arrivals"]
            if page["next"] is None:
                break
            after = f"&after={page['next']}"
        # all of them, oldest first (in the journal's order: two decoders may finish
        # neighbours the other way round)
        assert sorted(str(e["text"]) for e in seen) == [f"Idée {n:03d} : ralentir ensemble"
                                                        for n in range(100)]
        seqs = [int(str(e["seq"])) for e in seen]
        assert seqs == sorted(seqs) and len(set(seqs)) == 100
        assert all(e["state"] == "pending" and e["kind"] == "text" for e in seen)
        newest = client.request("GET", "/api/moderation/arrivals?limit=5",
                                headers=BEARER).json()["arrivals"]
        assert [e["seq"] for e in newest] == sorted(seqs, reverse=True)[:5]  # newest first
        for bad in ("state=perdu", "after=x", "limit=-3"):
            answer = client.request("GET", f"/api/moderation/arrivals?{bad}", headers=BEARER)
            assert answer.status == 400 and "state" in answer.json()["error"]
