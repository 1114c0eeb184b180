"""Frame time of the default scene with 0, 1,000 and 10,000 contributions on the carte,
against a minimal moderngl program drawing as many textured instanced quads.

Four figures per count, from the same frames: the frame loop thread's CPU time in
`engine.step()` (Python and GL submission), the part of it spent outside GL's draw
calls (the engine's own work, which should not grow with the carte: with llvmpipe the
draw calls themselves run vertex processing on this thread, a GPU's work elsewhere),
`step()`'s wall time before `ctx.finish()` (which includes any wait for the rasteriser
inside the frame), and the total time once `ctx.finish()` returns (the frame
rasterised by llvmpipe). The carte grows in one
engine (1,000, then 9,000 more), and the time each contribution takes to be placed is a
figure too: a restart pays it for every journaled contribution.
"""

from __future__ import annotations

import contextlib
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import moderngl
import numpy as np

from bench.common import SIZE, Aim, Row, fabricated, interleaved, make_project, pictures_waiting
from engine.app import Engine
from engine.clock import FixedClock
from engine.config import load_config
from engine.intake.intake import Arrived
from engine.render.surface import OffscreenSurface

GROUP = "frames"
QUAD = (48, 16)  # pixels: a settled card seen on a 720-line frame
AIM = Aim(1.3)
VERTEX = """#version 330 core
in vec2 corner;
in vec4 place;
in vec4 uv;
uniform vec2 resolution;
out vec2 v_uv;
void main() {
    v_uv = uv.xy + corner * uv.zw;
    vec2 pixel = place.xy + corner * place.zw;
    gl_Position = vec4(pixel / resolution * 2.0 - 1.0, 0.0, 1.0);
}
"""
FRAGMENT = """#version 330 core
uniform sampler2D atlas;
in vec2 v_uv;
out vec4 colour;
void main() { colour = texture(atlas, v_uv); }
"""


class Quads:
    """The reference: `count` quads of QUAD pixels at random places over the frame,
    each showing its own patch of a 1024² RGBA atlas, premultiplied-alpha blended, in
    one instanced draw into an FBO of the frame's size."""

    def __init__(self, ctx: moderngl.Context, size: tuple[int, int], count: int) -> None:
        self.ctx = ctx
        self.count = count
        random = np.random.default_rng(7)
        self.program = ctx.program(vertex_shader=VERTEX, fragment_shader=FRAGMENT)
        self.program["resolution"].value = size
        self.atlas = ctx.texture((1024, 1024), 4, random.integers(0, 255, (1024, 1024, 4),
                                                                  dtype=np.uint8).tobytes())
        self.atlas.filter = (moderngl.LINEAR, moderngl.LINEAR)
        rows = np.zeros((max(count, 1), 8), dtype="f4")
        rows[:, 0] = random.uniform(0, size[0] - QUAD[0], len(rows))
        rows[:, 1] = random.uniform(0, size[1] - QUAD[1], len(rows))
        rows[:, 2:4] = QUAD
        rows[:, 4:6] = random.uniform(0, 0.9, (len(rows), 2))
        rows[:, 6:8] = (QUAD[0] / 1024, QUAD[1] / 1024)
        self.corners = ctx.buffer(np.array([0, 0, 1, 0, 0, 1, 1, 1], dtype="f4"))
        self.instances = ctx.buffer(rows.tobytes())
        self.vao = ctx.vertex_array(self.program, [(self.corners, "2f", "corner"),
                                                   (self.instances, "4f 4f/i", "place", "uv")])
        self.target = ctx.simple_framebuffer(size)

    def draw(self) -> None:
        self.target.use()
        self.ctx.clear(0.0, 0.0, 0.0, 1.0)
        self.ctx.enable(moderngl.BLEND)
        self.ctx.blend_func = moderngl.ONE, moderngl.ONE_MINUS_SRC_ALPHA
        self.atlas.use(0)
        if self.count:
            self.vao.render(moderngl.TRIANGLE_STRIP, vertices=4, instances=self.count)

    def release(self) -> None:
        for obj in (self.vao, self.instances, self.corners, self.atlas, self.program,
                    self.target):
            obj.release()


DRAWS = ((moderngl.VertexArray, "render"), (moderngl.Context, "copy_framebuffer"),
         (moderngl.Texture, "build_mipmaps"), (moderngl.Framebuffer, "read"))


@contextlib.contextmanager
def in_gl() -> Iterator[list[float]]:
    """This thread's CPU seconds inside GL's draw, copy and read calls, summed into the
    one-item list yielded (the calls still run: they are only timed)."""
    spent = [0.0]
    originals = [(owner, name, getattr(owner, name)) for owner, name in DRAWS]

    def timing(call: Callable[..., object]) -> Callable[..., object]:
        def timed_call(*args: object, **kwargs: object) -> object:
            started = time.thread_time()
            try:
                return call(*args, **kwargs)
            finally:
                spent[0] += time.thread_time() - started
        return timed_call

    for owner, name, call in originals:
        setattr(owner, name, timing(call))
    try:
        yield spent
    finally:
        for owner, name, call in originals:
            setattr(owner, name, call)


def timed(draw: Callable[[], object], finish: Callable[[], None], frames: int
          ) -> tuple[float, float, float, float]:
    """Median ms over `frames` frames: this thread's CPU time in `draw` (Python and GL
    submission; llvmpipe rasterises on threads of its own), the part of it outside GL's
    draw calls, its wall time before finish, and the wall time once finished."""
    cpu, own, submitted, finished = [], [], [], []
    with in_gl() as spent:
        for _ in range(frames):
            spent[0] = 0.0
            started, thread = time.perf_counter(), time.thread_time()
            draw()
            middle, thread_end = time.perf_counter(), time.thread_time()
            finish()
            ended = time.perf_counter()
            cpu.append(thread_end - thread)
            own.append(thread_end - thread - spent[0])
            submitted.append(middle - started)
            finished.append(ended - started)
    return tuple(statistics.median(v) * 1000 for v in (cpu, own, submitted, finished))


def settle(engine: Engine, limit: int = 400) -> None:
    """Step until every waiting picture is uploaded and the cards are laid out, so the
    frames measured are the steady state of a carte of that size."""
    for _ in range(limit):
        engine.step()
        if not pictures_waiting(engine):
            break
    for _ in range(3):
        engine.step()
    engine.surface.ctx.finish()


def compare(engine: Engine, count: int, frames: int, rounds: int, first: bool) -> list[Row]:
    """The engine's frames and the reference's, in interleaved rounds."""
    reference = Quads(engine.surface.ctx, SIZE, count)
    finish = engine.surface.ctx.finish
    try:
        (cpu, own, wall, total), (ref_cpu, ref_own, ref_wall, ref_total) = interleaved(rounds, [
            lambda: timed(engine.step, finish, frames),
            lambda: timed(reference.draw, finish, frames)])
    finally:
        reference.release()
    against = f"{count:,} instanced {QUAD[0]}x{QUAD[1]} px textured quads"
    size = f"{SIZE[0]}x{SIZE[1]}"
    return [
        Row(GROUP, f"frame CPU time (main thread), {count:,} contributions, {size}", cpu,
            "ms", ref_cpu, against, AIM, "time.thread_time() over engine.step(): Python and "
            "GL submission on the frame loop's thread (with llvmpipe, also its vertex "
            "processing and binning; it rasterises on threads of its own)." if first
            else ""),
        Row(GROUP, f"frame CPU outside GL draw calls, {count:,} contributions, {size}", own,
            "ms", ref_own, against, note="The engine's own work per frame (Python: camera, "
            "batches, uniforms), without the time inside VertexArray.render, "
            "copy_framebuffer, build_mipmaps and read; it should not grow with the carte."
            if first else ""),
        Row(GROUP, f"frame step() wall time, before ctx.finish(), {count:,} contributions, "
            f"{size}", wall, "ms", ref_wall, against, AIM, "Includes waits for the "
            "rasteriser inside step(): the post layer's copy_framebuffer (bloom reads the "
            "frame below) waits for everything drawn before it." if first else ""),
        Row(GROUP, f"frame total time, {count:,} contributions, {size}", total, "ms",
            ref_total, against, AIM, "step() then ctx.finish(): the default scene (field "
            "shader, contributions, threads, bloom and grain) rasterised by llvmpipe; the "
            "reference clears the frame and draws the quads." if first else "")]


def figures(quick: bool) -> list[Row]:
    counts = (0, 1000) if quick else (0, 1000, 10000)
    frames, rounds = (6, 3) if quick else (10, 5)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="carte-bench-") as folder:
        config = load_config(make_project(Path(folder)))
        engine = Engine(config, OffscreenSurface(SIZE), FixedClock(config.display.fps),
                        live=False)
        try:
            for count in counts:
                before = len(engine.carte)
                if count > before:
                    adding = list(fabricated(count - before, before, config.event.themes))
                    started = time.perf_counter()
                    for contribution in adding:
                        engine.receive(Arrived(contribution, restored=True))
                    each = (time.perf_counter() - started) / len(adding) * 1000
                    rows.append(Row(GROUP, f"placing a contribution ({before:,} → {count:,} "
                                    "on the carte)", each, "ms",
                                    note="Carte.add (layout walk, links) and the "
                                         "compositor's slot, per contribution; a restart "
                                         "pays it for each journaled one." if before == 0
                                    else ""))
                settle(engine)
                rows += compare(engine, count, frames, rounds, first=count == counts[0])
        finally:
            engine.close()
    return rows
