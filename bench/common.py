"""What the benchmark groups and the soak share: throwaway projects, fabricated
contributions and journals, figures (rows) with their aims, and interleaved medians.

Every comparison is made side by side in one process and one run, rounds interleaved,
because the machine is shared and noisy: a figure's reference sees the same load.
"""

from __future__ import annotations

import math
import shutil
import statistics
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from engine.app import Engine
from engine.config import Config, defaults_text
from engine.journal.cache import PayloadCache
from engine.journal.journal import Journal
from engine.world.carte import Carte
from engine.world.contribution import Contribution, Tags

ROOT = Path(__file__).resolve().parent.parent
SIZE = (1280, 720)
SEQUENCES = ("enjeux", "paradoxes", "possibles")
WORDS = ("écoute", "commun", "données", "débat", "soin", "savoir", "partage", "confiance",
         "attention", "lien", "paradoxe", "possible", "enjeu", "capacité", "démocratie",
         "coopération", "ville", "outil")
Settings = Mapping[str, Mapping[str, str]]


# -- throwaway projects ------------------------------------------------------------------

def make_project(folder: Path, settings: Settings | None = None) -> Path:
    """The engine's default config and copies of the shipped scenes, shaders and sound under
    `folder` (as the tests' `project` fixture makes), with OSC and OSCQuery on free ports
    and no sound unless `settings` ({section: {key: TOML text}}) say otherwise; returns the
    config path.
    The repository's own inbox and data are never touched."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("scenes", "shaders", "sound"):
        shutil.copytree(ROOT / name, folder / name)
    (folder / "inbox").mkdir()
    config = folder / "config.toml"
    config.write_text(defaults_text(), encoding="utf-8")  # never the venue's edited one
    edits: dict[str, dict[str, str]] = {"osc": {"port": "0"}, "oscquery": {"port": "0"},
                                        "audio": {"backend": '"none"'}}
    for section, values in (settings or {}).items():
        edits.setdefault(section, {}).update(values)
    configure(config, edits)
    return config


def configure(config: Path, edits: Settings) -> None:
    """Set `key = value` lines inside their `[section]`s; a key the file lacks is an
    error, so a renamed setting cannot be silently ignored by the bench."""
    lines = config.read_text(encoding="utf-8").splitlines()
    left = {(section, key) for section, values in edits.items() for key in values}
    section = ""
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("["):
            section = stripped.strip("[]")
            continue
        key = stripped.split("=")[0].strip()
        if (section, key) in left:
            lines[index] = f"{key} = {edits[section][key]}"
            left.discard((section, key))
    if left:
        raise KeyError(f"{config}: no such settings: {sorted(left)}")
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")


# -- contributions -----------------------------------------------------------------------

@cache
def picture(variant: int) -> np.ndarray:
    """A 320x240 RGBA photo-like gradient; a few variants, shared by many contributions
    so that 10,000 of them fit in memory."""
    y = np.linspace(0.0, 1.0, 240)[:, None]
    x = np.linspace(0.0, 1.0, 320)[None, :]
    rgb = np.stack(np.broadcast_arrays(0.9 - 0.5 * y + 0.1 * x, 0.3 + 0.4 * x * (variant % 3) / 2,
                                       0.3 + 0.5 * y * (variant % 5) / 4), axis=-1)
    rgba = np.concatenate([np.clip(rgb, 0, 1) * 255, np.full((240, 320, 1), 255.0)], axis=-1)
    return rgba.astype(np.uint8)


def fabricated(count: int, start: int = 0, themes: Sequence[str] = ()) -> Iterator[Contribution]:
    """Contributions numbered `start`.. as an event brings them: mostly texts of varied
    length, keywords, a data series now and then, one picture (with pixels) in 25; over
    every theme (and the untagged centre) and every sequence."""
    places: tuple[str | None, ...] = (*themes, None)
    for index in range(start, start + count):
        words = tuple(WORDS[(index * 7 + k) % len(WORDS)] for k in range(6 + index % 9))
        tags = Tags(theme=places[index % len(places)], sequence=SEQUENCES[index % 3],
                    keywords=(WORDS[index % len(WORDS)],))
        id = f"{index:016x}"
        if index % 25 == 0:
            yield Contribution(id, "image", f"photo-{index}.jpg", tags=tags,
                               pixels=picture(index % 8), palette=((0.8, 0.5, 0.4),))
        elif index % 20 == 7:
            yield Contribution(id, "data", f"série-{index}.csv", "participants", tags,
                               series=(("participants", tuple(float(v) for v in range(12))),))
        elif index % 10 == 3:
            yield Contribution(id, "keywords", f"mots-{index}.mots", " · ".join(words[:5]),
                               Tags(tags.theme, tags.sequence, keywords=words[:5]))
        else:
            yield Contribution(id, "text", f"texte-{index}.txt", " ".join(words).capitalize(),
                               tags)


def write_journal(config: Config, contributions: Iterable[Contribution]) -> int:
    """Journal contributions the way a live run leaves them (`Journal.accept`, then
    `PayloadCache.save`, and the spots they were placed at), without files or decoder
    workers: quick to make, and what a restart reads is the same. Returns how many."""
    journal = Journal(config.paths.data / "journal.sqlite")
    payloads = PayloadCache(config.paths.data / "cache")
    carte = Carte(config.event.themes, config.event.sequences)
    written = 0
    try:
        for contribution in contributions:
            payloads.save(contribution)
            journal.accept(contribution.id, contribution.kind, contribution.name,
                           contribution.name, contribution.tags,
                           f"archive/{contribution.id[:2]}/{contribution.id}")
            carte.add(contribution, 0.0)
            written += 1
        journal.place(carte.found)
    finally:
        journal.close()
    return written


# -- what the engine shows ----------------------------------------------------------------

def pictures_waiting(engine: Engine) -> int:
    """Pictures placed but not uploaded yet. Read from the compositor's picture layer:
    `Engine.status()` does not say it."""
    layer = engine.compositor.pictures
    return len(layer.waiting_slots) + len(layer.waiting_thumbs)


def picture_shown(engine: Engine, id: str) -> bool:
    """Whether contribution `id` is on screen as a picture: its full slot uploaded, or
    its thumbnail where it holds no slot."""
    picture = engine.compositor.pictures.pictures.get(id)
    return picture is not None and (picture.shown_frame >= 0 or (
        picture.slot is None and picture.thumb_extent[0] > 0))


# -- figures -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Aim:
    """What a figure should reach: a bound on its ratio to the reference (default) or
    on its own value."""

    bound: float
    on: str = "ratio"  # "ratio" or "value"
    at_least: bool = False

    def met(self, row: Row) -> bool | None:
        value = row.ratio if self.on == "ratio" else row.measured
        if value is None or math.isnan(value):
            return None
        return value >= self.bound if self.at_least else value <= self.bound

    def text(self, unit: str) -> str:
        sign = "≥" if self.at_least else "≤"
        return f"{sign} {self.bound:g}x" if self.on == "ratio" else \
            f"{sign} {self.bound:g} {unit}"


@dataclass(frozen=True)
class Row:
    """One figure: what was measured, against what, and what it should reach."""

    group: str
    figure: str
    measured: float
    unit: str
    reference: float | None = None
    against: str = ""
    aim: Aim | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if not self.reference or not math.isfinite(self.measured):
            return None
        return self.measured / self.reference

    def as_json(self) -> dict[str, Any]:
        """Plain JSON: a figure that failed or was not reached has `measured` null and
        says so in `outcome`."""
        data = asdict(self)
        met = self.aim.met(self) if self.aim is not None else None
        outcome = "failed" if math.isnan(self.measured) else \
            "not reached" if math.isinf(self.measured) else "measured"
        data |= {"measured": self.measured if outcome == "measured" else None,
                 "outcome": outcome, "met": met,
                 "ratio": None if self.ratio is None else round(self.ratio, 3)}
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Row:
        aim = data.get("aim")
        measured = data["measured"]
        if measured is None:
            measured = math.nan if data.get("outcome") == "failed" else math.inf
        return cls(data["group"], data["figure"], float(measured), data["unit"],
                   data.get("reference"), data.get("against", ""),
                   Aim(**aim) if aim else None, data.get("note", ""))


def number(value: float | None, unit: str = "") -> str:
    """Three significant digits, with the unit; a dash for nothing measured."""
    if value is None:
        return "—"
    if math.isnan(value):
        return "failed"
    if math.isinf(value):
        return "not reached"
    text = f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return f"{text} {unit}".strip()


def table(rows: Sequence[Row]) -> str:
    """The Markdown table, notes numbered beneath it."""
    lines = ["| figure | measured | reference | ratio | aim |", "|---|---|---|---|---|"]
    notes: list[str] = []
    for row in rows:
        label = row.figure
        if row.note:
            notes.append(row.note)
            label += f" [{len(notes)}]"
        reference = number(row.reference, row.unit)
        if row.against:
            reference = f"{reference} ({row.against})" if row.reference is not None \
                else row.against
        ratio = "—" if row.ratio is None else f"{row.ratio:.2f}x"
        aim = "—"
        if row.aim is not None:
            met = row.aim.met(row)
            verdict = "met" if met else "missed" if met is not None else "not measured"
            aim = f"{row.aim.text(row.unit)}: {verdict}"
        lines.append(f"| {label} | {number(row.measured, row.unit)} | {reference} | "
                     f"{ratio} | {aim} |")
    lines += [""] + [f"{index}. {note}" for index, note in enumerate(notes, 1)]
    return "\n".join(lines).rstrip()


# -- measuring ---------------------------------------------------------------------------

def interleaved(rounds: int, runs: Sequence[Callable[[], Sequence[float]]],
                prepare: Callable[[int], object] | None = None) -> list[list[float]]:
    """Call each run once per round (after `prepare(round)`, untimed), the order
    reversed every other round so neither always goes first; each run returns some
    numbers, and the result holds the median of each number over the rounds, run by
    run."""
    samples: list[list[Sequence[float]]] = [[] for _ in runs]
    for index in range(rounds):
        if prepare is not None:
            prepare(index)
        order = range(len(runs)) if index % 2 == 0 else range(len(runs) - 1, -1, -1)
        for which in order:
            samples[which].append(runs[which]())
    return [[statistics.median(values) for values in zip(*taken, strict=True)]
            for taken in samples]

