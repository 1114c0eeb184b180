"""Start-up and restart: from launching `carte run --headless` to its first frame, with an
empty journal and with 10,000 journaled contributions, and how long the whole carte
takes to come back.

The first frame is the engine's own word for it: systemd's readiness message
(`READY=1`, sent once the first frame is presented) on a `NOTIFY_SOCKET` this bench
listens on. The reference is a bare Python process that creates an EGL context with
moderngl, draws one full-screen quad and says READY the same way. Rounds interleave the
reference, the empty start and the restart.

The big journal is written directly (`Journal.accept` and `PayloadCache.save`, see
`bench.common.write_journal`): what a restart reads is the same as after intake.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import (
    ROOT,
    SIZE,
    Aim,
    Row,
    fabricated,
    interleaved,
    make_project,
    write_journal,
)
from engine.app import Engine
from engine.clock import FixedClock
from engine.config import load_config
from engine.render.surface import OffscreenSurface

GROUP = "start"
JOURNALED = 10_000
BARE = """
import os, socket, moderngl, numpy
ctx = moderngl.create_standalone_context(backend="egl", require=330)
fbo = ctx.simple_framebuffer(({}, {}))
program = ctx.program(
    vertex_shader="#version 330 core\\nin vec2 p;\\nvoid main(){{gl_Position=vec4(p,0,1);}}",
    fragment_shader="#version 330 core\\nout vec4 c;\\nvoid main(){{c=vec4(0.1,0.1,0.2,1);}}")
quad = ctx.buffer(numpy.array([-1, -1, 1, -1, -1, 1, 1, 1], dtype="f4"))
fbo.use()
ctx.vertex_array(program, [(quad, "2f", "p")]).render(moderngl.TRIANGLE_STRIP)
ctx.finish()
socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"READY=1", os.environ["NOTIFY_SOCKET"])
""".format(*SIZE)


def engine_command(config: Path) -> list[str]:
    return [sys.executable, "-m", "engine", "run", "--headless", "--config", str(config),
            "--seconds", "600"]


def until_ready(command: list[str], folder: Path) -> float:
    """Seconds from launching `command` to its READY=1 (inf when it never says it);
    the process is then stopped with SIGTERM."""
    folder.mkdir(parents=True, exist_ok=True)
    address = folder / f"notify-{time.monotonic_ns()}.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(str(address))
    listener.settimeout(0.2)
    with (folder / "process.log").open("ab") as log:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                   env=os.environ | {"NOTIFY_SOCKET": str(address)})
    ready = float("inf")
    try:
        while process.poll() is None and time.perf_counter() - started < 120:
            try:
                message = listener.recv(4096)
            except TimeoutError:
                continue
            if b"READY=1" in message.split(b"\n"):
                ready = time.perf_counter() - started
                break
    finally:
        process.terminate()
        process.wait(timeout=60)
        listener.close()
        address.unlink(missing_ok=True)
    return ready


def whole_carte(config: Path, folder: Path, count: int, cap: float) -> tuple[float, int]:
    """A live restart with `count` journaled: seconds from launch until status.json
    (rewritten every 2 s) shows them all on the carte, or inf and how many it showed
    after `cap` seconds."""
    status = load_config(config).paths.data / "status.json"
    status.unlink(missing_ok=True)
    with (folder / "process.log").open("ab") as log:
        started = time.perf_counter()
        process = subprocess.Popen(engine_command(config), cwd=ROOT, stdout=log,
                                   stderr=subprocess.STDOUT)
    shown = 0
    try:
        while time.perf_counter() - started < cap and process.poll() is None:
            time.sleep(0.25)
            try:
                shown = int(json.loads(status.read_text())["contributions"])
            except (OSError, ValueError, KeyError):
                continue
            if shown >= count:
                return time.perf_counter() - started, shown
    finally:
        process.terminate()
        process.wait(timeout=60)
    return float("inf"), shown


def restore_in_process(config: Path) -> float:
    """Engine, the journal's whole carte placed (`restore_now`, as renders do), and the
    first frame finished, in this process; seconds."""
    started = time.perf_counter()
    engine = Engine(load_config(config), OffscreenSurface(SIZE), FixedClock(60), live=False)
    try:
        engine.restore_now()
        engine.step()
        engine.surface.ctx.finish()
        return time.perf_counter() - started
    finally:
        engine.close()


def figures(quick: bool) -> list[Row]:
    rounds = 2 if quick else 4
    in_process = 1000 if quick else JOURNALED
    with tempfile.TemporaryDirectory(prefix="carte-bench-start-") as name:
        folder = Path(name)
        empty = make_project(folder / "empty")
        full = make_project(folder / "full")
        themes = load_config(full).event.themes
        started = time.perf_counter()
        write_journal(load_config(full), fabricated(JOURNALED, 0, themes))
        journal_seconds = time.perf_counter() - started
        small = make_project(folder / "small")
        write_journal(load_config(small), fabricated(in_process, 0, themes))
        logs = folder / "logs"
        bare, first, restart = interleaved(rounds, [
            lambda: (until_ready([sys.executable, "-c", BARE], logs),),
            lambda: (until_ready(engine_command(empty), logs),),
            lambda: (until_ready(engine_command(full), logs),)])
        complete, shown = whole_carte(full, logs, JOURNALED, 10.0 if quick else 60.0)
        (placed,), (nothing,) = interleaved(1 if in_process > 1000 else rounds, [
            lambda: (restore_in_process(small),), lambda: (restore_in_process(empty),)])
    return [
        Row(GROUP, "start-up to first frame (`carte run --headless`, empty journal)",
            first[0], "s", bare[0], "bare moderngl EGL process, one quad",
            note="Launch to READY=1 on NOTIFY_SOCKET (sent after the first frame); audio "
                 "off, OSC on; decoder workers start meanwhile."),
        Row(GROUP, f"restart with {JOURNALED:,} journaled contributions to first frame",
            restart[0], "s", first[0], "same start, empty journal", Aim(3.0, on="value"),
            f"Live: the journal's whole carte is placed before the first frame. "
            f"Journal written directly in {journal_seconds:.0f} s."),
        Row(GROUP, f"restart with {JOURNALED:,} journaled: whole carte back (live)",
            complete, "s", aim=Aim(3.0, on="value"),
            note=f"Until status.json (every 2 s) counts them all; "
                 f"{shown:,} of {JOURNALED:,} on the carte when last read."),
        Row(GROUP, f"restart with {in_process:,} journaled: Engine + restore + first frame "
            "(in process)", placed, "s", nothing, "same, empty journal", Aim(3.0, on="value"),
            "Engine(), restore_now() (every contribution placed before the first frame, as "
            "renders do), step(), ctx.finish()."),
    ]

