"""Levels of detail in the whole view: an afternoon reads whole; a day gives way to its
titles and each territory's terms, which read at or above the floor and cover neither a
card drawn as letters nor each other, and stay put from one plan to the next."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.config import load_config
from engine.intake.corpus import contributions, day, write_afternoon
from engine.intake.intake import Intake
from engine.journal.journal import Journal
from engine.world.camera import Camera
from engine.world.carte import Carte
from engine.world.layout import SPREAD, card
from engine.world.legend import FLOOR_PX, Legend, Plan
from engine.world.occupancy import clash
from tests.engines import make_engine
from tests.test_meaning import journal

THEMES = ("capacitations", "datas", "coopérations", "démocratie")
SEQUENCES = ("enjeux", "paradoxes", "possibles")
ASPECT = 16 / 9


def a_day(count: int) -> Carte:
    """A carte of `count` contributions of the corpus, a picture in ten."""
    carte = Carte(THEMES, SEQUENCES)
    for index, said in enumerate(journal(count)):
        carte.add(said, float(index))
    return carte


def whole(carte: Carte) -> tuple[float, float, float]:
    camera = Camera(ASPECT)
    camera.whole(0.0, carte)
    return camera.settled()


def planned(carte: Carte, now: float = 10_000.0) -> Plan:
    return Legend().place(carte, whole(carte), ASPECT, now)


def label_boxes(carte: Carte, plan: Plan, view: tuple[float, float, float]
                ) -> list[tuple[float, float, float, float]]:
    """Each label's box on the map as drawn (its text set at its size), no margin."""
    pixel = 1.0 / (540.0 * view[2])
    boxes = []
    for label in plan.labels:
        setting = carte.layout.typesetter.set(label.text, label.measure)
        em = label.px * pixel
        boxes.append((label.x, label.y, setting.width * em / 2, setting.height * em / 2))
    return boxes


@pytest.fixture(scope="module")
def days() -> dict[int, Carte]:
    return {count: a_day(count) for count in (10, 300, 3000)}


@pytest.mark.parametrize("count", [10, 300, 3000])
def test_each_territory_names_its_first_terms_at_or_above_the_floor(
        days: dict[int, Carte], count: int) -> None:
    carte = days[count]
    plan = planned(carte)
    shown = {(label.text, label.theme): label.px for label in plan.labels
             if label.role == "term"}
    for index, theme in enumerate(THEMES):
        first = carte.lexicon.terms(theme, 3)
        if carte.lexicon.count(theme) == 0:
            continue
        assert len(first) == 3, theme
        for term in first:
            assert (term.form, index) in shown, (count, theme, term.form)
            assert shown[(term.form, index)] >= FLOOR_PX
    assert all(label.px >= FLOOR_PX for label in plan.labels)


@pytest.mark.parametrize("count", [10, 300, 3000])
def test_labels_cover_no_card_that_reads_and_no_other_label(
        days: dict[int, Carte], count: int) -> None:
    carte = days[count]
    view = whole(carte)
    plan = Legend().place(carte, view, ASPECT, 10_000.0)
    boxes = label_boxes(carte, plan, view)
    assert boxes
    for index, box in enumerate(boxes):
        assert not any(clash(box, other) for other in boxes[index + 1:]), plan.labels[index]
        assert not any(clash(box, name.box) for name in carte.layout.names.names)
        if plan.reads:  # the cards are letters: no label lies on one
            assert not any(clash(box, (p.x, p.y, p.w, p.h)) for p in carte.placed
                           if card(p.contribution).text)
    # a crowded carte gives way: titles of the latest cards and statements, whole
    if count >= 300:
        assert not plan.reads
        roles = {label.role for label in plan.labels}
        assert {"term", "title", "statement"} <= roles
        for label in plan.labels:
            if label.role == "title":
                said = label.text.replace(" …", "").split()
                assert len([word for word in said if word != "·"]) <= 6  # keywords: a · b
    else:
        assert plan.reads and {label.role for label in plan.labels} <= {"term", "sector"}


def test_a_plan_stays_put_when_nothing_changes_and_moves_little_on_an_arrival(
        days: dict[int, Carte]) -> None:
    carte = a_day(300)
    legend = Legend()
    view = whole(carte)
    first = legend.place(carte, view, ASPECT, 1000.0)
    assert Legend().place(carte, view, ASPECT, 1000.0) == first  # deterministic
    assert legend.place(carte, view, ASPECT, 1001.0) == first  # stable
    said = next(iter(contributions(day(301, THEMES, SEQUENCES, seed=9))))
    carte.add(said, 1002.0)
    after = legend.place(carte, whole(carte), ASPECT, 1002.0)
    kept = {(label.role, label.text) for label in first.labels} & \
        {(label.role, label.text) for label in after.labels}
    assert len(kept) >= 0.8 * len(first.labels)


def test_an_afternoon_reads_whole_at_the_whole_view(project: Path) -> None:
    """34 contributions dropped, texts up to 200 characters: at 1,080 lines every card
    is drawn as letters at or above the floor, none given way."""
    config = load_config(project)
    texts = write_afternoon(config.paths.inbox)
    assert max(len(text) for text in texts.values()) <= 200
    journal = Journal(config.paths.data / "journal.sqlite")
    intake = Intake(config, journal)
    try:
        assert len(intake.ingest_now()) == 34
    finally:
        intake.stop()
        journal.close()
    engine = make_engine(project, size=(640, 360))
    try:
        engine.restore_now()
        for _ in range(45):
            engine.step()
        cards = engine.compositor.cards
        assert len(engine.carte) == 34
        px = engine.carte.layout.em * engine.camera.view[2] * 540
        assert px >= FLOOR_PX, px
        assert cards.letters == pytest.approx(1.0)  # every card as letters, none greeked
        assert cards.legend.plan.reads
        assert not [label for label in cards.legend.plan.labels if label.over]
        territories_read(engine.carte)
    finally:
        engine.close()


def territories_read(carte: Carte) -> None:
    """Each theme's cards lie together (a card's nearest neighbour is mostly of its own
    theme), and its name stands over them: nearer the middle of its own cards than of
    any other theme's."""
    layout = carte.layout
    tagged = [(layout.walk_of(p.contribution)[0], p.x / SPREAD, p.y) for p in carte.placed]
    tagged = [(theme, x, y) for theme, x, y in tagged if theme is not None]
    spots = np.array([(x, y) for _, x, y in tagged])
    themes = np.array([theme for theme, _, _ in tagged])
    distance = np.linalg.norm(spots[:, None] - spots[None, :], axis=-1)
    np.fill_diagonal(distance, np.inf)
    together = (themes[distance.argmin(axis=1)] == themes).mean()
    assert together >= 0.8, together  # chance: one in four
    middles = {theme: spots[themes == theme].mean(axis=0) for theme in set(themes)}
    for name in layout.names.names:
        theme = THEMES[name.theme]
        if name.sequence or theme not in middles:
            continue
        at = np.array((name.box[0] / SPREAD, name.box[1]))
        nearest = min(middles, key=lambda other: np.linalg.norm(middles[other] - at))
        assert nearest == theme, (name.text, at, middles)
