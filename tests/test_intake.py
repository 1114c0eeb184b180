"""Intake: every kind decoded, hostile files refused with reasons, nothing lost."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from engine.config import Config, load_config
from engine.intake.decode import Limits
from engine.intake.intake import Arrived, Intake, Refused
from engine.intake.samples import write_samples
from engine.intake.workers import DecoderWorker
from engine.journal.journal import Journal
from tests.conftest import ROOT
from tests.intake_files import BILLION_LAUGHS, EXTERNAL_SVG, write_big_animation, write_bomb


@pytest.fixture
def config(project: Path) -> Config:
    return load_config(project)


@pytest.fixture
def intake(config: Config) -> Iterator[Intake]:
    journal = Journal(config.paths.data / "journal.sqlite")
    taking = Intake(config, journal)
    yield taking
    taking.stop()
    journal.close()


def inbox_files(config: Config) -> list[Path]:
    return sorted(p for p in config.paths.inbox.rglob("*") if p.is_file() or p.is_symlink())


def test_every_kind_becomes_its_payload(config: Config, intake: Intake) -> None:
    write_samples(config.paths.inbox)
    messages = intake.ingest_now()
    arrived = {m.contribution.name: m.contribution for m in messages
               if isinstance(m, Arrived)}
    assert not [m for m in messages if isinstance(m, Refused)]
    assert inbox_files(config) == []  # every file left the inbox...
    entries = intake.journal.entries()
    assert len(entries) == len(arrived) == 17  # ...and is in the journal
    photo = arrived["photo-atelier.jpg"]
    assert photo.kind == "image" and photo.pixels.shape == (640, 960, 4)
    assert len(photo.palette) == 5 and photo.tags.theme == "capacitations"
    assert arrived["dessin.png"].kind == "drawing"
    gif = arrived["respiration.gif"]
    assert gif.kind == "animation" and gif.frames.shape[0] == 12
    assert gif.durations == pytest.approx((0.09,) * 12)
    sound = arrived["cloche.wav"]
    assert sound.kind == "sound" and sound.clip.sample_rate == config.audio.sample_rate
    assert sound.clip.seconds == pytest.approx(3.0, abs=0.02)
    assert max(sound.clip.envelope) > 0.3
    video = arrived["mouvement.mp4"]
    assert video.kind == "video" and video.frames.shape[0] == 24  # 2 s at 12 fps
    data = dict(arrived["fréquentation.csv"].series)
    assert data["contributions"][:3] == (7.0, 14.0, 21.0)
    svg = arrived["pont.svg"]
    assert svg.kind == "drawing" and len(svg.strokes) == 2 and svg.pixels[..., 3].max() == 255
    words = arrived["mots-du-jour.mots"]
    assert words.kind == "keywords" and words.tags.keywords[:2] == ("écoute", "soin")
    text = arrived["traces.txt"]
    assert text.tags.keywords == ("données", "confiance")
    assert (text.tags.theme, text.tags.sequence) == ("datas", "paradoxes")
    for entry in entries:
        assert (config.paths.data / entry.archive).is_file()


@pytest.mark.parametrize(("name", "content", "reason"), [
    ("bombe.png", write_bomb, "megapixels"),
    ("abîmée.jpg", b"\xff\xd8\xff\xe0" + b"garbage" * 200, "damaged"),
    ("rires.svg", BILLION_LAUGHS, "DTD"),
    ("vide.txt", "   \n", "empty"),
    ("binaire.txt", b"\x00\x01\x02" * 100, "NUL"),
    ("programme.exe", b"MZ" + b"\x00" * 64, "accepted: "),
    ("tableau.csv", "a;b\nx;y\n", "numbers"),
    ("cassé.json", "{not json", "JSON"),
    ("muet.wav", b"RIFF\x00\x00\x00\x00WAVEfmt ", "as WAV or MP3"),
    ("film.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 100, "as MP4"),
])
def test_hostile_files_are_refused_with_their_reason(config: Config, intake: Intake,
                                                     name: str, content: object,
                                                     reason: str) -> None:
    path = config.paths.inbox / name
    if callable(content):
        content(path)
    elif isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(str(content), encoding="utf-8")
    original = path.read_bytes()
    [message] = intake.ingest_now()
    assert isinstance(message, Refused) and reason in message.reason
    kept = config.paths.refused / name
    assert kept.read_bytes() == original  # nothing lost
    note = (config.paths.refused / f"{name}.reason.txt").read_text(encoding="utf-8")
    assert note.strip() == message.reason
    [entry] = intake.journal.entries()
    assert (entry.state, entry.reason) == ("refused", message.reason)


def test_external_references_are_stripped_not_followed(config: Config, intake: Intake) -> None:
    (config.paths.inbox / "lien.svg").write_text(EXTERNAL_SVG, encoding="utf-8")
    [message] = intake.ingest_now()
    assert isinstance(message, Arrived) and len(message.contribution.strokes) == 1


def test_links_are_refused_never_followed(config: Config, intake: Intake,
                                          tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("ne pas lire")
    (config.paths.inbox / "lien.txt").symlink_to(secret)
    [message] = intake.ingest_now()
    assert isinstance(message, Refused) and "links are not followed" in message.reason
    assert (config.paths.refused / "lien.txt").is_symlink()
    assert secret.read_text() == "ne pas lire"


def test_odd_names_and_encodings_are_taken(config: Config, intake: Intake) -> None:
    inbox = config.paths.inbox
    (inbox / "idée à  deux espaces.txt").write_text("Écouter d'abord.")
    (inbox / "saut\nde ligne.md").write_text("Un nom de fichier étrange.")
    (inbox / os.fsdecode(b"octets-\xff\xfe.txt")).write_text("Des octets bizarres.")
    (inbox / "latin1.txt").write_bytes("Élan, café, ça déçoit — où ?".encode("cp1252"))
    messages = intake.ingest_now()
    texts = sorted(m.contribution.text for m in messages if isinstance(m, Arrived))
    assert texts == sorted(["Écouter d'abord.", "Un nom de fichier étrange.",
                            "Des octets bizarres.", "Élan, café, ça déçoit — où ?"])
    assert inbox_files(config) == []


def test_duplicates_are_recorded_once_shown(config: Config, intake: Intake) -> None:
    (config.paths.inbox / "a.txt").write_text("Même idée")
    (config.paths.inbox / "b.txt").write_text("Même idée")
    messages = intake.ingest_now()
    assert len([m for m in messages if isinstance(m, Arrived)]) == 1
    states = [(e.name, e.state) for e in intake.journal.entries()]
    assert states == [("a.txt", "shown"), ("b.txt", "duplicate")]
    assert inbox_files(config) == []


def test_tags_rise_from_defaults_to_folder_to_sidecar(project: Path) -> None:
    text = project.read_text(encoding="utf-8") + \
        '\n[event.defaults]\nmoment = "jour 1 après-midi"\nauthor = "atelier"\n'
    project.write_text(text, encoding="utf-8")
    config = load_config(project)
    folder = config.paths.inbox / "Democratie" / "possibles"
    folder.mkdir(parents=True)
    (folder / "photo.txt").write_text("Voter autrement #vote")
    (folder / "photo.txt.toml").write_text(
        'theme = "datas"\nauthor = "Léa, graphiste"\nkeywords = ["scrutin"]\ncolour = "x"\n')
    (config.paths.inbox / "seul.txt.json").write_text('{"theme": "datas"}')
    journal = Journal(config.paths.data / "journal.sqlite")
    intake = Intake(config, journal)
    try:
        messages = intake.ingest_now()
    finally:
        intake.stop()
        journal.close()
    [arrived] = [m for m in messages if isinstance(m, Arrived)]
    tags = arrived.contribution.tags
    assert (tags.theme, tags.sequence, tags.moment, tags.author) == \
        ("datas", "possibles", "jour 1 après-midi", "Léa, graphiste")
    assert tags.keywords == ("vote", "scrutin")
    [orphan] = [m for m in messages if isinstance(m, Refused)]
    assert orphan.name == "seul.txt.json" and "never arrived" in orphan.reason
    assert sorted(p.name for p in config.paths.data.glob("archive/*/*")) != []
    assert inbox_files(config) == []


def test_a_worker_killed_mid_decode_costs_only_its_file(tmp_path: Path) -> None:
    big = tmp_path / "grande.gif"
    write_big_animation(big)
    small = tmp_path / "petit.txt"
    small.write_text("Toujours là.")
    worker = DecoderWorker(Limits(), timeout=60, memory_mb=1536)
    try:
        worker.decode(small)  # the worker is up
        assert worker.process is not None
        victim = worker.process.pid
        threading.Timer(0.3, os.kill, (victim, signal.SIGKILL)).start()
        with pytest.raises(Exception, match="decoder stopped"):
            worker.decode(big)
        assert worker.decode(small).text == "Toujours là."
        assert worker.process.pid != victim
    finally:
        worker.stop()


def test_a_decode_past_its_timeout_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "grande.gif"
    write_big_animation(big)
    worker = DecoderWorker(Limits(), timeout=0.2, memory_mb=1536)
    try:
        with pytest.raises(Exception, match=r"longer than 0\.2 s"):
            worker.decode(big)
    finally:
        worker.stop()


def test_kill_9_during_intake_loses_and_doubles_nothing(project: Path) -> None:
    config = load_config(project)
    originals = {}
    for index in range(40):
        path = config.paths.inbox / f"contribution-{index:02d}.txt"
        path.write_text(f"Idée numéro {index}, {'et encore ' * (index % 5)}")
        originals[path.name] = path.read_bytes()
    (config.paths.inbox / "copie.txt").write_bytes(originals["contribution-03.txt"])
    (config.paths.inbox / "refus.bin").write_bytes(b"\x00" * 10)
    command = [sys.executable, "-m", "engine", "ingest", "--config", str(project)]
    for delay in (0.8, 1.0, 1.2, 1.5, 1.9):
        running = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        time.sleep(delay)
        running.kill()
        running.wait()
    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr
    assert inbox_files(config) == []
    journal = Journal(config.paths.data / "journal.sqlite")
    try:
        entries = journal.entries()
    finally:
        journal.close()
    by_name: dict[str, list[str]] = {}
    for entry in entries:
        by_name.setdefault(entry.name, []).append(entry.state)
    assert all(len(states) == 1 for states in by_name.values()), by_name
    assert set(by_name) == set(originals) | {"copie.txt", "refus.bin"}
    assert by_name["copie.txt"] == ["duplicate"] and by_name["refus.bin"] == ["refused"]
    for entry in entries:
        if entry.state == "shown":
            archived = (config.paths.data / entry.archive).read_bytes()
            assert archived == originals[entry.name]
    assert (config.paths.refused / "refus.bin").is_file()


def test_carte_list_json_tells_the_whole_story(project: Path) -> None:
    config = load_config(project)
    (config.paths.inbox / "datas").mkdir()
    (config.paths.inbox / "datas" / "a.txt").write_text("Une donnée")
    (config.paths.inbox / "b.xyz").write_text("?")
    run = [sys.executable, "-m", "engine"]
    subprocess.run([*run, "ingest", "--config", str(project)], cwd=ROOT, check=True,
                   capture_output=True)
    listed = json.loads(subprocess.run([*run, "list", "--json", "--config", str(project)],
                                       cwd=ROOT, check=True, capture_output=True,
                                       text=True).stdout)
    by_name = {entry["name"]: entry for entry in listed["contributions"]}
    first, second = by_name["a.txt"], by_name["b.xyz"]
    assert set(first) == {"seq", "id", "kind", "name", "source", "state", "reason", "tags",
                          "archive", "time", "place", "title", "terms"}
    assert first["title"] == "Une donnée" and [t["key"] for t in first["terms"]] == ["donnée"]
    assert set(first["place"]) == {"x", "y", "w", "h"}
    assert first["place"]["w"] > first["place"]["h"] > 0  # "Une donnée": one short line
    assert "place" not in second
    assert (first["name"], first["kind"], first["state"], first["tags"]) == \
        ("a.txt", "text", "shown", {"theme": "datas"})
    assert (second["name"], second["state"]) == ("b.xyz", "refused")
    hidden = subprocess.run([*run, "hide", first["id"], "--config", str(project)], cwd=ROOT,
                            capture_output=True, text=True)
    assert hidden.returncode == 0 and "is now hidden" in hidden.stdout
    unknown = subprocess.run([*run, "hide", "nope", "--config", str(project)], cwd=ROOT,
                             capture_output=True, text=True)
    assert unknown.returncode == 1 and "no contribution 'nope'" in unknown.stderr
    listed = json.loads(subprocess.run([*run, "list", "--json", "--config", str(project)],
                                       cwd=ROOT, check=True, capture_output=True,
                                       text=True).stdout)
    [hidden_entry] = [e for e in listed["contributions"] if e["id"] == first["id"]]
    assert hidden_entry["state"] == "hidden"
    assert np.datetime64(hidden_entry["time"][:19])


def test_a_video_shows_its_first_frame_before_the_rest_decodes(config: Config,
                                                              intake: Intake) -> None:
    from engine.intake.intake import Completed
    from engine.intake.samples import write_video

    video = config.paths.inbox / "film.mp4"
    write_video(video, seconds=2.0)
    intake.live = True  # as `carte run` does: previews only matter to a live carte
    completed = intake.process(video, intake.workers[0])
    first = intake.messages.get_nowait()
    assert isinstance(first, Arrived) and first.contribution.frames.shape[0] == 1
    assert isinstance(completed, Completed)
    assert completed.contribution.frames.shape[0] == 24  # 2 s at 12 fps
    assert completed.contribution.id == first.contribution.id
    restored = next(intake.restore())
    assert restored.contribution.frames.shape[0] == 24  # a restart gets the whole video


def slow_drawing(path: Path) -> Path:
    """An SVG of 19,000 curves: seconds of honest parsing in a decoder."""
    curves = "".join(f'<path d="M{i % 97} {i % 89} C {i % 50} 10, 40 {i % 70}, 50 10 '
                     f'S 80 {i % 30}, 90 10 L 5 {i % 60} Q 20 20 {i % 40} 5" stroke="black" '
                     'fill="none"/>' for i in range(19_000))
    path.write_text(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">'
                    f'{curves}</svg>', encoding="utf-8")
    return path


def test_stopping_mid_decode_leaves_the_file_for_the_next_start(config: Config) -> None:
    journal = Journal(config.paths.data / "journal.sqlite")
    try:
        drawing = slow_drawing(config.paths.inbox / "fresque.svg")
        (config.paths.inbox / ".gitkeep").touch()
        first = Intake(config, journal)
        first.start()
        deadline = time.monotonic() + 30
        while drawing not in first.taking:  # a decoder is on it
            assert time.monotonic() < deadline, "never taken"
            time.sleep(0.02)
        time.sleep(0.5)
        asked = time.monotonic()
        first.stop()
        assert time.monotonic() - asked < 3  # not the seconds the decode would take
        assert drawing.exists() and journal.entries() == []  # neither refused nor lost
        again = Intake(config, journal)
        try:
            taken = [m for m in again.ingest_now() if isinstance(m, Arrived)]
        finally:
            again.stop()
        assert [m.contribution.name for m in taken] == ["fresque.svg"]
        assert (config.paths.inbox / ".gitkeep").exists()  # waited for, like the engine
        assert [e.state for e in journal.entries()] == ["shown"]
    finally:
        journal.close()
