"""What the carte understands of what is said: lemmatised terms without stop words,
named things of several words, titles, and each territory's terms as people contribute,
the same for the same journal, and gone with a hidden contribution."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bench import temoin
from engine.intake.corpus import contributions, day
from engine.journal.cache import PayloadCache
from engine.meaning.language import COMMON_VERBS, FRENCH, GENERIC, NUMBERS, Language, Token
from engine.meaning.lexicon import Lexicon
from engine.meaning.reading import read
from engine.world.carte import Carte
from engine.world.contribution import Contribution, Tags

THEMES = ("capacitations", "datas", "coopérations", "démocratie")
SEQUENCES = ("enjeux", "paradoxes", "possibles")
FR = Language("fr")


def journal(count: int, seed: int = 1) -> list[Contribution]:
    """A day of `count` mixed contributions as intake gives them: texts, keyword files,
    pages, and a picture in ten (no text: no terms)."""
    found = []
    for index, said in enumerate(contributions(day(count, THEMES, SEQUENCES, seed))):
        if index % 10 == 9:
            found.append(replace(said, kind="image", name=f"photo-{index}.jpg", text="",
                                 tags=replace(said.tags, keywords=()),
                                 pixels=np.zeros((30, 40, 4), np.uint8)))
        else:
            found.append(said)
    return found


@pytest.fixture(scope="module")
def carte() -> Carte:
    carte = Carte(THEMES, SEQUENCES)
    for index, contribution in enumerate(journal(2000)):
        carte.add(contribution, float(index))
    return carte


def keys(text: str, kind: str = "text", name: str = "a.txt") -> dict[str, str]:
    return {t.key: t.form for t in read(FR, kind, name, text).terms}


def test_words_are_lemmatised_and_stop_words_left_out() -> None:
    assert keys("La donnée")["donnée"] == "donnée"
    assert "donnée" in keys("Les données") and "donner" not in keys("La donnée")
    assert "coopérer" in keys("On coopère") and "coopérer" in keys("Coopérer !")
    said = keys("Nous coopérons avec les associations, et c'est déjà beaucoup.")
    assert set(said) >= {"coopérer", "association"}
    assert not set(said) & {"nous", "avec", "le", "et", "être", "déjà", "beaucoup"}


def test_weak_words_are_no_terms() -> None:
    """Numbers, common verbs, generic nouns, adverbs and a verb's bare participle name
    nothing on a map of thought; an article makes a participle a noun (les élus)."""
    said = keys("Le pays est gouverné par trois personnes : les gens font des choses, "
                "disent qu'ils veulent changer la ligne, publiquement, 12 fois par an.")
    assert not set(said) & {"pays", "gouverné", "gouverner", "trois", "personne", "gens",
                            "faire", "chose", "dire", "vouloir", "changer", "ligne",
                            "publiquement", "fois", "an", "12"}, said
    assert "élu" in keys("Les élus écoutent.") and "élu" not in keys("Il a été élu.")
    assert "invité" in keys("L'invité parle.")
    assert "démarches en ligne" in set(keys("Les démarches en ligne excluent.").values())
    assert "demande du temps" not in set(keys("La délibération demande du temps.").values())
    assert "privée en assemblée" not in set(keys("La vie privée en assemblée.").values())
    english = {t.key for t in read(Language("en"), "text", "a.txt",
                                   "Three people said the council is governed by "
                                   "algorithms; they want open data.").terms}
    assert {"algorithm", "council", "data"} <= english
    assert not english & {"three", "people", "say", "governed", "govern", "want"}, english


def test_named_things_of_several_words_are_terms() -> None:
    said = keys("La vie privée, le budget participatif et l'intelligence collective ; "
                "le tirage au sort.")
    forms = set(said.values())
    assert {"vie privée", "budget participatif", "intelligence collective",
            "tirage au sort"} <= forms
    assert "personnelles valent" not in keys("Nos données personnelles valent de l'or.").values()


def test_hashtags_and_keywords_weigh_more_and_split_into_words() -> None:
    terms = {t.form: t.weight for t in read(FR, "text", "a.txt",
                                            "Écouter la ville. #vieprivée").terms}
    assert terms["vie privée"] > terms["ville"]
    keyword_file = read(FR, "keywords", "m.mots", "vie privée\ncommuns\n", ("vie privée",
                                                                         "communs"))
    assert {t.form for t in keyword_file.terms} >= {"vie privée", "communs"}
    assert keyword_file.title == "vie privée · communs"


def test_titles_are_six_words_at_most() -> None:
    short = read(FR, "text", "a.txt", "Ralentir pour mieux penser ensemble.")
    assert short.title == "Ralentir pour mieux penser ensemble."
    long = read(FR, "text", "a.txt", "Nos données personnelles valent de l'or pour "
                                     "d'autres que nous, et cela dure.")
    assert long.title.startswith("Nos données personnelles") and long.title.endswith("…")
    assert len(long.title.replace(" …", "").split()) <= 6
    page = read(FR, "text", "notes.md", "# Notes de l'atelier 4\n\nOn a parlé longtemps.")
    assert page.title == "Notes de l'atelier 4"


def test_terms_of_a_day_are_lemmas_without_stop_words(carte: Carte) -> None:
    lexicon = carte.lexicon
    stop = {FR.lemma(w) for w in FRENCH} | FRENCH
    assert len(lexicon.keys) > 100
    for theme in THEMES:
        for sector in (theme, *(f"{theme}/{s}" for s in SEQUENCES)):
            ranked = lexicon.terms(sector, 10)
            assert len(ranked) >= 3, sector
            for term in ranked:
                assert not set(term.key.split()) - FR.links <= stop, term
                assert FR.lemma(term.form.split()[-1]) == term.key.split()[-1]
    no_weak_terms(lexicon)
    # each territory's first terms are its own: none leads two territories
    leaders = [lexicon.terms(theme, 1)[0].key for theme in THEMES]
    assert len(set(leaders)) == len(leaders)
    assert "donnée" in {t.key for t in lexicon.terms("datas", 5)}


def no_weak_terms(lexicon: Lexicon) -> None:
    """No region's first twelve terms is a number, a common verb, a generic noun, an
    adverb or a bare participle."""
    weak = NUMBERS["fr"] | COMMON_VERBS["fr"] | GENERIC["fr"]
    for region in lexicon.names:
        for term in lexicon.terms(region, 12):
            if " " in term.key:
                continue
            assert term.key not in weak, (region, term)
            said = Token(term.form, term.key, False, elided="l")  # as if after an article
            assert not FR.weak([said], 0), (region, term)  # no generic noun, no adverb
            assert not FR.participle(said) or term.key in {"élu"}, (region, term)


def test_the_witness_corpus_has_no_weak_terms() -> None:
    """The corpus written apart from the carte's tuning, a day of 2,000."""
    carte = Carte(THEMES, SEQUENCES)
    for index, said in enumerate(contributions(temoin.day(2000, THEMES, SEQUENCES))):
        carte.add(said, float(index))
    assert len(carte.lexicon.terms("datas", 12)) == 12
    no_weak_terms(carte.lexicon)


def test_the_same_journal_gives_the_same_terms_titles_and_places(carte: Carte) -> None:
    again = Carte(THEMES, SEQUENCES)
    for index, contribution in enumerate(journal(2000)):
        again.add(contribution, float(index))
    assert [p.contribution.reading for p in again.placed] == \
        [p.contribution.reading for p in carte.placed]
    assert [(p.x, p.y) for p in again.placed] == [(p.x, p.y) for p in carte.placed]
    for region in ("carte", *THEMES, "datas/enjeux"):
        assert again.lexicon.terms(region, 12) == carte.lexicon.terms(region, 12)


def test_hiding_takes_a_contributions_words_off_the_map() -> None:
    carte = Carte(THEMES, SEQUENCES)
    for index, contribution in enumerate(journal(60)):
        carte.add(contribution, float(index))
    odd = Contribution("f" * 16, "text", "odd.txt", "Les hippocampes voyagent en "
                       "hippocampes.", Tags("datas", "enjeux"))
    carte.add(odd, 100.0)
    assert "hippocampe" in {t.key for t in carte.lexicon.terms("datas", 40)}
    carte.moderate(odd.id, "hidden")
    assert "hippocampe" not in {t.key for t in carte.lexicon.terms("datas", 400)}
    assert "hippocampe" not in {t.key for t in carte.lexicon.terms("carte", 400)}
    carte.moderate(odd.id, "shown")
    assert "hippocampe" in {t.key for t in carte.lexicon.terms("datas", 40)}


def test_related_contributions_land_together() -> None:
    """Within a sector, a newcomer lands beside the one it shares most with: the
    contributions about one thing form a cluster (each one's nearest neighbour speaks
    of the same thing, where chance would say one in three)."""
    carte = Carte(THEMES, SEQUENCES)
    topics = ("Les jardins partagés nourrissent le quartier.",
              "Le logiciel libre protège nos libertés numériques.",
              "Le tirage au sort rend les assemblées vivantes.")
    for index in range(90):
        text = topics[index % 3].replace(".", f", disait la table {index}.")
        carte.add(Contribution(f"{index:016x}", "text", f"t{index}.txt", text,
                               Tags("coopérations", "possibles")), float(index))
    spots = np.array([(p.x, p.y) for p in carte.placed])
    topic = np.arange(90) % 3
    distance = np.linalg.norm(spots[:, None] - spots[None, :], axis=-1)
    np.fill_diagonal(distance, np.inf)
    agree = (topic[distance.argmin(axis=1)] == topic).mean()
    assert agree >= 0.8, agree


def test_a_reading_survives_the_payload_cache(tmp_path: Path) -> None:
    cache = PayloadCache(tmp_path)
    contribution = journal(3)[1]
    carte = Carte(THEMES, SEQUENCES)
    placed = carte.add(contribution, 0.0)
    assert placed is not None and placed.contribution.reading is not None
    cache.save(placed.contribution)
    loaded = cache.load(contribution.id)
    assert loaded is not None and loaded.reading == placed.contribution.reading


def test_a_term_many_have_just_said_rises() -> None:
    from engine.world.legend import RISING, Legend

    carte = Carte(THEMES, SEQUENCES)
    for index, contribution in enumerate(journal(120)):
        carte.add(contribution, float(index))
    for index in range(4):
        carte.add(Contribution(f"{index:015x}f", "text", f"h{index}.txt",
                               f"Les hippocampes nous observent, disait la table {index}.",
                               Tags("datas", "enjeux")), 10_000.0 + index)
    now = 10_010.0
    said = {t.key: t for t in carte.lexicon.terms("datas", 40, now)}
    assert said["hippocampe"].rising == 4
    assert all(t.rising == 0 for key, t in said.items() if key not in
               {"hippocampe", "observer", "table"})
    camera_view = (0.0, 0.0, 0.2)
    plan = Legend().place(carte, camera_view, 16 / 9, now)
    rising = [label for label in plan.labels if label.text == "hippocampes"]
    assert rising and rising[0].rising and rising[0].px >= 28.0 * RISING
    assert carte.lexicon.terms("datas", 40, now + 600)[0].rising == 0  # minutes later


def test_a_restart_reads_the_event_names_lemmas_kept_in_the_data_folder(project: Path) -> None:
    """The event's names are never terms; their lemmas are kept, so a restart needs no
    dictionary before its first frame, and read again when the names change."""
    from engine.config import load_config
    from engine.world.carte import named_lemmas

    config = load_config(project)
    first = Carte.of(config).named
    assert {"data", "démocratie", "enjeu"} <= first
    kept = config.paths.data / "named.json"
    said = json.loads(kept.read_text(encoding="utf-8"))
    kept.write_text(json.dumps(said | {"lemmas": ["lu"]}), encoding="utf-8")
    assert named_lemmas(config) == {"lu"}  # read, not computed again
    kept.write_text(json.dumps(said | {"names": ["autre"]}), encoding="utf-8")
    assert named_lemmas(config) == first  # other names: read again
    kept.write_text("{", encoding="utf-8")
    assert named_lemmas(config) == first
