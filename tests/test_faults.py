"""Faults an installation meets over days, each survived without losing anything."""

from __future__ import annotations

import logging
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.config import load_config
from engine.intake.intake import Arrived, Intake
from engine.intake.samples import write_sound
from engine.journal.journal import Journal
from tests.conftest import set_config


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB tmpfs standing for a data disk about to fill up."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_data_disk_keeps_new_files_in_the_inbox_and_loses_nothing(
        project: Path, small_disk: Path, caplog: pytest.LogCaptureFixture) -> None:
    set_config(project, "paths", "data", f'"{small_disk}"')
    set_config(project, "paths", "refused", f'"{small_disk / "refused"}"')
    config = load_config(project)
    inbox = config.paths.inbox
    journal = Journal(config.paths.data / "journal.sqlite")
    intake = Intake(config, journal)
    try:
        (inbox / "avant.txt").write_text("Arrivée avant que le disque soit plein")
        [first] = intake.ingest_now()
        assert isinstance(first, Arrived)
        big = inbox / "long.wav"
        write_sound(big, seconds=12.0)  # 4.6 MB: more than the disk holds
        original = big.read_bytes()
        with caplog.at_level(logging.ERROR):
            assert intake.ingest_now() == []
        assert "the data disk is full" in caplog.text and "stays in the inbox" in caplog.text
        assert big.read_bytes() == original  # nothing lost: it waits for space
        [entry] = journal.contributions()  # what was journaled is intact
        assert entry.name == "avant.txt"
        assert (config.paths.data / entry.archive).is_file()
        assert not list(small_disk.glob("archive/*/.*partial"))  # no half copies
    finally:
        intake.stop()
        journal.close()
