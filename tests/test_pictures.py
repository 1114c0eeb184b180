"""Pictures within a GPU memory budget: thumbnails always there, full slots for the
recent and the pinned, uploads paced, draw calls independent of the count."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.intake.intake import Arrived
from engine.journal.cache import PayloadCache
from engine.world.contribution import Contribution, Tags
from tests.conftest import set_config
from tests.engines import make_engine

THEMES = ("capacitations", "datas", "coopérations", "démocratie")


def picture(index: int) -> Contribution:
    pixels = np.zeros((48, 64, 4), np.uint8)
    pixels[..., 0], pixels[..., 3] = 255, 255
    return Contribution(f"{index:016x}", "image", f"{index}.png", pixels=pixels,
                        tags=Tags(theme=THEMES[index % 4]))


def test_many_pictures_stay_within_the_budget_and_all_show(project: Path) -> None:
    set_config(project, "display", "picture_slots", "4")
    set_config(project, "display", "gpu_budget_mb", "17.0")  # 4 slots and one thumbnail page
    (project.parent / "scenes" / "champ.toml").write_text('[[layers]]\nkind = "contributions"\n')
    engine = make_engine(project, size=(640, 360))
    try:
        cache = PayloadCache(engine.config.paths.data / "cache")
        for index in range(60):
            cache.save(picture(index))  # as intake does: the payload stays on disk
            engine.receive(Arrived(picture(index), restored=True))
        layer = engine.compositor.pictures
        assert layer.gpu_mb == 17.0  # however many pictures arrive
        engine.step()
        assert len(layer.waiting_thumbs) == 60 - 8  # uploads are paced per frame
        for _ in range(10):
            engine.step()
        assert (layer.full.count, layer.thumbs.count) == (4, 56)  # two draws for all 60
        red = engine.target.pixels()
        lit = (red[..., 0] > 150) & (red[..., 1] < 80)
        assert lit.sum() > 60 * 8  # every picture shows, large or as a thumbnail
        oldest = picture(0).id
        assert layer.pictures[oldest].slot is None
        assert layer.pictures[oldest].pixels is None  # memory does not grow with the carte
        engine.moderate(oldest, "pinned")
        for _ in range(3):
            engine.step()
        assert layer.pictures[oldest].slot is not None  # pinned: shown in full again,
        assert layer.pictures[oldest].fitted  # reloaded from the payload cache
        assert layer.full.count == 4
    finally:
        engine.close()


def test_only_the_newest_animations_play_and_hold_their_frames(project: Path) -> None:
    (project.parent / "scenes" / "champ.toml").write_text('[[layers]]\nkind = "contributions"\n')
    engine = make_engine(project, size=(320, 180))
    try:
        for index in range(12):
            frames = np.zeros((4, 32, 32, 4), np.uint8)
            frames[..., 3] = 255
            frames[np.arange(4), ..., 1] = np.array([0, 80, 160, 240])[:, None, None]
            engine.receive(Arrived(Contribution(f"a{index:03d}", "animation", f"{index}.gif",
                                                frames=frames, durations=(0.1,) * 4),
                                   restored=True))
        for _ in range(60):
            engine.step()
        layer = engine.compositor.pictures
        playing = [p for p in layer.pictures.values() if p.still_frame is None]
        assert len(playing) == 8  # the newest eight still play
        for picture in layer.pictures.values():
            if picture.still_frame is not None:
                assert len(picture.fitted) <= 1 and picture.frames is None
    finally:
        engine.close()
