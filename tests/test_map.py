"""The carte as a map: typeset places that never overlap, cards drawn inside them in
every shipped scene, a framing that only ever grows."""

from __future__ import annotations

import itertools
import random
import tomllib
from pathlib import Path

import numpy as np
import pytest

from engine.render.cards import card_rows, name_rows
from engine.render.glyphs import GlyphAtlas
from engine.render.glyphs import layout as glyph_quads
from engine.world.camera import FRAMING, Camera
from engine.world.carte import Carte, Placed
from engine.world.contribution import Clip, Contribution, Tags
from engine.world.layout import Layout, card, card_text
from engine.world.scene import CONTRIBUTION_INPUTS

ROOT = Path(__file__).resolve().parent.parent
THEMES = ("capacitations", "datas", "coopérations", "démocratie")
SEQUENCES = ("enjeux", "paradoxes", "possibles")
WORDS = ("numérique", "commun", "données", "confiance", "débat", "apprendre", "ville",
         "coopérer", "« lenteur »", "algorithme", "écouter", "ensemble", "et", "qui ?")
HALO = 0.09  # ems of halo around each glyph quad (text.vert)


def mixed(count: int, seed: int = 11) -> list[Contribution]:
    """Every kind, texts from 3 to 600 characters, all themes and sequences, untagged."""
    rng = random.Random(seed)
    found = []
    for index in range(count):
        theme = rng.choice((*THEMES, None))
        tags = Tags(theme, rng.choice((*SEQUENCES, None)) if theme else None)
        kind = ("text", "text", "text", "keywords", "image", "drawing", "animation", "video",
                "sound", "data")[index % 10]
        id = f"{index:016x}"
        name = f"c{index}.{'md' if index % 7 == 0 else 'txt'}"
        if kind == "text":
            length = rng.choice((3, 12, 40, 90, 200, 600))
            text = ""
            while len(text) < length:
                text += rng.choice(WORDS) + " "
            text = text[:length].strip() or "oui"
            if name.endswith(".md"):
                text = f"# Titre {index}\n- *{text}*"
            found.append(Contribution(id, kind, name, text, tags))
        elif kind == "keywords":
            words = tuple(rng.sample(WORDS, 4))
            found.append(Contribution(id, kind, name, " · ".join(words),
                                      Tags(tags.theme, tags.sequence, keywords=words)))
        elif kind in ("image", "drawing"):
            height, width = rng.choice(((30, 80), (80, 30), (40, 40), (45, 60)))
            found.append(Contribution(id, kind, name, tags=tags,
                                      pixels=np.zeros((height, width, 4), np.uint8)))
        elif kind in ("animation", "video"):
            found.append(Contribution(id, kind, name, tags=tags,
                                      frames=np.zeros((2, 36, 64, 4), np.uint8),
                                      durations=(0.1, 0.1)))
        elif kind == "sound":
            found.append(Contribution(id, kind, name, tags=tags,
                                      clip=Clip(np.zeros((10, 2), np.float32), 48000, (0.5,))))
        else:
            found.append(Contribution(id, kind, name, tags=tags,
                                      series=(("n", (1.0, 2.0, 3.0)),)))
    return found


@pytest.fixture(scope="module")
def carte() -> Carte:
    carte = Carte(THEMES, SEQUENCES)
    for index, contribution in enumerate(mixed(2000)):
        carte.add(contribution, float(index))
        if index % 97 == 0:
            carte.moderate(contribution.id, "pinned")
    return carte


def boxes(carte: Carte) -> np.ndarray:
    return np.array([(p.x, p.y, p.w, p.h) for p in carte.placed])


def test_no_two_places_intersect(carte: Carte) -> None:
    places = boxes(carte)
    assert len(places) == 2000 and (places[:, 2:] > 0).all()
    for index in range(len(places) - 1):
        x, y, w, h = places[index]
        rest = places[index + 1:]
        clash = (np.abs(rest[:, 0] - x) < rest[:, 2] + w) & \
            (np.abs(rest[:, 1] - y) < rest[:, 3] + h)
        assert not clash.any(), (index, index + 1 + int(np.argmax(clash)))


def test_the_same_journal_gives_the_same_map(carte: Carte) -> None:
    again = Carte(THEMES, SEQUENCES)
    restored = Carte(THEMES, SEQUENCES)
    spots = {id: (x, y, step) for id, x, y, step in carte.found}
    for contribution in mixed(2000):
        again.add(contribution, 0.0)
        restored.add(contribution, 0.0, spot=spots[contribution.id])
    assert np.array_equal(boxes(again), boxes(carte))
    assert np.array_equal(boxes(restored), boxes(carte))


def test_pictures_keep_their_aspect(carte: Carte) -> None:
    gutter = 0.35 * carte.layout.em
    for placed in carte.placed[:200]:
        pixels = next(c for c in mixed(200) if c.id == placed.contribution.id).pixels
        if pixels is not None:
            drawn = (placed.w - gutter) / (placed.h - gutter)
            assert drawn == pytest.approx(pixels.shape[1] / pixels.shape[0], rel=1e-6)


def shipped_sizes() -> list[tuple[str, float]]:
    default = next(i.default for i in CONTRIBUTION_INPUTS if i.name == "size")
    sizes = []
    for path in sorted((ROOT / "scenes").glob("*.toml")):
        layers = tomllib.loads(path.read_text(encoding="utf-8"))["layers"]
        for layer in layers:
            if layer["kind"] == "contributions":
                sizes.append((path.stem, layer.get("params", {}).get("size", default)))
    return sizes


@pytest.mark.parametrize(("scene", "size"), shipped_sizes())
def test_every_card_is_drawn_inside_its_place(carte: Carte, scene: str, size: float) -> None:
    """Glyph quads as the renderer draws them (halo included), in map units: inside the
    place of their card, so no card, arrival or pin covers another contribution."""
    params = {i.name: i.default for i in CONTRIBUTION_INPUTS} | {"size": size}
    rows = card_rows(carte, GlyphAtlas(pixel_size=48), params)
    by_anchor = {(np.float32(p.x), np.float32(p.y)): p for p in carte.placed}
    texts = sum(1 for p in carte.placed if card_text(p.contribution))
    anchors = {(r[8], r[9]) for r in rows}
    assert len(anchors) == texts
    scale = rows[:, 10:11] * 2.0
    left = rows[:, 8] + (rows[:, 0] - HALO) * scale[:, 0]
    right = rows[:, 8] + (rows[:, 0] + rows[:, 2] + HALO) * scale[:, 0]
    top = rows[:, 9] - (rows[:, 1] - HALO) * scale[:, 0]
    bottom = rows[:, 9] - (rows[:, 1] + rows[:, 3] + HALO) * scale[:, 0]
    for index, row in enumerate(rows):
        placed = by_anchor[(row[8], row[9])]
        assert placed.x - placed.w <= left[index] and right[index] <= placed.x + placed.w
        assert placed.y - placed.h <= bottom[index] and top[index] <= placed.y + placed.h


def test_markdown_is_read_not_shown() -> None:
    note = Contribution("a", "text", "note.md", "# Titre\n- un *mot* **fort**")
    assert card_text(note) == "Titre\n• un mot fort"
    assert card_text(Contribution("b", "text", "note.txt", "# pas du Markdown")) == \
        "# pas du Markdown"
    # the heading is drawn larger than the same word in a plain text, and its body
    # line below it, not on it
    layout, atlas = Layout(THEMES, SEQUENCES), GlyphAtlas()
    heading = glyph_quads(atlas, layout.setting(card(note)))
    plain = glyph_quads(atlas, layout.setting(card(Contribution("c", "text", "t.txt", "Titre"))))
    tall = heading[:5, 3].max()
    assert tall > 1.3 * plain[:, 3].max()
    assert (heading[5:, 1]).min() > (heading[:5, 1] + heading[:5, 3]).max()


def inside(view: tuple[float, float, float], placed: Placed, aspect: float) -> bool:
    x, y, zoom = view
    return abs(placed.x - x) + placed.w <= aspect / zoom + 1e-9 and \
        abs(placed.y - y) + placed.h <= 1 / zoom + 1e-9


def test_the_framing_holds_everything_and_never_shrinks() -> None:
    carte, camera = Carte(THEMES, SEQUENCES), Camera(16 / 9)
    zooms = []
    now = 0.0
    for contribution in mixed(300, seed=3):
        carte.add(contribution, now)
        for _ in range(4):
            zooms.append(camera.whole(now, carte)[2])
            now += 0.25
        if len(carte) in (1, 10, 34, 300):
            settled = camera.whole(now + FRAMING, carte)
            assert all(inside(settled, p, 16 / 9) for p in carte.placed)
    assert all(later <= earlier + 1e-12 for earlier, later in itertools.pairwise(zooms))
    assert zooms[0] > 2 * zooms[-1]  # one contribution is large; three hundred, a field


def test_an_arrival_is_visited_long_enough_to_read() -> None:
    carte, camera = Carte(THEMES, SEQUENCES), Camera(16 / 9)
    long = Contribution("a" * 16, "text", "long.txt", " ".join(["mot"] * 45))
    placed = carte.add(long, 0.0)
    camera.arrived(placed)
    camera.update(0.0, carte)
    assert camera.visit is not None and camera.visit.end - camera.visit.start >= 15.0
    view = camera.update(3.0, carte)
    assert (view[0], view[1]) == pytest.approx((placed.x, placed.y))
    assert inside(view, placed, 16 / 9)  # the whole card is on screen while it is read


def test_names_of_themes_and_sequences_cover_no_one_and_read_at_the_whole_view(
        carte: Carte) -> None:
    from engine.render.cards import name_rows

    names = carte.layout.names.names
    themes = [name.text for name in names if not name.sequence]
    assert themes == [t.upper() for t in THEMES]
    walks = {carte.layout.walk_of(p.contribution) for p in carte.placed}
    named = {name.names for name in names if name.sequence}
    assert named == {walk for walk in walks if walk[0] is not None and walk[1]}
    places = boxes(carte)
    taken = np.array([name.box for name in names])
    for index, (x, y, w, h) in enumerate(taken):
        clash = (np.abs(places[:, 0] - x) < places[:, 2] + w) & \
            (np.abs(places[:, 1] - y) < places[:, 3] + h)
        assert not clash.any(), names[index].text
        others = np.delete(taken, index, axis=0)
        assert not ((np.abs(others[:, 0] - x) < others[:, 2] + w) &
                    (np.abs(others[:, 1] - y) < others[:, 3] + h)).any()
    # at the whole view of a 1080-line output each name shows at its size or larger
    zoom = Camera(16 / 9).whole(0.0, carte)[2]
    for name in names:
        assert carte.layout.names.em(name.px) * zoom * 540 >= name.px * 0.999
    rows = name_rows(carte, GlyphAtlas(pixel_size=48))
    for name in names:
        x, y, w, h = name.box
        mine = rows[(rows[:, 8] == np.float32(x)) & (rows[:, 9] == np.float32(y))]
        assert len(mine) == len(name.text.replace(" ", ""))
        scale = mine[:, 10] * 2.0
        assert (x + (mine[:, 0] - HALO) * scale >= x - w).all()
        assert (x + (mine[:, 0] + mine[:, 2] + HALO) * scale <= x + w).all()
        assert (y - (mine[:, 1] + mine[:, 3] + HALO) * scale >= y - h).all()
        assert (y - (mine[:, 1] - HALO) * scale <= y + h).all()


def test_each_theme_and_sequence_keeps_its_territory(carte: Carte) -> None:
    """Seen from the centre, a tagged contribution lies in its theme's wedge and its
    sequence's sector of it, or just beside them (the slack)."""
    from engine.world.layout import SPREAD, slack

    layout = carte.layout
    for level in ("theme", "sequence"):
        inside = total = 0
        for placed in carte.placed:
            theme, ring = layout.walk_of(placed.contribution)
            if theme is None or (level == "sequence" and not ring):
                continue
            low, high = layout.sector((theme, ring if level == "sequence" else 0))
            point = np.array([placed.x / SPREAD, placed.y])
            angle = np.arctan2(point[1], point[0])
            if low <= angle <= high:
                inside += 1
            else:  # how far from the sector: from the nearer of its two sides
                far = min(np.linalg.norm(point - max(0.0, point @ ray) * ray)
                          for ray in (np.array([np.cos(a), np.sin(a)]) for a in (low, high)))
                assert far <= slack(np.linalg.norm(point)) * 1.5
            total += 1
        # the rest lie within the slack, near the centre, where sectors are narrower
        # than cards and a sparse carte packs into its frame's shape; a sequence spills
        # into its neighbours there, never into another theme's territory (measured: 96 %
        # and 77 %)
        assert total > 1000 and inside / total > (0.92 if level == "theme" else 0.72), \
            (level, inside / total)



def named(carte: Carte, atlas: GlyphAtlas) -> set[str]:
    """The names drawn on the carte now (read back from the label instances)."""
    anchors = {(float(x), float(y)) for x, y in name_rows(carte, atlas)[:, 8:10]}
    return {name.text for name in carte.layout.names.names
            if (float(np.float32(name.box[0])), float(np.float32(name.box[1]))) in anchors}


def test_a_theme_is_named_once_it_holds_a_contribution() -> None:
    carte, atlas = Carte(THEMES, SEQUENCES), GlyphAtlas()
    assert named(carte, atlas) == {theme.upper() for theme in THEMES}  # what the map will be
    carte.add(Contribution("a", "text", "a.txt", "Au centre"), 0.0)
    assert named(carte, atlas) == set()  # untagged: no territory yet
    carte.add(Contribution("b", "text", "b.txt", "Des données", Tags("datas", "enjeux")), 1.0)
    assert named(carte, atlas) == {"DATAS", "enjeux"}
