"""How much of the carte a machine reader can read: an ordinary afternoon of 34
contributions (the project's samples plus short French texts across the themes and
sequences), rendered with `carte render` at 1280x720 after 6 s in each shipped scene,
then read back by tesseract (French). Prints the share of the carte's words found.

    .venv/bin/python -m bench.legibility [--out FOLDER]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path

from engine.intake.samples import TEXTS, write_samples

ROOT = Path(__file__).resolve().parent.parent
SCENES = ("champ", "brume", "parole")
AFTERNOON = {
    "capacitations/enjeux/ecole.txt": "L'école doit apprendre à douter des écrans.",
    "capacitations/paradoxes/temps.txt": "Plus d'outils, moins de temps pour apprendre.",
    "capacitations/possibles/mediation.md": "# Médiation\nDes médiateurs dans chaque "
                                            "bibliothèque, pour *tous* les âges.",
    "datas/enjeux/vie-privee.txt": "La vie privée est un droit, pas une option.",
    "datas/paradoxes/gratuit.txt": "Si c'est gratuit, qui paie vraiment ?",
    "datas/possibles/ouvertes.txt": "Des données ouvertes, lisibles par chacun.",
    "coopérations/enjeux/confiance.txt": "Coopérer demande de la confiance.",
    "coopérations/paradoxes/reseaux.txt": "Connectés partout, seuls ensemble.",
    "coopérations/possibles/jardins.txt": "Des jardins numériques partagés.",
    "démocratie/enjeux/voter.txt": "Voter ne suffit plus : il faut délibérer.",
    "démocratie/paradoxes/vitesse.txt": "La démocratie est lente, les réseaux rapides.",
    "démocratie/possibles/budget.txt": "Un budget participatif pour le numérique local.",
    "lenteur.txt": "Ralentir pour mieux penser ensemble.",
    "ecoute.txt": "Écouter avant de coder.",
    "humain.txt": "Remettre l'humain au centre des machines.",
    "communs.txt": "Le logiciel libre est un commun.",
    "question.txt": "Qui décide de nos algorithmes ?",
}


def words(text: str) -> set[str]:
    """Words of three letters or more, without case or accents."""
    plain = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return {w for w in re.findall(r"[a-z]{3,}", plain)}


def afternoon(inbox: Path) -> set[str]:
    """Write the 34 contributions into `inbox`; the words the carte should show."""
    write_samples(inbox)
    for relative, text in AFTERNOON.items():
        path = inbox / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n", encoding="utf-8")
    shown = set()
    for text in [*TEXTS.values(), *AFTERNOON.values()]:
        shown |= words(re.sub(r"[#*]", " ", text))
    return shown


def config(folder: Path) -> Path:
    path = folder / "config.toml"
    path.write_text(f"""
[paths]
inbox = "{folder / 'inbox'}"
data = "{folder / 'data'}"
refused = "{folder / 'data' / 'refused'}"
scenes = "{ROOT / 'scenes'}"
shaders = "{ROOT / 'shaders'}"
sound = "{ROOT / 'sound'}"
[display]
size = [1280, 720]
fps = 30
[audio]
backend = "none"
[osc]
enabled = false
[event]
themes = ["capacitations", "datas", "coopérations", "démocratie"]
sequences = ["enjeux", "paradoxes", "possibles"]
""", encoding="utf-8")
    return path


def carte(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "engine", *args], check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="keep the renders in this folder")
    parser.add_argument("--scene", action="append", help="only this scene (repeatable)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        shown = afternoon(folder / "inbox")
        settings = config(folder)
        carte("ingest", "--config", str(settings))
        for scene in args.scene or SCENES:
            png = folder / f"{scene}.png"
            carte("render", "--config", str(settings), "--scene", scene, "--seconds", "6",
                  "--out", str(png))
            read = subprocess.run(["tesseract", str(png), "-", "-l", "fra"], check=True,
                                  capture_output=True, text=True).stdout
            found = words(read) & shown
            print(f"{scene}: {len(found)}/{len(shown)} words read "
                  f"({100 * len(found) / len(shown):.0f} %)")
            if args.out:
                args.out.mkdir(parents=True, exist_ok=True)
                shutil.copy(png, args.out / png.name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
