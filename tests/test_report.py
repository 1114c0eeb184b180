"""The archive for the public: every shown contribution, nothing hidden, in a real browser.

A small journal is built from the project's samples (plus a sound and a video browsers
cannot play, a visitor trying to inject markup, a refused file and a duplicate), spread
over two days, one contribution hidden and one pinned. The archive is then opened in
Debian's Chromium, driven over the DevTools protocol with a tiny client written here.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import sqlite3
import struct
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import av
import numpy as np
import pytest
from PIL import Image

from engine.config import Config, load_config
from engine.intake.intake import Intake
from engine.intake.samples import write_samples, write_video
from engine.journal.journal import Entry, Journal
from engine.report import ArchiveError, write_archive
from engine.report.isolated import IsolatedError, run_isolated
from tests.conftest import ROOT, own_config

CHROMIUM = Path("/usr/bin/chromium")
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Chromium is not installed (apt-get install chromium); "
    "the archive is checked in a real browser")
INJECTION = '<img src=x onerror=alert("nom")>.txt'
INJECTED_TEXT = '<script>alert("texte")</script> Merci & à bientôt'
INJECTED_AUTHOR = '<img src=x onerror=alert("auteur")>'


def write_media(path: Path, container: str, audio: str, video: str = "") -> None:
    """A one-second tone (and grey ramp) in codecs browsers do not play."""
    with av.open(str(path), "w", format=container) as output:
        if video:
            picture = output.add_stream(video, rate=24)
            picture.width, picture.height, picture.pix_fmt = 160, 120, "yuv420p"
        sound = output.add_stream(audio, rate=44100)
        sound.layout = "mono"
        resampler = av.AudioResampler(format=sound.format, layout="mono", rate=44100,
                                      frame_size=sound.codec_context.frame_size or 1024)
        tone = np.sin(2 * np.pi * 330 * np.arange(44100) / 44100) * 0.3
        frame = av.AudioFrame.from_ndarray(tone.astype(np.float32)[None, :], format="flt",
                                           layout="mono")
        frame.sample_rate, frame.pts = 44100, 0
        for chunk in [*resampler.resample(frame), *resampler.resample(None)]:
            output.mux(sound.encode(chunk))
        output.mux(sound.encode(None))
        if video:
            for index in range(24):
                grey = np.full((120, 160, 3), index * 10, np.uint8)
                output.mux(picture.encode(av.VideoFrame.from_ndarray(grey, format="rgb24")))
            output.mux(picture.encode(None))


def write_inbox(config: Config) -> None:
    inbox = config.paths.inbox
    write_samples(inbox)
    write_media(inbox / "démocratie" / "voix.aiff", "aiff", "pcm_s16be")
    write_media(inbox / "coopérations" / "danse.mkv", "matroska", "mp2", "mpeg4")
    (inbox / "datas" / INJECTION).write_text(INJECTED_TEXT, encoding="utf-8")
    (inbox / "datas" / f"{INJECTION}.toml").write_text(
        f"author = '{INJECTED_AUTHOR}'\nkeywords = ['<b>gras</b>']\n", encoding="utf-8")
    (inbox / "réplique.txt").write_text((inbox / "parole-libre.txt").read_text("utf-8"), "utf-8")
    (inbox / "cassé.json").write_text("{pas du json", encoding="utf-8")


def spread_over_two_days(journal: Path) -> None:
    """Arrivals of a day-1 afternoon and a day-2 morning, as at the event."""
    with sqlite3.connect(journal) as db:
        seqs = [row[0] for row in db.execute("SELECT seq FROM entries ORDER BY seq")]
        half = len(seqs) // 2
        for index, seq in enumerate(seqs):
            start = datetime(2025, 6, 12, 14, 10) if index < half else \
                datetime(2025, 6, 13, 9, 20)
            moment = start + timedelta(minutes=17 * (index % half) + 3 * (index % 3))
            db.execute("UPDATE entries SET at = ? WHERE seq = ?", (moment.timestamp(), seq))


@dataclass(frozen=True)
class Built:
    """The event as the tests left it, and its archive."""

    config: Config
    index: Path
    ids: dict[str, str]  # contribution name: id
    public: dict[str, Entry]  # id: entry, for every shown or pinned contribution
    hidden: str


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    folder = tmp_path_factory.mktemp("evenement")
    for name in ("scenes", "shaders", "sound"):  # as conftest's `project`, module-wide
        shutil.copytree(ROOT / name, folder / name)
    (folder / "inbox").mkdir()
    config = load_config(own_config(folder))
    write_inbox(config)
    journal = Journal(config.paths.data / "journal.sqlite")
    intake = Intake(config, journal)
    try:
        intake.ingest_now()
        ids = {e.name: e.id for e in journal.contributions()}
        journal.moderate(ids["photo-atelier.jpg"], "hidden")
        journal.moderate(ids["dessin.png"], "pinned")
        public = {e.id: e for e in journal.contributions() if e.state != "hidden"}
    finally:
        intake.stop()
        journal.close()
    spread_over_two_days(config.paths.data / "journal.sqlite")
    film = folder / "film.mp4"
    write_video(film)
    poster = folder / "affiche.png"
    Image.linear_gradient("L").resize((1600, 900)).convert("RGB").save(poster)
    index = write_archive(config, folder / "archive", film=film, poster=poster)
    return Built(config, index, ids, public, ids["photo-atelier.jpg"])


class References(HTMLParser):
    """Every `src`, `href` and `poster` of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [v for k, v in attrs if k in ("src", "href", "poster") and v]


def test_every_shown_contribution_is_there_and_nothing_else(built: Built) -> None:
    page = built.index.read_text(encoding="utf-8")
    for id in built.public:
        assert f'id="c-{id}"' in page
    assert page.count('class="carte ') == len(built.public) == 19
    assert built.hidden not in page and "Photo atelier" not in page
    assert "réplique" not in page and "cassé" not in page  # a duplicate, a refusal
    media = built.index.parent / "medias"
    assert not list(media.glob(f"{built.hidden}*"))
    assert {p.name.split(".")[0].split("-")[0] for p in media.iterdir()} <= set(built.public)
    parser = References()
    parser.feed(page)
    local = [r for r in parser.found if not r.startswith("#")]
    assert local and all((built.index.parent / r).is_file() for r in local)
    assert not [r for r in local if "://" in r or r.startswith("//")]  # nothing fetched


def test_media_browsers_cannot_play_are_converted(built: Built) -> None:
    media = built.index.parent / "medias"
    expected = {"voix.aiff": ("mp3", {"mp3"}, 1.0), "danse.mkv": ("mp4", {"h264", "aac"}, 1.0),
                "cloche.wav": ("wav", {"pcm_s16le"}, 3.0), "mouvement.mp4": ("mp4", {"h264"}, 2.0)}
    for name, (suffix, codecs, seconds) in expected.items():
        with av.open(str(media / f"{built.ids[name]}.{suffix}")) as container:
            assert {s.codec_context.codec.canonical_name for s in container.streams} == codecs
            assert container.duration / 1e6 == pytest.approx(seconds, abs=0.1)
    assert (built.index.parent / "film.mp4").is_file()
    with Image.open(built.index.parent / "affiche-apercu.jpg") as preview:
        assert preview.size == (1600, 900)


def test_a_folder_that_is_not_an_archive_is_never_overwritten(built: Built,
                                                               tmp_path: Path) -> None:
    (tmp_path / "thèse.odt").write_text("précieux")
    with pytest.raises(ArchiveError, match="not empty"):
        write_archive(built.config, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["thèse.odt"]


def test_writing_again_replaces_the_archive_and_a_broken_medium_costs_only_itself(
        built: Built, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    data = tmp_path / "data"
    shutil.copytree(built.config.paths.data, data)
    config = replace(built.config, paths=replace(built.config.paths, data=data))
    out = tmp_path / "archive"
    write_archive(config, out)
    drawing, dance = built.ids["dessin.png"], built.ids["danse.mkv"]
    assert list((out / "medias").glob(f"{drawing}.*"))
    journal = Journal(data / "journal.sqlite")
    try:
        journal.moderate(drawing, "hidden")  # withdrawn after the event
        damaged = data / journal.accepted(dance).archive
    finally:
        journal.close()
    damaged.write_bytes(damaged.read_bytes()[:300])
    page = write_archive(config, out).read_text(encoding="utf-8")
    assert drawing not in page and not list((out / "medias").glob(f"{drawing}*"))
    assert f'id="c-{dance}"' in page and not list((out / "medias").glob(f"{dance}*"))
    assert "danse.mkv" in caplog.text and "left out of the archive" in caplog.text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["archive", "data"]


def test_a_converter_that_crashes_or_hangs_is_stopped_and_named() -> None:
    with pytest.raises(IsolatedError, match="stopped"):
        run_isolated(os.abort, (), timeout=30, memory_mb=512)
    with pytest.raises(IsolatedError, match=r"longer than 0\.5 s"):
        run_isolated(time.sleep, (30,), timeout=0.5, memory_mb=512)


class WebSocket:
    """Just enough of RFC 6455 for the DevTools protocol: text frames, client-masked."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.socket = socket.create_connection((parts.hostname, parts.port), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        self.socket.sendall(
            f"GET {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode())
        self.reader = self.socket.makefile("rb")
        assert b" 101 " in self.reader.readline()
        while self.reader.readline() not in (b"\r\n", b""):
            pass

    def send(self, text: str) -> None:
        data = text.encode()
        mask = os.urandom(4)
        size = len(data)
        length = bytes([0x80 | size]) if size < 126 else \
            bytes([0x80 | 126]) + struct.pack("!H", size) if size < 1 << 16 else \
            bytes([0x80 | 127]) + struct.pack("!Q", size)
        masked = (np.frombuffer(data, np.uint8) ^ np.resize(np.frombuffer(mask, np.uint8),
                                                            size)).tobytes()
        self.socket.sendall(b"\x81" + length + mask + masked)

    def receive(self) -> str:
        message = b""
        while True:
            first, second = self.reader.read(2)
            size = second & 0x7F
            if size >= 126:
                size = struct.unpack("!H" if size == 126 else "!Q",
                                     self.reader.read(2 if size == 126 else 8))[0]
            message += self.reader.read(size)
            if first & 0x80:
                return message.decode()

    def close(self) -> None:
        self.reader.close()
        self.socket.close()


class Page:
    """One Chromium tab: commands, and the events that tell what went wrong."""

    def __init__(self, socket: WebSocket) -> None:
        self.socket = socket
        self.counter = 0
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.counter += 1
        self.socket.send(json.dumps({"id": self.counter, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.receive())
            if message.get("id") == self.counter:
                assert "error" not in message, message
                return message["result"]
            self.events.append(message)
            if message.get("method") == "Page.javascriptDialogOpening":
                self.socket.send(json.dumps({"id": 0, "method": "Page.handleJavaScriptDialog",
                                             "params": {"accept": True}}))

    def open(self, url: str) -> None:
        """Load `url` as a new document and wait until it has loaded; the events kept
        from then on are this page's."""
        self.call("Page.navigate", url="about:blank")
        self.events.clear()
        self.call("Page.navigate", url=url)
        deadline = time.monotonic() + 20
        while self.evaluate("document.readyState === 'complete' && location.href") != url:
            assert time.monotonic() < deadline, f"{url} did not finish loading"
            time.sleep(0.02)

    def evaluate(self, expression: str) -> Any:
        answer = self.call("Runtime.evaluate", expression=expression, returnByValue=True,
                           awaitPromise=True)
        assert "exceptionDetails" not in answer, answer["exceptionDetails"]
        return answer["result"].get("value")

    def problems(self) -> list[str]:
        """Uncaught errors, console errors, failed loads and dialogs since `open`."""
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(params["exceptionDetails"].get("text", "exception"))
            elif (method, params.get("type"), params.get("entry", {}).get("level")) in (
                    ("Runtime.consoleAPICalled", "error", None),
                    ("Log.entryAdded", None, "error")):
                found.append(json.dumps(params)[:300])
            elif method == "Page.javascriptDialogOpening":
                found.append(f"dialog: {params['message']}")
        return found

    def requested(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events
                if e.get("method") == "Network.requestWillBeSent"]


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Page]:
    profile = tmp_path_factory.mktemp("chromium")
    process = subprocess.Popen(
        [str(CHROMIUM), "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--mute-audio", "--hide-scrollbars", f"--user-data-dir={profile}",
         "--remote-debugging-port=0", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not port_file.is_file() or not port_file.read_text().strip():
            assert time.monotonic() < deadline and process.poll() is None, \
                "Chromium did not open its DevTools port"
            time.sleep(0.05)
        port = port_file.read_text().split()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as reply:
            [tab] = [t for t in json.load(reply) if t["type"] == "page"]
        page = Page(WebSocket(tab["webSocketDebuggerUrl"]))
        for domain in ("Page", "Runtime", "Log", "Network"):
            page.call(f"{domain}.enable")
        page.call("Emulation.setDeviceMetricsOverride", width=1440, height=900,
                  deviceScaleFactor=1, mobile=False)
        yield page
        page.socket.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


MEDIA_STATE = """(async () => {
  for (const image of document.images) image.loading = "eager";
  const images = await Promise.all(Array.from(document.images, (image) =>
    image.decode().then(() => [image.getAttribute("src"), image.naturalWidth],
                        () => [image.getAttribute("src"), 0])));
  const players = Array.from(document.querySelectorAll("audio, video"));
  const deadline = Date.now() + 15000;
  while (players.some((p) => p.readyState < 1) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {images, players: players.map((p) => [p.currentSrc, p.readyState, p.duration])};
})()"""

VISIBLE = """Array.from(document.querySelectorAll(".carte"))
  .filter((card) => card.checkVisibility())
  .map((card) => [card.id.slice(2), card.dataset.theme, card.dataset.sequence,
                  card.dataset.kind])"""


@needs_chromium
def test_the_archive_opens_without_errors_and_every_medium_plays(
        built: Built, browser: Page, tmp_path: Path) -> None:
    browser.open(built.index.as_uri())
    media = browser.evaluate(MEDIA_STATE)
    assert browser.problems() == []
    assert {id for id, *_ in browser.evaluate(VISIBLE)} == set(built.public)
    assert len(media["images"]) == 4 and all(width > 0 for _, width in media["images"])
    assert len(media["players"]) == 5  # the film, two sounds, two videos
    for source, ready, duration in media["players"]:
        assert ready >= 1 and duration > 0.5, source
    root = built.index.parent.as_uri()
    assert [url for url in browser.requested()  # data: are the players' own icons
            if not url.startswith((root, "data:"))] == []
    metrics = browser.call("Page.getLayoutMetrics")["cssContentSize"]
    shot = browser.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                        clip={"x": 0, "y": 0, "width": 1440,
                              "height": min(metrics["height"], 7000), "scale": 1})
    screenshot = tmp_path / "archive.png"
    screenshot.write_bytes(base64.b64decode(shot["data"]))
    pixels = np.asarray(Image.open(screenshot).convert("RGB"), np.float32)
    ground = pixels[:40].reshape(-1, 3).mean(axis=0)
    assert ground[2] > ground[0] and ground.mean() < 60  # a night-blue page
    assert (pixels.max(axis=2) > 200).mean() > 0.005  # with light text and pictures on it


@needs_chromium
def test_filters_leave_only_what_was_chosen(built: Built, browser: Page) -> None:
    browser.open(built.index.as_uri())
    browser.evaluate("""(() => {
      const select = document.querySelector("select[name=theme]");
      select.value = "datas";
      select.dispatchEvent(new Event("change", {bubbles: true}));
    })()""")
    datas = {id for id, e in built.public.items() if e.tags.get("theme") == "datas"}
    assert {id for id, *_ in browser.evaluate(VISIBLE)} == datas and len(datas) == 5
    assert browser.evaluate("location.hash") == "#theme=datas"
    assert browser.evaluate('document.querySelectorAll(".point:not(.hors-filtre)").length') == 5
    assert browser.evaluate('document.getElementById("compte").textContent') == \
        f"5 contributions sur {len(built.public)}"
    browser.open(built.index.as_uri() + "#sequence=paradoxes&kind=text")
    chosen = {id for id, e in built.public.items()
              if e.tags.get("sequence") == "paradoxes" and e.kind == "text"}
    assert {id for id, *_ in browser.evaluate(VISIBLE)} == chosen and len(chosen) == 2
    assert browser.evaluate("document.querySelectorAll('.groupe:not([hidden])').length") == 2
    assert browser.problems() == []


@needs_chromium
def test_what_visitors_wrote_is_shown_as_text_never_run(built: Built, browser: Page) -> None:
    browser.open(built.index.as_uri())
    card = f'document.getElementById("c-{built.ids[INJECTION]}")'
    assert browser.evaluate(f"{card}.querySelector('.texte').textContent") == INJECTED_TEXT
    assert browser.evaluate(f"{card}.querySelector('.credit').textContent") == INJECTED_AUTHOR
    assert browser.evaluate(f"{card}.querySelector('.mots').textContent") == "<b>gras</b>"
    assert browser.evaluate("document.scripts.length") == 1
    assert browser.evaluate("document.querySelectorAll('[onerror], b').length") == 0
    assert browser.problems() == []
