"""How much of the carte a visitor reads from the whole view: each shipped scene rendered
with `carte render` at 1920x1080 and read back by tesseract (French), on an ordinary
afternoon of 34 contributions (dropped files: texts up to 200 characters, pictures,
sound, video, data, keyword files) and on days of 300 and 3,000 texts, for two corpora:
the one the carte was tuned on (`engine.intake.corpus`) and a witness written apart and
never tuned on (`bench.temoin`).

It prints, per corpus, scene and count: at 34, the share of the carte's words read; at
300 and 3,000, how many distinct words of the contributions are read; and how many of
each theme's five most characteristic terms are read whole. A map is not a page:
tesseract's page layout gives up on a region where a dense carte's tiny cards make a
texture, and takes the terms set over it with it, so the carte is read twice, as a page
and as sparse text (`--psm 11`), and a word counts once either reading has it; the page
reading alone is given beside it, as earlier figures were.

    .venv/bin/python -m bench.legibility [--corpus atelier|temoin] [--scene S]
        [--count N] [--out FOLDER]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path

from bench import temoin
from bench.common import make_project, write_journal
from engine.config import load_config
from engine.intake import corpus
from engine.intake.corpus import contributions
from engine.world.carte import Carte

ROOT = Path(__file__).resolve().parent.parent
SCENES = ("champ", "brume", "parole")
COUNTS = (34, 300, 3000)
SIZE = "1920x1080"
CORPORA: dict[str, tuple[Callable[[Path], dict[str, str]], Callable[..., Iterator]]] = {
    "atelier": (corpus.write_afternoon, corpus.day),
    "temoin": (temoin.write_afternoon, temoin.day),
}
CHARACTERISTIC = 5


def words(text: str) -> set[str]:
    """Words of three letters or more, without case or accents."""
    plain = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return {w for w in re.findall(r"[a-z]{3,}", plain)}


def ocr(png: Path, *mode: str) -> set[str]:
    """The words tesseract (French) reads in `png`, in reading `mode`."""
    return words(subprocess.run(["tesseract", str(png), "-", "-l", "fra", *mode], check=True,
                                capture_output=True, text=True).stdout)


def carte(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "engine", *args], check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def project(folder: Path, name: str, count: int
            ) -> tuple[Path, set[str], list[list[set[str]]]]:
    """A project holding `count` contributions of corpus `name`; the words its texts
    say, and each theme's most characteristic terms (each as its set of words)."""
    config = make_project(folder, {"display": {"fps": "30", "size": "[1920, 1080]"},
                                   "osc": {"enabled": "false"}})
    afternoon, day = CORPORA[name]
    loaded = load_config(config)
    event = loaded.event
    if count == 34:
        texts = afternoon(folder / "inbox")
        carte("ingest", "--config", str(config))
        said = list(texts.values())
    else:
        days = list(day(count, event.themes, event.sequences))
        write_journal(loaded, contributions(iter(days)))
        said = [text for _, text in days]
    built = Carte.of(loaded)
    for index, contribution in enumerate(contributions(iter(day(count, event.themes,
                                                                event.sequences)))):
        built.add(contribution, float(index))
    terms = [[words(t.form) for t in built.lexicon.terms(theme, CHARACTERISTIC)]
             for theme in event.themes] if count != 34 else []
    shown = set().union(*(words(re.sub(r"[#*]", " ", text)) for text in said))
    return config, shown, terms


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="keep the renders in this folder")
    parser.add_argument("--scene", action="append", help="only this scene (repeatable)")
    parser.add_argument("--count", action="append", type=int, help="only this many")
    parser.add_argument("--corpus", action="append", choices=sorted(CORPORA))
    args = parser.parse_args()
    for name in args.corpus or CORPORA:
        for count in args.count or COUNTS:
            with tempfile.TemporaryDirectory() as folder_name:
                folder = Path(folder_name)
                config, shown, terms = project(folder / "project", name, count)
                for scene in args.scene or SCENES:
                    png = folder / f"{name}-{scene}-{count}.png"
                    carte("render", "--config", str(config), "--scene", scene, "--size", SIZE,
                          "--seconds", "6", "--out", str(png))
                    page, sparse = (ocr(png, *mode) for mode in ((), ("--psm", "11")))
                    read = page | sparse
                    found, on_page = read & shown, page & shown
                    if count == 34:
                        said = f"{len(found)}/{len(shown)} words read " \
                               f"({100 * len(found) / len(shown):.0f} %; as a page " \
                               f"{100 * len(on_page) / len(shown):.0f} %)"
                    else:
                        said = f"{len(found)} distinct words of the contributions read " \
                               f"(as a page {len(on_page)})"
                    if terms:
                        said += "; characteristic terms read per theme: " + ", ".join(
                            f"{sum(term <= read for term in theme)}/{len(theme)}"
                            for theme in terms)
                    print(f"{name} {scene} {count}: {said}", flush=True)
                    if args.out:
                        args.out.mkdir(parents=True, exist_ok=True)
                        shutil.copy(png, args.out / png.name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
