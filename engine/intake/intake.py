"""Intake: every settled inbox file ends archived and journaled, or refused with a reason.

The invariant, kept across `kill -9` at any moment: a file leaves the inbox only after
its bytes are in the archive (fsynced) and its entry is in the journal; a refused file
is moved beside a `NAME.reason.txt`. A restart rescans the inbox and finishes any job
half done, recognising what the journal already holds, so nothing is lost or doubled.

Decoding runs in worker processes; this module's threads only move files, write the
journal and put small frozen messages on `messages` for the frame loop.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import queue
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from engine.config import Config
from engine.intake.decode import VIDEO_SUFFIXES, Limits, Refusal
from engine.intake.inbox import Dropped, InboxWatcher, is_temporary
from engine.intake.tags import (
    combine,
    from_folders,
    from_values,
    is_sidecar,
    read_sidecar,
    sidecar_of,
)
from engine.intake.workers import Abandoned, DecoderWorker
from engine.journal.archive import Archive, digest_file, sync_folder
from engine.journal.cache import PayloadCache
from engine.journal.journal import Entry, Journal, tags_from_dict
from engine.journal.ledger import Ledger
from engine.meaning.language import Language
from engine.world.contribution import Contribution, Tags, understood

log = logging.getLogger(__name__)
MODERATION_POLL_SECONDS = 0.2
RETRY_SECONDS = 10.0
# How long `stop` waits for its threads, all together: a decode under way is dropped at
# once (its file stays for the next start), so only a disk write can take this long.
STOP_SECONDS = 5.0
THREADS_PER_WORKER = 2
WORKER_POLL_SECONDS = 0.2


@dataclass(frozen=True)
class Arrived:
    """A contribution for the carte: new, or restored from the journal at start; with
    several rooms, `stream` is its place in the shared stream (None: not there yet)."""

    contribution: Contribution
    state: str = "shown"
    restored: bool = False
    stream: int | None = None


@dataclass(frozen=True)
class Refused:
    """A file the carte cannot take, with the reason left beside it."""

    name: str
    reason: str


@dataclass(frozen=True)
class Duplicate:
    """A file whose content the carte already holds: journaled, shown once."""

    name: str
    of: str  # the id of the contribution it repeats


@dataclass(frozen=True)
class Completed:
    """The full payload of a contribution first shown from a preview (a video)."""

    contribution: Contribution


@dataclass(frozen=True)
class Moderated:
    """A moderator changed a contribution's state (shown, hidden, pinned)."""

    id: str
    state: str


Message = Arrived | Completed | Refused | Moderated | Duplicate


@dataclass(frozen=True)
class Readied:
    """Another node's contribution decoded, read, archived and cached here, waiting for
    its place in the stream to be journaled; `unknown`: its tags not understood."""

    contribution: Contribution
    archive: str
    unknown: tuple[str, ...] = ()


def limits_of(config: Config) -> Limits:
    intake = config.intake
    return Limits(max_bytes=intake.max_file_mb * 1024 * 1024,
                  max_pixels=int(intake.max_megapixels * 1_000_000),
                  max_frames=intake.max_frames, max_seconds=intake.max_seconds,
                  max_text_chars=intake.max_text_chars, image_size=intake.image_size,
                  sample_rate=config.audio.sample_rate)


def readable(path: Path) -> str:
    """A path as text that SQLite, JSON and logs accept, whatever bytes the name holds."""
    return os.fsencode(path).decode("utf-8", "replace")


class Intake:
    """The journal-backed intake of one data folder."""

    def __init__(self, config: Config, journal: Journal, moderation: bool = True) -> None:
        self.config = config
        self.moderation = moderation  # tell the frame loop of moderations (one machine)
        self.journal = journal
        self.inbox = config.paths.inbox
        self.archive = Archive(config.paths.data / "archive")
        self.cache = PayloadCache(config.paths.data / "cache")
        self.limits = limits_of(config)
        self.language = Language(config.event.language)
        self.messages: queue.SimpleQueue[Message] = queue.SimpleQueue()
        # Not a SimpleQueue: its get(timeout) shared by two threads can miss its deadline
        # and wait for the next put (CPython 3.11), so `stop` waited on an idle thread.
        self.dropped: queue.Queue[Dropped] = queue.Queue()
        self.watcher = InboxWatcher(self.inbox, self.dropped, config.intake.settle_seconds,
                                    config.intake.rescan_seconds)
        self.stopping = threading.Event()
        self.workers = [DecoderWorker(self.limits, config.intake.decode_timeout,
                                      config.intake.worker_memory_mb, self.stopping)
                        for _ in range(config.intake.workers)]
        # The decoders free for a file: a thread holds one only while it decodes, so each
        # decodes the next file while another thread archives and journals the last.
        self.idle: queue.Queue[DecoderWorker] = queue.Queue()
        self.orphans: dict[Path, float] = {}
        self.retry: dict[Path, float] = {}
        self.lock = threading.Lock()
        self.threads: list[threading.Thread] = []
        self.live = False
        self.listeners: list[Callable[[str], None]] = []  # told each inbox file looked at
        self.taking: set[Path] = set()  # paths a thread is processing now

    # -- running live -------------------------------------------------------------------

    def start(self) -> None:
        """Take what is dropped: two threads per decoder worker, which they share."""
        self.live = True
        for worker in self.workers:
            worker.warm()  # the first file dropped pays no start-up
            self.idle.put(worker)
        for index in range(THREADS_PER_WORKER * len(self.workers)):
            thread = threading.Thread(target=self._run, name=f"intake-{index}", daemon=True)
            self.threads.append(thread)
        if self.moderation:
            self.threads.append(threading.Thread(target=self._poll_moderation,
                                                 name="moderation", daemon=True))
        for thread in self.threads:
            thread.start()
        self.watcher.start()

    def stop(self) -> None:
        """Stop watching and decoding within `STOP_SECONDS` (safe whether or not `start`
        was called); a file being decoded stays in the inbox, taken at the next start."""
        self.stopping.set()
        deadline = time.monotonic() + STOP_SECONDS
        self.watcher.stop()
        for thread in self.threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        late = [t.name for t in self.threads if t.is_alive()]
        if late:
            log.error("intake: %s still busy after %g s (a stalled disk?); stopping without "
                      "them", ", ".join(late), STOP_SECONDS)
        self.threads.clear()
        for worker in self.workers:
            worker.stop()

    def _run(self) -> None:
        while not self.stopping.is_set():
            try:
                dropped = self.dropped.get(timeout=0.2)
            except queue.Empty:
                self._recheck_orphans()
                continue
            with self.lock:
                if dropped.path in self.taking:
                    continue  # handed over and seen by the watcher too: taken once
                self.taking.add(dropped.path)
            try:
                message = self.guarded(dropped.path)
            finally:
                with self.lock:
                    self.taking.discard(dropped.path)
            if message is not None:
                self.messages.put(message)
            source = readable(dropped.path.relative_to(self.inbox))
            for listener in self.listeners:
                listener(source)

    def hand(self, path: Path) -> None:
        """Take an inbox file now, without waiting for it to settle: its writer says it is
        whole (the web door, which renames it in once written and synced)."""
        self.dropped.put(Dropped(path))

    def _poll_moderation(self) -> None:
        seen = self.journal.last_moderation()
        while not self.stopping.wait(MODERATION_POLL_SECONDS):
            try:
                changes = self.journal.moderation_since(seen)
            except sqlite3.Error as error:
                log.warning("journal: cannot read moderation: %s", error)
                continue
            for seq, id, state in changes:
                seen = seq
                self.messages.put(Moderated(id, state))

    def _recheck_orphans(self) -> None:
        now = time.monotonic()
        with self.lock:
            again = [p for p, at in self.retry.items() if now >= at]
            for path in again:
                del self.retry[path]
        for path in again:
            self.dropped.put(Dropped(path))
        with self.lock:
            for gone in [p for p in self.orphans if not os.path.lexists(p)]:
                del self.orphans[gone]  # taken with its file meanwhile
            due = [p for p, since in self.orphans.items()
                   if time.monotonic() - since >= self.config.intake.sidecar_wait_seconds]
        for path in due:
            self.dropped.put(Dropped(path))

    # -- one file -----------------------------------------------------------------------

    def ingest_now(self) -> list[Message]:
        """Process every file in the inbox now, in name order (`carte ingest`); what the
        running engine would wait for (a `.part`, a dot-file) is left where it is."""
        found = sorted(p for p in self.inbox.rglob("*") if (p.is_file() or p.is_symlink())
                       and not is_temporary(p, self.inbox))
        messages = [self.guarded(p, self.workers[0], final=True) for p in found
                    if not is_sidecar(p)]
        messages += [self.guarded(p, self.workers[0], final=True) for p in found
                     if is_sidecar(p) and p.exists()]
        return [m for m in messages if m is not None]

    def guarded(self, path: Path, worker: DecoderWorker | None = None, final: bool = False
                ) -> Message | None:
        """`process`, with any failure logged and the file left in the inbox for a retry
        (a full data disk, a journal that cannot be written: nothing is lost)."""
        try:
            return self.process(path, worker, final)
        except Abandoned:
            log.info("%s: left in the inbox for the next start (stopping)", readable(path))
            return None
        except (OSError, sqlite3.Error) as error:
            full = getattr(error, "errno", None) == errno.ENOSPC or "full" in str(error)
            why = "the data disk is full" if full else f"{type(error).__name__}: {error}"
            log.error("%s: not taken, %s; it stays in the inbox and is tried again in %g s",
                      readable(path), why, RETRY_SECONDS)
        except Exception:  # the intake thread must outlive any one file
            log.exception("%s: left in the inbox after an unexpected error; tried again in "
                          "%g s", readable(path), RETRY_SECONDS)
        with self.lock:
            self.retry[path] = time.monotonic() + RETRY_SECONDS
        return None

    def process(self, path: Path, worker: DecoderWorker | None = None, final: bool = False
                ) -> Message | None:
        """Take one inbox file; decoded by `worker`, or by a free one (live)."""
        if not os.path.lexists(path):
            return None
        if is_sidecar(path):
            return self._sidecar(path, final)
        source = readable(path.relative_to(self.inbox))
        unfinished = self.journal.unfinished(source)
        if unfinished is not None and unfinished.state == "duplicate":
            self._remove(path, sidecar_of(path))  # a crash came between journal and removal
            self.journal.cleared(unfinished.seq)
            return None
        if unfinished is not None and unfinished.state == "refused":
            return self.refuse(path, unfinished.reason, unfinished.id, sidecar_of(path))
        if path.is_symlink() or not path.resolve().is_relative_to(self.inbox.resolve()):
            return self.refuse(path, "links are not followed; copy the file itself into "
                                     "the inbox")
        if not path.is_file():
            return None
        try:
            sha = digest_file(path, self.limits.max_bytes)
        except ValueError:
            return self.refuse(path, f"larger than {self.config.intake.max_file_mb} MiB "
                                     "([intake] max_file_mb); send a smaller export")
        except OSError as error:
            log.warning("%s: cannot read yet (%s); will retry", source, error.strerror)
            return None
        id = sha[:16]
        sidecar = sidecar_of(path)
        existing = self.journal.accepted(id)
        if existing is not None:
            return self._already(path, sidecar, source, existing)
        # Live, a video first shows its first frame (decoded in a moment), then plays
        # once the rest is decoded.
        preview = self.live and path.suffix.lower() in VIDEO_SUFFIXES
        try:
            with self.decoder(worker) as free:
                decoded = free.decode(path, preview=preview)
        except Refusal as refusal:
            return self.refuse(path, str(refusal), id, sidecar)
        tags, unknown, state = self._tags(path, decoded, sidecar)
        contribution = understood(replace(decoded, id=id, name=readable(Path(path.name)),
                                          tags=tags), self.language)
        stored = self.archive.store(path, sha)
        if sidecar is not None:
            self.archive.store(sidecar, digest_file(sidecar, 1 << 20))
        self.cache.save(contribution)
        try:
            seq = self.journal.accept(id, contribution.kind, contribution.name, source, tags,
                                      str(stored.relative_to(self.config.paths.data)),
                                      state, contribution.note)
        except sqlite3.IntegrityError:  # the same bytes, taken by the other intake thread
            existing = self.journal.accepted(id)
            assert existing is not None
            return self._already(path, sidecar, source, existing)
        if unknown:
            log.warning("%s: not understood and ignored: %s", source, "; ".join(unknown))
        self._remove(path, sidecar)
        self.journal.cleared(seq)
        log.info("taken: %s (%s) as %s%s", source, contribution.kind, id,
                 f"; {contribution.note}" if contribution.note else "")
        if not preview:
            return Arrived(contribution, state)
        self.messages.put(Arrived(contribution, state))
        return self._complete(contribution, stored, worker)

    def _complete(self, shown: Contribution, stored: Path, worker: DecoderWorker | None
                  ) -> Message | None:
        """The whole of a video shown by its first frame, from its archived copy."""
        try:
            with self.decoder(worker) as free:
                whole = free.decode(stored)
        except Refusal as refusal:
            log.warning("%s: only its first frame is shown: %s", shown.name, refusal)
            return None
        except Abandoned:  # stopping: the next start decodes it whole from the archive
            self.cache.forget(shown.id)
            return None
        whole = replace(whole, id=shown.id, name=shown.name, tags=shown.tags,
                        reading=shown.reading)
        self.cache.save(whole)
        return Completed(whole)

    @contextlib.contextmanager
    def decoder(self, worker: DecoderWorker | None) -> Iterator[DecoderWorker]:
        """`worker`, or a free decoder held for one decode (`Abandoned` when the engine
        stops while every one is busy)."""
        if worker is not None:
            yield worker
            return
        while True:
            try:
                free = self.idle.get(timeout=WORKER_POLL_SECONDS)
                break
            except queue.Empty:
                if self.stopping.is_set():
                    raise Abandoned("stopping") from None
        try:
            yield free
        finally:
            self.idle.put(free)

    def _already(self, path: Path, sidecar: Path | None, source: str,
                 existing: Entry) -> Message | None:
        if existing.source == source and not existing.cleared:
            self._remove(path, sidecar)  # a restart finishing a job a crash interrupted
            self.journal.cleared(existing.seq)
            return None
        seq = self.journal.duplicate(existing.id, existing.kind, readable(Path(path.name)),
                                     source, existing)
        self._remove(path, sidecar)
        self.journal.cleared(seq)
        log.info("%s: duplicate of %s (%s); kept once", source, existing.id, existing.name)
        return Duplicate(readable(Path(path.name)), existing.id)

    def _tags(self, path: Path, decoded: Contribution, sidecar: Path | None
              ) -> tuple[Tags, list[str], str]:
        """Its tags, what was not understood, and its first state (pending when its
        sidecar holds it for a moderator)."""
        event = self.config.event
        folders, unknown = from_folders(path, self.inbox, event)
        layers = [dict(event.defaults), folders]
        state = "shown"
        if sidecar is not None:
            values, problems = read_sidecar(sidecar, event)
            state = values.pop("moderation", state)
            layers.append(values)
            unknown += problems
        return combine(decoded.tags, layers), unknown, state

    def _sidecar(self, path: Path, final: bool) -> Message | None:
        main = path.with_name(path.stem)
        if main.exists():
            return None  # taken with its file
        with self.lock:
            since = self.orphans.setdefault(path, time.monotonic())
        if final or time.monotonic() - since >= self.config.intake.sidecar_wait_seconds:
            with self.lock:
                self.orphans.pop(path, None)
            return self.refuse(path, f"a sidecar of tags whose file {main.name!r} never "
                                     "arrived (or arrived before it); drop both together")
        return None

    def _remove(self, path: Path, sidecar: Path | None) -> None:
        for done in (path, sidecar):
            if done is not None:
                with contextlib.suppress(FileNotFoundError):
                    done.unlink()
        sync_folder(path.parent)

    def refuse(self, path: Path, reason: str, id: str = "", sidecar: Path | None = None
               ) -> Refused:
        """Journal the refusal, then move `path` (and its sidecar) to the refused folder
        beside its reason (a crash in between is finished on restart, not doubled)."""
        name = readable(Path(path.name))
        source = readable(path.relative_to(self.inbox))
        unfinished = self.journal.unfinished(source)
        seq = unfinished.seq if unfinished is not None and unfinished.state == "refused" \
            else self.journal.refuse(id, name, source, reason)
        folder = self.config.paths.refused
        folder.mkdir(parents=True, exist_ok=True)
        target = unique(folder / path.name)
        note = target.with_name(target.name + ".reason.txt")
        partial = note.with_name(f".{note.name}.partial")
        partial.write_text(reason + "\n", encoding="utf-8")
        os.replace(partial, note)
        shutil.move(path, target)
        if sidecar is not None:
            shutil.move(sidecar, unique(folder / sidecar.name))
        sync_folder(folder)
        self.journal.cleared(seq)
        log.warning("refused: %s: %s", name, reason)
        return Refused(name, reason)

    # -- from the other rooms -----------------------------------------------------------

    def readied(self, path: Path, decoded: Contribution, sha256: str, name: str,
                tags: dict[str, object], origin: str) -> Readied:
        """A file node `origin` took, fetched from the shared stream into `path` (its
        digest checked, synced) and `decoded` here in a decoder worker with this node's
        caps: its tags matched against the event's vocabulary like a sidecar's, read,
        archived and cached; journaled later, at its place in the stream (`receive`).
        Any order and several at once: nothing here depends on the stream's order."""
        values, unknown = from_values(dict(tags), self.config.event, f"from {origin}")
        values.pop("moderation", None)  # a first state travels as the state, nothing else
        contribution = understood(replace(decoded, id=sha256[:16], name=name,
                                          tags=combine(decoded.tags, [values])), self.language)
        stored = self.archive.store(path, sha256, link=True)
        path.unlink(missing_ok=True)
        self.cache.save(contribution)
        return Readied(contribution, str(stored.relative_to(self.config.paths.data)),
                       tuple(unknown))

    def receive(self, id: str, path: Path, result: Readied | Refusal, name: str, state: str,
                at: float, origin: str, seq: int, ledger: Ledger) -> Arrived | Refused:
        """Journal at its place `seq` in the stream a file node `origin` took: `readied`
        here, or refused here by this node's caps (kept with its reason, as a dropped
        file is)."""
        label = f"{origin}:{name}"
        if isinstance(result, Refusal):
            reason = f"from {origin}, refused here: {result}"
            folder = self.config.paths.refused
            folder.mkdir(parents=True, exist_ok=True)
            target = unique(folder / f"{origin}-{id}{path.suffix}")
            if path.is_file():
                shutil.move(path, target)
            note = target.with_name(target.name + ".reason.txt")
            note.write_text(reason + "\n", encoding="utf-8")
            ledger.refused(id, name, origin, reason, seq)
            log.warning("refused: %s: %s", label, reason)
            return Refused(label, reason)
        contribution = result.contribution
        ledger.received(id, contribution.kind, name, origin, contribution.tags,
                        result.archive, state, contribution.note, at, seq)
        if result.unknown:
            log.warning("%s: not understood and ignored: %s", label, "; ".join(result.unknown))
        return Arrived(contribution, state, stream=seq)

    # -- the journal's carte -------------------------------------------------------------

    def restore(self, worker: DecoderWorker | None = None) -> Iterator[Arrived]:
        """Every accepted contribution in the carte's order, with its current state."""
        for entry in self.journal.contributions():
            arrived = self.restored(entry, worker)
            if arrived is not None:
                yield arrived

    def restored(self, entry: Entry, worker: DecoderWorker | None = None) -> Arrived | None:
        """One journaled contribution, from the cache or decoded again from the archive;
        read (its terms) once, and cached read."""
        stored = self.cache.load(entry.id)
        if stored is None:
            try:
                stored = (worker or self.workers[0]).decode(
                    self.config.paths.data / entry.archive)
            except Refusal as refusal:
                log.error("%s: archived file no longer decodes: %s", entry.name, refusal)
                return None
        known = replace(stored, id=entry.id, name=entry.name, tags=tags_from_dict(entry.tags))
        if stored.reading is None or stored.id != entry.id:  # decoded, or cached
            known = understood(known, self.language)  # before contributions were read
            self.cache.save(known)
        return Arrived(known, entry.state, restored=True, stream=entry.stream)


def unique(target: Path) -> Path:
    """`name`, or `name (2)`, `name (3)`… where a file of that name is already there."""
    if not os.path.lexists(target):
        return target
    stem, suffix = target.stem, target.suffix
    for index in range(2, 100_000):
        candidate = target.with_name(f"{stem} ({index}){suffix}")
        if not os.path.lexists(candidate):
            return candidate
    raise OSError(f"too many refused files named {target.name}")
