"""Decoding in a separate process, with a timeout and a memory cap.

A corrupt video or a malicious drawing may hang, exhaust memory or crash a decoder: it
must take down only its worker, never the show. Each `DecoderWorker` owns one process
started with `spawn` (never fork a process holding GL, SDL or pyo); a job that times out
or kills the process is refused with the reason, and the next job gets a fresh worker.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import multiprocessing.connection
import os
import threading
import time
from multiprocessing.process import BaseProcess
from pathlib import Path

from engine.intake.chatter import Chatter
from engine.intake.decode import Limits, Refusal, decode
from engine.intake.decode.reasons import explain
from engine.world.contribution import Contribution

log = logging.getLogger(__name__)
SLICE = 0.1  # seconds between looks at the stop flag while a file decodes
START_SECONDS = 120.0  # a fresh worker's imports, on a loaded machine; not a file's time


class Abandoned(Exception):
    """The engine is stopping: the decode was dropped, its file stays for the next start."""


def serve(connection: multiprocessing.connection.Connection, limits: Limits,
          memory_mb: int) -> None:
    """The worker's loop: decode each path sent, answer ("ok", c) or ("refused", why),
    with what the decoding libraries printed meanwhile."""
    import resource

    cap = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    # Below the frame loop: on a small machine the picture stays smooth while files decode.
    os.nice(5)
    chatter = Chatter()
    connection.send(("ready", None, []))  # a file's timeout starts now, not at the spawn
    while True:
        try:
            job = connection.recv()
        except (EOFError, KeyboardInterrupt):
            return
        if job is None:
            return
        path, preview = job
        try:
            answer: tuple[str, object] = ("ok", decode(Path(path), limits, preview))
        except Refusal as refusal:
            answer = ("refused", str(refusal))
        except MemoryError:
            answer = ("refused", f"decoding needed more than {memory_mb} MiB; send a smaller "
                                 "or simpler file")
        except Exception as error:  # a decoder bug is this file's refusal, not a crash
            answer = ("refused", explain(error, "export it again or send another format"))
        try:
            connection.send((*answer, chatter.collect()))
        except MemoryError:
            connection.send(("refused", "the decoded file is too large to hand over",
                             chatter.collect()))


class DecoderWorker:
    """One decoding process, restarted after every failure."""

    def __init__(self, limits: Limits, timeout: float, memory_mb: int,
                 stopping: threading.Event | None = None) -> None:
        self.limits = limits
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.stopping = stopping or threading.Event()
        self.context = multiprocessing.get_context("spawn")
        self.process: BaseProcess | None = None
        self.connection: multiprocessing.connection.Connection | None = None
        self.ready = False

    def _ensure(self) -> multiprocessing.connection.Connection:
        if self.process is None or not self.process.is_alive() or self.connection is None:
            self._discard()
            ours, theirs = self.context.Pipe()
            self.process = self.context.Process(target=serve, name="carte-decoder",
                                                args=(theirs, self.limits, self.memory_mb),
                                                daemon=True)
            self.process.start()
            theirs.close()
            self.connection = ours
            self.ready = False
        return self.connection

    def _wait(self, connection: multiprocessing.connection.Connection, seconds: float,
              path: Path) -> bool:
        """Until the worker speaks (True), `seconds` pass (False) or the engine stops."""
        deadline = time.monotonic() + seconds
        while not connection.poll(SLICE):
            if self.stopping.is_set():
                self._discard()
                raise Abandoned(str(path))
            if time.monotonic() >= deadline:
                return False
        return True

    def _started(self, connection: multiprocessing.connection.Connection, path: Path) -> None:
        """Wait for a fresh worker's word that it is ready; a worker that does not start
        is the machine's trouble, not the file's: OSError, and the file is tried again."""
        try:
            if self._wait(connection, START_SECONDS, path):
                connection.recv()
                self.ready = True
                return
        except (EOFError, OSError) as error:
            self._discard()
            raise OSError(f"the decoder process stopped while starting: {error}") from error
        self._discard()
        raise OSError(f"the decoder process did not start within {START_SECONDS:g} s")

    def warm(self) -> None:
        """Start the process now, so the first file dropped pays no start-up."""
        self._ensure()

    def decode(self, path: Path, preview: bool = False) -> Contribution:
        """Decode `path` in the worker; `Refusal` on bad input, timeout or a dead worker;
        `Abandoned` (the worker stopped, nothing refused) when the engine stops meanwhile."""
        connection = self._ensure()
        if not self.ready:
            self._started(connection, path)
        try:
            connection.send((str(path), preview))
            if not self._wait(connection, self.timeout, path):
                self._discard()
                raise Refusal(f"decoding took longer than {self.timeout:g} s; send a "
                              "shorter or simpler file")
            status, payload, printed = connection.recv()
        except (EOFError, OSError, BrokenPipeError) as error:
            code = self.process.exitcode if self.process is not None else None
            self._discard()
            raise Refusal(f"the decoder stopped on this file (exit {code}); the file is "
                          "probably corrupt") from error
        for line in printed:
            log.warning("decoder on %s: %s", path.name, line)
        if status == "ok":
            assert isinstance(payload, Contribution)
            return payload
        raise Refusal(str(payload))

    def _discard(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None
        if self.process is not None:
            if self.process.is_alive():
                self.process.kill()
            self.process.join(timeout=5)
            self.process = None

    def stop(self) -> None:
        """Ask the worker to finish, then make sure it has."""
        if self.connection is not None and self.process is not None and \
                self.process.is_alive():
            with contextlib.suppress(OSError):
                self.connection.send(None)
            self.process.join(timeout=2)
        self._discard()
