"""The `carte` command as a user runs it: render, check, run headless and windowed."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.conftest import ROOT, set_config
from tests.pixels import is_blank


def carte(*args: str, env: dict[str, str] | None = None,
          timeout: float = 120) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "engine", *args], cwd=ROOT, text=True,
                          capture_output=True, timeout=timeout, env=environment)


def test_render_writes_the_same_non_blank_image_twice(project: Path, tmp_path: Path) -> None:
    (project.parent / "inbox" / "un.txt").write_text("Une carte sensible, à plusieurs mains.")
    taken = carte("ingest", "--config", str(project))
    assert taken.returncode == 0, taken.stderr
    assert "1 taken, 0 duplicates (kept once), 0 refused" in taken.stdout
    images = []
    for name in ("a.png", "b.png"):
        out = tmp_path / name
        done = carte("render", "--config", str(project), "--out", str(out), "--frames", "45",
                     "--size", "400x240")
        assert done.returncode == 0, done.stderr
        images.append(np.asarray(Image.open(out)))
    assert images[0].shape == (240, 400, 3)
    assert not is_blank(images[0])
    assert np.array_equal(images[0], images[1])


def test_ingest_waits_for_what_the_engine_waits_for_and_counts_duplicates(
        project: Path) -> None:
    inbox = project.parent / "inbox"
    (inbox / ".gitkeep").touch()
    (inbox / "photo.jpg.part").write_bytes(b"\xff\xd8\xff half a copy")
    (inbox / ".partage").mkdir()
    (inbox / ".partage" / "note.txt").write_text("dans un dossier caché")
    (inbox / "un.txt").write_text("Écouter d'abord.")
    (inbox / "deux.txt").write_text("Écouter d'abord.")
    (inbox / "trois.mots").write_text("lenteur\nconfiance")
    taken = carte("ingest", "--config", str(project))
    assert taken.returncode == 0, taken.stderr
    assert "2 taken, 1 duplicate (kept once), 0 refused" in taken.stdout
    assert "duplicate: un.txt: same content as" in taken.stdout
    assert sorted(p.name for p in inbox.rglob("*")) == [".gitkeep", ".partage", "note.txt",
                                                         "photo.jpg.part"]
    assert not (project.parent / "data" / "refused").exists()


def test_render_refuses_what_it_cannot_write(tmp_path: Path) -> None:
    done = carte("render", "--out", str(tmp_path / "film.avi"))
    assert done.returncode == 2 and "expected a .png, .wav or .mp4 file" in done.stderr


def test_check_passes_on_the_shipped_files() -> None:
    done = carte("check")
    assert done.returncode == 0, done.stdout
    assert "all good" in done.stdout


def test_check_fails_clearly_on_broken_files(project: Path) -> None:
    folder = project.parent
    (folder / "shaders" / "casse.glsl").write_text("void main() {\n  gl_FragColor = 1.0;\n}\n")
    (folder / "scenes" / "casse.toml").write_text(
        '[[layers]]\nkind = "field"\nshader = "champ"\n[layers.params]\nspeed = "vite"\n')
    done = carte("check", "--config", str(project))
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert any(line.startswith(f"{folder / 'shaders' / 'casse.glsl'}:2: ") for line in lines)
    assert any(line.startswith(f"{folder / 'scenes' / 'casse.toml'}:5: layer 1: parameter "
                               "'speed'") for line in lines)
    set_config(project, "display", "fps", "0")
    done = carte("check", "--config", str(project))
    assert done.returncode == 1 and "[display] fps: 0 is out of range" in done.stdout


def test_run_without_display_goes_headless_and_writes_previews(project: Path) -> None:
    set_config(project, "display", "preview_seconds", "0.5")
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    done = subprocess.run([sys.executable, "-m", "engine", "run", "--config", str(project),
                           "--seconds", "2", "--size", "320x180"], cwd=ROOT, text=True,
                          capture_output=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr
    assert "no display found" in done.stderr and "running headless" in done.stderr
    assert "stopped cleanly" in done.stderr
    preview = project.parent / "data" / "preview.png"
    assert not is_blank(np.asarray(Image.open(preview)))


def test_ctrl_c_stops_the_engine_cleanly(project: Path) -> None:
    running = subprocess.Popen([sys.executable, "-m", "engine", "run", "--headless",
                                "--config", str(project), "--size", "320x180"], cwd=ROOT,
                               text=True, stderr=subprocess.PIPE)
    preview = project.parent / "data" / "preview.png"  # written at the first frame
    try:
        deadline = time.monotonic() + 60
        while not preview.exists():
            assert running.poll() is None and time.monotonic() < deadline, "never drew"
            time.sleep(0.1)
        running.send_signal(signal.SIGINT)
        _, stderr = running.communicate(timeout=20)
    finally:
        running.kill()
    assert running.returncode == 0, stderr
    assert "stopped cleanly" in stderr


@pytest.fixture
def xvfb() -> Iterator[str]:
    """A virtual X display, as a projector machine without a desktop would have."""
    server = shutil.which("Xvfb")
    if server is None:
        pytest.skip("Xvfb is not installed (apt-get install xvfb); CI installs it")
    display = f":{90 + os.getpid() % 400}"
    process = subprocess.Popen([server, display, "-screen", "0", "1280x720x24", "-nolisten",
                                "tcp"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    socket = Path(f"/tmp/.X11-unix/X{display[1:]}")
    while not socket.exists():
        assert process.poll() is None and time.monotonic() < deadline, "Xvfb did not start"
        time.sleep(0.1)
    yield display
    process.terminate()
    process.wait(timeout=10)


def test_run_opens_a_real_window_under_xvfb(project: Path, xvfb: str) -> None:
    done = carte("run", "--config", str(project), "--seconds", "3", "--size", "640x360",
                 env={"DISPLAY": xvfb})
    assert done.returncode == 0, done.stderr
    assert "on window 640x360" in done.stderr
    assert "stopped cleanly" in done.stderr
