"""The benchmark suite: every figure the issues ask for, in one Markdown table (and JSON).

    .venv/bin/python bench/run.py [--quick] [--json out.json] [--only GROUP ...]

Each group runs in a process of its own (its own GL context, pyo server, threads and
memory, so one group's state cannot skew another's), one after the other. Inside a
group every comparison is side by side: the engine and its reference in interleaved
rounds, medians, because the machine is shared and noisy. `--quick` (under about three
minutes) takes fewer rounds and carts of up to 1,000 contributions; the full run adds
10,000 and takes up to about twenty minutes.

Groups (module: figures):
- frames (bench/frames.py): frame CPU and total time at 0 / 1,000 / 10,000
  contributions against instanced textured quads; the cost of placing one.
- meaning (bench/meaning.py): the meaning of one arrival (reading, placing beside the
  alike, its regions' terms) at 0 / 1,000 / 10,000.
- live (bench/live.py): a live engine: 12-megapixel JPEG and text drop-to-screen,
  shader hot reload, a burst of 100 photos, OSC-to-screen latency.
- osc (bench/osc.py): OSC throughput against python-osc's blocking server, frame cost.
- sound (bench/audio.py): the soundscape offline and in real time on JACK.
- start (bench/startup.py): start-up to first frame, restart with a big journal.
- replay (bench/replay.py): replay speed at 1280x720 and where the time goes.
- web (bench/web.py): participants uploading photos while the engine renders.
- isf (bench/isf.py): a three-pass persistent ISF against a bare moderngl program.
- cluster (bench/cluster.py): several rooms on three clustered nats-server: drop on one
  node to drawn on another, throughput, a node catching up, each beside one machine.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # the repository, not bench/, whose module names are generic

from bench.common import Row, table  # noqa: E402

GROUPS = {"frames": "bench.frames", "live": "bench.live", "osc": "bench.osc",
          "sound": "bench.audio", "start": "bench.startup", "replay": "bench.replay",
          "web": "bench.web", "isf": "bench.isf", "oscquery": "bench.oscquery",
          "meaning": "bench.meaning", "cluster": "bench.cluster"}
TAIL = 1500


def run_group(name: str, quick: bool, folder: Path, timeout: float) -> tuple[list[Row], bool]:
    """One group in a child process: its rows, or one row saying how it failed; and
    whether it ran."""
    rows_file, log_file = folder / f"{name}.json", folder / f"{name}.log"
    command = [sys.executable, __file__, "--group", name, "--rows", str(rows_file)]
    started = time.monotonic()
    print(f"{name}…", end=" ", file=sys.stderr, flush=True)
    with log_file.open("wb") as log:
        try:
            code = subprocess.run(command + (["--quick"] if quick else []), cwd=ROOT,
                                  stdout=log, stderr=subprocess.STDOUT, timeout=timeout,
                                  check=False).returncode
            why = f"exit {code}"
        except subprocess.TimeoutExpired:
            code, why = -1, f"no result within {timeout:.0f} s"
    print(f"{time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    if code == 0 and rows_file.exists():
        return [Row.from_json(row) for row in json.loads(rows_file.read_text())], True
    tail = log_file.read_text(errors="replace")[-TAIL:].strip().replace("\n", " ⏎ ")
    return [Row(name, f"{name}: the group failed", math.nan, "",
                note=f"{why}; end of its output: {tail}")], False


def machine() -> dict[str, object]:
    """What the figures were measured on, and the load at the time."""
    import moderngl

    model = next((line.split(":", 1)[1].strip() for line in
                  Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    ctx = moderngl.create_standalone_context(backend="egl", require=330)
    renderer = ctx.info["GL_RENDERER"]
    ctx.release()
    return {"cpu": model, "cores": os.cpu_count(), "renderer": renderer,
            "python": platform.python_version()}


def loads(values: tuple[float, float, float]) -> str:
    return "/".join(f"{value:.1f}" for value in values)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds, smaller cartes")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument("--only", nargs="+", choices=list(GROUPS), help="these groups only")
    parser.add_argument("--group", choices=list(GROUPS), help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.group:  # a child: one group, its rows to a file
        module = importlib.import_module(GROUPS[args.group])
        rows = module.figures(args.quick)
        args.rows.write_text(json.dumps([row.as_json() for row in rows], indent=1))
        return 0
    about = machine()
    load_before, started = os.getloadavg(), time.monotonic()
    rows: list[Row] = []
    failed = []
    with tempfile.TemporaryDirectory(prefix="carte-bench-run-") as folder:
        for name in args.only or GROUPS:
            taken, ran = run_group(name, args.quick, Path(folder), 300 if args.quick else 1200)
            rows += taken
            failed += [] if ran else [name]
    load_after = os.getloadavg()
    about |= {"mode": "quick" if args.quick else "full", "load_before": load_before,
              "load_after": load_after, "seconds": round(time.monotonic() - started),
              "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds")}
    print(f"Carte sensible benchmarks ({about['mode']}, {about['date']}, "
          f"{about['seconds']} s): {about['cpu']}, {about['cores']} cores, "
          f"{about['renderer']}; load average (1/5/15 min) {loads(load_before)} before, "
          f"{loads(load_after)} after.\n")
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps({"machine": about,
                                         "figures": [row.as_json() for row in rows]},
                                        indent=2, ensure_ascii=False))
        print(f"\nJSON: {args.json}")
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
