"""Films, sounds and replays from the journal: read back with PyAV, frame by frame."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import wave
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from tests.conftest import ROOT, set_config


def carte(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "engine", *args], cwd=ROOT, text=True,
                          capture_output=True, timeout=300)


@pytest.fixture
def journal(project: Path) -> Path:
    """A small journal: two texts and a red picture, the picture hidden afterwards."""
    set_config(project, "audio", "backend", '"auto"')  # renders compute it offline
    set_config(project, "display", "fps", "20")
    inbox = project.parent / "inbox"
    (inbox / "datas").mkdir()
    (inbox / "datas" / "a.txt").write_text("Des données en commun")
    (inbox / "b.txt").write_text("Une autre idée, plus loin")
    Image.new("RGB", (400, 300), (255, 0, 0)).save(inbox / "rouge.png")
    done = carte("ingest", "--config", str(project))
    assert "3 taken" in done.stdout, done.stderr
    listed = carte("list", "--config", str(project)).stdout
    red = next(line.split()[1] for line in listed.splitlines() if "rouge.png" in line)
    assert carte("hide", red, "--config", str(project)).returncode == 0
    return project


def frames_of(path: Path) -> tuple[list[np.ndarray], av.AudioStream | None, float]:
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        pictures = [f.to_ndarray(format="rgb24") for f in container.decode(video)]
    with av.open(str(path)) as container:
        audio = container.streams.audio[0] if container.streams.audio else None
        seconds = sum(f.samples for f in container.decode(audio)) / audio.rate if audio else 0
    return pictures, audio, seconds


def test_sound_renders_the_same_samples_twice(journal: Path, tmp_path: Path) -> None:
    renders = []
    for name in ("a.wav", "b.wav"):
        done = carte("render", "--config", str(journal), "--out", str(tmp_path / name),
                     "--seconds", "4")
        assert done.returncode == 0, done.stderr
        with wave.open(str(tmp_path / name)) as sound:
            assert sound.getnchannels() == 2 and sound.getframerate() == 48000
            assert sound.getnframes() == 4 * 48000
            renders.append(sound.readframes(sound.getnframes()))
    assert renders[0] == renders[1]
    samples = np.frombuffer(renders[0], np.uint8).reshape(-1, 3)
    as_int = (samples[:, 0].astype(np.int32) | samples[:, 1].astype(np.int32) << 8
              | samples[:, 2].astype(np.int32) << 16)
    as_int = np.where(as_int >= 1 << 23, as_int - (1 << 24), as_int) / float(1 << 23)
    assert 0.01 < np.abs(as_int).max() < 1.0  # heard, never clipping


def test_a_film_has_its_frames_and_its_sound(journal: Path, tmp_path: Path) -> None:
    out = tmp_path / "film.mp4"
    done = carte("render", "--config", str(journal), "--out", str(out), "--seconds", "3",
                 "--size", "320x180")
    assert done.returncode == 0, done.stderr
    pictures, audio, seconds = frames_of(out)
    assert len(pictures) == 60 and pictures[0].shape == (180, 320, 3)
    assert audio is not None and audio.codec_context.name == "aac"
    assert seconds == pytest.approx(3.0, abs=0.05)  # in sync with the picture
    assert not list(tmp_path.glob(".*partial*"))


def test_a_replay_is_deterministic_and_leaves_hidden_contributions_out(
        journal: Path, tmp_path: Path) -> None:
    digests = []
    for name in ("a.mp4", "b.mp4"):
        out = tmp_path / name
        done = carte("replay", "--config", str(journal), "--out", str(out), "--duration",
                     "4", "--size", "320x180")
        assert done.returncode == 0, done.stderr
        assert "replaying 2 contributions and 0 live changes" in done.stderr
        pictures, audio, _ = frames_of(out)
        assert len(pictures) == 80 and audio is not None
        digests.append([hashlib.sha256(picture.tobytes()).hexdigest() for picture in pictures])
        for picture in pictures:  # the hidden red picture never shows
            red = (picture[..., 0] > 200) & (picture[..., 1] < 60) & (picture[..., 2] < 60)
            assert red.sum() < 30
    assert digests[0] == digests[1]


def test_the_archive_command_writes_a_page_without_the_hidden(journal: Path,
                                                              tmp_path: Path) -> None:
    out = tmp_path / "archive"
    done = carte("archive", "--config", str(journal), "--out", str(out))
    assert done.returncode == 0, done.stderr
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "Des données en commun" in page and "rouge.png" not in page
    again = carte("archive", "--config", str(journal), "--out", str(ROOT / "README.md"))
    assert again.returncode == 1 and again.stderr.strip()


def test_a_replay_shows_the_scene_changes_made_live(journal: Path, tmp_path: Path) -> None:
    folder = journal.parent
    (folder / "shaders" / "vert.glsl").write_text(
        "void main() { gl_FragColor = vec4(0.0, 0.8, 0.0, 1.0); }")
    (folder / "scenes" / "vert.toml").write_text('[[layers]]\nkind = "field"\nshader = "vert"\n')
    from engine.journal.journal import Journal

    recorded = Journal(folder / "data" / "journal.sqlite")
    try:
        last = max(entry.at for entry in recorded.contributions())
        recorded.record([(last + 50, "scene", {"name": "vert", "fade": 0}),
                         (last + 100, "param", {"key": ["transport", "", "tempo"],
                                                "value": 90.0})])
    finally:
        recorded.close()
    out = tmp_path / "replay.mp4"
    done = carte("replay", "--config", str(journal), "--out", str(out), "--duration", "4",
                 "--size", "160x90")
    assert done.returncode == 0, done.stderr
    assert "2 live changes" in done.stderr
    pictures, _, _ = frames_of(out)
    assert pictures[5][..., 1].mean() < 100  # the show's own scene first
    assert pictures[-1][..., 1].mean() > 180 and pictures[-1][..., 0].mean() < 30


def test_render_levels_are_measured_from_the_frames_own_sound() -> None:
    from engine.audio.analysis import measure
    from engine.audio.master import unit

    t = np.arange(2400) / 48000
    tone = 0.5 * np.sin(2 * np.pi * 500 * t)
    level, bands = measure(np.stack([tone, tone], axis=1), 48000)
    assert level == pytest.approx(unit(0.5), abs=0.02)
    assert bands[1] == pytest.approx(unit(0.5), abs=0.05)  # the 500 Hz band
    assert bands[3] < bands[1] - 0.3  # and not the 6 kHz one
    assert measure(np.zeros((0, 2)), 48000) == (0.0, (0.0, 0.0, 0.0, 0.0))


def test_a_scene_brings_its_sound_preset(project: Path) -> None:
    from tests.engines import make_engine

    set_config(project, "audio", "backend", '"offline"')
    engine = make_engine(project)
    try:
        assert engine.audio is not None
        before = engine.audio.values.get("space")
        assert engine.switch_scene("brume", 0)
        assert engine.audio.values["space"] == pytest.approx(0.8)
        assert before != pytest.approx(0.8)
    finally:
        engine.close()
