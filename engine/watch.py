"""File-system events as a queue of paths, for threads that must not act on them.

Watchdog calls back on its own thread; we only put the changed path on a queue. The
main thread (hot reload) or the intake thread drains it and does the work.
"""

from __future__ import annotations

import logging
import queue
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver

log = logging.getLogger(__name__)


class _Enqueue(FileSystemEventHandler):
    def __init__(self, out: queue.SimpleQueue[Path]) -> None:
        self.out = out

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory or event.event_type in ("opened", "closed_no_write", "deleted"):
            return
        target = getattr(event, "dest_path", "") or event.src_path
        self.out.put(Path(str(target)))


class FolderWatch:
    """Watches folders and queues the path of every file created, changed or moved in."""

    def __init__(self, folders: list[Path], recursive: bool = False) -> None:
        self.changed: queue.SimpleQueue[Path] = queue.SimpleQueue()
        self.folders = folders
        self.recursive = recursive
        self.observer: BaseObserver | None = None

    def start(self) -> None:
        self.observer = Observer()
        self.observer.daemon = True
        handler = _Enqueue(self.changed)
        for folder in self.folders:
            if folder.is_dir():
                self.observer.schedule(handler, str(folder), recursive=self.recursive)
            else:
                log.warning("%s: folder does not exist; not watching it", folder)
        self.observer.start()

    def drain(self) -> set[Path]:
        """Every distinct path changed since the last drain (never blocks)."""
        paths: set[Path] = set()
        while True:
            try:
                paths.add(self.changed.get_nowait())
            except queue.Empty:
                return paths

    def stop(self) -> None:
        if self.observer is not None:
            self.observer.stop()
            self.observer.join(timeout=5)
            self.observer = None
