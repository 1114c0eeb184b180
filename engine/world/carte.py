"""The carte's contents: contributions in arrival order, their places and states."""

from __future__ import annotations

import heapq
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.meaning.affinity import Affinity
from engine.meaning.language import Language
from engine.meaning.lexicon import Lexicon, region_name
from engine.world.contribution import Contribution, light, understood
from engine.world.layout import Layout, Spot, card

if TYPE_CHECKING:
    from engine.config import Config

LINKS_PER_ARRIVAL = 2
TERMS = 8  # terms each region gives as data
MIDDLE, EDGE = 6, 12  # of the contributions a newcomer is alike: the first, the latest


def bonds(contribution: Contribution) -> set[str]:
    """What relates contributions: a shared keyword, the same parcours, or the same theme
    in the same sequence."""
    tags = contribution.tags
    found = {f"mot:{k.casefold()}" for k in tags.keywords}
    if tags.parcours:
        found.add(f"parcours:{tags.parcours}")
    if tags.theme and tags.sequence:
        found.add(f"lieu:{tags.theme}:{tags.sequence}")
    return found


@dataclass(frozen=True)
class Placed:
    """A contribution with its place on the map (centre and half extents, in map units:
    -1..1 is the short side of the whole view at zoom 1) and its arrival time."""

    contribution: Contribution
    x: float
    y: float
    born: float
    w: float = 0.0
    h: float = 0.0

    def place(self) -> dict[str, float]:
        """The place as `carte list --json` gives it."""
        return {"x": round(self.x, 5), "y": round(self.y, 5), "w": round(self.w, 5),
                "h": round(self.h, 5)}


ABSENT = ("hidden", "pending", "rejected")  # placed and kept, never drawn


class Carte:
    """Contributions in arrival order, each placed once; `version` counts changes.
    `text_size` is the em as a fraction of the whole view's height (see `Layout`)."""

    def __init__(self, themes: tuple[str, ...], sequences: tuple[str, ...] = (),
                 text_size: float = 0.03, font: Path | None = None,
                 language: str = "fr",
                 shows: Callable[[Contribution], bool] | None = None,
                 named: frozenset[str] | None = None) -> None:
        self.setting = (themes, sequences, text_size * 2.0, font)
        self.language = Language(language)
        # the event's own names, never terms (`named`: their lemmas, read before)
        self.named = named if named is not None else self.language.names((*themes,
                                                                          *sequences))
        self.shows = shows  # what this screen draws (a room's parcours); None: all
        self.states: dict[str, str] = {}
        self.version = 0
        self.moderations = 0
        self.last_arrival: float | None = None
        self.found: list[tuple[str, float, float, int]] = []
        self._clear()

    def _clear(self) -> None:
        themes, sequences = self.setting[:2]
        self.layout = Layout(*self.setting)
        self.lexicon = Lexicon(themes, sequences, self.named)
        self.affinity = Affinity()
        self.summary: tuple[tuple[Any, ...], list[dict[str, Any]]] = ((), [])
        self.placed: list[Placed] = []
        self.where: dict[str, int] = {}  # id -> index in `placed`
        self.figures: list[int] = []  # indices of what is drawn as a picture
        self.steps: list[int] = []  # the walk's step of each place, to take it again
        self.ids: set[str] = set()
        self.hidden: set[str] = set()  # kept with `states`, so frames never scan the carte
        self.elsewhere: set[str] = set()  # placed, but not what this screen shows
        self.pinned: set[str] = set()
        self.links: list[tuple[int, int]] = []
        self.bonded: dict[str, list[int]] = defaultdict(list)  # bond -> indices, in order
        self.provisional: int | None = None  # index of the first provisional place

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """What the whole view frames (left, bottom, right, top): every place and the
        names of what is there; it only ever grows."""
        return self.layout.framed.get()

    def __len__(self) -> int:
        return len(self.placed)

    def add(self, contribution: Contribution, now: float, state: str = "shown",
            spot: Spot | None = None, provisional: bool = False,
            half: tuple[float, float] | None = None) -> Placed | None:
        """Place a new contribution (at `spot` when it was placed before: a restart); the
        same content twice is placed once. New spots are kept in `found` for the journal,
        except `provisional` ones (a room cut off from the others: see `rewind`).
        `contribution` may carry its arrays (a picture's aspect); the carte keeps it
        without them."""
        if contribution.id in self.ids:
            return None
        contribution = understood(contribution, self.language)
        if provisional and self.provisional is None:
            self.provisional = len(self.placed)
        self.states[contribution.id] = state
        if self.shows is not None and not self.shows(contribution):
            self.elsewhere.add(contribution.id)
        self._file(contribution.id, state)
        walk = self.layout.walk_of(contribution)
        index = len(self.placed)
        if spot is None:
            # the first said of its alike (the cluster's middle), then the latest (its edge)
            alike = [index for index, _ in self.affinity.nearest(walk, contribution.reading)]
            seeds = dict.fromkeys(alike[:MIDDLE] + sorted(alike, reverse=True)[:EDGE])
            box, step = self.layout.place(contribution, [
                (p.x, p.y, p.w, p.h) for p in (self.placed[index] for index in seeds)])
            if not provisional:
                self.found.append((contribution.id, box[0], box[1], step))
        else:
            box, step = self.layout.take(contribution, spot, half), int(spot[2])
        x, y, w, h = box
        placed = Placed(light(contribution), x, y, now, w, h)
        self.steps.append(step)
        self.affinity.add(index, walk, contribution.reading)
        if contribution.reading is not None:
            tags = contribution.tags
            self.lexicon.add(contribution.id, walk[0], tags.sequence if walk[1] else None,
                             contribution.reading, x, y, now, contribution.id not in self.hidden,
                             card(contribution).text if contribution.kind == "text" else "")
        mine = bonds(contribution)
        latest = {i for bond in mine for i in self.bonded[bond][-LINKS_PER_ARRIVAL:]}
        partners = heapq.nlargest(LINKS_PER_ARRIVAL, latest)
        self.links += [(i, index) for i in partners]
        for bond in mine:
            self.bonded[bond].append(index)
        self.where[contribution.id] = index
        if not card(contribution).text:
            self.figures.append(index)
        self.placed.append(placed)
        self.ids.add(contribution.id)
        self.version += 1
        self.last_arrival = now
        return placed

    def find(self, id: str) -> Placed | None:
        index = self.where.get(id)
        return None if index is None else self.placed[index]

    def complete(self, contribution: Contribution) -> Placed | None:
        """A contribution's full payload replacing its preview, in the same place."""
        index = self.where.get(contribution.id)
        if index is None:
            return None
        placed = self.placed[index]
        self.placed[index] = replace(placed, contribution=replace(
            contribution, reading=contribution.reading or placed.contribution.reading))
        self.version += 1
        return self.placed[index]

    def moderate(self, id: str, state: str) -> bool:
        """Show, hide or pin; hiding keeps the place, so showing again puts it back."""
        if id not in self.ids or self.states.get(id) == state:
            return False
        self.states[id] = state
        self._file(id, state)
        (self.lexicon.hide if id in self.hidden else self.lexicon.show)(id)
        self.version += 1
        self.moderations += 1
        return True

    def _file(self, id: str, state: str) -> None:
        for group, names in ((self.hidden, ABSENT), (self.pinned, ("pinned",))):
            if state in names or (group is self.hidden and id in self.elsewhere):
                group.add(id)
            else:
                group.discard(id)

    @classmethod
    def of(cls, config: Config, shows: Callable[[Contribution], bool] | None = None
           ) -> Carte:
        """The carte of an event as its config describes it; `shows`: what this screen
        draws (see `engine.cluster.screen`)."""
        event, display = config.event, config.display
        return cls(event.themes, event.sequences, display.text_size, display.font,
                   event.language, shows, named_lemmas(config))

    def terms(self, count: int = TERMS, now: float | None = None) -> list[dict[str, Any]]:
        """Each territory's and sector's terms as data (`carte terms`, `GET /api/terms`,
        OSC, the archive): how many contributions it holds, how alive it is, and its
        terms with their weight (1 for its first), score, count and recent sayers.
        Kept while the carte and the minute are the same."""
        key = (self.lexicon.version, count, None if now is None else int(now // 10))
        if self.summary[0] == key:
            return self.summary[1]
        lexicon = self.lexicon
        regions = []
        for theme in self.layout.themes:
            for sequence in (None, *self.layout.sequences):
                name = region_name(theme, sequence)
                regions.append({
                    "region": name, "theme": theme, "sequence": sequence,
                    "contributions": lexicon.count(name),
                    "vitality": round(lexicon.vitality(name, now), 3) if now is not None
                    else 0.0,
                    "terms": [{"term": t.form, "key": t.key, "weight": round(t.weight, 3),
                               "score": round(t.score, 2), "count": t.count,
                               "rising": t.rising}
                              for t in lexicon.terms(name, count, now)]})
        self.summary = (key, regions)
        return regions

    def absent(self) -> int:
        """Contributions placed but not drawn by a moderator's decision (hidden, waiting
        for approval, rejected), whatever this screen shows."""
        return len(self.hidden - self.elsewhere)

    def rewind(self) -> list[Placed]:
        """Take back the provisional places (a room cut off from the others placed its own
        arrivals at once; once the stream orders them among the others', they are placed
        again in that order): the carte is as it was before the first of them, every place
        before it unmoved. Returns what was taken back, in order."""
        if self.provisional is None:
            return []
        keep, dropped = self.provisional, self.placed[self.provisional:]
        kept, steps = self.placed[:keep], self.steps[:keep]
        names = self.layout.names.version
        for placed in dropped:
            self.states.pop(placed.contribution.id, None)
        self._clear()
        for placed, step in zip(kept, steps, strict=True):
            self.add(placed.contribution, placed.born, self.states[placed.contribution.id],
                     (placed.x, placed.y, step), half=(placed.w, placed.h))
        # whatever was drawn from the names and the cards is drawn again
        self.layout.names.version = max(names, self.layout.names.version) + 1
        self.version += 1
        self.moderations += 1
        return dropped

    def visible(self) -> list[Placed]:
        return [p for p in self.placed if p.contribution.id not in self.hidden]


def named_lemmas(config: Config) -> frozenset[str]:
    """The lemmas of the event's names, kept in the data folder: a restart reads them
    there instead of loading the language's dictionary before its first frame (it is
    loaded when a text next arrives)."""
    event = config.event
    names = [*event.themes, *event.sequences]
    kept = config.paths.data / "named.json"
    try:
        said = json.loads(kept.read_text(encoding="utf-8"))
        if said["language"] == event.language and said["names"] == names:
            return frozenset(str(lemma) for lemma in said["lemmas"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    lemmas = Language(event.language).names(names)
    try:
        kept.parent.mkdir(parents=True, exist_ok=True)
        kept.write_text(json.dumps({"language": event.language, "names": names,
                                    "lemmas": sorted(lemmas)}), encoding="utf-8")
    except OSError:
        pass  # read again at the next start
    return lemmas
