"""Watching the inbox: a file is handed on only once it has stopped changing.

Transcripteurs copy files over network shares; a half-copied file must never be read.
A file is *settled* when its size and modification time have not changed for
`settle_seconds`; copy tools' temporary names (`.part`, `~`, `.tmp`, dot-files) are
waited for until renamed. A periodic rescan backs up inotify, which says nothing on
some shares and nothing at all for files present before the start.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from engine.watch import FolderWatch

log = logging.getLogger(__name__)
TEMPORARY_SUFFIXES = (".part", ".partial", ".tmp", ".crdownload", ".download", "~")


@dataclass(frozen=True)
class Dropped:
    """A settled file in the inbox, ready to be taken."""

    path: Path


def is_temporary(path: Path, inbox: Path) -> bool:
    """Names copy tools use while a file is still being written, and hidden files and
    folders (a dot-name: the checkout's `.gitkeep`, a share's `.Trash`): waited for, by
    the running engine and by `carte ingest` alike."""
    parts = path.relative_to(inbox).parts if path.is_relative_to(inbox) else (path.name,)
    return any(part.startswith(".") for part in parts) or \
        path.name.lower().endswith(TEMPORARY_SUFFIXES)


class InboxWatcher:
    """Turns inbox activity into `Dropped` messages on `out`, each settled file once."""

    def __init__(self, inbox: Path, out: queue.Queue[Dropped], settle_seconds: float,
                 rescan_seconds: float) -> None:
        self.inbox = inbox
        self.out = out
        self.settle = settle_seconds
        self.rescan_every = rescan_seconds
        self.watch = FolderWatch([inbox], recursive=True)
        self.watched: tuple[int, int] | None = None
        self.pending: dict[Path, tuple[int, int, float]] = {}
        self.handed: dict[Path, tuple[int, int]] = {}
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="inbox-settle", daemon=True)

    def start(self) -> None:
        self.inbox.mkdir(parents=True, exist_ok=True)
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        if self.thread.is_alive():
            self.thread.join(timeout=5)
        self.watch.stop()

    def _run(self) -> None:
        next_rescan = 0.0
        while not self.stopping.wait(0.05):
            now = time.monotonic()
            if now >= next_rescan:
                self._rescan()
                next_rescan = now + self.rescan_every
            for path in self.watch.drain():
                self._consider(path, now)
            self._settle(now)

    def _rescan(self) -> None:
        try:
            identity = self.inbox.stat()
            if self.watched != (identity.st_dev, identity.st_ino):
                self._rewatch((identity.st_dev, identity.st_ino))
            paths = [p for p in self.inbox.rglob("*") if p.is_file() or p.is_symlink()]
        except OSError as error:
            if self.watched is not None:
                log.warning("%s: the inbox is gone (%s); waiting for it", self.inbox,
                            error.strerror)
                self.watched = None
            return
        self.handed = {p: s for p, s in self.handed.items() if os.path.lexists(p)}
        now = time.monotonic()
        for path in paths:
            self._consider(path, now)

    def _rewatch(self, identity: tuple[int, int]) -> None:
        """Watch the inbox folder as it is now (it may have been removed and made again)."""
        if self.watched is not None or self.watch.observer is not None:
            log.info("%s: the inbox folder changed; watching the new one", self.inbox)
        self.watch.stop()
        self.watch = FolderWatch([self.inbox], recursive=True)
        self.watch.start()
        self.watched = identity

    def _consider(self, path: Path, now: float) -> None:
        if is_temporary(path, self.inbox) or path in self.pending:
            return
        try:
            stat = path.lstat()
        except OSError:
            return
        if self.handed.get(path) != (stat.st_size, stat.st_mtime_ns):
            self.pending[path] = (stat.st_size, stat.st_mtime_ns, now)

    def _settle(self, now: float) -> None:
        for path, (size, mtime, since) in list(self.pending.items()):
            try:
                stat = path.lstat()
            except OSError:
                del self.pending[path]
                continue
            if (stat.st_size, stat.st_mtime_ns) != (size, mtime):
                self.pending[path] = (stat.st_size, stat.st_mtime_ns, now)
            elif now - since >= self.settle:
                del self.pending[path]
                self.handed[path] = (size, mtime)
                self.out.put(Dropped(path))
