"""What the audience sees: the default scene, parameters, layers and error overlay."""

from __future__ import annotations

import sys
import threading
from dataclasses import replace
from pathlib import Path

import moderngl
import numpy as np
import pytest

from bench.contrast import TARGET, ratio, text_region
from engine.app import Engine
from engine.clock import FixedClock
from engine.config import load_config
from engine.intake.corpus import contributions, day
from engine.intake.intake import Arrived
from engine.render.settle import settle
from engine.render.surface import OffscreenSurface
from engine.render.text import STRIDE
from engine.world.contribution import Contribution, Tags
from engine.world.layout import GUTTER
from engine.world.legend import FLOOR_PX
from tests.engines import make_engine
from tests.pixels import difference, is_blank, luminance, mean_colour, region

THEMES = ("capacitations", "datas", "coopérations", "démocratie")
SEQUENCES = ("enjeux", "paradoxes", "possibles")


def rgb(expected: tuple[float, float, float]) -> object:
    return pytest.approx(np.array(expected), abs=0.01)


def frame(engine, frames: int = 1) -> np.ndarray:
    for _ in range(frames):
        engine.step()
    return engine.target.pixels().copy()


def test_default_scene_is_alive_on_an_empty_inbox(project: Path) -> None:
    engine = make_engine(project)
    try:
        first = frame(engine)
        later = frame(engine, 90)  # three seconds of show time
        assert not is_blank(first)
        assert difference(first, later) > 0.002  # it moves, slowly
        assert luminance(later).mean() < 0.5  # a dark ground text can sit on
    finally:
        engine.close()


def test_scene_parameter_changes_the_pixels(project: Path) -> None:
    scene = project.parent / "scenes" / "champ.toml"
    engine = make_engine(project)
    try:
        before = frame(engine)
    finally:
        engine.close()
    text = scene.read_text(encoding="utf-8").replace(
        'opacity = 1.0\n\n[[layers]]', 'opacity = 0.3\n\n[[layers]]', 1)
    scene.write_text(text, encoding="utf-8")
    dimmed_engine = make_engine(project)
    try:
        dimmed = frame(dimmed_engine)
    finally:
        dimmed_engine.close()
    assert luminance(dimmed).mean() < luminance(before).mean() * 0.5


def test_shader_input_from_the_scene_reaches_the_picture(project: Path) -> None:
    shaders = project.parent / "shaders"
    (shaders / "aplat.glsl").write_text(
        '/*{"INPUTS": [{"NAME": "teinte", "TYPE": "color", "DEFAULT": [1, 0, 0, 1]}]}*/\n'
        "void main() { gl_FragColor = teinte; }\n", encoding="utf-8")
    scene = project.parent / "scenes" / "champ.toml"
    scene.write_text('[[layers]]\nkind = "field"\nshader = "aplat"\n', encoding="utf-8")
    engine = make_engine(project)
    try:
        assert mean_colour(frame(engine)) == rgb((1.0, 0.0, 0.0))
    finally:
        engine.close()
    scene.write_text('[[layers]]\nkind = "field"\nshader = "aplat"\n'
                     "[layers.params]\nteinte = [0.0, 0.5, 1.0, 1.0]\n", encoding="utf-8")
    engine = make_engine(project)
    try:
        assert mean_colour(frame(engine)) == rgb((0.0, 0.5, 1.0))
    finally:
        engine.close()


def test_blend_modes_combine_layers(project: Path) -> None:
    shaders = project.parent / "shaders"
    for name, colour in (("rouge", "0.6, 0.0, 0.0"), ("bleu", "0.0, 0.0, 0.6")):
        (shaders / f"{name}.glsl").write_text(
            f"void main() {{ gl_FragColor = vec4({colour}, 1.0); }}\n", encoding="utf-8")
    scene = project.parent / "scenes" / "champ.toml"
    results = {}
    for blend in ("normal", "add", "multiply"):
        scene.write_text(f'[[layers]]\nkind = "field"\nshader = "rouge"\n[[layers]]\n'
                         f'kind = "field"\nshader = "bleu"\nblend = "{blend}"\n'
                         f"opacity = 0.5\n", encoding="utf-8")
        engine = make_engine(project)
        try:
            results[blend] = mean_colour(frame(engine))
        finally:
            engine.close()
    assert results["normal"] == rgb((0.3, 0.0, 0.3))
    assert results["add"] == rgb((0.6, 0.0, 0.3))
    assert results["multiply"] == rgb((0.3, 0.0, 0.0))


def test_a_contribution_appears_as_text(project: Path) -> None:
    scene = project.parent / "scenes" / "champ.toml"
    scene.write_text('[[layers]]\nkind = "contributions"\n', encoding="utf-8")
    engine = make_engine(project)
    try:
        empty = frame(engine, 60)
        text = Contribution("c0ffee", "text", "mot.txt", "Prendre soin des communs",
                            Tags(theme="coopérations"))
        engine.receive(Arrived(text))
        height, width = empty.shape[:2]
        announced = frame(engine, 75)  # the view glides to the new card, which blooms in
        ink = np.abs(luminance(announced) - luminance(empty)) > 0.25
        rows, cols = np.nonzero(ink)
        assert ink.sum() > 200  # large: glyph strokes, not noise
        assert abs(cols.mean() - width / 2) < width * 0.1
        assert abs(rows.mean() - height / 2) < height * 0.15
        settled = frame(engine, 300)  # ten seconds later the view is back on the whole
        ink = np.abs(luminance(settled) - luminance(empty)) > 0.25
        rows, cols = np.nonzero(ink)
        # the whole view frames what is there: one contribution, large and centred
        assert abs(cols.mean() - width / 2) < width * 0.1
        assert cols.max() - cols.min() > width * 0.4
        other = Contribution("decaf0", "text", "autre.txt", "Débattre lentement",
                             Tags(theme="démocratie"))
        engine.receive(Arrived(other))
        both = frame(engine, 400)
        ink = np.abs(luminance(both) - luminance(empty)) > 0.25
        rows, cols = np.nonzero(ink)
        # coopérations is the lower-right pole of the map, démocratie the lower left
        left, right = ink[:, :width // 3].sum(), ink[:, -width // 3:].sum()
        assert left > 20 and right > 20
    finally:
        engine.close()


def test_broken_shader_keeps_last_good_and_shows_the_error(project: Path) -> None:
    shader = project.parent / "shaders" / "champ.glsl"
    engine = make_engine(project)
    try:
        good = frame(engine)
        lines = shader.read_text(encoding="utf-8").splitlines()
        lines.append("float broken = ;")
        shader.write_text("\n".join(lines) + "\n", encoding="utf-8")
        broken_line = len(lines)
        assert engine.shaders.reload("champ") is False
        problem = engine.problems()[0]
        assert (problem.file, problem.line) == (shader, broken_line)
        with_overlay = frame(engine)
        top, bottom = with_overlay[: 30], with_overlay[30:]
        reddish = (top[..., 0].astype(int) - top[..., 2].astype(int)) > 80
        assert reddish.sum() > 50  # the overlay's warm ink, top-left
        assert difference(bottom, good[30:]) < 0.02  # the last good field is still there
    finally:
        engine.close()


def test_post_layer_transforms_what_is_below(project: Path) -> None:
    shaders = project.parent / "shaders"
    (shaders / "rouge.glsl").write_text("void main() { gl_FragColor = vec4(0.8, 0.1, 0.0, 1.0); }")
    (shaders / "negatif.glsl").write_text(
        "void main() { gl_FragColor = vec4(1.0 - texture(inputImage, uv).rgb, 1.0); }")
    (project.parent / "scenes" / "champ.toml").write_text(
        '[[layers]]\nkind = "field"\nshader = "rouge"\n'
        '[[layers]]\nkind = "post"\nshader = "negatif"\n')
    engine = make_engine(project)
    try:
        assert mean_colour(frame(engine)) == rgb((0.2, 0.9, 1.0))
    finally:
        engine.close()


def test_feedback_reads_the_previous_frame(project: Path) -> None:
    shaders = project.parent / "shaders"
    (shaders / "echo.glsl").write_text(
        "void main() { vec3 last = texture(previousFrame, uv).rgb;\n"
        "  gl_FragColor = vec4(min(last + vec3(0.1), vec3(1.0)), 1.0); }")
    (project.parent / "scenes" / "champ.toml").write_text(
        '[[layers]]\nkind = "field"\nshader = "echo"\n')
    engine = make_engine(project)
    try:
        assert mean_colour(frame(engine, 3))[0] == pytest.approx(0.3, abs=0.01)
    finally:
        engine.close()


def test_switching_scenes_blends_through_the_transition(project: Path) -> None:
    shaders = project.parent / "shaders"
    scenes = project.parent / "scenes"
    for name, colour in (("noir", "0.0, 0.0, 0.0"), ("blanc", "1.0, 1.0, 1.0")):
        (shaders / f"{name}.glsl").write_text(
            f"void main() {{ gl_FragColor = vec4({colour}, 1.0); }}")
        (scenes / f"{name}.toml").write_text(
            f'[[layers]]\nkind = "field"\nshader = "{name}"\n'
            '[transition]\nseconds = 2.0\nshader = "fondu"\n')
    (scenes / "champ.toml").write_text((scenes / "noir.toml").read_text())
    engine = make_engine(project)  # 30 fps
    try:
        frame(engine)
        assert engine.switch_scene("blanc") and not engine.switch_scene("absente")
        halfway = mean_colour(frame(engine, 30))[0]  # one second into two
        assert halfway == pytest.approx(0.5, abs=0.05)  # the eased crossfade's middle
        assert mean_colour(frame(engine, 45))[0] == pytest.approx(1.0, abs=0.01)
        assert engine.scene_name == "blanc"
    finally:
        engine.close()


def test_recurring_keywords_grow_in_the_constellation(project: Path) -> None:
    scene = project.parent / "scenes" / "champ.toml"
    scene.write_text('[[layers]]\nkind = "contributions"\n[layers.params]\nkeywords = 1.0\n',
                     encoding="utf-8")
    engine = make_engine(project)
    try:
        for index, words in enumerate((("écoute", "soin"), ("écoute",), ("Écoute", "lien"))):
            engine.receive(Arrived(Contribution(f"k{index}", "text", f"{index}.txt", "Idée",
                                                Tags(keywords=words)), restored=True))
        engine.step()
        rows = engine.compositor.constellation.batch
        assert rows.count == len("#écoute") + len("#soin") + len("#lien")
        constellation = engine.compositor.constellation
        assert constellation.version == engine.carte.version
        anchors = np.frombuffer(rows.buffer.read(), "f4").reshape(-1, STRIDE)[: rows.count, 10]
        assert anchors.max() > anchors.min() * 1.3  # the recurring word is larger
    finally:
        engine.close()


def test_a_dense_carte_still_shows_where_its_words_are(project: Path) -> None:
    """Below the readable floor a card is greeked: the audience still sees a field of
    text in each territory, not an empty map."""
    scene = project.parent / "scenes" / "champ.toml"
    scene.write_text('[[layers]]\nkind = "contributions"\n[layers.params]\nthreads = 0.0\n',
                     encoding="utf-8")
    engine = make_engine(project, size=(640, 360))
    try:
        empty = frame(engine, 2)
        for index in range(1500):
            engine.receive(Arrived(Contribution(
                f"{index:016x}", "text", f"t{index}.txt",
                f"Des communs numériques à partager, note {index}",
                Tags(theme=("capacitations", "datas", "coopérations", "démocratie")[index % 4])),
                restored=True))
        dense = frame(engine, 120)  # the view eases out to the whole carte
        em_px = engine.carte.layout.em * engine.camera.view[2] / 2 * 1080
        assert em_px < FLOOR_PX * 0.8, "the carte should be drawn below the floor here"
        light = luminance(dense) - luminance(empty)
        cards = [region(engine.camera.view, (p.x, p.y, p.w, p.h), (640, 360))
                 for p in engine.carte.placed[::25]]
        lit = [float(light[rows, cols].mean()) for rows, cols in cards]
        # a greeked card reads as a grey patch of text; the field between cards stays dark
        assert np.median(lit) > 0.05
    finally:
        engine.close()


def test_a_backdrop_darkens_the_field_behind_a_card(project: Path) -> None:
    """On a bright field (brume's mist) a scene may set a soft plate behind each card:
    the field between the letters is darker there."""
    scene = project.parent / "scenes" / "champ.toml"
    scene.write_text('[[layers]]\nkind = "field"\nshader = "brume"\n[[layers]]\nkind = '
                     '"contributions"\n[layers.params]\nbackdrop = 0.6\ndrift = 0.0\n',
                     encoding="utf-8")
    engine = make_engine(project, size=(640, 360))
    try:
        empty = frame(engine, 2)
        engine.receive(Arrived(Contribution("ca4d", "text", "mot.txt",
                                            "Prendre soin des communs numériques",
                                            Tags(theme="datas")), restored=True))
        shown = frame(engine, 60)
        placed = engine.carte.placed[0]
        rows, cols = region(engine.camera.view, (placed.x, placed.y, placed.w, placed.h),
                            (640, 360))
        before, after = luminance(empty)[rows, cols], luminance(shown)[rows, cols]
        between = after < before  # not the letters, which are lighter than the mist
        assert between.mean() > 0.5
        assert float((before - after)[between].mean()) > 0.08
    finally:
        engine.close()


@pytest.mark.parametrize("scene", ["champ", "brume", "parole"])
def test_settled_cards_keep_their_contrast_in_every_scene(project: Path, scene: str) -> None:
    """Ink against the field drawn under it, on settled cards: at least 7:1 (WCAG's AAA
    for body text, what a projector in a lit room still leaves readable)."""
    config = load_config(project)
    config = replace(config, display=replace(config.display, scene=scene))
    engine = Engine(config, OffscreenSurface((960, 540)), FixedClock(30), False)
    try:
        for said in contributions(day(16, THEMES, SEQUENCES)):
            engine.receive(Arrived(said, restored=True))
        image = frame(engine, 60)
        view = engine.camera.view
        gutter = GUTTER * engine.carte.layout.em
        ratios = [ratio(image[text_region(view, (p.x, p.y, p.w, p.h), (960, 540), gutter)])
                  for p in engine.carte.placed]
        assert engine.compositor.cards.letters == pytest.approx(1.0)
        assert np.nanmedian(ratios) >= TARGET, sorted(ratios)
        assert np.nanmin(ratios) >= TARGET * 0.8, sorted(ratios)
    finally:
        engine.close()


def test_other_threads_run_while_the_frame_is_drawn(ctx) -> None:
    """llvmpipe draws on its own threads; waiting for it must let Python's lock go, or the
    web door and intake stand still for most of each frame. The interpreter is told never
    to take the lock from the frame thread, so the helper runs only if the wait gives it."""
    program = ctx.program(
        vertex_shader="#version 330\nin vec2 p; void main() { gl_Position = vec4(p, 0, 1); }",
        fragment_shader="#version 330\nout vec4 c; void main() { float s = 0.0;"
                        " for (int i = 0; i < 200; i++) s += sin(gl_FragCoord.x * float(i));"
                        " c = vec4(s, 0, 0, 1); }")
    corners = ctx.buffer(np.array([-1, -1, 1, -1, -1, 1, 1, 1], "f4").tobytes())
    quad = ctx.vertex_array(program, [(corners, "2f", "p")])
    # Left alive and bound: moderngl binds the last framebuffer used again after its own
    # calls, and a released one there is an error for the tests that follow.
    target = ctx.simple_framebuffer((640, 360))
    gate, ran = threading.Lock(), threading.Event()
    gate.acquire()

    def helper() -> None:
        with gate:
            ran.set()

    thread = threading.Thread(target=helper, name="beside-the-frame")
    thread.start()
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1000.0)
    try:
        gate.release()  # the helper now waits only for the interpreter's lock
        for _ in range(20):  # each wait is a chance; a wait holding the lock gives none
            target.use()
            quad.render(moderngl.TRIANGLE_STRIP)
            settle(ctx)
            if ran.is_set():
                break
        seen = ran.is_set()
    finally:
        sys.setswitchinterval(interval)
        thread.join()
        for released in (quad, corners, program):
            released.release()
    assert seen, "the frame's wait held Python's lock: no other thread ran meanwhile"
