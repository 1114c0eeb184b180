"""The running loop: artists' saves reload, dropped texts appear, threads stop."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from engine.journal.journal import Journal
from tests.conftest import set_config
from tests.engines import make_engine, step_until
from tests.pixels import luminance, mean_colour, region

FLAT = "void main() {{ gl_FragColor = vec4({}, 1.0); }}\n"


def flat_project(project: Path) -> Path:
    """A scene with a flat-colour field under the contributions, for exact checks."""
    (project.parent / "shaders" / "aplat.glsl").write_text(FLAT.format("0.0, 0.0, 0.5"))
    (project.parent / "scenes" / "champ.toml").write_text(
        '[[layers]]\nkind = "field"\nshader = "aplat"\n[[layers]]\nkind = "contributions"\n')
    return project.parent / "shaders" / "aplat.glsl"


def colour_is(engine, rgb: tuple[float, float, float]) -> bool:
    return bool(abs(mean_colour(engine.target.pixels()) - rgb).max() < 0.02)


def test_saving_a_shader_recompiles_while_running(project: Path) -> None:
    """Its latency (aim: within a second) is measured in bench/, not asserted here."""
    shader = flat_project(project)
    engine = make_engine(project, live=True)
    engine.start()
    try:
        step_until(engine, lambda: colour_is(engine, (0.0, 0.0, 0.5)), 5.0)
        shader.write_text(FLAT.format("0.5, 0.25, 0.0"))
        step_until(engine, lambda: colour_is(engine, (0.5, 0.25, 0.0)), 5.0)
        # A save with a syntax error leaves the last good picture and says where.
        shader.write_text("void main() {\n  gl_FragColor = vec4(1.0)\n}\n")
        step_until(engine, lambda: bool(engine.problems()), 5.0)
        assert engine.problems()[0].line == 3
        corner = engine.target.pixels()[-40:, -80:]
        assert abs(mean_colour(corner) - (0.5, 0.25, 0.0)).max() < 0.02
    finally:
        engine.close()


def test_editing_a_scene_reloads_it_and_a_broken_one_is_kept_out(project: Path) -> None:
    flat_project(project)
    scene = project.parent / "scenes" / "champ.toml"
    engine = make_engine(project, live=True)
    engine.start()
    try:
        step_until(engine, lambda: colour_is(engine, (0.0, 0.0, 0.5)), 5.0)
        scene.write_text('[[layers]]\nkind = "field"\nshader = "aplat"\nopacity = 0.5\n')
        step_until(engine, lambda: colour_is(engine, (0.0, 0.0, 0.25)), 5.0)
        scene.write_text('[[layers]]\nkind = "field"\nshader = "aplat"\nblend = "dodge"\n')
        step_until(engine, lambda: bool(engine.problems()), 5.0)
        [problem] = engine.problems()
        assert (problem.file, problem.line) == (scene, 4)
        assert "blend 'dodge' is unknown" in problem.message
        assert engine.scene.layers[0].opacity == 0.5  # the previous scene stays
    finally:
        engine.close()


def test_text_dropped_in_the_inbox_appears(project: Path) -> None:
    """Its latency (aim: within a second) is measured in bench/, not asserted here."""
    flat_project(project)
    inbox = project.parent / "inbox"
    engine = make_engine(project, live=True)
    engine.start()
    try:
        for _ in range(5):
            engine.step()
        (inbox / "democratie").mkdir()
        (inbox / "democratie" / "idée.txt").write_text("Décider ensemble, vraiment.\n")
        step_until(engine, lambda: len(engine.carte) == 1, 10.0)
        placed = engine.carte.placed[0]
        assert placed.contribution.text == "Décider ensemble, vraiment."
        assert placed.contribution.tags.theme == "démocratie"
    finally:
        engine.close()


def test_half_written_and_temporary_files_wait(project: Path) -> None:
    flat_project(project)
    set_config(project, "intake", "settle_seconds", "2.0")  # far above the 0.25 s pauses
    inbox = project.parent / "inbox"
    engine = make_engine(project, live=True)
    engine.start()
    try:
        partial = inbox / "long.txt.part"
        partial.write_text("Une contribution copiée lentement")
        slow = inbox / "lent.txt"
        with slow.open("w", encoding="utf-8") as writing:
            for word in ("Écrire ", "lentement ", "sur ", "le ", "partage."):
                writing.write(word)
                writing.flush()
                deadline = time.monotonic() + 0.25
                while time.monotonic() < deadline:
                    engine.step()
                assert len(engine.carte) == 0  # never read while it grows
        step_until(engine, lambda: len(engine.carte) == 1, 10.0)
        assert engine.carte.placed[0].contribution.text == "Écrire lentement sur le partage."
        partial.rename(inbox / "long.txt")  # the copy tool's final rename
        step_until(engine, lambda: len(engine.carte) == 2, 10.0)
    finally:
        engine.close()


def test_the_same_text_twice_is_one_contribution(project: Path) -> None:
    flat_project(project)
    inbox = project.parent / "inbox"
    engine = make_engine(project, live=True)
    engine.start()
    try:
        (inbox / "a.txt").write_text("Même idée")
        (inbox / "b.txt").write_text("Même idée")
        (inbox / "c.txt").write_text("Autre idée")
        step_until(engine, lambda: len(engine.carte) == 2, 10.0)
        deadline = time.monotonic() + 0.8
        while time.monotonic() < deadline:
            engine.step()
        assert sorted(p.contribution.text for p in engine.carte.placed) == \
            ["Autre idée", "Même idée"]
    finally:
        engine.close()


def test_a_hidden_contribution_leaves_the_screen(project: Path) -> None:
    (project.parent / "scenes" / "champ.toml").write_text('[[layers]]\nkind = "contributions"\n')
    inbox = project.parent / "inbox"
    engine = make_engine(project, live=True)
    engine.start()
    try:
        (inbox / "a.txt").write_text("Une idée à retirer")
        step_until(engine, lambda: len(engine.carte) == 1, 10.0)
        for _ in range(60):  # past the bloom
            engine.step()
        placed = engine.carte.placed[0]

        def lit() -> int:  # where the card is (the themes' names are elsewhere)
            rows, columns = region(engine.camera.view, (placed.x, placed.y, placed.w, placed.h),
                                   engine.target.size)
            return int((luminance(engine.target.pixels())[rows, columns] > 0.5).sum())

        assert lit() > 50
        moderator = Journal(project.parent / "data" / "journal.sqlite")  # as `carte hide`
        moderator.moderate(placed.contribution.id, "hidden")
        moderator.close()
        step_until(engine, lambda: lit() == 0, 2.0)
    finally:
        engine.close()


def test_a_restart_rebuilds_the_same_carte(project: Path) -> None:
    inbox = project.parent / "inbox"
    for theme in ("datas", "démocratie"):
        (inbox / theme).mkdir()
    (inbox / "datas" / "a.txt").write_text("Première")
    (inbox / "démocratie" / "b.txt").write_text("Deuxième")
    (inbox / "c.txt").write_text("Troisième")
    engine = make_engine(project, live=True)
    engine.start()
    try:
        step_until(engine, lambda: len(engine.carte) == 3, 10.0)
        first = [(p.contribution.id, p.x, p.y) for p in engine.carte.placed]
    finally:
        engine.close()
    again = make_engine(project)
    try:
        assert len(again.places) == 3  # the spots were journaled: no walk on restart
        again.restore_now()
        # each in its place (the journal may hold them in another order than they
        # arrived from the two decoder workers)
        assert sorted((p.contribution.id, p.x, p.y) for p in again.carte.placed) == \
            sorted(first)
    finally:
        again.close()


def test_the_inbox_removed_and_made_again_is_still_watched(project: Path) -> None:
    set_config(project, "intake", "rescan_seconds", "0.3")
    inbox = project.parent / "inbox"
    engine = make_engine(project, live=True)
    engine.start()
    try:
        for _ in range(10):
            engine.step()
        shutil.rmtree(inbox)
        time.sleep(0.5)
        inbox.mkdir()
        time.sleep(0.5)
        (inbox / "retour.txt").write_text("De retour")
        step_until(engine, lambda: len(engine.carte) == 1, 10.0)
    finally:
        engine.close()
