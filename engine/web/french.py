"""Intake's reasons, said to a participant in French (the log keeps intake's own words)."""

from __future__ import annotations

import re

# (pattern in intake's reason, what the participant reads); the first that matches.
REASONS: tuple[tuple[str, str], ...] = (
    (r"larger than|KiB", "Ce fichier est trop lourd pour la carte ; envoyez-en une version "
                         "plus légère."),
    (r"megapixels|more than \d+ MP|is more than", "Cette image est trop grande ; envoyez une "
                                                  "photo de taille ordinaire."),
    (r"damaged|truncated|cannot be read|could not be decoded|no picture could|"
     r"not a picture Pillow can read",
     "Ce fichier semble abîmé : il n'a pas pu être lu. Réessayez avec un autre."),
    (r"is not a kind of file|pictures are not taken|are not taken",
     "Ce type de fichier n'est pas accepté ; envoyez une photo, un dessin ou un son."),
    (r"took longer", "Ce fichier a demandé trop de temps à lire ; envoyez-en un plus court."),
    (r"the text is empty", "Le texte est vide : écrivez quelques mots."),
    (r"characters; at most", "Le texte est trop long ; raccourcissez-le."),
    (r"keyword is longer", "Un mot-clé est trop long ; séparez vos mots par des virgules."),
    (r"keywords; at most", "Il y a trop de mots-clés ; gardez les plus importants."),
    (r"no sound track|sound is empty", "Aucun son n'a été entendu dans cet enregistrement."),
    (r"drawing holds no visible|no size and no shapes", "Le dessin est vide : tracez quelque "
                                                        "chose avec le doigt."),
    (r"elements; simplify", "Le dessin a trop de traits ; simplifiez-le ou envoyez-le en "
                            "deux fois."),
    (r"encoding|NUL bytes", "Ce texte n'a pas pu être lu ; écrivez-le directement ici."),
)


def for_participant(reason: str) -> str:
    """A refusal's reason in the participant's words."""
    for pattern, french in REASONS:
        if re.search(pattern, reason):
            return french
    return "Cette contribution n'a pas pu être prise par la carte ; réessayez autrement."


def for_moderator(state: str, reason: str, id: str) -> str:
    """Why an entry is as it is, in the console's words (French), whatever intake said."""
    if state == "refused":
        return for_participant(reason)
    if state == "duplicate":
        return f"Doublon : même contenu que {id}, déjà reçu ; gardé une fois."
    if reason:  # what decoding left out of a file it took
        return "Lu en partie : la fin du fichier est abîmée, le début est gardé."
    return ""
