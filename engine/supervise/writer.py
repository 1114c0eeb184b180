"""Disk writes the frame loop hands over: a thread of their own, so no frame waits on a disk.

The frame loop gives copies (a frame's pixels, a status dict, journal rows) wrapped in
jobs. A job waiting under a name is replaced by a newer one of that name (a preview or
a status no one wrote yet is stale), so a slow or stalled disk never grows a backlog;
rows that add up are put under names of their own and all written, in order. `stop`
writes what is left, so a clean stop saves the last state.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)
STOP_SECONDS = 5.0


class Writer:
    def __init__(self) -> None:
        self.jobs: dict[str, Callable[[], None]] = {}
        self.changed = threading.Condition()
        self.stopping = False
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self._run, name="writer", daemon=True)
        self.thread.start()

    def put(self, name: str, job: Callable[[], None]) -> None:
        """Run `job` soon on the writer's thread (at once when it is not started)."""
        if self.thread is None:
            self._do(name, job)
            return
        with self.changed:
            self.jobs.pop(name, None)  # a newer one goes last, in order
            self.jobs[name] = job
            self.changed.notify()

    def stop(self) -> None:
        """Write what waits, then end the thread (a stalled disk is given up on)."""
        if self.thread is None:
            return
        with self.changed:
            self.stopping = True
            self.changed.notify()
        self.thread.join(timeout=STOP_SECONDS)
        if self.thread.is_alive():
            log.error("writer: a write still waits after %g s (a stalled disk?); "
                      "stopping without it", STOP_SECONDS)
        self.thread = None

    def _run(self) -> None:
        while True:
            with self.changed:
                while not self.jobs and not self.stopping:
                    self.changed.wait()
                jobs, self.jobs = self.jobs, {}
                last = self.stopping
            for name, job in jobs.items():
                self._do(name, job)
            if last:
                with self.changed:
                    if not self.jobs:
                        return

    @staticmethod
    def _do(name: str, job: Callable[[], None]) -> None:
        try:
            job()
        except Exception as error:  # a full disk must not stop the show
            log.error("writer: %s not written: %s: %s", name, type(error).__name__, error)
