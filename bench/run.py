"""Benchmarks: every figure is a median, compared side by side with a reference run.

    .venv/bin/python bench/run.py [--size 1280x720] [--frames 40] [--json out.json]

Figures so far: frame time of the default scene on the offscreen (EGL) renderer with
0 and 1,000 text contributions, against a bare moderngl program that fills the same
frame with one flat colour (the floor any full-screen scene pays).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import moderngl
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.app import Engine  # noqa: E402
from engine.clock import FixedClock  # noqa: E402
from engine.config import load_config  # noqa: E402
from engine.intake.intake import Arrived  # noqa: E402
from engine.render.surface import OffscreenSurface  # noqa: E402
from engine.world.contribution import Contribution, Tags  # noqa: E402

WORDS = ("écoute", "commun", "données", "débat", "soin", "savoir", "partage", "confiance",
         "attention", "lien", "paradoxe", "possible", "enjeu", "capacité", "démocratie",
         "coopération", "ville", "outil")


def reference_frame(ctx: moderngl.Context, size: tuple[int, int]) -> Callable[[], None]:
    """A minimal moderngl program: one flat full-screen quad into an FBO of the same size."""
    program = ctx.program(
        vertex_shader="#version 330 core\nin vec2 p;\nvoid main(){gl_Position=vec4(p,0,1);}",
        fragment_shader="#version 330 core\nout vec4 c;\nvoid main(){c=vec4(0.1,0.1,0.2,1);}")
    quad = ctx.buffer(np.array([-1, -1, 1, -1, -1, 1, 1, 1], dtype="f4"))
    vao = ctx.vertex_array(program, [(quad, "2f", "p")])
    fbo = ctx.simple_framebuffer(size)

    def draw() -> None:
        fbo.use()
        vao.render(moderngl.TRIANGLE_STRIP)
        ctx.finish()

    return draw


def engine_frame(size: tuple[int, int], contributions: int) -> tuple[Engine, Callable[[], None]]:
    engine = Engine(load_config(ROOT / "config.toml"), OffscreenSurface(size), FixedClock(60),
                    live=False)
    themes = engine.config.event.themes
    for index in range(contributions):
        words = " ".join(WORDS[(index * 7 + k) % len(WORDS)] for k in range(6 + index % 9))
        engine.receive(Arrived(Contribution(f"{index:016x}", "text", f"{index}.txt", words,
                                            Tags(theme=themes[index % len(themes)]))))

    def draw() -> None:
        engine.step()
        engine.surface.ctx.finish()

    return engine, draw


def median_ms(draw: Callable[[], None], frames: int) -> float:
    samples = []
    for _ in range(frames):
        started = time.perf_counter()
        draw()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--frames", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    rows = []
    for count in (0, 100, 1000):
        engine, scene = engine_frame(size, count)
        reference = reference_frame(engine.surface.ctx, size)
        for draw in (scene, reference):  # warm up: shader compile, atlas upload
            median_ms(draw, 5)
        scene_ms, reference_ms = [], []
        for _ in range(args.rounds):  # interleaved, so both see the same machine load
            scene_ms.append(median_ms(scene, args.frames))
            reference_ms.append(median_ms(reference, args.frames))
        engine.close()
        scene_median = statistics.median(scene_ms)
        reference_median = statistics.median(reference_ms)
        rows.append({"figure": f"default scene, {count} text contributions, {args.size}",
                     "median_ms": round(scene_median, 2),
                     "reference_ms": round(reference_median, 2),
                     "ratio": round(scene_median / reference_median, 2)})
    renderer = "EGL"
    print(f"| figure ({renderer}) | median ms | flat-quad reference ms | ratio |")
    print("|---|---|---|---|")
    for row in rows:
        print(f"| {row['figure']} | {row['median_ms']} | {row['reference_ms']} | "
              f"{row['ratio']} |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
