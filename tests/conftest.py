"""Shared fixtures: a real EGL context, a throwaway project, and leak checks."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import moderngl
import pytest

from engine.config import defaults_text
from engine.intake.intake import STOP_SECONDS

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def no_leaked_threads() -> Iterator[None]:
    """Every thread a test starts must be stopped and joined by the end of the test (given
    as long as a stopping engine gives its own threads)."""
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + STOP_SECONDS
    while True:
        leaked = [t for t in set(threading.enumerate()) - before if t.is_alive()]
        if not leaked or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert not leaked, f"threads left running: {[t.name for t in leaked]}"


@pytest.fixture(scope="session")
def egl() -> Iterator[moderngl.Context]:
    ctx = moderngl.create_standalone_context(backend="egl", require=330)
    yield ctx
    ctx.release()


@pytest.fixture
def ctx(egl: moderngl.Context) -> Iterator[moderngl.Context]:
    """The EGL context, with GL's error flag checked before and after the test."""
    assert egl.error == "GL_NO_ERROR"
    yield egl
    assert egl.error == "GL_NO_ERROR"
    egl.blend_func = moderngl.DEFAULT_BLENDING
    egl.disable(moderngl.BLEND)


def own_config(folder: Path) -> Path:
    """The tests' own config in `folder`: the engine's defaults, never the venue's edited
    `config.toml` (a venue's ports, token or vocabulary must not change what tests see)."""
    config = folder / "config.toml"
    config.write_text(defaults_text(), encoding="utf-8")
    return config


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The engine's default config, and copies of the shipped scenes, shaders and sound, in
    a temp folder; returns the config path. Tests edit these copies, never the
    repository's files."""
    for folder in ("scenes", "shaders", "sound"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    (tmp_path / "inbox").mkdir()
    config = own_config(tmp_path)
    set_config(config, "osc", "port", "0")  # any free port: tests run side by side
    set_config(config, "oscquery", "port", "0")
    set_config(config, "oscquery", "enabled", "false")  # on only where a test is about it
    # Silent unless a test is about sound: one pyo server per process, and no probing.
    set_config(config, "audio", "backend", '"none"')
    return config


def set_config(config: Path, section: str, key: str, value: str) -> None:
    """Replace `key = ...` inside `[section]` of a config file (value is TOML text)."""
    lines = config.read_text(encoding="utf-8").splitlines()
    current = ""
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("["):
            current = stripped.strip("[]")
        elif current == section and stripped.split("=")[0].strip() == key:
            lines[index] = f"{key} = {value}"
            break
    else:
        raise KeyError(f"[{section}] {key} not in {config}")
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")


def figure(name: str, fallback: Path) -> Path:
    """Where a test writes a picture a person looks at: `docs/` when `CARTE_DOCS=1`
    (to refresh the committed figures), else beside the test's own files."""
    return ROOT / "docs" / name if os.environ.get("CARTE_DOCS") == "1" else fallback / name
