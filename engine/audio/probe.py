"""Whether a real-time backend can play, asked of a child process.

pyo's portaudio boot segfaults when the machine has no output device, and a JACK client
may wait for a server; a child process takes the crash or the wait so the engine never
does. The child (`python -m engine.audio.probe BACKEND RATE BUFFER CHANNELS DEVICE`)
prints one verdict line; the parent never blocks on it except at boot.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from engine.config import AudioConfig

MARK = "carte-probe:"
LISTEN_SECONDS = 0.3
ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Verdict:
    """What a probe found: `ok`, the portaudio output index (-1: default), or why not."""

    backend: str
    ok: bool
    device: int = -1
    reason: str = ""


class Probe:
    """One child process probing one backend; `verdict()` is None until it answers."""

    def __init__(self, backend: str, audio: AudioConfig, timeout: float) -> None:
        self.backend = backend
        self.timeout = timeout
        self.started = time.monotonic()
        env = dict(os.environ, PYO_GUI_WX="0", JACK_NO_START_SERVER="1",
                   PYTHONPATH=os.pathsep.join(filter(None, (str(ROOT),
                                                            os.environ.get("PYTHONPATH")))))
        command = [sys.executable, "-m", "engine.audio.probe", backend, str(audio.sample_rate),
                   str(audio.buffer_size), str(audio.channels), audio.device]
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                        env=env, cwd=ROOT)

    def verdict(self) -> Verdict | None:
        code = self.process.poll()
        if code is None:
            if time.monotonic() - self.started < self.timeout:
                return None
            self.cancel()
            return Verdict(self.backend, False, reason=f"no answer within {self.timeout:g} s")
        assert self.process.stdout is not None
        out = self.process.stdout.read().decode("utf-8", "replace")
        self.process.stdout.close()
        return parse(self.backend, code, out)

    def cancel(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


def parse(backend: str, code: int, out: str) -> Verdict:
    """Read the child's verdict line; a crash or silence becomes the reason."""
    for line in reversed(out.splitlines()):
        if line.startswith(MARK):
            word, _, rest = line[len(MARK):].strip().partition(" ")
            if word == "ok":
                return Verdict(backend, True, int(rest or -1))
            return Verdict(backend, False, reason=rest)
    if code < 0:
        return Verdict(backend, False, reason=f"crashed while opening the output "
                                              f"(signal {-code})")
    return Verdict(backend, False, reason=f"exited with status {code} without a verdict")


class ProbeChain:
    """Probes backends in order, one child at a time, until one can play."""

    def __init__(self, backends: Sequence[str], audio: AudioConfig, timeout: float) -> None:
        self.waiting = list(backends)
        self.audio = audio
        self.timeout = timeout
        self.refusals: list[Verdict] = []
        self.found: Verdict | None = None
        self.current: Probe | None = None
        self._next()

    def _next(self) -> None:
        self.current = Probe(self.waiting.pop(0), self.audio, self.timeout) \
            if self.waiting else None

    def done(self) -> bool:
        """Advance without blocking; True once a backend was found or all refused."""
        while self.current is not None and self.found is None:
            verdict = self.current.verdict()
            if verdict is None:
                return False
            if verdict.ok:
                self.found = verdict
            else:
                self.refusals.append(verdict)
                self._next()
        return True

    def wait(self) -> Verdict | None:
        """Block until done (boot only); the backend that can play, or None."""
        while not self.done():
            time.sleep(0.02)
        return self.found

    def reasons(self) -> str:
        return "; ".join(f"{v.backend}: {v.reason}" for v in self.refusals)

    def cancel(self) -> None:
        if self.current is not None:
            self.current.cancel()
            self.current = None


def pick_device(wanted: str, names: Sequence[str], indexes: Sequence[int]) -> int | None:
    """The output index named by `wanted` (an index or part of a name); -1 for default."""
    if not wanted:
        return -1
    if wanted.isdigit():
        return int(wanted) if int(wanted) in indexes else None
    matches = [i for n, i in zip(names, indexes, strict=True) if wanted.lower() in n.lower()]
    return matches[0] if matches else None


def refuse(reason: str) -> str:
    return f"no {reason}"


def main(argv: Sequence[str]) -> str:
    """Open BACKEND output-only, listen a moment for progress; return the verdict text."""
    import pyo

    backend, rate, buffer, channels, wanted = argv
    device = -1
    if backend == "portaudio":
        names, indexes = pyo.pa_get_output_devices()
        if not names:
            return refuse("no output device")
        found = pick_device(wanted, names, indexes)
        if found is None:
            return refuse(f"no output device matches {wanted!r}; found: {', '.join(names)}")
        device = found
    server = pyo.Server(sr=int(rate), nchnls=int(channels), buffersize=int(buffer), duplex=0,
                        audio=backend, jackname="carte-probe")
    server.setVerbosity(0)
    server.deactivateMidi()
    if device >= 0:
        server.setOutputDevice(device)
    server.boot()
    if not server.getIsBooted():
        return refuse("no JACK server running" if backend == "jack" else "the output did not open")
    server.start()
    time.sleep(LISTEN_SECONDS)
    advanced = server.getCurrentTimeInSamples()
    server.stop()
    server.shutdown()
    if advanced <= 0:
        return refuse("the output opened but did not run")
    return f"ok {device}"


if __name__ == "__main__":
    print(MARK, main(sys.argv[1:]), flush=True)
