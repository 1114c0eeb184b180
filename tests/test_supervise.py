"""Supervision: systemd's notify protocol, the status file, a clean non-zero exit."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ROOT, set_config


def test_ready_heartbeat_and_status_file(project: Path, tmp_path: Path) -> None:
    """Under systemd (Type=notify, WatchdogSec), the engine says READY once drawing and
    keeps beating; it writes a status file a technician can read."""
    address = tmp_path / "notify.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(str(address))
    listener.settimeout(0.2)
    env = {**os.environ, "NOTIFY_SOCKET": str(address), "WATCHDOG_USEC": "400000"}
    env.pop("DISPLAY", None)
    running = subprocess.Popen([sys.executable, "-m", "engine", "run", "--headless",
                                "--config", str(project), "--size", "160x90"], cwd=ROOT,
                               env=env, stderr=subprocess.PIPE, text=True)
    received: list[str] = []
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and received.count("WATCHDOG=1") < 3:
            try:
                received.append(listener.recv(4096).decode())
            except TimeoutError:
                continue
        status_file = project.parent / "data" / "status.json"
        while not status_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        status = json.loads(status_file.read_text(encoding="utf-8"))
        running.send_signal(signal.SIGTERM)
        _, stderr = running.communicate(timeout=20)
        while True:
            try:
                received.append(listener.recv(4096).decode())
            except TimeoutError:
                break
    finally:
        running.kill()
        listener.close()
    assert received[0].startswith("READY=1")
    assert received.count("WATCHDOG=1") >= 3
    assert received[-1] == "STOPPING=1"
    assert running.returncode == 0, stderr
    assert status["scene"] == "champ" and status["contributions"] == 0
    assert status["fps"] > 0 and status["frame_ms"]["p95"] >= status["frame_ms"]["p50"] > 0
    assert status["memory_mb"] > 10 and status["gl"]["shaders"] >= 1


def test_the_soundscape_runs_live_without_a_sound_card(project: Path) -> None:
    """`auto` finds no device here: the sound is computed (manual), the show runs, and
    the status says so."""
    set_config(project, "audio", "backend", '"auto"')
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    done = subprocess.run([sys.executable, "-m", "engine", "run", "--headless", "--config",
                           str(project), "--seconds", "4", "--size", "160x90"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    status = json.loads((project.parent / "data" / "status.json").read_text(encoding="utf-8"))
    assert status["audio"] in ("manual", "jack", "portaudio")
    assert "stopped cleanly" in done.stderr


def test_a_bad_config_exits_non_zero_for_the_supervisor(project: Path) -> None:
    set_config(project, "display", "scene", '"nulle-part"')
    done = subprocess.run([sys.executable, "-m", "engine", "run", "--headless", "--config",
                           str(project), "--seconds", "1"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 1
    assert "no scene 'nulle-part'" in done.stderr


def test_a_stalled_disk_never_stops_the_frames(project: Path) -> None:
    """The status, the saved state and the preview are written off the frame loop: with
    the status file's disk stalled (a pipe nobody reads: its open never returns, as on a
    hung network share), frames go on being drawn, then everything is written."""
    from engine.app import Engine
    from engine.clock import WallClock
    from engine.config import load_config
    from engine.render.surface import OffscreenSurface

    set_config(project, "display", "preview_seconds", "0.2")
    config = load_config(project)
    data = config.paths.data
    data.mkdir(parents=True, exist_ok=True)
    stalled = data / ".status.json.partial"
    os.mkfifo(stalled)
    engine = Engine(config, OffscreenSurface((320, 180)), WallClock(30), live=True)
    engine.start()
    reader = None
    try:
        drawn = engine.run(seconds=4.0, preview=data / "preview.png")
        assert drawn > 20 and max(list(engine.frame_seconds)[1:]) < 1.0  # after the first
        assert (data / "preview.png").exists()  # written meanwhile, by the writer
        assert not (data / "status.json").exists()
        reader = os.open(stalled, os.O_RDONLY | os.O_NONBLOCK)  # the disk comes back
        stalled.unlink()
        engine.run(seconds=3.0)
        deadline = time.monotonic() + 10
        while not (data / "status.json").exists():
            assert time.monotonic() < deadline, "the status never came"
            time.sleep(0.05)
    finally:
        if reader is None:
            reader = os.open(stalled, os.O_RDONLY | os.O_NONBLOCK)
        engine.close()
        os.close(reader)
    assert json.loads((data / "status.json").read_text())["fps"] > 0
