"""The pyo server on the best output available, and the watchdog that keeps it so.

`auto` tries the sound card (portaudio), then JACK, and otherwise computes the sound
without playing it (`manual`), with one warning line: a venue's machine without a sound
card still runs the show. Real-time backends are probed in a child process first (see
`probe`), always output-only.

The watchdog (`poll`, once a frame) compares the audio clock with the wall clock: a
real-time output that stops advancing (a lost device, a dead JACK server, a stalled
callback) is replaced at once by `manual`, so levels keep moving, and the device is
looked for again in the background every `retry_seconds`; when it answers, the server
is reopened on it. A reopen drops every pyo object, so the owner rebuilds its graph.
"""

from __future__ import annotations

import gc
import logging
import math
import time

import pyo

from engine.audio.options import SoundOptions
from engine.audio.probe import ProbeChain, Verdict
from engine.config import AudioConfig

log = logging.getLogger(__name__)

REALTIME = ("portaudio", "jack")
COMPUTED = ("manual", "offline")
CANDIDATES = {"auto": REALTIME, "portaudio": ("portaudio",), "jack": ("jack",)}


class AudioServer:
    """One pyo server at a time: opened, stepped (computed modes), watched, reopened."""

    def __init__(self, audio: AudioConfig, options: SoundOptions) -> None:
        self.audio = audio
        self.options = options
        self.candidates: tuple[str, ...] = CANDIDATES.get(audio.backend, ())
        self.server: pyo.Server | None = None
        self.backend = "none"
        self.sample_rate = audio.sample_rate
        self.buffer_size = audio.buffer_size
        self.owed = 0.0
        self.probe: ProbeChain | None = None
        self.next_probe = math.inf
        self.ready: Verdict | None = None
        self.window = (0.0, 0)

    @property
    def realtime(self) -> bool:
        return self.backend in REALTIME

    @property
    def running(self) -> bool:
        return self.server is not None

    def open(self) -> None:
        """Open the configured backend; a real-time one that cannot play falls back to
        `manual` with one warning line."""
        if self.audio.backend == "none":
            return
        if not self.candidates:
            self._boot(self.audio.backend)
            return
        chain = ProbeChain(self.candidates, self.audio, self.options.probe_seconds)
        found = chain.wait()
        if found is not None:
            self._boot(found.backend, found.device)
            return
        log.warning("audio: no sound output (%s); the soundscape is computed but not played, "
                    "looking again every %g s", chain.reasons(), self.options.retry_seconds)
        self._boot("manual")
        self.next_probe = time.monotonic() + self.options.retry_seconds

    def _boot(self, backend: str, device: int = -1) -> None:
        audio = "manual" if backend in COMPUTED else backend
        server = pyo.Server(sr=self.audio.sample_rate, nchnls=self.audio.channels,
                            buffersize=self.audio.buffer_size, duplex=0, audio=audio,
                            jackname="carte")
        server.setVerbosity(1)
        server.deactivateMidi()
        if device >= 0:
            server.setOutputDevice(device)
        server.boot()
        if not server.getIsBooted():
            if audio == "manual":
                raise RuntimeError("pyo could not boot even in manual mode")
            log.warning("audio: %s answered the probe but did not open; computing without "
                        "playing", backend)
            self._boot("manual")
            self.next_probe = time.monotonic() + self.options.retry_seconds
            return
        server.setGlobalSeed(max(1, self.options.seed))
        server.start()
        self.server = server
        self.backend = backend
        self.sample_rate = int(server.getSamplingRate())
        self.buffer_size = int(server.getBufferSize())
        self.owed = 0.0
        self.window = (time.monotonic(), 0)
        if backend in REALTIME:
            log.info("audio: playing on %s at %d Hz, %d frames a buffer, %d channels", backend,
                     self.sample_rate, self.buffer_size, self.audio.channels)

    def close(self) -> None:
        """Stop and drop the server; the caller has dropped its pyo objects first."""
        if self.probe is not None:
            self.probe.cancel()
            self.probe = None
        self.next_probe = math.inf
        self.ready = None
        self._shutdown()

    def _shutdown(self) -> None:
        if self.server is not None:
            gc.collect()
            self.server.stop()
            self.server.shutdown()
            self.server = None
            self.backend = "none"

    def reopen(self) -> None:
        """After `poll` asked for it (objects already dropped): open what is available now."""
        ready, self.ready = self.ready, None
        self._shutdown()
        if ready is not None:
            self._boot(ready.backend, ready.device)
        else:
            self._boot("manual")
            self.next_probe = time.monotonic() + self.options.retry_seconds

    def samples(self) -> int:
        """Frames computed since the server opened."""
        return 0 if self.server is None else int(self.server.getCurrentTimeInSamples())

    def now(self) -> float:
        """Seconds of sound computed since the server opened."""
        return self.samples() / self.sample_rate

    def due(self, seconds: float) -> int:
        """Whole buffers owed after `seconds` more (computed modes); the remainder is kept
        so that long runs of odd frame times add up exactly."""
        if self.server is None or self.realtime:
            return 0
        self.owed += max(0.0, seconds) * self.sample_rate
        buffers = int(self.owed // self.buffer_size)
        self.owed -= buffers * self.buffer_size
        return buffers

    def step(self) -> None:
        """Compute one buffer (computed modes only)."""
        assert self.server is not None and not self.realtime
        self.server.process()

    def poll(self) -> bool:
        """The watchdog; True when the server must be reopened (the owner drops its pyo
        objects, calls `reopen`, then rebuilds)."""
        if self.realtime:
            return self._stalled()
        if self.probe is not None:
            if not self.probe.done():
                return False
            found, self.probe = self.probe.found, None
            if found is not None:
                log.warning("audio: %s can play again; reopening the output", found.backend)
                self.ready = found
                return True
            self.next_probe = time.monotonic() + self.options.retry_seconds
        elif time.monotonic() >= self.next_probe:
            self.probe = ProbeChain(self.candidates, self.audio, self.options.probe_seconds)
            self.next_probe = math.inf
        return False

    def _stalled(self) -> bool:
        now = time.monotonic()
        since, start = self.window
        if now - since < self.options.stall_seconds:
            return False
        samples = self.samples()
        self.window = (now, samples)
        expected = (now - since) * self.sample_rate
        booted = self.server is not None and self.server.getIsBooted()
        if booted and samples - start >= 0.5 * expected:
            return False
        log.warning("audio: the %s output stalled (%.2f s of sound in %.2f s); computing "
                    "without playing and looking for it every %g s", self.backend,
                    (samples - start) / self.sample_rate, now - since,
                    self.options.retry_seconds)
        return True
