"""The contact sheet in docs/: every shipped scene at 1, 10, 34, 300 and 3,000
contributions, and frames of arrivals, each made with `carte render`.

    .venv/bin/python -m bench.contact_sheet [--out docs/contact-sheet.png] [--keep DIR]

34 is an ordinary afternoon of dropped files, the other counts days of texts, from the
carte's corpus (engine.intake.corpus); the arrivals are ten of them. Renders are
960x540, shown at 384x216.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import av
from PIL import Image, ImageDraw, ImageFont

from bench.common import make_project, write_journal
from bench.legibility import SCENES
from engine.config import load_config
from engine.intake.corpus import contributions, day, write_afternoon
from engine.world.typeset import default_font

ROOT = Path(__file__).resolve().parent.parent
COUNTS = (1, 10, 34, 300, 3000)
THUMB = (384, 216)
SIZE = "960x540"
ARRIVAL_SECONDS = (1.0, 2.2, 4.0, 9.0)


def carte(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "engine", *args], check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def project(folder: Path, count: int) -> Path:
    """A project whose journal holds `count` contributions."""
    config = make_project(folder, {"display": {"fps": "30"}, "osc": {"enabled": "false"}})
    if count == 34:
        write_afternoon(folder / "inbox")
        carte("ingest", "--config", str(config))
    else:
        event = load_config(config).event
        write_journal(load_config(config), contributions(day(count, event.themes,
                                                             event.sequences)))
    return config


def still(config: Path, scene: str, out: Path) -> Image.Image:
    carte("render", "--config", str(config), "--scene", scene, "--size", SIZE,
          "--seconds", "2", "--out", str(out))
    return Image.open(out).convert("RGB").resize(THUMB, Image.Resampling.LANCZOS)


def arrival_frames(config: Path, out: Path) -> list[Image.Image]:
    """A film of ten contributions arriving, and frames of it."""
    carte("render", "--config", str(config), "--size", SIZE, "--seconds", "12",
          "--out", str(out))
    frames = []
    with av.open(str(out)) as film:
        stream = film.streams.video[0]
        wanted = list(ARRIVAL_SECONDS)
        for frame in film.decode(stream):
            if wanted and frame.time is not None and frame.time >= wanted[0]:
                wanted.pop(0)
                frames.append(frame.to_image().resize(THUMB, Image.Resampling.LANCZOS))
    return frames


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "contact-sheet.png")
    parser.add_argument("--keep", type=Path, help="keep the full-size renders here")
    args = parser.parse_args()
    font = ImageFont.truetype(str(default_font()), 18)
    label = 28
    rows = len(SCENES) + 1
    sheet = Image.new("RGB", (THUMB[0] * len(COUNTS), (THUMB[1] + label) * rows), "black")
    pen = ImageDraw.Draw(sheet)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        for column, count in enumerate(COUNTS):
            config = project(folder / str(count), count)
            for row, scene in enumerate(SCENES):
                x, y = column * THUMB[0], row * (THUMB[1] + label)
                sheet.paste(still(config, scene, folder / f"{scene}-{count}.png"),
                            (x, y + label))
                pen.text((x + 6, y + 4), f"{scene} · {count}", font=font, fill="white")
            print(f"{count} contributions drawn", file=sys.stderr)
        config = project(folder / "arrivals", 10)
        y = len(SCENES) * (THUMB[1] + label)
        for column, frame in enumerate(arrival_frames(config, folder / "arrivals.mp4")):
            sheet.paste(frame, (column * THUMB[0], y + label))
            pen.text((column * THUMB[0] + 6, y + 4),
                     f"arrivals (champ) · {ARRIVAL_SECONDS[column]:.1f} s", font=font,
                     fill="white")
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            for render in [*folder.glob("*.png"), *folder.glob("*.mp4")]:
                shutil.copy(render, args.keep / render.name)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    sheet.quantize(colors=192, method=Image.Quantize.MEDIANCUT).save(args.out, optimize=True)
    print(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
