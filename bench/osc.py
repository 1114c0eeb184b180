"""OSC throughput and frame cost, side by side with python-osc's own blocking server.

    .venv/bin/python bench/osc.py [--seconds 2] [--rounds 3] [--json out.json]

A separate process floods the server with parameter messages (eight addresses, as a
VJ surface moving faders) over UDP on loopback, as fast as Python can send. Figures:

- messages per second the server handles, against `BlockingOSCUDPServer` with a
  dispatcher on the same messages, in interleaved rounds (medians), the rate cap
  lifted so that both run flat out, while a 60 fps loop drains the commands;
- the cost of a simulated frame (fixed pure-Python work, then `drain()` and apply) with
  no traffic, under a paced flood at the default per-sender rate cap, and under the
  unlimited flood: the frame loop shares the interpreter with the OSC thread.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pythonosc.dispatcher import Dispatcher  # noqa: E402
from pythonosc.osc_message_builder import OscMessageBuilder  # noqa: E402
from pythonosc.osc_server import BlockingOSCUDPServer  # noqa: E402

from bench.common import Aim, Row, table  # noqa: E402
from engine.config import OscConfig  # noqa: E402
from engine.control import ControlModel, ControlSettings, OscServer, SetParam  # noqa: E402
from engine.render.shader import ShaderInput  # noqa: E402

PARAMS = tuple(ShaderInput(f"p{i}", "float", 0.5, 0.0, 1.0, f"P{i}") for i in range(8))
MODEL = ControlModel(("champ",), (("champ", PARAMS),), ())
ADDRESSES = tuple(f"/carte/layers/champ/p{i}" for i in range(8))
FRAME = 1 / 60
GROUP = "osc"
UNLIMITED = ControlSettings(rate=1e12, burst=10**12)


def datagrams() -> list[bytes]:
    made = []
    for index in range(64):
        builder = OscMessageBuilder(ADDRESSES[index % len(ADDRESSES)])
        builder.add_arg(index / 64)
        made.append(builder.build().dgram)
    return made


def blast(host: str, port: int, seconds: float, rate: float) -> None:
    """The sender process: send for `seconds`, flat out (rate 0) or paced."""
    import socket

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.connect((host, port))
    packets = datagrams()
    started = time.perf_counter()
    sent = 0
    while (now := time.perf_counter()) - started < seconds:
        due = len(packets) if rate <= 0 else int((now - started) * rate) - sent
        for packet in packets[:max(due, 0)]:
            with contextlib.suppress(OSError):  # a full buffer or refused port: keep going
                sock.send(packet)
            sent += 1
        if rate > 0 and due <= 0:
            time.sleep(0.0005)


def sender(port: int, seconds: float, rate: float = 0.0) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, __file__, "--blast", str(port), str(seconds),
                             str(rate)])


class Reference:
    """python-osc's blocking server with a dispatcher counting the same messages."""

    def __init__(self) -> None:
        self.count = 0
        dispatcher = Dispatcher()
        dispatcher.map("/carte/layers/champ/*", self.handle)
        self.server = BlockingOSCUDPServer(("127.0.0.1", 0), dispatcher)
        self.thread = threading.Thread(target=self.server.serve_forever, name="ref")

    def handle(self, address: str, *args: object) -> None:
        self.count += 1

    def __enter__(self) -> Reference:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.thread.join()
        self.server.server_close()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def handled(self) -> int:
        return self.count


class Carte:
    """Our server, drained by a frame loop like the engine's."""

    def __init__(self, limits: ControlSettings) -> None:
        self.server = OscServer(OscConfig("127.0.0.1", 0, ("127.0.0.1/32",)), MODEL, limits)
        self.values: dict[str, object] = {}

    def __enter__(self) -> Carte:
        self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()

    @property
    def port(self) -> int:
        return self.server.address[1]

    def handled(self) -> int:
        return self.server.stats()["accepted"]

    def frame(self) -> None:
        for command in self.server.drain():
            if isinstance(command, SetParam):
                self.values[command.name] = command.resolve(self.values.get(command.name))


def throughput(receiver: Reference | Carte, seconds: float) -> float:
    """Messages per second handled while a flood runs and a 60 fps loop ticks."""
    flood = sender(receiver.port, seconds + 1.5)
    frame = getattr(receiver, "frame", lambda: None)
    try:
        wait_until(lambda: receiver.handled() > 0, frame)
        tick(0.5, frame)
        before, started = receiver.handled(), time.perf_counter()
        tick(seconds, frame)
        return (receiver.handled() - before) / (time.perf_counter() - started)
    finally:
        flood.wait()


def wait_until(condition: Callable[[], bool], frame: Callable[[], None]) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit("the sender process never reached the server")
        frame()
        time.sleep(FRAME)


def tick(seconds: float, frame: Callable[[], None]) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        frame()
        time.sleep(FRAME)


def work() -> None:
    """A frame's worth of pure-Python work, fixed, standing in for the engine's."""
    total = 0.0
    for index in range(100000):
        total += index * 0.5
    if total < 0:
        raise AssertionError


def frame_ms(carte: Carte, seconds: float, rate: float | None) -> float:
    """Median ms of `work` + drain per frame, with a flood at `rate` (None: no traffic,
    0: flat out) running in another process."""
    flood = None if rate is None else sender(carte.port, seconds + 1.5, rate)
    samples = []
    try:
        if flood is not None:
            wait_until(lambda: carte.handled() > 0, carte.frame)
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            started = time.perf_counter()
            work()
            carte.frame()
            samples.append(time.perf_counter() - started)
            time.sleep(max(FRAME - samples[-1], 0.0))
    finally:
        if flood is not None:
            flood.wait()
    return statistics.median(samples) * 1000


def measure(seconds: float, rounds: int) -> list[Row]:
    """Throughput against the reference, then frame cost idle, capped and flooded."""
    ours, theirs = [], []
    for _ in range(rounds):  # interleaved, so both see the same machine load
        with Carte(UNLIMITED) as carte:
            ours.append(throughput(carte, seconds))
        with Reference() as reference:
            theirs.append(throughput(reference, seconds))
    default = ControlSettings()
    frames: dict[str, list[float]] = {"idle": [], "capped": [], "flood": []}
    for _ in range(rounds):
        with Carte(default) as carte:
            frames["idle"].append(frame_ms(carte, seconds, None))
            frames["capped"].append(frame_ms(carte, seconds, default.rate))
        with Carte(UNLIMITED) as carte:
            frames["flood"].append(frame_ms(carte, seconds, 0.0))
    frame = {key: statistics.median(values) for key, values in frames.items()}
    rows = [Row(GROUP, "OSC messages/s handled, flood from another process",
                statistics.median(ours), "msg/s", statistics.median(theirs),
                "python-osc BlockingOSCUDPServer", Aim(0.8, at_least=True),
                "Rate cap lifted for both; a 60 fps loop drains the commands meanwhile.")]
    for key, label in (("capped", f"{default.rate:g} msg/s (the default cap)"),
                       ("flood", "unlimited flood (cap lifted)")):
        rows.append(Row(GROUP, f"frame ms (work + drain) under OSC, {label}", frame[key], "ms",
                        frame["idle"], "same frame, no OSC traffic", Aim(1.1),
                        "A fixed pure-Python frame's work, then drain and apply, with the "
                        "OSC thread sharing the interpreter." if key == "capped" else ""))
    return rows


def figures(quick: bool) -> list[Row]:
    return measure(1.0, 1) if quick else measure(2.0, 3)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--blast", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.blast:
        blast("127.0.0.1", int(args.blast[0]), float(args.blast[1]), float(args.blast[2]))
        return 0
    rows = measure(args.seconds, args.rounds)
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps([row.as_json() for row in rows], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
