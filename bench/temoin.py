"""The witness corpus: French material written apart from the one the carte was tuned
on (`engine.intake.corpus`), and never used to tune it, so the legibility bench also
says how the carte reads what it was not shaped around.

Its afternoon is 34 contributions (the project's generated media, and 26 texts, notes
and keyword files of at most 200 characters, as a workshop's transcripteurs bring them);
its days are texts of every length, pages among them, made from its own phrases.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from pathlib import Path

from engine.intake.samples import GENERATED

AFTERNOON = {
    "capacitations/enjeux/mamie.txt":
        "Ma grand-mère a renoncé à sa retraite complémentaire parce que le site lui "
        "demandait un code reçu par SMS. Elle n'a pas de portable, et personne à la "
        "caisse ne décroche le téléphone.",
    "capacitations/enjeux/fracture.txt":
        "La fracture numérique n'est pas une affaire d'âge : des jeunes aussi sont perdus "
        "devant un formulaire en ligne. #inclusion",
    "capacitations/paradoxes/autonomie.txt":
        "On parle d'autonomie numérique, mais chaque mise à jour nous rend un peu plus "
        "dépendants des éditeurs.",
    "capacitations/possibles/binomes.txt":
        "Des binômes entre lycéens et retraités : les uns montrent l'écran, les autres "
        "racontent le métier. Tout le monde apprend.",
    "capacitations/possibles/reparer.md":
        "## Repair café\nUn samedi par mois, on répare *ensemble* ordinateurs et "
        "téléphones au lieu de les jeter.",
    "datas/enjeux/sante.txt":
        "Mes données de santé partent vers des serveurs dont je ne connais ni le pays ni "
        "le propriétaire. Qui me protège ?",
    "datas/enjeux/consentement.txt":
        "Cliquer sur « tout accepter » n'est pas consentir. #consentement #vieprivée",
    "datas/paradoxes/capteurs.txt":
        "La ville installe des capteurs pour mieux nous servir, et personne ne sait où "
        "vont les mesures.",
    "datas/paradoxes/anonymat.txt":
        "Les données anonymes ne le restent pas longtemps : trois informations suffisent "
        "à retrouver une personne.",
    "datas/possibles/cooperative.txt":
        "Une coopérative de données où les habitants décident ensemble de ce qu'on "
        "partage, avec qui, pour quoi faire et combien de temps, avec un bilan public "
        "chaque année.",
    "datas/possibles/registre.txt":
        "Publier le registre des algorithmes utilisés par la mairie, en langage clair.",
    "coopérations/enjeux/associations.txt":
        "Les associations croulent sous les outils : trois messageries, deux agendas, "
        "et plus personne ne sait où trouver l'information.",
    "coopérations/enjeux/benevoles.txt":
        "Sans les bénévoles, aucun lieu de médiation ne tiendrait. Il faut reconnaître "
        "ce travail.",
    "coopérations/paradoxes/plateformes.txt":
        "Les plateformes de partage ont capté la valeur du partage lui-même. #communs",
    "coopérations/possibles/wiki.txt":
        "Un wiki du quartier, écrit par ceux qui y vivent, avec les bonnes adresses et "
        "les savoir-faire de chacun.",
    "coopérations/possibles/mutualiser.txt":
        "Mutualiser les serveurs entre associations : moins cher, plus sobre, et on "
        "garde la main.",
    "démocratie/enjeux/convention.txt":
        "La convention citoyenne a montré que des gens tirés au sort savent délibérer "
        "sur des sujets complexes.",
    "démocratie/enjeux/moderation.txt":
        "Qui modère le débat en ligne ? Une entreprise privée, selon ses propres règles.",
    "démocratie/paradoxes/participation.txt":
        "Plus il y a de consultations en ligne, moins les gens ont le sentiment d'être "
        "écoutés.",
    "démocratie/possibles/tirage.txt":
        "Tirer au sort un comité d'habitants pour contrôler les choix numériques de la "
        "collectivité. #tirageausort",
    "démocratie/possibles/codeouvert.md":
        "# Code ouvert\nTout logiciel payé par de l'argent public doit être publié "
        "sous licence libre.",
    "sobriete.txt":
        "Un numérique sobre, c'est aussi un numérique qui laisse du temps pour se "
        "parler en vrai.",
    "question-salle.txt":
        "Question de la salle : pourquoi faut-il toujours une application pour "
        "accéder à un service public ?",
    "temoignage.txt":
        "J'ai compris mes droits le jour où une médiatrice a pris une heure pour "
        "m'expliquer le site de la CAF.",
    "mots-atelier.mots": "sobriété\ntransmission\nbénévolat\nlicence libre\nconsentement\n",
    "démocratie/mots-plénière.mots": "tirage au sort\ndélibération\nredevabilité\n"
                                     "contre-pouvoir\n",
}

# -- the days: phrases each theme's participants use, set in the sequences' turns ---------

PHRASES = {
    "capacitations": (
        "les ateliers de médiation", "la formation des aidants", "l'accès aux droits",
        "les démarches en ligne", "la culture numérique", "l'éducation aux médias",
        "les espaces publics numériques", "la confiance en soi devant l'écran",
        "les savoirs pratiques", "l'apprentissage entre pairs", "l'inclusion numérique",
        "les bibliothèques", "les personnes âgées", "les jeunes décrocheurs",
        "l'esprit critique", "le droit à l'erreur",
    ),
    "datas": (
        "les données personnelles", "la vie privée", "la surveillance", "les traces "
        "numériques", "le consentement", "les données ouvertes", "les algorithmes de "
        "recommandation", "l'intelligence artificielle", "les données de santé",
        "la reconnaissance faciale", "les cookies", "les capteurs urbains",
        "la souveraineté numérique", "les courtiers en données", "l'anonymisation",
        "les serveurs à l'étranger",
    ),
    "coopérations": (
        "les communs numériques", "les logiciels libres", "les tiers-lieux",
        "les coopératives", "le bénévolat", "les réseaux d'entraide", "la mutualisation",
        "les outils partagés", "la gouvernance partagée", "les associations de "
        "quartier", "le travail collaboratif", "les savoirs partagés", "les wikis",
        "l'hébergement associatif", "les fablabs", "la confiance mutuelle",
    ),
    "démocratie": (
        "la délibération", "le tirage au sort", "les conventions citoyennes",
        "la participation", "les consultations en ligne", "le budget participatif",
        "la transparence des décisions", "les contre-pouvoirs", "la modération des "
        "débats", "les élus locaux", "la redevabilité des algorithmes",
        "les pétitions en ligne", "le débat public", "les assemblées de quartier",
        "le contrôle citoyen", "la désinformation",
    ),
}
TURNS = {
    "enjeux": (
        "Ce qui m'inquiète, c'est {a}.",
        "On ne parle pas assez de {a} quand on parle de {b}.",
        "L'enjeu central, c'est {a}, et avec lui {b}.",
        "Tout se joue autour de {a} : sans cela, {b} reste un slogan.",
        "Le vrai sujet, c'est {a}, pas seulement {b}.",
        "Dans mon travail, je vois chaque jour ce que {a} change pour {b}.",
    ),
    "paradoxes": (
        "On défend {a} et, dans le même temps, on abandonne {b}.",
        "On comptait sur {a} pour nous libérer ; on se retrouve avec {b}.",
        "Plus on investit dans {a}, moins on s'occupe de {b}.",
        "Curieux : tout le monde vante {a}, personne ne finance {b}.",
        "Nous réclamons {a} mais nous acceptons {b} sans rien dire.",
        "Avec {a} on se rapproche, avec {b} on s'éloigne, et ce sont les mêmes outils.",
    ),
    "possibles": (
        "Et si on confiait {a} aux habitants eux-mêmes ?",
        "Proposition : relier {a} et {b} dans chaque quartier.",
        "Il faudrait un lieu où {a} et {b} se rencontrent.",
        "Commençons petit : {a}, un soir par semaine, ouvert à tous.",
        "Je propose qu'on discute de {a} en assemblée avant toute décision sur {b}.",
        "Imaginons de repenser {a} avec ceux qui en ont besoin, et non pour eux.",
    ),
}
ELISIONS = (("de les ", "des "), ("de le ", "du "), ("à les ", "aux "), ("à le ", "au "),
)
ASIDES = (
    "", "", "", " C'est ce qu'on a vécu dans notre commune.", " Je le dis comme je le pense.",
    " On en a beaucoup parlé à notre table.", " Ça demande du temps, et du courage.",
    " Il faut en débattre publiquement.", " Les premiers concernés doivent être là.",
)
HASHTAGS = ("#numérique", "#communs", "#vieprivée", "#médiation", "#participation",
            "#sobriété", "#logiciellibre", "#confiance")


def _statement(rng: random.Random, theme: str, sequence: str) -> str:
    phrases = PHRASES[theme]
    # a few phrases come back often in each territory, as a room's words do
    weights = [1.0 / (rank + 2) for rank in range(len(phrases))]
    a, b = rng.choices(phrases, weights, k=1)[0], rng.choice(phrases)
    while b == a:
        b = rng.choice(phrases)
    said = rng.choice(TURNS[sequence]).format(a=a, b=b)
    for wrong, right in ELISIONS:
        said = said.replace(wrong, right)
    said = said[0].upper() + said[1:] + rng.choice(ASIDES)
    if rng.random() < 0.15:
        said += " " + rng.choice(HASHTAGS)
    return said


def day(count: int, themes: tuple[str, ...], sequences: tuple[str, ...],
        seed: int = 5) -> Iterator[tuple[str, str]]:
    """`count` contributions of a day as (path under the inbox, text): statements of one
    to four sentences, keyword files, and now and then a page of a workshop's notes;
    some untagged. The same seed gives the same day."""
    rng = random.Random(seed)
    for index in range(count):
        theme = rng.choice(themes) if rng.random() > 0.08 else None
        topic = theme or rng.choice(themes)
        sequence = rng.choice(sequences)
        folder = f"{theme}/{sequence}/" if theme else ""
        if index % 11 == 5:
            words = rng.sample(PHRASES[topic], 4)
            yield (f"{folder}mots-{index}.mots",
                   "\n".join(re.sub(r"^(les |la |le |l')", "", w) for w in words) + "\n")
        elif index % 37 == 20:
            lines = [f"# Compte rendu, table {index % 9 + 1}"]
            lines += [_statement(rng, topic, s) for s in sequences for _ in range(4)]
            yield f"{folder}compte-rendu-{index}.md", "\n".join(lines) + "\n"
        else:
            said = " ".join(_statement(rng, topic, sequence)
                            for _ in range(rng.choice((1, 1, 1, 2, 2, 3, 4))))
            yield f"{folder}parole-{index}.txt", said + "\n"


def write_afternoon(inbox: Path) -> dict[str, str]:
    """The witness afternoon in `inbox`: its 26 texts and the project's 8 generated
    media; returns the texts by path."""
    for relative, write in GENERATED.items():
        path = inbox / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        write(path)
    for relative, text in AFTERNOON.items():
        path = inbox / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n", encoding="utf-8")
    return dict(AFTERNOON)
