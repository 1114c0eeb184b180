"""The log a technician reads at 3 a.m.: one line per event, whatever a file is named,
and the decoders' libraries speaking through the engine's own lines."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from engine.config import load_config
from tests.conftest import ROOT
from tests.engines import make_engine, step_until

RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|"
                    r"CRITICAL) [\w.]+: ")
FORGED = "2026-12-02 06:00:00,000 INFO engine.app: arrived: faux"


def ingest(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "engine", "ingest", "--config", str(project)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


def records(log: str) -> list[str]:
    """The log's lines, each checked to be a record of its own or a traceback's
    continuation: nothing a file name wrote can start a line."""
    lines = log.splitlines()
    for line in lines:
        assert RECORD.match(line) or line.startswith("  | "), f"not a log record: {line!r}"
    return lines


def test_a_name_with_newlines_and_escapes_is_logged_on_one_line(project: Path) -> None:
    name = f"idée\n{FORGED}\r\x1b[2J.txt"
    (project.parent / "inbox" / name).write_text("Une pensée au nom piégé", encoding="utf-8")
    done = ingest(project)
    assert done.returncode == 0, done.stderr
    lines = records(done.stderr)
    escaped = "idée\\n2026-12-02 06:00:00,000 INFO engine.app: arrived: faux\\r\\e[2J.txt"
    about = [line for line in lines if "faux" in line]
    assert len(about) == 1 and escaped in about[0]
    assert not any(line.startswith(FORGED) for line in done.stdout.splitlines() + lines)
    assert "\x1b" not in done.stderr + done.stdout


def test_a_decoder_library_speaks_in_one_timestamped_line_naming_its_file(
        project: Path) -> None:
    picture = Image.fromarray((np.random.default_rng(3).random((64, 64, 3)) * 255)
                              .astype(np.uint8))
    damaged = project.parent / "inbox" / "relevé.tif"
    picture.save(damaged, compression="tiff_deflate")
    data = bytearray(damaged.read_bytes())
    data[200:2000] = bytes(b ^ 0x5A for b in data[200:2000])  # the strip's zlib stream
    damaged.write_bytes(bytes(data))
    done = ingest(project)
    lines = records(done.stderr)
    said = [line for line in lines if "ZIPDecode" in line]
    assert said, done.stderr
    assert all(" WARNING engine.intake.workers: decoder on relevé.tif: " in line
               for line in said)


def test_refusals_are_counted_from_the_journal_across_a_restart(project: Path) -> None:
    inbox = project.parent / "inbox"
    (inbox / "vide.txt").write_text("")
    (inbox / "inconnu.xyz").write_bytes(b"\x00\x01")
    (inbox / "bonjour.txt").write_text("Bonjour")
    assert ingest(project).returncode == 0
    for _ in range(2):  # a first run, then a restart on the same journal
        restarted = make_engine(project, live=True)
        try:
            restarted.start()
            step_until(restarted, lambda e=restarted: len(e.carte) == 1, 20.0)
            status = restarted.status()
            assert (status["refused"], status["refused_this_run"]) == (2, 0)
        finally:
            restarted.close()
    config = load_config(project)
    (config.paths.inbox / "vide2.txt").write_text("   ")
    engine = make_engine(project, live=True)
    try:
        engine.start()
        step_until(engine, lambda: engine.status()["refused_this_run"] == 1, 20.0)
        assert engine.status()["refused"] == 3
    finally:
        engine.close()
