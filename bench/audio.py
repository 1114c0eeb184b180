"""Soundscape figures: offline render speed and the CPU share of real-time playing.

    .venv/bin/python bench/audio.py [--seconds 20] [--rounds 3]

- Offline: `Soundscape.render` of the default module (`sound/paysage.py`) on the offline
  backend, 48 kHz stereo, 512-frame buffers, with N contributions of every kind and
  theme arriving evenly over the render (500 in 20 s is a storm: the gesture queue and
  all ten voices stay full, the worst case for CPU). The figure is seconds of sound per
  second of wall time (median of rounds), including the capture of every sample.
  Reference: a bare pyo server computing one sine, stepped and captured the same way.
- Real time: a JACK server on its dummy driver (started here; skipped without jackd),
  the soundscape playing on it with N contributions already on the carte and a new
  gesture every 0.5 s, `poll()` called at 60 Hz as the frame loop does. The figure is
  this process's CPU time over wall time (JACK's audio thread runs inside the process),
  as a share of one core. Reference: a bare pyo JACK client playing one sine, same loop.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PYO_GUI_WX", "0")  # before pyo's import, as engine/__init__ does

import pyo  # noqa: E402

from bench.common import Aim, Row, table  # noqa: E402
from engine.audio.host import Soundscape  # noqa: E402
from engine.audio.kit import read  # noqa: E402
from engine.audio.loudness import mono_loudness  # noqa: E402
from engine.config import THEMES, AudioConfig  # noqa: E402
from engine.world.contribution import Clip, Contribution, Tags  # noqa: E402

RATE = 48000
GROUP = "sound"
COUNTS = (0, 50, 500)
WORDS = ("écoute", "commun", "données", "débat", "soin", "savoir", "partage", "confiance",
         "attention", "lien", "paradoxe", "possible", "enjeu", "capacité", "démocratie")


def contributions(count: int) -> list[Contribution]:
    """Every kind in turn, over every theme and the untagged centre."""
    tone = np.sin(2 * np.pi * 330 * np.arange(RATE * 2) / RATE).astype(np.float32)[:, None]
    sound = Clip(tone, RATE, loudness=mono_loudness(tone, RATE))  # measured at intake
    made = []
    for i in range(count):
        tags = Tags(theme=(*THEMES, None)[i % 5], keywords=(WORDS[i % 15], WORDS[(i + 4) % 15]))
        text = " ".join(WORDS[(i * 7 + k) % len(WORDS)] for k in range(5 + i % 8))
        kind = ("text", "keywords", "image", "data", "drawing", "sound")[i % 6]
        made.append(Contribution(
            f"{i:016x}", kind, f"{i}", text, tags,
            palette=((i % 7 / 7, 0.5, 0.3), (0.2, i % 5 / 5, 0.8)) if kind == "image" else (),
            series=(("v", tuple(np.sin(np.arange(20) * (i % 4 + 1) / 5))),)
            if kind == "data" else (),
            strokes=(((0.1, 0.8, 0.5), (0.5, 0.2, 0.9), (0.9, 0.5, 0.4)),)
            if kind == "drawing" else (),
            clip=sound if kind == "sound" else None))
    return made


def soundscape(backend: str) -> Soundscape:
    return Soundscape(AudioConfig(backend=backend, sample_rate=RATE), ROOT / "sound", THEMES)


def offline_paysage(seconds: float, count: int) -> float:
    arrivals = [(seconds * i / max(count, 1), c) for i, c in enumerate(contributions(count))]
    started = time.perf_counter()
    soundscape("offline").render(seconds, arrivals)
    return seconds / (time.perf_counter() - started)


def offline_reference(seconds: float) -> float:
    server = pyo.Server(sr=RATE, nchnls=2, buffersize=512, duplex=0, audio="manual")
    server.setVerbosity(1)
    server.deactivateMidi()
    server.boot().start()
    sine = pyo.Sine(220, mul=0.2).mix(2).out()
    table = pyo.DataTable(32 * 512, chnls=2)
    fill = pyo.TableFill(sine, table)
    started = time.perf_counter()
    for index in range(int(seconds * RATE / 512)):
        server.process()
        if index % 32 == 31:
            [read(table, c) for c in range(2)]
    elapsed = time.perf_counter() - started
    del fill, table, sine
    server.stop()
    server.shutdown()
    return seconds / elapsed


def cpu_share(seconds: float, start: Callable[[], Callable[[], None]],
              arrive: Callable[[int], None] | None = None) -> float:
    """CPU time of this process over wall time while `poll` runs at 60 Hz."""
    poll = start()
    wall, cpu = time.perf_counter(), time.process_time()
    next_arrival, index = wall, 0
    while time.perf_counter() - wall < seconds:
        poll()
        if arrive is not None and time.perf_counter() >= next_arrival:
            arrive(index)
            index += 1
            next_arrival += 0.5
        time.sleep(1 / 60)
    return (time.process_time() - cpu) / (time.perf_counter() - wall)


def realtime_paysage(seconds: float, count: int) -> float:
    scape = soundscape("jack")
    fresh = contributions(count + int(seconds * 2) + 1)

    def start() -> Callable[[], None]:
        scape.start()
        assert scape.backend == "jack", f"expected jack, got {scape.backend}"
        for contribution in fresh[:count]:
            scape.contribution(contribution, gesture=False)
        return scape.poll

    try:
        return cpu_share(seconds, start, lambda i: scape.contribution(fresh[count + i]))
    finally:
        scape.stop()


def realtime_reference(seconds: float) -> float:
    server = pyo.Server(sr=RATE, nchnls=2, buffersize=512, duplex=0, audio="jack")
    server.setVerbosity(1)
    server.deactivateMidi()
    held: list[object] = []

    def start() -> Callable[[], None]:
        server.boot().start()
        held.append(pyo.Sine(220, mul=0.2).mix(2).out())
        return lambda: None

    try:
        return cpu_share(seconds, start)
    finally:
        held.clear()
        server.stop()
        server.shutdown()


def jack_server() -> subprocess.Popen[bytes] | None:
    if shutil.which("jackd") is None:
        return None
    server = subprocess.Popen(["jackd", "--no-realtime", "-d", "dummy", "-r", str(RATE), "-p",
                               "512"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env={"JACK_NO_AUDIO_RESERVATION": "1", "PATH": "/usr/bin:/bin"})
    time.sleep(0.5)
    return server if server.poll() is None else None


def median(run: Callable[[], float], rounds: int) -> float:
    return statistics.median(run() for _ in range(rounds))


def measure(seconds: float, rounds: int) -> list[Row]:
    """Offline speed at each count, then the real-time CPU share on a JACK dummy server."""
    reference = median(lambda: offline_reference(seconds), rounds)
    rows = []
    for count in COUNTS:
        speed = median(lambda c=count: offline_paysage(seconds, c), rounds)
        rows.append(Row(GROUP, f"soundscape offline render, {count} contributions", speed,
                        "x real time", reference, "bare pyo sine, same capture",
                        note="sound/paysage.py on the offline backend, 48 kHz stereo, "
                             "512-frame buffers, contributions of every kind arriving "
                             "evenly." if count == 0 else ""))
    jack = jack_server()
    if jack is None:
        rows.append(Row(GROUP, "soundscape real time on JACK", math.nan, "",
                        note="skipped: jackd not installed or did not start"))
        return rows
    try:
        floor = median(lambda: realtime_reference(seconds / 2), rounds)
        for count in COUNTS:
            share = median(lambda c=count: realtime_paysage(seconds / 2, c), rounds)
            rows.append(Row(GROUP, f"soundscape real time on JACK, {count} contributions",
                            100 * share, "% of one core", 100 * floor,
                            "bare pyo JACK client, one sine",
                            Aim(15.0, on="value") if count == 500 else None,
                            "Process CPU time over wall time (JACK's audio thread runs "
                            "inside it), poll() at 60 Hz, a new gesture every 0.5 s."
                            if count == 0 else ""))
    finally:
        jack.terminate()
        jack.wait(timeout=5)
    return rows


def figures(quick: bool) -> list[Row]:
    return measure(5.0, 1) if quick else measure(20.0, 3)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(table(measure(args.seconds, args.rounds)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
