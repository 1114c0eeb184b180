"""An artist's ISF file looks in the carte as in the reference host: one small shader of
our own per rule, drawn by a real engine on EGL, its pixels read back."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from engine.audio.host import Soundscape
from engine.audio.images import KEEP, spectrum, waveform
from engine.config import AudioConfig
from engine.control import build_address_space
from engine.control.link import ControlLink
from engine.control.model import Snapshot
from engine.control.oscjson import build_tree
from tests.conftest import ROOT, set_config
from tests.engines import make_engine
from tests.pixels import mean_colour
from tests.test_isf import field, show, steer

GREY = "void main() { gl_FragColor = vec4(0.5, 0.5, 0.5, 1.0); }\n"
RATE = 48000


def post(name: str, params: str = "", opacity: float = 1.0) -> str:
    return f'[[layers]]\nkind = "post"\nshader = "{name}"\nopacity = {opacity}\n' + \
        (f"[layers.params]\n{params}\n" if params else "")


# -- names: what the artist declares is theirs ----------------------------------------

METER = """/*{"INPUTS": [
  {"NAME": "audioLevel", "TYPE": "float", "DEFAULT": 1.0, "MIN": 0.0, "MAX": 1.0},
  {"NAME": "time", "TYPE": "float", "DEFAULT": 0.25}]}*/
void main() {
    gl_FragColor = vec4(step(isf_FragNormCoord.x, audioLevel), time, TIME * 10.0, 1.0);
}
"""


def test_an_input_named_like_a_built_in_keeps_the_artists_meaning(project: Path) -> None:
    # VU Meter's own `audioLevel` (default 1) is not the engine's level (0: sound off)
    [shot] = show(project, {"meter.fs": METER}, field("meter"))
    red, green, blue = mean_colour(shot)
    assert red == pytest.approx(1.0, abs=0.01)  # the meter full, as its DEFAULT says
    assert green == pytest.approx(0.25, abs=0.01)  # the input `time`, not the clock
    assert blue == pytest.approx(0.0, abs=0.01)  # TIME is still the clock: 0 at frame 0
    [half] = show(project, {"meter.fs": METER}, field("meter", "audioLevel = 0.5"))
    assert mean_colour(half)[0] == pytest.approx(0.5, abs=0.02)


def test_the_artists_input_is_an_osc_address_and_an_oscquery_node(project: Path) -> None:
    (project.parent / "shaders" / "meter.fs").write_text(METER)
    (project.parent / "scenes" / "champ.toml").write_text(field("meter"))
    engine = make_engine(project)
    try:
        engine.step()
        space = build_address_space(ControlLink.model_of(engine))
        route = space.route("/carte/layers/meter/audioLevel")
        assert route is not None and route.range == "0..1"
        node = build_tree(space).node("/carte/layers/meter/audioLevel", Snapshot())
        assert node["RANGE"] == [{"MIN": 0.0, "MAX": 1.0}] and node["TYPE"] == "f"
        steer(engine, "/carte/layers/meter/audioLevel", 0.25)
        engine.step()
        assert mean_colour(engine.target.pixels())[0] == pytest.approx(0.25, abs=0.02)
    finally:
        engine.close()


def test_a_buffer_named_time_and_globals_named_like_built_ins_are_the_artists(
        project: Path) -> None:
    shader = """/*{"PASSES": [{"TARGET": "time", "PERSISTENT": true}, {}]}*/
#define TIME (TIME * 0.5)
const float delta = 0.25;
float resolution(float x) { return x * 2.0; }
void main() {
    if (PASSINDEX == 0) gl_FragColor = vec4(delta, 0.0, 0.0, 1.0);
    else gl_FragColor = vec4(IMG_THIS_PIXEL(time).r, resolution(0.25), TIME * 30.0, 1.0);
}
"""
    shots = show(project, {"temps.fs": shader}, field("temps"), frames=2)
    assert tuple(mean_colour(shots[1]).round(2)) == (0.25, 0.5, 0.5)  # TIME = 1/30


def test_a_sketch_declaring_the_built_ins_as_uniforms_gets_them_filled(
        project: Path) -> None:
    # GLSL Sandbox sketches declare what the host fills; a non-uniform stays theirs
    sketch = """uniform float time;
uniform vec2 resolution;
float audioLevel = 0.75;
void main() {
    gl_FragColor = vec4(gl_FragCoord.x / resolution.x, time * 15.0, audioLevel, 1.0);
}
"""
    shots = show(project, {"bac.glsl": sketch}, field("bac"), frames=2)
    assert tuple(mean_colour(shots[1]).round(2)) == (0.5, 0.5, 0.75)


def test_an_input_named_like_a_layer_control_is_reached_beside_it(project: Path) -> None:
    shader = """/*{"INPUTS": [{"NAME": "opacity", "TYPE": "float", "DEFAULT": 0.2}]}*/
void main() { gl_FragColor = vec4(opacity, 0.0, 0.0, 1.0); }
"""
    (project.parent / "shaders" / "voile.fs").write_text(shader)
    (project.parent / "scenes" / "champ.toml").write_text(field("voile"))
    engine = make_engine(project)
    try:
        engine.step()
        assert mean_colour(engine.target.pixels())[0] == pytest.approx(0.2, abs=0.01)
        routes = {r.address for r in build_address_space(ControlLink.model_of(engine)).routes}
        assert {"/carte/layers/voile/input-opacity", "/carte/layers/voile/opacity"} <= routes
        steer(engine, "/carte/layers/voile/input-opacity", 0.8)
        engine.step()
        assert mean_colour(engine.target.pixels())[0] == pytest.approx(0.8, abs=0.01)
        steer(engine, "/carte/layers/voile/opacity", 0.5)
        engine.step()
        assert mean_colour(engine.target.pixels())[0] == pytest.approx(0.4, abs=0.01)
    finally:
        engine.close()


# -- alpha: clamped before it is composed ---------------------------------------------

BRIGHT = "void main() { gl_FragColor = vec4(0.4, 0.4, 0.4, 2.0); }\n"


def test_an_alpha_above_one_never_brightens_a_field_layer(project: Path) -> None:
    [shot] = show(project, {"gris.glsl": GREY, "vif.fs": BRIGHT},
                  field("gris") + field("vif"))
    assert tuple(shot[90, 160, :3]) == (102, 102, 102)  # the reference draws 102, not 204


def test_an_alpha_above_one_never_brightens_a_post_layer(project: Path) -> None:
    fil = ('/*{"INPUTS": [{"NAME": "inputImage", "TYPE": "image"}]}*/\n'
           "void main() { gl_FragColor = vec4(IMG_THIS_PIXEL(inputImage).rgb * 0.8, 3.0); }\n")
    [shot] = show(project, {"gris.glsl": GREY, "filtre.fs": fil}, field("gris") + post("filtre"))
    assert tuple(shot[90, 160, :3]) == (102, 102, 102)


def test_an_alpha_above_one_never_brightens_a_transition(project: Path) -> None:
    transition = ('/*{"INPUTS": [{"NAME": "startImage", "TYPE": "image"}, {"NAME": "endImage",'
                  ' "TYPE": "image"}, {"NAME": "progress", "TYPE": "float"}]}*/\n' + BRIGHT)
    shaders, scenes = project.parent / "shaders", project.parent / "scenes"
    (shaders / "Flash.fs").write_text(transition)
    (shaders / "gris.glsl").write_text(GREY)
    (scenes / "gris.toml").write_text(field("gris") + '[transition]\nshader = "Flash"\n')
    engine = make_engine(project)
    try:
        engine.step()
        assert engine.switch_scene("gris")
        engine.step()
        assert tuple(engine.target.pixels()[90, 160, :3]) == (102, 102, 102)
    finally:
        engine.close()


def test_a_float_buffer_keeps_values_above_one_and_the_output_is_clamped(
        project: Path) -> None:
    shader = """/*{"PASSES": [{"TARGET": "big", "FLOAT": true}, {"TARGET": "small"}, {}]}*/
void main() {
    if (PASSINDEX < 2) gl_FragColor = vec4(2.0, 0.0, 0.0, 1.0);
    else gl_FragColor = vec4(IMG_THIS_PIXEL(big).r / 4.0, IMG_THIS_PIXEL(small).r / 4.0,
                             IMG_THIS_PIXEL(big).r, 1.0);
}
"""
    [shot] = show(project, {"tampon.fs": shader}, field("tampon"))
    assert tuple(shot[90, 160, :3]) == (128, 64, 255)  # 2.0 kept, 8 bits hold 1.0


def test_a_filter_replaces_what_is_below_and_its_opacity_mixes_the_two(
        project: Path) -> None:
    cut = ('/*{"INPUTS": [{"NAME": "inputImage", "TYPE": "image"}]}*/\n'
           "void main() { vec4 c = IMG_THIS_PIXEL(inputImage);\n"
           "  gl_FragColor = isf_FragNormCoord.x < 0.5 ? vec4(0.0) : vec4(c.rgb, 1.0); }\n")
    [full] = show(project, {"gris.glsl": GREY, "Crop.fs": cut}, field("gris") + post("Crop"))
    assert tuple(full[90, 40, :3]) == (0, 0, 0) and tuple(full[90, 280, :3]) == (128,) * 3
    [half] = show(project, {"gris.glsl": GREY, "Crop.fs": cut},
                  field("gris") + post("Crop", opacity=0.5))
    assert tuple(half[90, 40, :3]) == (64,) * 3 and tuple(half[90, 280, :3]) == (128,) * 3


# -- what other hosts give and accept -------------------------------------------------

def test_other_hosts_per_image_uniforms_and_null_defaults(project: Path) -> None:
    fil = """/*{"INPUTS": [{"NAME": "inputImage", "TYPE": "image", "DEFAULT": null},
  {"NAME": "gain", "TYPE": "float", "DEFAULT": null, "MIN": null, "MAX": null, "LABEL": null}]}*/
void main() {
    vec4 rect = _inputImage_imgRect;
    gl_FragColor = vec4(_inputImage_imgSize / 640.0, rect.z - rect.x - gain,
                        _inputImage_flip ? 0.0 : 1.0);
}
"""
    [shot] = show(project, {"gris.glsl": GREY, "Hosts.fs": fil}, field("gris") + post("Hosts"))
    assert tuple(shot[90, 160, :3]) == (128, 72, 255)  # 320 / 640, 180 / 640, 1 - 0


def test_typing_desktop_drivers_accept_compiles(project: Path) -> None:
    # `return 0;` in a float function, uint and int mixed, `round` and `sample` as names
    sample = (ROOT / "bench" / "isf_samples" / "Loose Typing.fs").read_text()
    [shot] = show(project, {"Typing.fs": sample}, field("Typing"))
    # the ramp is 0.5 * 6 - 1 over 6 at the middle; round(0.4) + 0.5; cell (20, 5) is
    # dark (0xF0 >> 2 is even), cell (20, 1) lit (0xF0 >> 6 is odd)
    assert tuple(shot[90, 160, :3]) == (0, 85, 128)
    assert tuple(shot[159, 160, :3]) == (255, 85, 128)


def test_conversions_only_desktop_drivers_make_are_made_explicit(project: Path) -> None:
    # float to int, vec4 to vec3, a float returned as an int: NVIDIA takes them, and so
    # does the carte, converting as the constructor would
    shader = """int twice(float x) { return x * 2.0; }
void main() {
    int steps = 2.7;
    vec3 colour = vec4(0.25, 0.5, 0.75, 1.0);
    float a = 0.5; int b; b = 1.9;
    gl_FragColor = vec4(float(steps) / 4.0 * a * 2.0, colour.g, float(twice(0.6) + b) / 4.0,
                        1.0);
}
"""
    [shot] = show(project, {"Lache.fs": shader}, field("Lache"))
    assert tuple(shot[90, 160, :3]) == (128, 128, 128)  # 2 / 4, 0.5, (1 + 1) / 4


# -- sampling: as the reference samples, mipmaps only against aliasing ----------------

def test_a_folded_filter_has_no_blurred_seams(project: Path) -> None:
    halves = "void main() { gl_FragColor = vec4(vec3(step(0.5, isf_FragNormCoord.x)), 1.0); }\n"
    fold = ('/*{"INPUTS": [{"NAME": "inputImage", "TYPE": "image"}]}*/\n'
            "void main() { gl_FragColor = IMG_NORM_PIXEL(inputImage,"
            " fract(isf_FragNormCoord * vec2(3.0, 1.0))); }\n")
    [shot] = show(project, {"moities.glsl": halves, "Pli.fs": fold},
                  field("moities") + post("Pli"))
    row = shot[90, :, 0].astype(int)
    # six edges, each at most one interpolated pixel: no mip level smeared over a seam
    assert np.count_nonzero((row > 20) & (row < 235)) <= 6
    assert np.count_nonzero(row < 20) == pytest.approx(160, abs=6)


def test_a_1_to_1_post_layer_and_transition_read_the_pictures_exactly(
        project: Path) -> None:
    noise = ("float h(vec2 p) { return fract(sin(dot(p, vec2(12.9898, 78.233))) * 43758.5); }\n"
             "void main() { gl_FragColor = vec4(h(gl_FragCoord.xy), h(gl_FragCoord.yx), "
             "0.5, 1.0); }\n")
    same = ('/*{"INPUTS": [{"NAME": "inputImage", "TYPE": "image"}]}*/\n'
            "void main() { gl_FragColor = IMG_NORM_PIXEL(inputImage, isf_FragNormCoord); }\n")
    [plain] = show(project, {"bruit.glsl": noise}, field("bruit"))
    [filtered] = show(project, {"bruit.glsl": noise, "Meme.fs": same},
                      field("bruit") + post("Meme"))
    assert np.array_equal(plain, filtered)


def test_an_image_larger_than_the_output_is_minified_without_aliasing(project: Path) -> None:
    stripes = np.zeros((720, 1280, 3), np.uint8)
    stripes[:, ::2] = 255  # one-pixel stripes, four times the output's width
    Image.fromarray(stripes).save(project.parent / "shaders" / "rayures.png")
    shader = ('/*{"INPUTS": [{"NAME": "picture", "TYPE": "image"}]}*/\n'
              "void main() { gl_FragColor = IMG_THIS_PIXEL(picture); }\n")
    [shot] = show(project, {"Image.fs": shader}, field("Image", 'picture = "rayures.png"'))
    grey = shot[20:160, 20:300, 0].astype(float)
    assert grey.mean() == pytest.approx(127.5, abs=4) and grey.std() < 4  # not stripes


# -- audio inputs: the soundscape's real wave and spectrum -----------------------------

def sine(freq: float, amplitude: float, seconds: float = 0.1) -> np.ndarray:
    t = np.arange(int(RATE * seconds)) / RATE
    wave = amplitude * np.sin(2 * math.pi * freq * t)
    return np.stack([wave, -wave], axis=1).astype(np.float32)


def test_the_spectrum_image_holds_each_band_on_the_60_db_scale() -> None:
    rows = spectrum(sine(1000.0, 0.5), RATE, 64)
    edges = np.geomspace(20.0, RATE / 2, 65)
    band = int(np.searchsorted(edges, 1000.0)) - 1
    assert rows.shape == (2, 64)
    assert rows[0, band] == pytest.approx(1 - 6.02 / 60, abs=0.02)  # -6 dBFS
    assert rows[0, :band - 4].max() < 0.2 and rows[0, band + 5:].max() < 0.2
    assert np.array_equal(rows[0], rows[1])
    assert spectrum(np.zeros((0, 2), np.float32), RATE, 8).max() == 0.0


def test_the_wave_image_is_the_latest_samples_about_one_half() -> None:
    sound = sine(375.0, 0.8)
    rows = waveform(sound, 2048)
    assert rows.shape == (2, 2048)
    assert np.allclose(rows[0], 0.5 + 0.5 * sound[-2048:, 0], atol=1e-6)
    peak = waveform(sound, 1)
    assert peak[0, 0] == pytest.approx(0.9, abs=0.01) or peak[0, 0] == pytest.approx(0.1,
                                                                                     abs=0.01)
    assert np.all(waveform(np.zeros((0, 2), np.float32), 16) == 0.5)


AUDIO_SHADER = """/*{"INPUTS": [{"NAME": "wave", "TYPE": "audio", "MAX": 128},
  {"NAME": "fft", "TYPE": "audioFFT", "MAX": 32}]}*/
void main() {
    float loudest = 0.0;
    for (int i = 0; i < 32; i++) {
        loudest = max(loudest, IMG_PIXEL(fft, vec2(float(i) + 0.5, 0.5)).r);
    }
    float swing = 0.0;
    for (int i = 0; i < 128; i++) {
        swing = max(swing, abs(IMG_PIXEL(wave, vec2(float(i) + 0.5, 0.5)).r - 0.5));
    }
    gl_FragColor = vec4(loudest, swing * 2.0, IMG_SIZE(wave).x / 255.0, 1.0);
}
"""
TONE = """import pyo
from engine.audio.contract import Param

PARAMS = (Param("pitch", 440.0, 50.0, 12000.0, "Pitch"),)


class Tone:
    def __init__(self, ctx):
        self.output = pyo.Sine(freq=ctx.param("pitch"), mul=0.3)


def build(ctx):
    return Tone(ctx)
"""


def test_a_render_feeds_audio_inputs_the_sound_computed_for_each_frame(
        project: Path) -> None:
    (project.parent / "sound" / "tone.py").write_text(TONE)
    set_config(project, "audio", "backend", '"offline"')
    set_config(project, "audio", "module", '"tone"')
    (project.parent / "shaders" / "Ecoute.fs").write_text(AUDIO_SHADER)
    (project.parent / "scenes" / "champ.toml").write_text(field("Ecoute"))
    engine = make_engine(project)
    try:
        assert engine.problems() == []
        for _ in range(20):
            engine.step()
        loudest, swing, width = mean_colour(engine.target.pixels())
        heard = np.concatenate(engine.sound)[-KEEP:]
        assert swing == pytest.approx(float(np.abs(heard).max()), abs=0.03) and swing > 0.05
        assert loudest == pytest.approx(spectrum(heard, engine.audio.sample_rate, 32).max(),
                                        abs=0.02) and loudest > 0.5
        assert width == pytest.approx(128 / 255, abs=0.01)
    finally:
        engine.close()


def test_live_the_images_are_what_the_master_just_played(tmp_path: Path) -> None:
    folder = tmp_path / "sound"
    folder.mkdir()
    (folder / "tone.py").write_text(TONE)
    soundscape = Soundscape(AudioConfig(backend="manual", sample_rate=RATE, buffer_size=512,
                                        channels=2), folder, ("a",), "tone")
    soundscape.start()
    try:
        soundscape.process(1.0)
        recent = soundscape.recent(KEEP)
        assert recent.shape == (KEEP, 2)
        edges = np.geomspace(20.0, RATE / 2, 129)
        before = int(np.argmax(spectrum(recent, RATE, 128)[0]))
        # the loudest band is the tone's (or its neighbour: bands near 440 Hz are
        # narrower than the analysis' resolution)
        assert abs(before - int(np.searchsorted(edges, 440.0))) <= 1
        soundscape.set_param("pitch", 3000.0)
        soundscape.process(1.5)
        after = int(np.argmax(spectrum(soundscape.recent(KEEP), RATE, 128)[0]))
        assert abs(after - int(np.searchsorted(edges, 3000.0))) <= 1
    finally:
        soundscape.stop()
