"""Does an ISF file look in the carte as it looks in the ISF authors' own renderer?

    .venv/bin/python -m bench.isf_compare FOLDER [FOLDER ...] [--out DIR] [--size WxH]
        [--frames N] [--time SECONDS]

Each `.fs` file of the folders (with its `.vs` and imported images) is drawn twice at the
same size, with the same TIME, TIMEDELTA, FRAMEINDEX and DATE on every frame, the same
input pictures and its DEFAULT values: by the carte (a real engine on EGL, the file as a
field layer, a post layer over a picture, or the transition between two pictures'
scenes) and by `interactive-shader-format` 2.9 (the renderer of the ISF website, WebGL
in Debian's headless Chromium on SwiftShader). Both last frames are composed over black,
as a projection shows them, and compared: the mean absolute difference per channel (of
255) says match (under 4), close (under 12) or differs. `DIR` receives `sheet.png` (each
file: carte, reference, difference x4), the pictures and `report.json`.

The reference is installed from the npm registry once (`npm ci` in bench/isf_reference,
done here when missing) and bundled with esbuild; nothing is fetched while it runs. It
has its own faults, which a difference may be: WebGL 1 (GLSL ES 1.00: no `uint`, no
implicit int to float), no FLOAT buffers, `IMG_PIXEL` divided by RENDERSIZE rather than
the image's size, no `audio` or `audioFFT` inputs, imported images not loaded (here they
are given to it as pictures).
"""

from __future__ import annotations

import argparse
import base64
import datetime
import io
import json
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import configure, make_project  # noqa: E402
from engine.app import Engine  # noqa: E402
from engine.clock import FixedClock, shader_date  # noqa: E402
from engine.config import load_config  # noqa: E402
from engine.render.surface import OffscreenSurface  # noqa: E402

REFERENCE = ROOT / "bench" / "isf_reference"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# SwiftShader gives headless Chromium a WebGL context on a machine without a GPU.
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--use-angle=swiftshader",
                  "--enable-unsafe-swiftshader", "--disable-gpu-sandbox", "--mute-audio",
                  "--no-first-run", "--disable-extensions", "--virtual-time-budget=20000",
                  "--dump-dom")
START = datetime.datetime(2026, 12, 6, 10, 30, 0)  # the DATE both renderers are given
MATCH, CLOSE = 4.0, 12.0  # mean absolute difference, of 255
PROGRESS = 0.4  # a transition's progress at the frame compared
PICTURE = "Harness Picture"
PICTURE_SHADER = """/*{"DESCRIPTION": "bench: a picture, drawn 1:1",
  "INPUTS": [{"NAME": "picture", "TYPE": "image"}]}*/
void main() { gl_FragColor = IMG_THIS_PIXEL(picture); }
"""


@dataclass
class Outcome:
    """One file compared: how it went on each side, and how far apart they are."""

    file: str
    kind: str
    verdict: str  # match, close, differs, carte refused, reference failed
    difference: float | None = None
    carte_error: str = ""
    reference_error: str = ""


def pictures(size: tuple[int, int]) -> tuple[Image.Image, Image.Image]:
    """Two opaque test pictures with gradients, flat colours, fine lines and hard edges
    (where sampling differences show): the input of filters and the start of
    transitions, and the end of transitions."""
    width, height = size
    y, x = np.mgrid[0:height, 0:width] / np.array([height, width])[:, None, None]
    base = np.stack([0.15 + 0.7 * x, 0.2 + 0.6 * y, 0.6 - 0.4 * x * y], axis=-1)
    first = Image.fromarray((base * 255).astype(np.uint8))
    draw = ImageDraw.Draw(first)
    draw.rectangle((width * 0.1, height * 0.15, width * 0.45, height * 0.5), fill=(230, 60, 40))
    draw.ellipse((width * 0.55, height * 0.2, width * 0.9, height * 0.8), fill=(30, 40, 160))
    for column in range(0, width, 8):
        draw.line((column, height * 0.6, column, height * 0.95), fill=(250, 250, 250))
    checker = ((np.indices((height, width)) // 16).sum(axis=0) % 2)[..., None]
    stripes = np.where(checker, [250, 210, 40], [20, 120, 90]).astype(np.uint8)
    second = Image.fromarray(stripes)
    ImageDraw.Draw(second).ellipse((width * 0.3, height * 0.3, width * 0.7, height * 0.7),
                                   fill=(240, 240, 240))
    return first.convert("RGBA"), second.convert("RGBA")


def kind_of(header: dict[str, Any]) -> str:
    """ISF's conventions: a filter reads `inputImage`; a transition `startImage`,
    `endImage` and `progress`; anything else generates."""
    inputs = {i.get("NAME"): i.get("TYPE") for i in header.get("INPUTS") or []
              if isinstance(i, dict)}
    if inputs.get("startImage") == inputs.get("endImage") == "image" and \
            inputs.get("progress") == "float":
        return "transition"
    return "filter" if inputs.get("inputImage") == "image" else "generator"


def header_of(text: str) -> dict[str, Any]:
    start, end = text.find("/*"), text.find("*/")
    try:
        found = json.loads(text[start + 2:end]) if 0 <= start < end else {}
    except json.JSONDecodeError:
        return {}
    return found if isinstance(found, dict) else {}


def image_inputs(header: dict[str, Any]) -> list[str]:
    """Image inputs the host does not fill by convention: both sides get the picture."""
    return [i["NAME"] for i in header.get("INPUTS") or [] if isinstance(i, dict) and
            i.get("TYPE") == "image" and i.get("NAME") not in
            ("inputImage", "startImage", "endImage")]


def imported(header: dict[str, Any]) -> dict[str, str]:
    raw = header.get("IMPORTED") or {}
    if isinstance(raw, list):
        raw = {i.get("NAME"): i for i in raw if isinstance(i, dict)}
    return {name: entry["PATH"] for name, entry in raw.items()
            if isinstance(entry, dict) and isinstance(entry.get("PATH"), str)}


def timeline(frames: int, seconds: float) -> tuple[float, list[dict[str, Any]]]:
    """The frame rate that puts the last of `frames` at TIME `seconds`, and each frame's
    TIME, TIMEDELTA, FRAMEINDEX, DATE and (for transitions) progress, as the carte's
    fixed clock gives them."""
    fps = (frames - 1) / seconds if frames > 1 else 1.0
    clock = FixedClock(fps, START)
    steps = []
    for _ in range(frames):
        tick = clock.tick()
        steps.append({"time": tick.time, "delta": tick.delta, "frame": tick.frame,
                      "date": list(tick.date), "progress": PROGRESS * tick.time / seconds})
    return fps, steps


def carte(path: Path, kind: str, header: dict[str, Any], size: tuple[int, int],
          steps: list[dict[str, Any]], fps: float, seconds: float,
          work: Path) -> np.ndarray | str:
    """The file drawn by the carte's engine; its last frame (RGB, top row first), or the
    problems it reported."""
    config = make_project(work / "project")
    shaders, scenes = config.parent / "shaders", config.parent / "scenes"
    for old in scenes.iterdir():
        old.unlink()
    for sibling in (path, path.with_suffix(".vs"), *(path.parent / p for p in
                                                     imported(header).values())):
        if sibling.is_file():
            shutil.copy(sibling, shaders / sibling.name)
    for name in ("picture-a.png", "picture-b.png"):
        shutil.copy(work / name, shaders / name)
    (shaders / f"{PICTURE}.fs").write_text(PICTURE_SHADER, encoding="utf-8")
    name = path.stem
    bound = "".join(f'{image} = "picture-a.png"\n' for image in image_inputs(header))
    shown = f'[[layers]]\nkind = "field"\nshader = "{PICTURE}"\n[layers.params]\npicture = '
    if kind == "transition":
        (scenes / "harness.toml").write_text(shown + '"picture-a.png"\n', encoding="utf-8")
        (scenes / "arrival.toml").write_text(
            shown + f'"picture-b.png"\n[transition]\nshader = "{name}"\nseconds = '
            f'{seconds / PROGRESS}\n', encoding="utf-8")
    elif kind == "filter":
        (scenes / "harness.toml").write_text(
            shown + f'"picture-a.png"\n[[layers]]\nkind = "post"\nshader = "{name}"\n' +
            (f"[layers.params]\n{bound}" if bound else ""), encoding="utf-8")
    else:
        (scenes / "harness.toml").write_text(
            f'[[layers]]\nkind = "field"\nshader = "{name}"\n' +
            (f"[layers.params]\n{bound}" if bound else ""), encoding="utf-8")
    configure(config, {"display": {"scene": '"harness"', "overlay_errors": "false"}})
    try:
        engine = Engine(load_config(config), OffscreenSurface(size), FixedClock(fps, START),
                        live=False)
    except Exception as error:  # a scene the engine refused: say why, go on
        return str(error)
    try:
        problems = [str(p) for p in engine.problems()]
        if problems:
            return "; ".join(problems)
        if kind == "transition":
            engine.switch_scene("arrival")
        for _ in steps:
            engine.step()
        return engine.target.pixels()[:, :, :3].copy()
    finally:
        engine.close()


def reference(path: Path, header: dict[str, Any], size: tuple[int, int],
              steps: list[dict[str, Any]], kind: str, bundle: Path,
              work: Path) -> np.ndarray | str:
    """The file drawn by interactive-shader-format in headless Chromium; its last frame
    composed over black (RGB, top row first), or why it could not draw."""
    vertex = path.with_suffix(".vs")
    given = {"inputImage": "picture-a.png", "startImage": "picture-a.png",
             "endImage": "picture-b.png"}
    given |= {image: "picture-a.png" for image in image_inputs(header)}
    given |= {name: str((path.parent / file).resolve()) for name, file in
              imported(header).items()}
    job = {"fragment": path.read_text(encoding="utf-8", errors="replace"),
           "vertex": vertex.read_text(encoding="utf-8") if vertex.is_file() else "",
           "width": size[0], "height": size[1], "frames": steps, "values": {},
           "pictures": {name: _data_url(work / file if "/" not in file else Path(file))
                        for name, file in given.items()},
           "date": steps[-1]["date"]}
    if kind == "transition":
        job["progress"] = True
    page = work / "reference.html"
    page.write_text("<!doctype html><html><body><script>window.JOB = "
                    f"{json.dumps(job)};</script><script src=\"{bundle.as_uri()}\"></script>"
                    "</body></html>", encoding="utf-8")
    assert CHROMIUM is not None
    try:
        done = subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={work / 'profile'}",
                               page.as_uri()], capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        return "no answer within 120 s"
    start = done.stdout.find('<pre id="result">')
    if start < 0:
        return "the page gave no result"
    raw = done.stdout[start + len('<pre id="result">'):done.stdout.find("</pre>", start)]
    result = json.loads(raw.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
    if "error" in result:
        return " ".join(str(result["error"]).split())[:300]
    pixels = np.frombuffer(base64.b64decode(result["pixels"]), np.uint8)
    rgba = pixels.reshape(size[1], size[0], 4)[::-1].astype(np.float64)
    # what the shader wrote is straight alpha: over black, as a projection shows it
    return np.round(rgba[:, :, :3] * rgba[:, :, 3:] / 255.0).astype(np.uint8)


def _data_url(path: Path) -> str:
    with Image.open(path) as picture:
        buffer = io.BytesIO()
        picture.convert("RGBA").save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def bundled(out: Path) -> Path:
    """The reference renderer as one script for the page (npm ci first if needed)."""
    if not (REFERENCE / "node_modules" / "interactive-shader-format").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=REFERENCE, check=True)
    bundle = out / "reference.js"
    subprocess.run([str(REFERENCE / "node_modules" / ".bin" / "esbuild"), "page.js",
                    "--bundle", "--format=iife", "--log-level=warning",
                    "--alias:crypto=./nothing.js", f"--outfile={bundle}"],
                   cwd=REFERENCE, check=True)
    return bundle


def compare(path: Path, size: tuple[int, int], frames: int, seconds: float, bundle: Path,
            out: Path) -> tuple[Outcome, np.ndarray | None, np.ndarray | None]:
    text = path.read_text(encoding="utf-8", errors="replace")
    header = header_of(text)
    kind = kind_of(header)
    fps, steps = timeline(frames, seconds)
    with tempfile.TemporaryDirectory(prefix="carte-isf-compare-") as folder:
        work = Path(folder)
        for name in ("picture-a.png", "picture-b.png"):
            shutil.copy(out / name, work / name)
        ours = carte(path, kind, header, size, steps, fps, seconds, work)
        theirs = reference(path, header, size, steps, kind, bundle, work)
    outcome = Outcome(path.name, kind, "")
    if isinstance(ours, str):
        outcome.carte_error = ours
    if isinstance(theirs, str):
        outcome.reference_error = theirs
    if isinstance(ours, np.ndarray) and isinstance(theirs, np.ndarray):
        outcome.difference = float(np.abs(ours.astype(float) - theirs.astype(float)).mean())
        outcome.verdict = "match" if outcome.difference < MATCH else \
            "close" if outcome.difference < CLOSE else "differs"
    else:
        outcome.verdict = "carte refused" if isinstance(ours, str) else "reference failed"
    return (outcome, ours if isinstance(ours, np.ndarray) else None,
            theirs if isinstance(theirs, np.ndarray) else None)


def sheet(rows: list[tuple[Outcome, np.ndarray | None, np.ndarray | None]],
          size: tuple[int, int], path: Path) -> None:
    """Each file on a row: the carte, the reference, and their difference times four."""
    width, height = size
    label = 16
    canvas = Image.new("RGB", (3 * width + 40, len(rows) * (height + label + 8) + 8),
                       (24, 24, 24))
    draw = ImageDraw.Draw(canvas)
    for index, (outcome, ours, theirs) in enumerate(rows):
        top = 8 + index * (height + label + 8)
        figure = "" if outcome.difference is None else f" {outcome.difference:.1f}"
        why = (outcome.carte_error or outcome.reference_error)[:90]
        draw.text((10, top), f"{outcome.file} ({outcome.kind}): {outcome.verdict}{figure} "
                             f"{why}", fill=(235, 235, 235))
        panels = [ours, theirs, None if ours is None or theirs is None else np.clip(
            np.abs(ours.astype(int) - theirs.astype(int)) * 4, 0, 255).astype(np.uint8)]
        for column, panel in enumerate(panels):
            left = 10 + column * (width + 10)
            if panel is None:
                draw.rectangle((left, top + label, left + width - 1, top + label + height - 1),
                               outline=(120, 60, 60))
            else:
                canvas.paste(Image.fromarray(panel), (left, top + label))
    canvas.save(path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path, help="folders of ISF files (.fs)")
    parser.add_argument("--out", type=Path, default=Path("isf-compare"),
                        help="where the sheet, pictures and report go")
    parser.add_argument("--size", default="256x192", help="render size, WxH")
    parser.add_argument("--frames", type=int, default=12,
                        help="frames drawn (buffers evolve; the reference needs a frame a pass)")
    parser.add_argument("--time", type=float, default=1.5, help="TIME of the frame compared")
    parser.add_argument("--jobs", type=int, default=2, help="files compared at once")
    args = parser.parse_args()
    if CHROMIUM is None:
        print("chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 2
    width, height = (int(v) for v in args.size.lower().split("x"))
    size = (width, height)
    args.out.mkdir(parents=True, exist_ok=True)
    first, second = pictures(size)
    first.save(args.out / "picture-a.png")
    second.save(args.out / "picture-b.png")
    bundle = bundled(args.out)
    files = sorted(p for folder in args.folders for p in folder.glob("*.fs"))
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        rows = list(pool.map(lambda p: compare(p, size, args.frames, args.time, bundle,
                                               args.out), files))
    sheet(rows, size, args.out / "sheet.png")
    outcomes = [row[0] for row in rows]
    (args.out / "report.json").write_text(json.dumps(
        {"size": size, "frames": args.frames, "time": args.time,
         "date": list(shader_date(START + datetime.timedelta(seconds=args.time))),
         "files": [asdict(o) for o in outcomes]}, indent=1, ensure_ascii=False))
    for outcome in outcomes:
        figure = "" if outcome.difference is None else f"{outcome.difference:6.2f}"
        why = outcome.carte_error or outcome.reference_error
        print(f"{outcome.verdict:16} {figure:>6}  {outcome.file}  {why[:120]}")
    compared = [o for o in outcomes if o.difference is not None]
    counts = {v: sum(o.verdict == v for o in outcomes) for v in
              ("match", "close", "differs", "carte refused", "reference failed")}
    print(f"\n{len(outcomes)} files: " + ", ".join(f"{n} {v}" for v, n in counts.items()) +
          (f"; mean difference {np.mean([o.difference for o in compared]):.2f} of 255"
           if compared else ""))
    print(f"sheet: {args.out / 'sheet.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
