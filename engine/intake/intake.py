"""The intake thread: settled inbox files become contributions for the frame loop.

It reads and decodes off the main thread and puts small frozen messages on a queue;
the frame loop places them. Files stay where they were dropped for now: the durable
archive and journal take them over once they exist (see the intake issue).
"""

from __future__ import annotations

import hashlib
import logging
import queue
import threading
from dataclasses import dataclass, replace
from pathlib import Path

from engine.config import Config
from engine.intake.decoders import Refusal, decoder_for
from engine.intake.inbox import Dropped, InboxWatcher
from engine.intake.tags import tags_from_folders
from engine.world.contribution import Contribution

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Arrived:
    """A new contribution, ready to be placed on the carte."""

    contribution: Contribution


@dataclass(frozen=True)
class Refused:
    """A file the carte cannot take, with the reason shown to whoever dropped it."""

    path: Path
    reason: str


Message = Arrived | Refused


def contribution_from_file(path: Path, config: Config) -> Contribution:
    """Read, decode and tag one inbox file; `Refusal` says why it cannot be used."""
    inbox = config.paths.inbox
    if path.is_symlink() or not path.resolve().is_relative_to(inbox.resolve()):
        raise Refusal("links and files outside the inbox are not followed; copy the file in")
    decoder = decoder_for(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise Refusal(f"cannot read the file: {error.strerror}") from error
    decoded = decoder(data, config.intake)
    tags, unknown = tags_from_folders(path, inbox, config.event)
    if unknown:
        log.warning("%s: folder name(s) %s are not themes, sequences, parcours or moments "
                    "of [event]; ignored", path, ", ".join(repr(u) for u in unknown))
    tags = replace(tags, keywords=decoded.keywords)
    digest = hashlib.sha256(data).hexdigest()
    return Contribution(digest[:16], decoded.kind, path.name, decoded.text, tags)


class Intake:
    """Owns the inbox watcher and the thread that turns its files into messages."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.dropped: queue.SimpleQueue[Dropped] = queue.SimpleQueue()
        self.messages: queue.SimpleQueue[Message] = queue.SimpleQueue()
        self.watcher = InboxWatcher(config.paths.inbox, self.dropped,
                                    config.intake.settle_seconds, config.intake.rescan_seconds)
        self.thread = threading.Thread(target=self._run, name="intake", daemon=True)
        self.stopping = threading.Event()

    def start(self) -> None:
        self.watcher.start()
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.watcher.stop()
        self.thread.join(timeout=5)

    def _run(self) -> None:
        while not self.stopping.is_set():
            try:
                dropped = self.dropped.get(timeout=0.1)
            except queue.Empty:
                continue
            self.messages.put(take(dropped.path, self.config))


def take(path: Path, config: Config) -> Message:
    """One file to one message; nothing a visitor drops may raise past this point."""
    try:
        return Arrived(contribution_from_file(path, config))
    except Refusal as refusal:
        log.warning("%s: refused: %s", path, refusal)
        return Refused(path, str(refusal))
    except Exception as error:  # a decoder bug must not stop the intake thread
        log.exception("%s: refused: unexpected error", path)
        return Refused(path, f"unexpected error while reading: {error!r}")
