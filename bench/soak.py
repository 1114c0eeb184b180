"""Soak: a headless engine fed files and OSC for minutes or hours, watched every second.

    .venv/bin/python bench/soak.py --minutes N [--rate-files X] [--rate-osc Y]
                                   [--idle-minutes M] [--out DIR] [--audio BACKEND]

`carte run --headless` runs as a subprocess on a throwaway copy of the project. One
thread drops files into its inbox at X per second, each moved in with one rename: every
kind of `engine/intake/samples.py` (each made unique, so each is a new contribution) and,
one drop in six, a hostile file (a truncated JPEG, a decompression-bomb PNG, a
billion-laughs SVG, binary junk named .txt, an empty text, an unknown suffix). Another
sends Y OSC datagrams per second: parameter changes, relative changes, queries (their
replies are counted), a scene switch and back now and then, a text contribution now and
then, and garbage (random bytes, wrong types, out-of-range values).

Each second goes to `soak.csv`: the engine process's memory, threads and open files, its
decoder workers' memory, and from `data/status.json` (rewritten every 2 s) frame time
percentiles, fps, GL object counts and queue depths; from the journal, files accepted,
duplicate and refused. At the end, `soak.png` plots them, and the run is checked: the
engine never died and stopped cleanly, every dropped file is in `carte list --json`
(hostile ones refused, and present in the refused folder beside their reason), nothing is
left in the inbox, and the memory trend (least-squares slope over the second half) is
printed in MB per hour, with the memory per accepted contribution, the same two once
every full picture slot is held (the budget's plateau: what still grows there is what
each contribution costs, not pictures filling the budget) and, after
`--idle-minutes` with nothing sent, the slope while idle (growth there is a leak, not
content). pyo's object count is not in status.json, so it is not recorded.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # the repository, not bench/, whose module names are generic

from pythonosc.osc_message_builder import OscMessageBuilder  # noqa: E402

from bench.common import make_project  # noqa: E402
from bench.plot import Panel, draw  # noqa: E402
from engine.config import load_config  # noqa: E402
from engine.intake.samples import write_samples  # noqa: E402

HOSTILE_EVERY = 6
TAILS = {".txt": " ({})\n", ".md": " ({})\n", ".mots": "mot{}\n", ".csv": "{};1;1\n"}
DRAIN_SECONDS = 120.0
PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20
COLUMNS = ("t", "rss_mb", "workers_rss_mb", "threads", "fds", "fps", "frame_p50_ms",
           "frame_p95_ms", "frame_p99_ms", "frame_max_ms", "contributions", "refused_seen",
           "queue_arrivals", "queue_dropped", "gl_shaders", "gl_pictures",
           "gl_picture_slots_used", "gl_picture_slots", "gl_thumbnails",
           "gl_thumbnail_cells", "gl_text_glyphs", "inbox_files", "files_dropped",
           "journal_accepted", "journal_duplicate", "journal_refused", "osc_sent",
           "osc_replies")
Sample = dict[str, float | None]


# -- what is dropped ---------------------------------------------------------------------

def bomb_png(side: int = 16384) -> bytes:
    """A valid greyscale PNG of side x side pixels whose zeros compress to almost
    nothing: small on disk, a gigabyte-class image once decoded."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    packer = zlib.compressobj(9)
    row = bytes(side + 1)
    idat = b"".join(packer.compress(row * 64) for _ in range(side // 64)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat)
            + chunk(b"IEND", b""))


def billion_laughs() -> bytes:
    """An SVG whose nine nested entities expand to a billion `lol`s."""
    entities = ['<!ENTITY lol0 "lol">']
    for level in range(1, 10):
        reference = f"&lol{level - 1};"
        entities.append(f'<!ENTITY lol{level} "{reference * 10}">')
    return ('<?xml version="1.0"?>\n<!DOCTYPE svg [\n' + "\n".join(entities) + "\n]>\n"
            '<svg xmlns="http://www.w3.org/2000/svg"><text>&lol9;</text></svg>\n').encode()


@dataclass(frozen=True)
class Drop:
    """One file moved into the inbox: its path under the inbox, and whether it is one
    the engine must refuse."""

    source: str
    hostile: bool


class Material:
    """The files to drop, made once: the samples (each drop made unique by a tail the
    decoders ignore or read as content) and the hostile files (dropped as they are)."""

    def __init__(self, folder: Path) -> None:
        samples = folder / "samples"
        self.samples = [(p.relative_to(samples), p.read_bytes()) for p in
                        write_samples(samples)]
        photo = next(data for path, data in self.samples if path.suffix == ".jpg")
        self.hostile = [
            (Path("capacitations/photo-tronquée.jpg"), photo[:len(photo) // 2]),
            (Path("datas/bombe.png"), bomb_png()),
            (Path("coopérations/rires.svg"), billion_laughs()),
            (Path("démocratie/binaire.txt"), random.Random(7).randbytes(4096)),
            (Path("vide.txt"), b""),
            (Path("programme.exe"), b"MZ" + bytes(510)),
        ]
        self.staging = folder / "staging"
        self.staging.mkdir()

    def file(self, number: int) -> tuple[Path, bytes, bool]:
        """The `number`-th drop: where under the inbox, its bytes, whether hostile."""
        if number % HOSTILE_EVERY == HOSTILE_EVERY - 1:
            path, data = self.hostile[number // HOSTILE_EVERY % len(self.hostile)]
            hostile = True
        else:
            path, data = self.samples[number % len(self.samples)]
            tail = TAILS.get(path.suffix, "\n<!-- {} -->\n").format(number)
            data, hostile = data + tail.encode(), False
        return path.with_name(f"soak-{number:05d}-{path.name}"), data, hostile

    def drop(self, number: int, inbox: Path) -> Drop:
        relative, data, hostile = self.file(number)
        staged = self.staging / f"{number:05d}"
        staged.write_bytes(data)
        target = inbox / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged, target)
        return Drop(relative.as_posix(), hostile)


# -- what is sent over OSC ---------------------------------------------------------------

def message(address: str, *args: Any) -> bytes:
    builder = OscMessageBuilder(address)
    for arg in args:
        builder.add_arg(arg)
    return builder.build().dgram


def datagram(number: int, chance: random.Random) -> tuple[str, bytes]:
    """The `number`-th OSC datagram and what kind it is: mostly a VJ's faders, with
    queries, a scene switch and back, a text now and then, and garbage."""
    if number % 1000 in (0, 150):
        return "scene", message("/carte/scenes/switch", "brume" if number % 1000 == 0
                                else "champ", 2.0)
    if number % 250 == 7:
        return "text", message("/carte/contributions/text", f"Une idée par OSC ({number})",
                               "datas", "#soak")
    kinds = {
        0: ("param", message("/carte/layers/champ/speed", chance.uniform(0.0, 4.0))),
        1: ("relative", message("/carte/layers/champ/brightness",
                                chance.choice("+-"), 0.05)),
        2: ("query", message("/carte/layers/champ/lines", "?")),
        3: ("param", message("/carte/layers/contributions/opacity", chance.uniform(0.6, 1))),
        4: ("query", message("/carte/moderation/recent", 5)),
        5: ("garbage", chance.randbytes(chance.randint(1, 200))),
        6: ("garbage", message("/carte/layers/champ/speed", "vite")),
        7: ("garbage", message("/carte/layers/champ/speed", 1e9)),
        8: ("garbage", b"carte/layers\0\0\0\0,f\0\0" + bytes(4)),
        9: ("param", message("/carte/layers/champ/lines", chance.uniform(0.0, 1.0))),
    }
    return kinds[number % len(kinds)]


# -- watching the engine -----------------------------------------------------------------

def proc_status(pid: int) -> tuple[float, int] | None:
    """Resident MB and thread count of a process, None once it is gone."""
    try:
        fields = dict(line.split(":", 1) for line in
                      Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    except OSError:
        return None
    if "VmRSS" not in fields:  # a child that has exited but not been reaped yet
        return None
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["Threads"])


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def journal_counts(path: Path) -> Counter[str]:
    """Entries by outcome, read-only while the engine writes (WAL)."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1.0)
        try:
            return Counter(dict(db.execute(
                "SELECT outcome, COUNT(*) FROM entries GROUP BY outcome").fetchall()))
        finally:
            db.close()
    except sqlite3.Error:
        return Counter()


class Soak:
    """The run: the engine process, the two feeding threads, and the samples."""

    def __init__(self, out: Path, rate_files: float, rate_osc: float, audio: str) -> None:
        self.out = out
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.config_path = make_project(out / "project", {
            "osc": {"port": str(self.port)}, "audio": {"backend": f'"{audio}"'}})
        self.config = load_config(self.config_path)
        self.material = Material(out)
        self.rate_files, self.rate_osc = rate_files, rate_osc
        self.drops: list[Drop] = []
        self.osc = Counter[str]()
        self.replies = 0
        self.stopping = threading.Event()
        self.samples: list[Sample] = []
        self.idle_from = 0
        self.log = (out / "engine.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "engine", "run", "--headless", "--config",
             str(self.config_path)], cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)
        self.threads = [threading.Thread(target=self._drop_files, name="soak-files"),
                        threading.Thread(target=self._send_osc, name="soak-osc")]

    @property
    def status_path(self) -> Path:
        return self.config.paths.data / "status.json"

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while not self.status_path.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the engine did not start; see {self.out / 'engine.log'}")
            time.sleep(0.2)

    def _paced(self, rate: float, act: Callable[[int], object]) -> None:
        """Call `act(n)` `rate` times a second until stopped, catching up after stalls."""
        started, number = time.monotonic(), 0
        while not self.stopping.is_set():
            due = started + number / rate
            if self.stopping.wait(max(0.0, due - time.monotonic())):
                return
            act(number)
            number += 1

    def _drop_files(self) -> None:
        if self.rate_files > 0:
            self._paced(self.rate_files, lambda n: self.drops.append(
                self.material.drop(n, self.config.paths.inbox)))

    def _send_osc(self) -> None:
        if self.rate_osc <= 0:
            return
        chance = random.Random(11)
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setblocking(False)

        def send(number: int) -> None:
            kind, data = datagram(number, chance)
            try:
                sock.sendto(data, ("127.0.0.1", self.port))
                self.osc[kind] += 1
            except OSError:
                self.osc["unsent"] += 1
            while True:
                try:
                    sock.recv(65536)
                except OSError:
                    break
                self.replies += 1

        try:
            self._paced(self.rate_osc, send)
        finally:
            sock.close()

    def sample(self, started: float) -> Sample:
        """One line of the CSV."""
        pid = self.process.pid
        own = proc_status(pid)
        workers = [proc_status(child) for child in children(pid)]
        try:
            fds: int | None = len(os.listdir(f"/proc/{pid}/fd"))
        except OSError:
            fds = None
        try:
            status = json.loads(self.status_path.read_text())
        except (OSError, ValueError):
            status = {}
        frame, gl, queues = (status.get(k, {}) for k in ("frame_ms", "gl", "queues"))
        counts = journal_counts(self.config.paths.data / "journal.sqlite")
        inbox = sum(1 for p in self.config.paths.inbox.rglob("*") if p.is_file())
        return {
            "t": round(time.monotonic() - started, 2),
            "rss_mb": None if own is None else round(own[0], 1),
            "workers_rss_mb": round(sum(w[0] for w in workers if w), 1),
            "threads": None if own is None else own[1], "fds": fds,
            "fps": status.get("fps"), "frame_p50_ms": frame.get("p50"),
            "frame_p95_ms": frame.get("p95"), "frame_p99_ms": frame.get("p99"),
            "frame_max_ms": frame.get("max"), "contributions": status.get("contributions"),
            "refused_seen": status.get("refused"), "queue_arrivals": queues.get("arrivals"),
            "queue_dropped": queues.get("dropped"), "gl_shaders": gl.get("shaders"),
            "gl_pictures": gl.get("pictures"),
            "gl_picture_slots_used": gl.get("picture_slots_used"),
            "gl_picture_slots": gl.get("picture_slots"),
            "gl_thumbnails": gl.get("thumbnails"),
            "gl_thumbnail_cells": gl.get("thumbnail_cells"),
            "gl_text_glyphs": gl.get("text_glyphs"),
            "inbox_files": inbox, "files_dropped": len(self.drops),
            "journal_accepted": counts["accepted"], "journal_duplicate": counts["duplicate"],
            "journal_refused": counts["refused"], "osc_sent": sum(self.osc.values()),
            "osc_replies": self.replies}

    def run(self, minutes: float, idle_minutes: float) -> str:
        """Feed and watch for `minutes`, let the inbox drain, watch `idle_minutes` more
        with nothing sent, stop the engine with SIGTERM; how it ended ("exit 0" when
        cleanly)."""
        try:
            self.wait_ready()
            started = time.monotonic()
            for thread in self.threads:
                thread.start()
            try:
                died = self._watch(started, started + minutes * 60)
            finally:
                self.stopping.set()
                for thread in self.threads:
                    thread.join()
            if died or self._watch(started, time.monotonic() + DRAIN_SECONDS, drain=True):
                return f"died during the run (exit {self.process.returncode})"
            self.idle_from = len(self.samples)
            if self._watch(started, time.monotonic() + idle_minutes * 60):
                return f"died while idle (exit {self.process.returncode})"
            self.process.send_signal(signal.SIGTERM)
            try:
                return f"exit {self.process.wait(timeout=60)}"
            except subprocess.TimeoutExpired:
                return "did not stop within 60 s of SIGTERM (killed)"
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self.log.close()

    def _watch(self, started: float, until: float, drain: bool = False) -> bool:
        """Sample each second until `until` (or, when draining, until the inbox is empty
        and the queues idle); True when the engine died."""
        next_sample = time.monotonic()
        while time.monotonic() < until:
            if self.process.poll() is not None:
                return True
            self.samples.append(self.sample(started))
            last = self.samples[-1]
            if drain and last["inbox_files"] == 0 and not last["queue_dropped"] and \
                    not last["queue_arrivals"]:
                return False
            next_sample += 1.0
            time.sleep(max(0.0, next_sample - time.monotonic()))
        return False


# -- the verdict -------------------------------------------------------------------------

def slope(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of y over x; None with too few points or no spread."""
    if len(points) < 3:
        return None
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    if not spread:
        return None
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread


def trend(samples: list[Sample], key: str, against: str = "t") -> float | None:
    """Slope of `key` against `against` over these samples (per hour against time)."""
    found = slope([(float(s[against]), float(s[key])) for s in samples
                   if s[against] is not None and s[key] is not None])
    return None if found is None else found * (3600 if against == "t" else 1)


def budget_full(samples: list[Sample]) -> int | None:
    """Index of the first sample with every full picture slot held: from there on the
    picture budget's big part is spent, and only thumbnails (7 KB each, inside pages
    already allotted) still grow with pictures; what else grows is per contribution."""
    for index, sample in enumerate(samples):
        used, slots = sample["gl_picture_slots_used"], sample["gl_picture_slots"]
        if used is not None and slots and used >= slots:
            return index
    return None


def account(soak: Soak) -> tuple[list[str], Counter[str], int]:
    """Every dropped file against `carte list --json` and the refused folder: the
    problems found, the outcomes, and how many contributions came over OSC."""
    listed = subprocess.run([sys.executable, "-m", "engine", "list", "--json", "--config",
                             str(soak.config_path)], cwd=ROOT, capture_output=True, text=True,
                            check=True)
    entries = json.loads(listed.stdout)["contributions"]
    by_source: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        by_source.setdefault(entry["source"], []).append(entry)
    problems: list[str] = []
    outcomes = Counter[str]()
    refused_folder = soak.config.paths.refused
    for drop in soak.drops:
        found = by_source.get(drop.source, [])
        if len(found) != 1:
            problems.append(f"{drop.source}: {len(found)} journal entries, expected 1")
            continue
        entry = found[0]
        outcomes[entry["state"]] += 1
        if drop.hostile and entry["state"] != "refused":
            problems.append(f"{drop.source}: hostile but {entry['state']}")
        if not drop.hostile and entry["state"] == "refused":
            problems.append(f"{drop.source}: refused: {entry['reason']}")
        if entry["state"] == "refused":
            name = Path(drop.source).name
            reason = refused_folder / f"{name}.reason.txt"
            if not (refused_folder / name).exists() or not reason.exists() or \
                    not reason.read_text(encoding="utf-8").strip():
                problems.append(f"{drop.source}: not in {refused_folder} beside a reason")
    left = [p for p in soak.config.paths.inbox.rglob("*") if p.is_file()]
    problems += [f"left in the inbox: {p}" for p in left]
    osc = sum(1 for entry in entries if Path(entry["source"]).name.startswith("osc-")
              and not entry["source"].endswith(".json"))
    return problems, outcomes, osc


def plot(soak: Soak, path: Path, title: str) -> None:
    def line(key: str) -> list[float | None]:
        return [s[key] for s in soak.samples]

    def lines(*keys: str) -> tuple[tuple[str, list[float | None]], ...]:
        return tuple((key, line(key)) for key in keys)

    draw(path, title, [float(s["t"] or 0.0) for s in soak.samples], [
        Panel("Memory", "MB", lines("rss_mb", "workers_rss_mb")),
        Panel("Frame time, last 600 frames", "ms",
              lines("frame_p50_ms", "frame_p95_ms", "frame_p99_ms")),
        Panel("Frames per second", "fps", lines("fps")),
        Panel("GL objects", "count", lines("gl_shaders", "gl_pictures",
                                           "gl_picture_slots_used", "gl_thumbnails")),
        Panel("Text glyph instances", "count", lines("gl_text_glyphs")),
        Panel("Queues and inbox", "items", lines("queue_arrivals", "queue_dropped",
                                                 "inbox_files")),
        Panel("Files dropped, and journal entries (OSC texts included)", "count",
              lines("files_dropped", "journal_accepted", "journal_duplicate",
                    "journal_refused")),
        Panel("Engine process", "count", lines("threads", "fds")),
    ])


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _times(value: float | None, factor: float) -> float | None:
    return None if value is None else value * factor


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, required=True)
    parser.add_argument("--rate-files", type=float, default=0.5, help="files per second")
    parser.add_argument("--rate-osc", type=float, default=50.0, help="datagrams per second")
    parser.add_argument("--idle-minutes", type=float, default=0.0,
                        help="then watch this long with nothing sent: a leak shows as "
                             "growth while idle")
    parser.add_argument("--out", type=Path, help="folder for the project, CSV and PNG "
                        "(default: a new temporary folder)")
    parser.add_argument("--audio", default="none", help="[audio] backend for the engine "
                        "(default none; manual computes the soundscape in the frame loop)")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="carte-soak-"))
    out.mkdir(parents=True, exist_ok=True)
    soak = Soak(out, args.rate_files, args.rate_osc, args.audio)
    ended = soak.run(args.minutes, args.idle_minutes)
    with (out / "soak.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS)
        writer.writeheader()
        writer.writerows(soak.samples)
    problems, outcomes, osc_texts = account(soak)
    rss = [s["rss_mb"] for s in soak.samples if s["rss_mb"] is not None]
    fed, idle = soak.samples[:soak.idle_from], soak.samples[soak.idle_from:]
    second_half = fed[len(fed) // 2:]
    slopes = {key: trend(second_half, key) for key in
              ("rss_mb", "workers_rss_mb", "threads", "fds", "gl_picture_slots_used",
               "gl_text_glyphs", "frame_p95_ms")}
    per_contribution = trend(fed, "rss_mb", against="journal_accepted")
    full = budget_full(fed)
    after = fed[full:] if full is not None else []
    plateau = {"budget_full_at_minute": None if full is None
               else round(float(fed[full]["t"] or 0) / 60, 1),
               "contributions_after": None if not after else
               int((after[-1]["journal_accepted"] or 0) - (after[0]["journal_accepted"] or 0)),
               "rss_mb_per_hour": _rounded(trend(after, "rss_mb") if len(after) > 30 else None),
               "rss_kb_per_contribution": _rounded(
                   None if len(after) <= 30 else
                   _times(trend(after, "rss_mb", against="journal_accepted"), 1024))}
    idle_slope = trend(idle, "rss_mb") if len(idle) > 30 else None
    summary = {
        "minutes": args.minutes, "idle_minutes": args.idle_minutes,
        "rate_files": args.rate_files, "rate_osc": args.rate_osc,
        "engine": ended, "files_dropped": len(soak.drops),
        "hostile_dropped": sum(d.hostile for d in soak.drops), "outcomes": dict(outcomes),
        "osc_sent": dict(soak.osc), "osc_replies": soak.replies,
        "osc_contributions_journaled": osc_texts,
        "rss_mb": {"first": rss[0] if rss else None, "last": rss[-1] if rss else None,
                   "max": max(rss, default=None)},
        "slopes_per_hour_second_half": {k: None if v is None else round(v, 2)
                                        for k, v in slopes.items()},
        "rss_mb_per_accepted_contribution": None if per_contribution is None
        else round(per_contribution, 3),
        "rss_mb_per_hour_idle": None if idle_slope is None else round(idle_slope, 2),
        "after_picture_budget_full": plateau,
        "problems": problems}
    (out / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    plot(soak, out / "soak.png", f"Soak: {args.minutes:g} min, {args.rate_files:g} files/s, "
         f"{args.rate_osc:g} OSC/s; memory slope over the second half "
         f"{slopes['rss_mb'] or 0:+.1f} MB/h")
    print(json.dumps(summary, indent=2, ensure_ascii=False))
    print(f"\nCSV {out / 'soak.csv'}\nPNG {out / 'soak.png'}\nengine log {out / 'engine.log'}")
    ok = ended == "exit 0" and not problems
    print("soak: passed" if ok else "soak: FAILED", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
