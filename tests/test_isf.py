"""ISF files as artists bring them: every feature drawn on EGL, one small file each."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from engine.app import Engine
from engine.control import build_address_space
from engine.control.handlers import Context, dispatch
from engine.control.link import ControlLink
from engine.control.settings import ControlSettings
from engine.render.isf import evaluate
from engine.render.shader import compile_problems
from tests.conftest import ROOT
from tests.engines import make_engine
from tests.pixels import mean_colour


def show(project: Path, files: dict[str, str], scene: str, frames: int = 1) -> list[np.ndarray]:
    """Write shader files and the default scene, run `frames` frames, return each frame."""
    shaders = project.parent / "shaders"
    for name, text in files.items():
        (shaders / name).write_text(text, encoding="utf-8")
    (project.parent / "scenes" / "champ.toml").write_text(scene, encoding="utf-8")
    engine = make_engine(project)
    try:
        assert engine.problems() == []
        shots = []
        for _ in range(frames):
            engine.step()
            shots.append(engine.target.pixels().copy())
        return shots
    finally:
        engine.close()


def steer(engine: Engine, address: str, *args: object) -> None:
    """One OSC message, checked by its route's handler and applied as the server does."""
    route = build_address_space(ControlLink.model_of(engine)).route(address)
    assert route is not None and route.handler is not None, address
    engine.steering.apply(engine, dispatch(route.handler, route.key, address, list(args),
                                           Context("test", 0.0, ControlSettings())))


def field(name: str, params: str = "") -> str:
    return f'[[layers]]\nkind = "field"\nshader = "{name}"\n' + \
        (f"[layers.params]\n{params}\n" if params else "")


RED = "void main() { gl_FragColor = vec4(0.8, 0.1, 0.0, 1.0); }\n"


def test_multipass_persistent_float_buffer_accumulates(project: Path) -> None:
    # 0.002 a frame is below an 8-bit step: only a float buffer adds it up
    shader = """/*{"ISFVSN": "2", "PASSES": [
  {"TARGET": "sum", "PERSISTENT": true, "FLOAT": true}, {}]}*/
void main() {
    if (PASSINDEX == 0) gl_FragColor = IMG_THIS_PIXEL(sum) + vec4(0.002);
    else gl_FragColor = vec4(IMG_NORM_PIXEL(sum, isf_FragNormCoord).rgb * 100.0, 1.0);
}
"""
    shots = show(project, {"somme.fs": shader}, field("somme"), frames=3)
    assert [mean_colour(s)[0] for s in shots] == pytest.approx([0.2, 0.4, 0.6], abs=0.01)


def test_sized_target_follows_its_expression(project: Path) -> None:
    shader = """/*{"INPUTS": [{"NAME": "divide", "TYPE": "float", "DEFAULT": 4.0}],
 "PASSES": [{"TARGET": "small", "WIDTH": "floor($WIDTH / divide)", "HEIGHT": "max(10, 3)"},
            {}]}*/
void main() {
    if (PASSINDEX == 0) gl_FragColor = vec4(RENDERSIZE / 255.0, 0.0, 1.0);
    else gl_FragColor = vec4(IMG_SIZE(small) / 255.0, IMG_THIS_PIXEL(small).r, 1.0);
}
"""
    [shot] = show(project, {"taille.fs": shader}, field("taille", "divide = 8.0"))
    red, green, blue = (mean_colour(shot) * 255).round()
    assert (red, green) == (40, 10)  # 320 / 8 by 10 pixels
    assert blue == 40  # the first pass saw its own size as RENDERSIZE


def test_long_menu_takes_values_and_labels(project: Path) -> None:
    shader = """/*{"INPUTS": [{"NAME": "mode", "TYPE": "long", "VALUES": [0, 1, 2],
  "LABELS": ["Red", "Green", "Blue"], "DEFAULT": 1}]}*/
void main() { gl_FragColor = vec4(float(mode == 0), float(mode == 1), float(mode == 2), 1.0); }
"""
    library_colour = {}
    for params in ("", "mode = 2", 'mode = "Red"'):
        [shot] = show(project, {"menu.fs": shader}, field("menu", params))
        library_colour[params] = tuple(mean_colour(shot).round(2))
    assert library_colour == {"": (0, 1, 0), "mode = 2": (0, 0, 1), 'mode = "Red"': (1, 0, 0)}


def test_event_fires_for_one_frame(project: Path) -> None:
    shader = """/*{"INPUTS": [{"NAME": "flash", "TYPE": "event"}]}*/
void main() { gl_FragColor = vec4(vec3(flash ? 1.0 : 0.0), 1.0); }
"""
    shots = show(project, {"eclair.fs": shader}, field("eclair", "flash = true"), frames=2)
    assert [mean_colour(s)[0] for s in shots] == pytest.approx([1.0, 0.0], abs=0.01)


def test_audio_fft_holds_the_spectrum_of_the_samples_it_is_fed(project: Path) -> None:
    (project.parent / "shaders" / "spectre.fs").write_text(
        '/*{"INPUTS": [{"NAME": "fft", "TYPE": "audioFFT", "MAX": 64}]}*/\n'
        "void main() { gl_FragColor = vec4(IMG_NORM_PIXEL(fft, vec2(isf_FragNormCoord.x, 0.5))"
        ".r, IMG_SIZE(fft).x / 255.0, 0.0, 1.0); }\n")
    engine = make_engine(project)  # its own context: the session one is for tests/test_shader.py
    try:
        loaded = engine.shaders.get("spectre")
        assert loaded is not None, engine.shaders.problems()
        assert loaded.source.inputs == ()  # audio is fed, not set
        ctx = engine.surface.ctx
        fbo = ctx.simple_framebuffer((64, 8))
        loaded.set("carte_opacity", 1.0)
        t = np.arange(4800) / 48000.0
        tone = 0.5 * np.sin(2 * np.pi * 1000.0 * t)
        loaded.feed_audio(np.stack([tone, tone], axis=1).astype(np.float32), 48000.0)
        loaded.draw(fbo, (64, 8), {}, blend=False)
        row = np.frombuffer(fbo.read(components=4), np.uint8).reshape(8, 64, 4)[4]
        band = int(np.searchsorted(np.geomspace(20.0, 24000.0, 65), 1000.0)) - 1
        assert int(np.argmax(row[:, 0])) == band and row[band, 0] > 220  # -6 dBFS: 0.9
        assert row[:band - 4, 0].max() < 60 and row[10, 1] == 64
    finally:
        engine.close()


def test_imported_image_beside_the_shader(project: Path) -> None:
    picture = np.zeros((4, 4, 3), np.uint8)
    picture[:2] = (0, 200, 0)  # the top half green
    Image.fromarray(picture).save(project.parent / "shaders" / "motif.png")
    shader = """/*{"IMPORTED": {"motif": {"PATH": "motif.png"}}}*/
void main() { gl_FragColor = IMG_NORM_PIXEL(motif, isf_FragNormCoord); }
"""
    [shot] = show(project, {"importe.fs": shader}, field("importe"))
    assert shot[10, 160, 1] > 190 and shot[170, 160, 1] < 10  # the image's top is on top


def test_custom_vertex_shader_feeds_its_varying(project: Path) -> None:
    vertex = ("varying vec2 doubled;\n"
              "void main() { isf_vertShaderInit(); doubled = isf_FragNormCoord * 2.0; }\n")
    fragment = ("varying vec2 doubled;\n"
                "void main() { gl_FragColor = vec4(min(doubled.x, 1.0), 0.0, 0.0, 1.0); }\n")
    [shot] = show(project, {"double.fs": fragment, "double.vs": vertex}, field("double"))
    assert shot[90, 240, 0] > 240 and 110 < shot[90, 80, 0] < 150  # x * 2, saturating


def test_filter_is_a_post_layer_over_the_field(project: Path) -> None:
    fil = """/*{"CATEGORIES": ["Color"], "INPUTS": [{"NAME": "inputImage", "TYPE": "image"},
  {"NAME": "amount", "TYPE": "float", "DEFAULT": 1.0}]}*/
void main() { vec4 c = IMG_THIS_PIXEL(inputImage);
  gl_FragColor = vec4(mix(c.rgb, 1.0 - c.rgb, amount), c.a); }
"""
    scene = field("rouge") + '[[layers]]\nkind = "post"\nshader = "Negative Film"\n'
    [shot] = show(project, {"rouge.glsl": RED, "Negative Film.fs": fil}, scene)
    assert tuple(mean_colour(shot).round(2)) == (0.2, 0.9, 1.0)


def test_a_local_uv_leaves_the_isf_coordinates_alone(project: Path) -> None:
    fil = """/*{"INPUTS": [{"NAME": "inputImage", "TYPE": "image"}]}*/
void main() {
    vec2 uv = isf_FragNormCoord;
    uv = vec2(5.0);  // the artist's own variable, as ISF code often has
    gl_FragColor = IMG_THIS_PIXEL(inputImage) + vec4(0.0 * uv, 0.0, 0.0);
}
"""
    scene = field("rouge") + '[[layers]]\nkind = "post"\nshader = "local"\n'
    [shot] = show(project, {"rouge.glsl": RED, "local.fs": fil}, scene)
    assert tuple(mean_colour(shot).round(2)) == (0.8, 0.1, 0.0)


def test_transition_has_its_own_parameter_and_sharp_mip_levels(project: Path) -> None:
    transition = """/*{"INPUTS": [{"NAME": "startImage", "TYPE": "image"},
  {"NAME": "endImage", "TYPE": "image"}, {"NAME": "progress", "TYPE": "float"},
  {"NAME": "gain", "TYPE": "float", "DEFAULT": 1.0, "MIN": 0.0, "MAX": 1.0}]}*/
void main() {
    vec4 end = textureLod(endImage, isf_FragNormCoord, 3.0);
    gl_FragColor = vec4(gain, end.g, progress > 0.0 ? 1.0 : 0.0, 1.0);
}
"""
    shaders = project.parent / "shaders"
    scenes = project.parent / "scenes"
    (shaders / "Wipe Gain.fs").write_text(transition)
    (shaders / "vert.glsl").write_text("void main() { gl_FragColor = vec4(0, 1, 0, 1); }")
    (scenes / "vert.toml").write_text(field("vert") + '[transition]\nseconds = 2.0\n'
                                      'shader = "Wipe Gain"\ngain = 0.5\n')
    (scenes / "autre.toml").write_text(field("vert") + '[transition]\nshader = "Wipe Gain"\n')
    engine = make_engine(project)
    try:
        assert engine.problems() == []
        engine.step()
        assert engine.switch_scene("vert")
        engine.step()
        assert tuple(mean_colour(engine.target.pixels()).round(2)) == (0.5, 1.0, 1.0)
        engine.step()
        for _ in range(70):
            engine.step()
        assert engine.switch_scene("autre")
        engine.step()
        assert mean_colour(engine.target.pixels())[0] == pytest.approx(1.0, abs=0.01)  # DEFAULT
    finally:
        engine.close()


def test_isf_1_file_with_persistent_buffers(project: Path) -> None:
    shader = """/*{"ISFVSN": "1.0", "PERSISTENT_BUFFERS": ["trail"],
 "PASSES": [{"TARGET": "trail"}, {}]}*/
void main() {
    vec4 last = texture2D(trail, vv_FragNormCoord);
    if (PASSINDEX == 0) gl_FragColor = vec4(last.rgb + vec3(0.1), 1.0);
    else gl_FragColor = last;
}
"""
    shots = show(project, {"trace.fs": shader}, field("trace"), frames=3)
    assert [mean_colour(s)[0] for s in shots] == pytest.approx([0.1, 0.2, 0.3], abs=0.01)


def test_older_dialect_filter_runs_as_written(project: Path) -> None:
    shader = """/*{"INPUTS": [{"NAME": "inputImage", "TYPE": "image"}]}*/
#version 120
varying vec2 texOffset;
void main() {
    vec4 c = texture2D(inputImage, vv_FragNormCoord);
    gl_FragColor = vec4(c.g, c.r, c.b, 1.0);
}
"""
    scene = field("rouge") + '[[layers]]\nkind = "post"\nshader = "swap"\n'
    vertex = ("varying vec2 texOffset;\n"
              "void main() { isf_vertShaderInit(); texOffset = vec2(0.0); }\n")
    [shot] = show(project, {"rouge.glsl": RED, "swap.fs": shader, "swap.vs": vertex}, scene)
    assert tuple(mean_colour(shot).round(2)) == (0.1, 0.8, 0.0)


def test_shadertoy_channel_reads_what_is_below(project: Path) -> None:
    sketch = """void mainImage(out vec4 fragColor, in vec2 fragCoord) {
    vec4 below = texture(iChannel0, fragCoord / iResolution.xy);
    fragColor = vec4(below.b, below.r, iChannelResolution[0].x / 320.0, 1.0);
}
"""
    scene = field("rouge") + field("toy", 'iChannel0 = "below"')
    [shot] = show(project, {"rouge.glsl": RED, "toy.glsl": sketch}, scene)
    assert tuple(mean_colour(shot).round(2)) == (0.0, 0.8, 1.0)


def test_candidates_fold_into_the_error_they_belong_to() -> None:
    log = ("fragment_shader\n0:5(6): error: no matching function for call to "
           "`texture(sampler2D, float)'; candidates are:\n"
           "0:5(6): error:    vec4 texture(sampler1D, float)\n"
           "0:5(6): error:    vec4 texture(sampler2D, vec2)\n"
           "0:6(6): error: `nothing' undeclared\n"
           "0:6(6): error: operands to arithmetic operators must be numeric\n")
    problems = compile_problems(Path("a.fs"), log)
    assert [(p.line, p.message) for p in problems] == [
        (5, "error: no matching function for call to `texture(sampler2D, float)' "
            "(2 signatures exist)"),
        (6, "error: `nothing' undeclared")]


def test_size_expressions_are_arithmetic_only() -> None:
    assert evaluate("max($WIDTH, $HEIGHT) / 2.0 + blur", {"WIDTH": 640, "HEIGHT": 360,
                                                          "blur": 1}) == 321.0
    with pytest.raises(ValueError):
        evaluate("__import__('os').system('true')", {})


def test_isf_inputs_are_osc_addresses_and_a_transition_parameter_is_steered(
        project: Path) -> None:
    transition = """/*{"INPUTS": [{"NAME": "progress", "TYPE": "float"},
  {"NAME": "gain", "TYPE": "float", "DEFAULT": 1.0, "MIN": 0.0, "MAX": 1.0}]}*/
void main() { gl_FragColor = vec4(gain, 0.0, 0.0, 1.0); }
"""
    menu = """/*{"INPUTS": [{"NAME": "mode", "TYPE": "long", "VALUES": [0, 4],
  "LABELS": ["Calm", "Storm"]}, {"NAME": "flash", "TYPE": "event"},
  {"NAME": "inputImage", "TYPE": "image"}, {"NAME": "other", "TYPE": "image"}]}*/
void main() { gl_FragColor = vec4(0.0, 0.0, float(mode) / 4.0, 1.0); }
"""
    shaders, scenes = project.parent / "shaders", project.parent / "scenes"
    (shaders / "gain.fs").write_text(transition)
    (shaders / "menu.fs").write_text(menu)
    (scenes / "champ.toml").write_text(field("menu") + '[transition]\nshader = "gain"\n')
    (scenes / "autre.toml").write_text(field("menu") + '[transition]\nshader = "gain"\n')
    engine = make_engine(project)
    try:
        engine.step()
        space = build_address_space(ControlLink.model_of(engine))
        routes = {r.address: r for r in space.routes}
        assert routes["/carte/layers/menu/mode"].range == "0 Calm, 4 Storm"
        assert routes["/carte/layers/menu/flash"].control == "toggle"
        assert "/carte/layers/menu/other" in routes
        assert "/carte/layers/menu/inputImage" not in routes  # the frame below, not a knob
        steer(engine, "/carte/layers/menu/mode", 3)  # the nearest entry: 4
        engine.step()
        assert mean_colour(engine.target.pixels())[2] == pytest.approx(1.0, abs=0.01)
        steer(engine, "/carte/transition/gain", 0.25)
        assert engine.switch_scene("autre")
        engine.step()
        assert mean_colour(engine.target.pixels())[0] == pytest.approx(0.25, abs=0.01)
    finally:
        engine.close()


@pytest.mark.parametrize(("header", "third", "fourth", "said"), [
    ('{"INPUTS": [{"NAME": "inputImage", "TYPE": "image"}]}',
     "    vec4 c = texture2D(inputImage, 1.0);", "    gl_FragColor = c + nothing;",
     {"3": "no matching function", "4": "undeclared"}),
    # desktop typing is taken (line 3, as NVIDIA's driver takes it); what no driver
    # takes is still located
    ('{"INPUTS": [{"NAME": "time", "TYPE": "float"}]}', "    int count = 1.5;",
     "    gl_FragColor = vec4(time + float(count)) + missing;", {"4": "missing"})])
def test_check_names_one_problem_per_error_in_an_isf_file(
        project: Path, header: str, third: str, fourth: str, said: dict[str, str]) -> None:
    broken = project.parent / "shaders" / "Bad TV.fs"
    broken.write_text(f"/*{header}*/\nvoid main() {{\n{third}\n{fourth}\n}}\n")
    done = subprocess.run([sys.executable, "-m", "engine", "check", "--config", str(project)],
                          cwd=ROOT, text=True, capture_output=True, timeout=120)
    assert done.returncode == 1
    mine = {line.split(":")[1]: line for line in done.stdout.splitlines()
            if line.startswith(f"{broken}:")}
    assert list(mine) == list(said), done.stdout
    assert all(words in mine[line] for line, words in said.items())


def test_imouse_follows_osc(project: Path) -> None:
    sketch = ("void mainImage(out vec4 fragColor, in vec2 fragCoord) {\n"
              "    fragColor = vec4(iMouse.xy / iResolution.xy, iDate.x > 2000.0 ? 1.0 : 0.0,"
              " 1.0);\n}\n")
    (project.parent / "shaders" / "souris.glsl").write_text(sketch)
    (project.parent / "scenes" / "champ.toml").write_text(field("souris"))
    engine = make_engine(project)
    try:
        engine.step()
        steer(engine, "/carte/transport/mouse", 0.25, 0.75)
        engine.step()
        assert tuple(mean_colour(engine.target.pixels()).round(2)) == (0.25, 0.75, 1.0)
    finally:
        engine.close()


def test_transition_keys_and_vertex_errors_are_located(project: Path) -> None:
    shaders, scenes = project.parent / "shaders", project.parent / "scenes"
    (shaders / "plat.fs").write_text("void main() { gl_FragColor = vec4(1.0); }\n")
    (shaders / "plat.vs").write_text("void main() {\n  isf_vertShaderInit();\n  nope = 1.0;\n}\n")
    (scenes / "mauvaise.toml").write_text(field("champ") + '[transition]\nshader = "Volet Doux"\n'
                                          "softnes = 0.2\n")
    done = subprocess.run([sys.executable, "-m", "engine", "check", "--config", str(project)],
                          cwd=ROOT, text=True, capture_output=True, timeout=120)
    assert done.returncode == 1
    assert f"{shaders / 'plat.vs'}:3: error: `nope' undeclared" in done.stdout
    assert f"{scenes / 'mauvaise.toml'}:6: unknown key 'softnes' in [transition]; expected " \
           "seconds, shader, angle, softness" in done.stdout
