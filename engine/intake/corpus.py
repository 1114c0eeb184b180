"""French material as an event brings it, for the demo, the tests and the benches: an
ordinary afternoon of 34 contributions, and days of any size.

The afternoon is the project's samples (`samples`) and 17 more texts of up to 200
characters across the themes and sequences. A day is texts of one to four sentences
said in a theme's workshops, keyword files, and now and then a page of notes; a few
phrases come back often in each theme, as a room's words do. The same seed gives the
same day. (bench/temoin.py holds material written apart, never used to tune the carte.)
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from pathlib import Path

from engine.intake.decode.text import HASHTAG
from engine.intake.samples import TEXTS, write_samples
from engine.world.contribution import Contribution, Tags

AFTERNOON = {
    "capacitations/enjeux/ecole.txt":
        "L'école doit apprendre à douter des écrans, pas seulement à s'en servir. Nos "
        "enfants savent cliquer avant de savoir lire une source.",
    "capacitations/paradoxes/temps.txt":
        "Plus d'outils pour apprendre, et moins de temps pour apprendre : les formations "
        "au numérique se font le soir, après le travail.",
    "capacitations/possibles/mediation.md":
        "# Médiation\nDes médiateurs numériques dans chaque bibliothèque, pour *tous* les "
        "âges, sans rendez-vous.",
    "datas/enjeux/vie-privee.txt":
        "La vie privée est un droit, pas une option qu'on décoche. Mes données "
        "personnelles ne devraient pas payer mes services. #vieprivée",
    "datas/paradoxes/gratuit.txt":
        "Si c'est gratuit, qui paie vraiment ? Nos données personnelles, revendues à des "
        "inconnus.",
    "datas/possibles/ouvertes.txt":
        "Des données ouvertes, lisibles par chacun : le budget de la ville, la qualité "
        "de l'air, les horaires réels des bus, et les contrats passés avec les "
        "entreprises du numérique.",
    "coopérations/enjeux/confiance.txt":
        "Coopérer demande de la confiance, et la confiance demande du temps passé "
        "ensemble, loin des écrans : une association de quartier se construit autour "
        "d'une table, pas dans une messagerie.",
    "coopérations/paradoxes/reseaux.txt":
        "Connectés partout, seuls ensemble : nos réseaux sociaux ne savent pas "
        "coopérer. #communs",
    "coopérations/possibles/jardins.txt":
        "Des jardins numériques partagés : du logiciel libre entretenu par le quartier, "
        "comme un jardin partagé.",
    "démocratie/enjeux/voter.txt":
        "Voter ne suffit plus : il faut délibérer. L'intelligence collective demande "
        "des lieux pour se parler, du temps pour s'écouter, et des règles que chacun "
        "peut comprendre et discuter.",
    "démocratie/paradoxes/vitesse.txt":
        "La démocratie est lente, les réseaux sociaux sont rapides. Qui gagne ?",
    "démocratie/possibles/budget.txt":
        "Un budget participatif pour le numérique local, décidé par les habitants en "
        "assemblée. #démocratie",
    "lenteur.txt": "Ralentir pour mieux penser ensemble.",
    "ecoute.txt": "Écouter avant de coder : les premiers concernés savent ce qui leur "
                  "manque.",
    "humain.txt": "Remettre l'humain au centre des machines, et les machines au service "
                  "de l'intelligence collective.",
    "communs.txt": "Le logiciel libre est un commun : il appartient à celles et ceux qui "
                   "le font vivre.",
    "question.txt": "Qui décide de nos algorithmes ? Et qui les contrôle une fois en "
                    "service ?",
}

SAID = {
    "capacitations": (
        "Apprendre le numérique ne s'arrête jamais : chaque outil change tous les deux ans.",
        "Les médiateurs numériques font un travail essentiel et pourtant précaire.",
        "Ma mère n'ose plus faire ses démarches seule depuis que tout est en ligne.",
        "On devrait pouvoir apprendre à coder à tout âge, gratuitement, près de chez soi.",
        "L'éducation aux médias commence par savoir d'où vient une information.",
        "Savoir réparer son ordinateur, c'est reprendre la main sur ses outils.",
        "Les bibliothèques sont devenues les premiers lieux d'apprentissage du numérique.",
        "Il faut former les formateurs, sinon la médiation numérique s'épuise.",
        "Être capable, c'est aussi avoir le droit de ne pas utiliser d'écran.",
        "Les jeunes apprennent vite, mais qui leur apprend à douter des algorithmes ?",
        "Les ateliers entre pairs marchent mieux que les cours magistraux.",
        "Un service public numérique doit toujours garder un guichet humain.",
        "Nous avons besoin de temps pour apprendre, pas seulement d'outils.",
        "La culture numérique devrait être enseignée comme la lecture.",
    ),
    "datas": (
        "Nos données personnelles valent de l'or pour d'autres que nous.",
        "La vie privée n'est pas un luxe : c'est une condition de la liberté.",
        "Les données de santé doivent rester sous contrôle public.",
        "Qui possède les données que la ville collecte dans ses rues ?",
        "La reconnaissance faciale dans l'espace public doit être interdite.",
        "Les données ouvertes permettent aux citoyens de vérifier les décisions.",
        "Consentir, c'est comprendre ce qu'on accepte, pas cliquer sur un bouton.",
        "Les algorithmes de recommandation enferment chacun dans ses habitudes.",
        "Une donnée anonyme se réidentifie souvent en croisant trois informations.",
        "L'intelligence artificielle apprend de nos traces sans nous demander notre avis.",
        "Il faudrait un droit à l'oubli simple et réel pour chacun.",
        "Les données de la ville devraient être gouvernées comme un commun.",
        "La surveillance s'installe toujours au nom de notre sécurité.",
        "Savoir où sont stockées nos données devrait être un droit élémentaire.",
    ),
    "coopérations": (
        "Coopérer, c'est partager le pouvoir autant que les outils.",
        "Les tiers-lieux réinventent le travail en commun dans les quartiers.",
        "Le logiciel libre est la preuve qu'on peut coopérer à grande échelle.",
        "Les associations coopèrent mieux quand elles mutualisent leurs outils.",
        "Une coopérative d'habitants peut héberger ses propres services numériques.",
        "Les communs numériques ont besoin de contributeurs et de financements.",
        "On coopère quand chacun trouve sa place et sa voix dans le groupe.",
        "Les plateformes collaboratives captent souvent la valeur créée par tous.",
        "L'entraide entre voisins passe aussi par des outils simples et partagés.",
        "Il faut reconnaître le travail bénévole qui fait vivre les communs.",
        "Wikipédia montre que l'intelligence collective peut produire un savoir fiable.",
        "Partager ses savoir-faire, c'est les faire durer.",
        "La gouvernance partagée demande des règles claires et du temps.",
        "Les fablabs ouvrent les machines à celles et ceux qui veulent comprendre.",
    ),
    "démocratie": (
        "La délibération demande du temps, et les plateformes n'en donnent pas.",
        "Le tirage au sort donne la parole à ceux qu'on n'entend jamais.",
        "Un budget participatif n'a de sens que si les habitants décident vraiment.",
        "Les algorithmes publics doivent être transparents et discutés en assemblée.",
        "L'intelligence collective naît quand chacun peut prendre la parole sans crainte.",
        "La désinformation fragilise le débat public plus que la censure.",
        "Les élus devraient rendre compte de leurs choix numériques.",
        "Les consultations en ligne ne remplacent pas une assemblée de quartier.",
        "Une démocratie numérique commence par des outils que chacun comprend.",
        "Les citoyens veulent comprendre les décisions prises par les machines.",
        "La modération des réseaux sociaux ne devrait pas dépendre d'une entreprise.",
        "Participer, c'est aussi pouvoir dire non à un projet numérique.",
        "Les conventions citoyennes montrent que la délibération fonctionne.",
        "Le débat public a besoin de lenteur et de lieux pour se rencontrer.",
    ),
}
KEYWORDS = {
    "capacitations": ("médiation", "apprentissage", "éducation", "autonomie",
                      "bibliothèque", "formation", "inclusion", "réparation"),
    "datas": ("vie privée", "données personnelles", "surveillance", "consentement",
              "données ouvertes", "algorithme", "transparence", "droit à l'oubli"),
    "coopérations": ("communs", "logiciel libre", "tiers-lieu", "entraide",
                     "coopérative", "partage", "bénévolat", "mutualisation"),
    "démocratie": ("délibération", "tirage au sort", "budget participatif",
                   "intelligence collective", "débat public", "participation",
                   "assemblée", "citoyenneté"),
}
HASHTAGS = ("#numérique", "#communs", "#vieprivée", "#démocratie", "#médiation",
            "#confiance", "#logiciellibre", "#participation")


def _said(rng: random.Random, theme: str) -> str:
    """One sentence of a theme's workshops; the first ones come back more often."""
    sentences = SAID[theme]
    return rng.choices(sentences, [1.0 / (rank + 1.5) for rank in range(len(sentences))])[0]


def day(count: int, themes: tuple[str, ...], sequences: tuple[str, ...],
        seed: int = 1) -> Iterator[tuple[str, str]]:
    """`count` contributions as (path under the inbox, text): texts of one to four
    sentences (a hashtag now and then), one keyword file in nine, one page of notes in
    forty; one in twelve untagged."""
    rng = random.Random(seed)
    known = [theme for theme in themes if theme in SAID] or list(SAID)
    for index in range(count):
        topic = rng.choice(known)
        theme = topic if topic in themes and rng.random() > 1 / 12 else None
        folder = f"{theme}/{rng.choice(sequences)}/" if theme else ""
        if index % 9 == 4:
            words = rng.sample(KEYWORDS[topic], 3)
            yield f"{folder}mots-{index}.mots", "\n".join(words) + "\n"
        elif index % 40 == 17:
            paragraphs = [_said(rng, topic) + " " + _said(rng, topic) for _ in range(6)]
            yield (f"{folder}notes-{index}.md",
                   f"# Notes de l'atelier {index % 12 + 1}\n\n" + "\n\n".join(paragraphs) + "\n")
        else:
            sentences = dict.fromkeys(_said(rng, topic)
                                      for _ in range(rng.choice((1, 1, 1, 2, 2, 3, 4))))
            text = " ".join(sentences)
            if rng.random() < 0.2:
                text += " " + rng.choice(HASHTAGS)
            yield f"{folder}texte-{index}.txt", text + "\n"


def write_afternoon(inbox: Path) -> dict[str, str]:
    """The afternoon in `inbox`: the samples and the texts above; returns every text by
    its path."""
    write_samples(inbox)
    for relative, text in AFTERNOON.items():
        path = inbox / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n", encoding="utf-8")
    return {**TEXTS, **AFTERNOON}


def contributions(said: Iterator[tuple[str, str]]) -> Iterator[Contribution]:
    """A day's texts as intake gives them (without files): kind by suffix, tags from the
    folders, a keyword file's lines as its keywords, the id from the bytes."""
    for path, text in said:
        parts = path.split("/")
        theme, sequence = (parts[0], parts[1]) if len(parts) == 3 else (None, None)
        kind = "keywords" if path.endswith(".mots") else "text"
        lines = tuple(line.strip() for line in text.splitlines() if line.strip())
        keywords = lines if kind == "keywords" else \
            tuple(dict.fromkeys(tag.casefold() for tag in HASHTAG.findall(text)))
        id = hashlib.sha256(f"{path}\n{text}".encode()).hexdigest()[:16]
        yield Contribution(id, kind, parts[-1], " · ".join(lines) if kind == "keywords"
                           else text.strip(), Tags(theme, sequence, keywords=keywords))
