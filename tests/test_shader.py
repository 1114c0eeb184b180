"""Artists' shaders: header inputs, Shadertoy names, errors at the file's own lines."""

from __future__ import annotations

from pathlib import Path

import moderngl
import numpy as np
import pytest

from engine.problems import ProblemError
from engine.render.library import ShaderLibrary
from engine.render.shader import parse_shader

HEADER = """/*{
  "DESCRIPTION": "test",
  "INPUTS": [
    {"NAME": "tint", "TYPE": "color", "DEFAULT": [1.0, 0.0, 0.0, 1.0]},
    {"NAME": "gain", "TYPE": "float", "DEFAULT": 0.5, "MIN": 0.0, "MAX": 1.0}
  ]
}*/
"""


# Framebuffers are kept for the session: moderngl caches the bound framebuffer, and one
# released while bound would leave the next clear aimed at a framebuffer that is gone.
FRAMES: dict[tuple[int, int], moderngl.Framebuffer] = {}


def draw(ctx: moderngl.Context, library: ShaderLibrary, name: str,
         values: dict[str, object] | None = None, size: tuple[int, int] = (64, 32)) -> np.ndarray:
    loaded = library.get(name)
    assert loaded is not None, library.problems()
    fbo = FRAMES.get(size) or FRAMES.setdefault(size, ctx.simple_framebuffer(size))
    fbo.use()
    fbo.clear(0, 0, 0, 1)
    loaded.set("carte_opacity", 1.0)
    loaded.put("resolution", size)
    for spec in loaded.source.inputs:
        loaded.set(spec.name, spec.default)
    for key, value in (values or {}).items():
        (loaded.put if key in loaded.names else loaded.set)(key, value)
    loaded.vao.render(moderngl.TRIANGLE_STRIP)
    return np.frombuffer(fbo.read(components=4), np.uint8).reshape(size[1], size[0], 4)[::-1]


def test_header_inputs_become_uniforms_with_defaults(ctx: moderngl.Context,
                                                     tmp_path: Path) -> None:
    (tmp_path / "tinted.glsl").write_text(
        HEADER + "void main() { gl_FragColor = vec4(tint.rgb * gain, 1.0); }\n")
    library = ShaderLibrary(ctx, tmp_path)
    image = draw(ctx, library, "tinted")
    assert tuple(image[5, 5, :3]) == pytest.approx((128, 0, 0), abs=1)
    blue = draw(ctx, library, "tinted", {"tint": (0.0, 0.0, 1.0, 1.0), "gain": 1.0})
    assert tuple(blue[5, 5, :3]) == (0, 0, 255)
    spec = library.source("tinted").input("gain")
    assert spec.clamp(7.0) == 1.0 and spec.clamp(-1) == 0.0
    library.release()


def test_shadertoy_sketch_pastes_and_runs(ctx: moderngl.Context, tmp_path: Path) -> None:
    (tmp_path / "toy.glsl").write_text(
        "void mainImage(out vec4 fragColor, in vec2 fragCoord) {\n"
        "    vec2 p = fragCoord / iResolution.xy;\n"
        "    fragColor = vec4(p.x, 0.0, step(100.0, iTime), 1.0);\n"
        "}\n")
    library = ShaderLibrary(ctx, tmp_path)
    image = draw(ctx, library, "toy", {"time": 200.0})
    assert image[10, 2, 0] < 20 and image[10, 60, 0] > 230  # a left-to-right ramp
    assert image[10, 30, 2] == 255  # iTime is the engine's time
    library.release()


def test_compile_error_reports_the_files_own_line(ctx: moderngl.Context,
                                                  tmp_path: Path) -> None:
    body = HEADER + "void main() {\n    vec3 c = tint.rgb\n    gl_FragColor = vec4(c, 1.0);\n}\n"
    (tmp_path / "broken.glsl").write_text(body)
    library = ShaderLibrary(ctx, tmp_path)
    assert library.get("broken") is None
    [problem] = library.problems()
    missing_semicolon_line = body.splitlines().index("    gl_FragColor = vec4(c, 1.0);") + 1
    assert problem.file == tmp_path / "broken.glsl"
    assert problem.line == missing_semicolon_line
    assert "error" in problem.message
    library.release()


def test_bad_header_is_located(tmp_path: Path) -> None:
    path = tmp_path / "bad.glsl"
    text = '/*{\n  "INPUTS": [\n    {"NAME": "x", "TYPE": "vec9"}\n  ]\n}*/\nvoid main() {}\n'
    with pytest.raises(ProblemError) as raised:
        parse_shader(path, text)
    [problem] = raised.value.problems
    assert problem.line == 3 and "TYPE 'vec9'" in problem.message
    with pytest.raises(ProblemError) as raised:
        parse_shader(path, '/*{\n  "INPUTS": [,]\n}*/\n')
    assert raised.value.problems[0].line == 2


def test_reload_keeps_last_good_program(ctx: moderngl.Context, tmp_path: Path) -> None:
    path = tmp_path / "flat.glsl"
    path.write_text("void main() { gl_FragColor = vec4(0.0, 1.0, 0.0, 1.0); }\n")
    library = ShaderLibrary(ctx, tmp_path)
    assert tuple(draw(ctx, library, "flat")[0, 0, :3]) == (0, 255, 0)
    path.write_text("void main() {\n  gl_FragColor = vec4(1.0, 0.0, 0.0, 1.0)\n}\n")
    assert library.reload("flat") is False
    assert tuple(draw(ctx, library, "flat")[0, 0, :3]) == (0, 255, 0)
    assert library.problems()[0].line == 3
    path.write_text("void main() { gl_FragColor = vec4(0.0, 0.0, 1.0, 1.0); }\n")
    assert library.reload("flat") is True
    assert library.problems() == []
    assert tuple(draw(ctx, library, "flat")[0, 0, :3]) == (0, 0, 255)
    library.release()
