"""Graffiti: ink drawing itself stroke by stroke on a persistent layer, live from a tablet."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from engine.intake.intake import Arrived
from engine.world.contribution import Contribution
from tests.engines import make_engine, step_until
from tests.pixels import luminance


def ink_pixels(engine) -> int:
    picture = engine.target.pixels()
    return int(((picture[..., 0] > 120) & (picture[..., 2] < picture[..., 0])).sum())


def spiral() -> tuple[tuple[tuple[float, float, float], ...], ...]:
    points = tuple((0.5 + 0.45 * t / 300 * math.cos(t / 12), 0.5 + 0.45 * t / 300 *
                    math.sin(t / 12), 1.0) for t in range(300))
    return (points,)


def test_a_drawing_inks_itself_stroke_by_stroke_and_a_hidden_one_leaves(project: Path) -> None:
    (project.parent / "scenes" / "champ.toml").write_text('[[layers]]\nkind = "contributions"\n')
    engine = make_engine(project, size=(640, 360))
    try:
        drawing = Contribution("d0", "drawing", "spirale.svg", strokes=spiral())
        engine.receive(Arrived(drawing, restored=True))
        engine.step()
        first = ink_pixels(engine)
        for _ in range(10):
            engine.step()
        whole = ink_pixels(engine)
        assert 0 < first < whole  # it draws itself over the frames, it does not pop in
        assert engine.compositor.pictures.pictures == {}  # ink, not a picture
        engine.moderate("d0", "hidden")
        engine.step()
        assert ink_pixels(engine) == 0
        engine.moderate("d0", "shown")
        engine.step()
        assert ink_pixels(engine) == whole  # the paint comes back whole
    finally:
        engine.close()


def test_a_tablet_draws_live_and_its_stroke_becomes_a_contribution(project: Path) -> None:
    from pythonosc.udp_client import SimpleUDPClient

    (project.parent / "scenes" / "champ.toml").write_text('[[layers]]\nkind = "contributions"\n')
    engine = make_engine(project, live=True, size=(640, 360))
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
        inked = engine.compositor.paint.painted[arrived.id]  # its strokes, at its place
        assert len(inked) >= 20 and np.isfinite(inked).all()
    finally:
        engine.close()
