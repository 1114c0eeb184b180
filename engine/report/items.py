"""What the archive shows: the journal's shown and pinned contributions, with payloads.

Hidden contributions and refused or duplicate files never leave this module. Payloads
come from the decode cache; one missing from it is decoded again from the archived
original in a worker process, as intake does at a restart, so an untrusted file is
never decoded in the process writing the archive.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from engine.config import Config, EventConfig
from engine.intake.decode import Refusal
from engine.journal.cache import PayloadCache
from engine.journal.journal import Entry, Journal, tags_from_dict
from engine.world.contribution import Contribution

log = logging.getLogger(__name__)
PUBLIC_STATES = ("shown", "pinned")


class ArchiveError(Exception):
    """The archive cannot be written; the message says why and what to do."""


@dataclass(frozen=True)
class Item:
    """One contribution as the archive shows it."""

    contribution: Contribution
    original: Path
    at: datetime
    pinned: bool
    parcours: str | None

    @property
    def id(self) -> str:
        return self.contribution.id

    @property
    def kind(self) -> str:
        return self.contribution.kind


def parcours_of(event: EventConfig, theme: str | None, sequence: str | None,
                tagged: str | None) -> str | None:
    """The tagged parcours, else the one parcours that crosses this sequence with this
    theme (each parcours gives every sequence its own theme, so the pair names it)."""
    if tagged is not None:
        return tagged
    crossing = [name for name, sequences in event.parcours.items()
                if sequence is not None and sequences.get(sequence) == theme]
    return crossing[0] if len(crossing) == 1 else None


def public_entries(journal_path: Path) -> list[Entry]:
    """The shown and pinned contributions, in arrival order."""
    if not journal_path.is_file():
        raise ArchiveError(f"{journal_path}: no journal here; run the show or `carte ingest` "
                           "with this config first")
    journal = Journal(journal_path)
    try:
        return [e for e in journal.contributions() if e.state in PUBLIC_STATES]
    finally:
        journal.close()


def gather(config: Config) -> list[Item]:
    """Every public contribution with its payload, tags from the journal, in arrival order."""
    from engine.intake.intake import limits_of
    from engine.intake.workers import DecoderWorker

    data = config.paths.data
    cache = PayloadCache(data / "cache")
    worker = DecoderWorker(limits_of(config), config.intake.decode_timeout,
                           config.intake.worker_memory_mb)
    items: list[Item] = []
    try:
        for entry in public_entries(data / "journal.sqlite"):
            original = data / entry.archive
            payload = cache.load(entry.id)
            if payload is None:
                try:
                    payload = worker.decode(original)
                except Refusal as refusal:
                    log.error("%s (%s): left out of the archive, its file no longer "
                              "decodes: %s", entry.name, entry.id, refusal)
                    continue
            tags = tags_from_dict(entry.tags)
            contribution = replace(payload, id=entry.id, name=entry.name, tags=tags)
            items.append(Item(contribution, original, datetime.fromtimestamp(entry.at),
                              entry.state == "pinned",
                              parcours_of(config.event, tags.theme, tags.sequence,
                                          tags.parcours)))
    finally:
        worker.stop()
    return items
