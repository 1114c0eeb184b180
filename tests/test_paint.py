"""Graffiti: ink drawing itself stroke by stroke at its place, then the drawing as its
picture; a tablet's strokes live on the view."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np

from engine.control.strokes import stroke_svg
from engine.intake.decode import Limits, decode
from engine.intake.intake import Arrived
from engine.render.paint import LIVE_SECONDS
from engine.world.contribution import Contribution, Tags
from tests.engines import make_engine, step_until
from tests.pixels import luminance, region

SIZE = (640, 360)


def spiral() -> tuple[tuple[float, float, float], ...]:
    return tuple((0.5 + 0.45 * t / 300 * math.cos(t / 12), 0.5 + 0.45 * t / 300 *
                  math.sin(t / 12), 1.0) for t in range(300))


def covered(engine) -> float:
    """The share of the drawing's place that shows ink or picture, as the view is now
    (a share of its own box, so the camera's glide towards it does not count)."""
    placed = engine.carte.placed[0]
    rows, cols = region(engine.camera.view, (placed.x, placed.y, placed.w, placed.h), SIZE)
    return float((luminance(engine.target.pixels())[rows, cols] > 0.35).mean())


def test_a_drawing_inks_itself_then_stays_as_its_picture(project: Path,
                                                         tmp_path: Path) -> None:
    (project.parent / "scenes" / "champ.toml").write_text('[[layers]]\nkind = "contributions"\n')
    source = tmp_path / "spirale.svg"
    source.write_text(stroke_svg(spiral()), encoding="utf-8")
    drawing = replace(decode(source, Limits()), id="d" * 16)
    engine = make_engine(project, size=SIZE)
    try:
        engine.step()
        engine.receive(Arrived(drawing))
        shares = []
        for _ in range(24):  # the first 0.8 s: the ink draws itself
            engine.step()
            shares.append(covered(engine))
        assert 0 < shares[2] < shares[10] < shares[-1]  # drawn over the frames, no pop-in
        for _ in range(150):  # five seconds on: the ink has given way to the picture
            engine.step()
        assert engine.compositor.paint.count == 0
        stays = covered(engine)
        assert stays > 0.5 * shares[-1]  # the drawing is still there, as its picture
        engine.moderate(drawing.id, "hidden")
        engine.step()
        assert covered(engine) < 0.01
        engine.moderate(drawing.id, "shown")
        engine.step()
        assert covered(engine) > 0.5 * stays
    finally:
        engine.close()


def test_a_drawing_far_out_on_a_full_carte_is_drawn(project: Path, tmp_path: Path) -> None:
    """Nowhere on the map is out of the paint's reach (it once covered only the middle)."""
    (project.parent / "scenes" / "champ.toml").write_text('[[layers]]\nkind = "contributions"\n')
    source = tmp_path / "spirale.svg"
    source.write_text(stroke_svg(spiral()), encoding="utf-8")
    engine = make_engine(project, size=SIZE)
    try:
        for index in range(400):
            engine.receive(Arrived(Contribution(f"{index:016x}", "text", f"t{index}.txt",
                                                f"note {index} sur les communs",
                                                Tags(theme="datas")), restored=True))
        drawing = replace(decode(source, Limits()), id="d" * 16, tags=Tags(theme="datas"))
        _, _, right, top = engine.carte.extent
        engine.places[drawing.id] = (right + 0.3, top + 0.3, 0)  # where it was placed once
        engine.receive(Arrived(drawing, restored=True))
        placed = engine.carte.placed[-1]
        assert abs(placed.x) > 2.0 or abs(placed.y) > 1.3  # beyond the old painted middle
        for _ in range(60):
            engine.step()
        rows, cols = region(engine.camera.view, (placed.x, placed.y, placed.w, placed.h), SIZE)
        assert (luminance(engine.target.pixels())[rows, cols] > 0.35).mean() > 0.02
    finally:
        engine.close()


def test_a_tablet_draws_live_and_its_stroke_becomes_a_contribution(project: Path) -> None:
    from pythonosc.udp_client import SimpleUDPClient

    (project.parent / "scenes" / "champ.toml").write_text('[[layers]]\nkind = "contributions"\n')
    engine = make_engine(project, live=True, size=SIZE)
    engine.start()
    try:
        assert engine.control is not None
        host, port = engine.control.server.address
        tablet = SimpleUDPClient(host, port)
        engine.step()
        blank = luminance(engine.target.pixels()).sum()
        tablet.send_message("/carte/contributions/stroke/begin", ["coopérations"])
        for step in range(40):
            tablet.send_message("/carte/contributions/stroke/point",
                                [0.3 + step * 0.01, 0.5 + 0.1 * math.sin(step / 5), 0.8])
        step_until(engine, lambda: luminance(engine.target.pixels()).sum() > blank + 50, 5.0)
        tablet.send_message("/carte/contributions/stroke/end", [])
        step_until(engine, lambda: len(engine.carte) == 1, 10.0)
        arrived = engine.carte.placed[0].contribution
        assert arrived.kind == "drawing" and arrived.tags.theme == "coopérations"
        inked = engine.compositor.paint.inking[arrived.id]  # its strokes, at its place
        assert len(inked) >= 20 and np.isfinite(inked).all()
        live_until = engine.tick.time + LIVE_SECONDS
        step_until(engine, lambda: engine.tick.time > live_until, 30.0)
        assert not engine.compositor.paint.live  # the live ink has gone from the view
    finally:
        engine.close()
