"""An ISF file's cost: a three-pass persistent ISF shader drawn by the engine, against a
bare moderngl program drawing the same three passes into the same targets.

The shader: a half-size noise pass, a persistent float feedback pass that blends it
in, and the output pass that colours the feedback. The engine draws it as a scene's only
layer (`engine.step()`, the whole frame loop); the reference compiles the same GLSL
once, keeps its own half-size target and two float targets it swaps, and draws the
three passes into an FBO of the frame's size. Frame time is wall time until
`ctx.finish()`, medians over interleaved rounds.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import moderngl
import numpy as np

from bench.common import SIZE, Aim, Row, interleaved, make_project
from bench.frames import timed
from engine.app import Engine
from engine.clock import FixedClock
from engine.config import load_config
from engine.render.surface import OffscreenSurface

GROUP = "isf"
AIM = Aim(1.3)
BODY = """
float hash(vec2 p) { return fract(sin(dot(p, vec2(12.9898, 78.233))) * 43758.5453); }
void main() {
    if (PASSINDEX == 0) {
        gl_FragColor = vec4(vec3(hash(floor(gl_FragCoord.xy) + floor(TIME * 30.0))), 1.0);
    } else if (PASSINDEX == 1) {
        vec4 last = IMG_THIS_NORM_PIXEL(trail);
        gl_FragColor = mix(last, IMG_NORM_PIXEL(noise, isf_FragNormCoord), 0.1);
    } else {
        gl_FragColor = vec4(IMG_THIS_NORM_PIXEL(trail).rgb * vec3(0.9, 0.7, 0.4), 1.0);
    }
}
"""
HEADER = """/*{"DESCRIPTION": "bench: three passes, one persistent float buffer",
  "PASSES": [{"TARGET": "noise", "WIDTH": "$WIDTH / 2.0", "HEIGHT": "$HEIGHT / 2.0"},
             {"TARGET": "trail", "PERSISTENT": true, "FLOAT": true}, {}]}*/
"""
BARE_VERTEX = """#version 330 core
in vec2 corner;
out vec2 isf_FragNormCoord;
void main() { isf_FragNormCoord = corner * 0.5 + 0.5; gl_Position = vec4(corner, 0.0, 1.0); }
"""
BARE_PROLOGUE = """#version 330 core
in vec2 isf_FragNormCoord;
out vec4 colour;
#define gl_FragColor colour
uniform int PASSINDEX;
uniform float TIME;
uniform sampler2D noise;
uniform sampler2D trail;
#define IMG_NORM_PIXEL(i, c) texture(i, c)
#define IMG_THIS_NORM_PIXEL(i) texture(i, isf_FragNormCoord)
"""


class BarePasses:
    """The reference: the same passes with nothing around them."""

    def __init__(self, ctx: moderngl.Context, size: tuple[int, int]) -> None:
        self.ctx = ctx
        self.program = ctx.program(vertex_shader=BARE_VERTEX,
                                   fragment_shader=BARE_PROLOGUE + BODY)
        self.program["noise"].value, self.program["trail"].value = 5, 6
        self.quad = ctx.buffer(np.array([-1, -1, 1, -1, -1, 1, 1, 1], dtype="f4"))
        self.vao = ctx.vertex_array(self.program, [(self.quad, "2f", "corner")])
        self.noise = ctx.texture((size[0] // 2, size[1] // 2), 4)
        self.trails = [ctx.texture(size, 4, dtype="f4") for _ in range(2)]
        self.frames = [ctx.framebuffer(color_attachments=[t])
                       for t in (self.noise, *self.trails)]
        self.output = ctx.simple_framebuffer(size)
        self.time = 0.0

    def draw(self) -> None:
        self.time += 1 / 30
        self.program["TIME"].value = self.time
        self.ctx.disable(moderngl.BLEND)
        self.noise.use(5)
        for index in range(3):
            self.program["PASSINDEX"].value = index
            self.trails[0].use(6)
            (self.frames[0], self.frames[2], self.output)[index].use()
            self.vao.render(moderngl.TRIANGLE_STRIP)
            if index == 1:  # the feedback just written is what the output pass reads
                self.trails.reverse()
                self.frames[1:] = self.frames[:0:-1]

    def release(self) -> None:
        for item in (*self.frames, self.output, self.noise, *self.trails, self.vao,
                     self.quad, self.program):
            item.release()


def measure(frames: int, rounds: int) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="carte-bench-isf-") as folder:
        config = make_project(Path(folder))
        shaders, scenes = config.parent / "shaders", config.parent / "scenes"
        (shaders / "Bench Trois Passes.fs").write_text(HEADER + BODY, encoding="utf-8")
        (scenes / "champ.toml").write_text(
            '[[layers]]\nkind = "field"\nshader = "Bench Trois Passes"\n', encoding="utf-8")
        engine = Engine(load_config(config), OffscreenSurface(SIZE), FixedClock(30), False)
        reference = BarePasses(engine.surface.ctx, SIZE)
        try:
            assert engine.problems() == [], engine.problems()
            finish = engine.surface.ctx.finish
            for _ in range(3):
                engine.step()
                reference.draw()
            finish()
            # `timed` gives CPU, own, submitted and finished times: the frame is the last
            (*_, total), (*_, ref_total) = interleaved(rounds, [
                lambda: timed(engine.step, finish, frames),
                lambda: timed(reference.draw, finish, frames)])
        finally:
            reference.release()
            engine.close()
    return [Row(GROUP, f"frame time, a three-pass persistent float ISF, {SIZE[0]}x{SIZE[1]}",
                total, "ms", ref_total, "a bare moderngl program drawing the same passes",
                AIM, "engine.step() then ctx.finish(): the whole frame loop around the "
                "shader (uniforms, buffers sized from their expressions, the frame's "
                "bookkeeping) against the three draws alone.")]


def figures(quick: bool) -> list[Row]:
    return measure(10, 3) if quick else measure(30, 7)

