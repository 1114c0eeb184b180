"""`carte archive --out DIR`: the event as a folder of static files for its public.

The folder opens from a USB stick through `file://`, with no server and nothing fetched:
`index.html`, its stylesheet and script, `medias/` (one file or two per contribution,
named by id), and the film and poster when given. It is written beside `DIR` and put in
place at the end, so an interrupted run leaves the previous archive whole; a folder that
is not empty and holds no archive of ours is never overwritten.
"""

from __future__ import annotations

import logging
import shutil
from datetime import datetime
from importlib.resources import files
from pathlib import Path

from PIL import Image

from engine.config import Config
from engine.report.items import ArchiveError, Item, gather
from engine.report.media import Conversion, Medium, export
from engine.report.page import GENERATOR, Extras, render

log = logging.getLogger(__name__)
ASSETS = ("archive.css", "archive.js")
FILM_TYPES = {".mp4": "video/mp4", ".m4v": "video/mp4", ".webm": "video/webm"}
POSTER_PREVIEW = 2400


def write_archive(config: Config, out: Path, film: Path | None = None,
                  poster: Path | None = None) -> Path:
    """Write the archive of `config`'s journal into `out`; returns its `index.html`."""
    out = out.resolve()
    check_target(out)
    for given in (film, poster):
        if given is not None and not given.is_file():
            raise ArchiveError(f"{given}: no such file; render it first or leave it out")
    if film is not None and film.suffix.lower() not in FILM_TYPES:
        raise ArchiveError(f"{film}: a film for browsers must be {', '.join(FILM_TYPES)}")
    items = gather(config)
    partial = out.with_name(f".{out.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        conversion = Conversion(config.intake.worker_memory_mb)
        media = {item.id: guarded(item, partial, conversion) for item in items}
        extras = Extras(embed_film(film, partial), embed_poster(poster, partial))
        for name in ASSETS:
            (partial / name).write_bytes(files("engine.report").joinpath(f"assets/{name}")
                                         .read_bytes())
        page = render(config.event, items, media, extras, datetime.now())
        (partial / "index.html").write_text(page, encoding="utf-8")
        put_in_place(partial, out)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    log.info("archive: %d contributions in %s", len(items), out)
    return out / "index.html"


def is_archive(folder: Path) -> bool:
    """Whether `folder` holds an archive this module wrote (its page says so)."""
    page = folder / "index.html"
    try:
        head = page.read_text(encoding="utf-8", errors="replace")[:2000]
    except OSError:
        return False
    return f'<meta name="generator" content="{GENERATOR}">' in head


def check_target(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise ArchiveError(f"{out}: is a file; name a folder for the archive")
    if out.is_dir() and any(out.iterdir()) and not is_archive(out):
        raise ArchiveError(f"{out}: this folder is not empty and holds no Carte sensible "
                           "archive; name a new or empty folder")


def put_in_place(partial: Path, out: Path) -> None:
    """Replace `out` by the finished `partial` folder, the old archive removed last."""
    if not out.exists():
        partial.rename(out)
        return
    old = out.with_name(f".{out.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    out.rename(old)
    partial.rename(out)
    shutil.rmtree(old)


def guarded(item: Item, archive: Path, conversion: Conversion) -> Medium | None:
    """`export`, with a failure costing only this medium: the card still shows the rest."""
    try:
        return export(item, archive, conversion)
    except Exception as error:  # a visitor's file must not stop the whole archive
        log.error("%s (%s): its medium is left out of the archive: %s", item.contribution.name,
                  item.id, error)
        return None


def embed_film(film: Path | None, archive: Path) -> Medium | None:
    if film is None:
        return None
    suffix = film.suffix.lower()
    shutil.copyfile(film, archive / f"film{suffix}")
    return Medium("video", f"film{suffix}", FILM_TYPES[suffix])


def embed_poster(poster: Path | None, archive: Path) -> Medium | None:
    """The poster in full, plus a lighter JPEG the page shows."""
    if poster is None:
        return None
    full = f"affiche{poster.suffix.lower()}"
    shutil.copyfile(poster, archive / full)
    with Image.open(poster) as image:
        preview = image.convert("RGB")
    preview.thumbnail((POSTER_PREVIEW, POSTER_PREVIEW), Image.Resampling.LANCZOS)
    preview.save(archive / "affiche-apercu.jpg", quality=88, optimize=True, progressive=True)
    return Medium("img", "affiche-apercu.jpg", "image/jpeg", preview.width, preview.height,
                  link=full)
