"""The invitation layer: a QR code of [web] public_url on the projection, placeable per
scene and hidden like any layer."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import segno

from engine.render.glyphs import default_font
from engine.render.invitation import invitation_card, short_address
from tests.conftest import figure, set_config
from tests.engines import make_engine

URL = "http://10.0.0.2:8080/"


def test_the_card_holds_the_code_of_the_address() -> None:
    card = invitation_card(URL, default_font())
    matrix = np.array([[bool(v) for v in row] for row in segno.make(URL, error="m").matrix])
    dark = card[..., :3].mean(axis=2) < 128
    rows, cols = np.nonzero(dark[100:-90])  # the code, between headline and address
    top, left = rows.min(), cols.min()
    scale = (rows.max() - top + 1) / len(matrix)
    sampled = np.array([[dark[100 + top + int((r + 0.5) * scale), left + int((c + 0.5) * scale)]
                         for c in range(len(matrix))] for r in range(len(matrix))])
    assert (sampled == matrix).all()
    assert short_address(URL) == "10.0.0.2:8080"


def corner(frame: np.ndarray) -> np.ndarray:
    height, width = frame.shape[:2]
    return frame[int(height * 0.7):int(height * 0.9), int(width * 0.86):int(width * 0.94), :3]


def test_the_projection_invites_where_the_scene_says_and_hides_on_demand(project: Path
                                                                          ) -> None:
    set_config(project, "web", "enabled", "true")
    set_config(project, "web", "public_url", f'"{URL}"')
    set_config(project, "web", "moderator_token", '"un-jeton-assez-long"')
    engine = make_engine(project, size=(640, 360))
    try:
        engine.start()
        for _ in range(3):
            engine.step()
        shown = engine.target.pixels().copy()
        engine.target.save_png(figure("invitation.png", project.parent))
        spot = corner(shown)
        assert (spot.mean(axis=2) > 200).mean() > 0.3  # the paper of the card
        assert (spot.mean(axis=2) < 60).mean() > 0.1   # the code's modules
        scene = engine.scene
        hidden = tuple(replace(layer, enabled=False) if layer.kind == "invitation" else layer
                       for layer in scene.layers)
        engine.scene = replace(scene, layers=hidden)
        engine.step()
        assert (corner(engine.target.pixels()).mean(axis=2) > 200).mean() < 0.05
    finally:
        engine.close()


def test_no_address_no_invitation(project: Path) -> None:
    engine = make_engine(project, size=(640, 360))
    try:
        engine.start()
        engine.step()
        assert (corner(engine.target.pixels()).mean(axis=2) > 200).mean() < 0.05
    finally:
        engine.close()
