"""The carte's terms by region: what each theme's territory and each sector says that
the rest of the carte says less.

Every shown contribution adds its terms to its regions (the whole carte, its theme's
territory, its sector) and takes them back when it is hidden, so a hidden contribution's
words leave the map at the next frame. A region's characteristic terms are ranked by
their weighted log-odds against the rest of the carte, with the whole carte as an
informative prior (Monroe, Colaresi and Quinn, "Fightin' Words", 2008): frequent words
every region says sink, a region's own words rise, and a word said once weighs little.
A named thing of several words (`vie privée`) stands for its parts once it recurs.
Each term also keeps where it is said (the mean of its places), so the map can name a
cluster where it stands, and when (a term many have just said is rising).

Counts are kept in numpy arrays that grow, so ranking a region is one vectorised pass,
whatever the carte holds. What contributions add or take back waits in a list and is
counted in one pass when a region is next read (a restart of ten thousand counts once).
Weights and places are counted in whole thousandths and millionths, so the sums are
exact: the same contributions give the same counts whenever they were counted.
"""

from __future__ import annotations

import math
from collections import Counter, deque
from dataclasses import dataclass, field
from itertools import chain

import numpy as np

from engine.meaning.reading import Reading

CARTE = "carte"  # the region of every contribution
PRIOR = 0.05  # the prior's strength, as a share of the carte's whole weight
SMALLEST_PRIOR = 8.0
CAPPED = 3.0  # what one contribution may weigh in one term (a page repeats itself)
RISING_SECONDS = 180.0  # a term said this recently by several people is rising
RISING_PEOPLE = 3
VITAL_SECONDS = 300.0  # a theme's vitality: its arrivals over this long
MEMBERS = 400  # the most recent members of a region looked at for its representatives
STATEMENT_CHARS = (25, 220)  # what reads whole on the map as a representative statement
UNITS = (1000.0, 1.0, 1e6, 1e6)  # a weight, a contribution and a place, in whole units


@dataclass(frozen=True)
class Standing:
    """A term as a region says it: how it is written, its weight in the region (1 for
    the region's first term), its score (log-odds z), how many contributions say it,
    how many said it in the last minutes, and where (the mean of their places)."""

    key: str
    form: str
    weight: float
    score: float
    count: int
    rising: int
    x: float
    y: float


@dataclass
class Said:
    """What one contribution brought, so it can be taken back."""

    regions: tuple[int, ...]
    columns: list[int]
    weights: list[float]
    units: list[float]  # per term: its weight in thousandths, 1, and the place in units
    x: float
    y: float
    born: float
    reading: Reading
    counted: bool = False
    text: str = ""


@dataclass
class Region:
    members: deque[str] = field(default_factory=lambda: deque(maxlen=MEMBERS))
    arrivals: deque[float] = field(default_factory=lambda: deque(maxlen=256))
    count: int = 0


def region_name(theme: str | None, sequence: str | None = None) -> str:
    """A territory is named by its theme, a sector `theme/sequence`."""
    if theme is None:
        return CARTE
    return theme if sequence is None else f"{theme}/{sequence}"


class Lexicon:
    """Term weights, counts and places per region; `version` counts changes."""

    def __init__(self, themes: tuple[str, ...], sequences: tuple[str, ...],
                 quiet: frozenset[str] = frozenset()) -> None:
        names = [CARTE, *themes, *(f"{t}/{s}" for t in themes for s in sequences)]
        self.index = {name: row for row, name in enumerate(names)}
        self.regions = {name: Region() for name in names}
        self.keys: list[str] = []
        self.columns: dict[str, int] = {}
        self.forms: list[Counter[str]] = []
        size = 256
        rows = len(names)
        # per region and term: the weight said, the contributions saying it, and the sum
        # of their places' x and y (one array, so a contribution is counted in one write)
        self._table = np.zeros((4, rows, size))
        self.pending: list[tuple[Said, float]] = []  # counted when a region is read
        # the terms said within the last RISING_SECONDS, (born, column), and their counts
        self.lately: deque[tuple[float, int]] = deque()
        self.said_lately: Counter[int] = Counter()
        self.risen: tuple[tuple[float, int], dict[int, int]] = ((-1.0, -1), {})
        self.parts: dict[str, list[int]] = {}  # a word -> the named things holding it
        self.said: dict[str, Said] = {}
        self.names = names
        self.quiet = quiet  # keys never shown as terms: the event's own names
        self.version = 0

    # -- contributions come and go ---------------------------------------------------------

    def add(self, id: str, theme: str | None, sequence: str | None, reading: Reading,
            x: float, y: float, born: float, shown: bool = True, text: str = "") -> None:
        """A contribution's terms, counted while it is shown (`shown`, else when it is)."""
        if id in self.said or not reading.terms:
            return
        rows = [self.index[CARTE]]
        if theme is not None and theme in self.index:
            rows.append(self.index[theme])
            sector = region_name(theme, sequence)
            if sector in self.index:
                rows.append(self.index[sector])
        columns = [self._column(t.key) for t in reading.terms]
        for term, column in zip(reading.terms, columns, strict=True):
            self.forms[column][term.form] += 1
        weights = [min(t.weight, CAPPED) for t in reading.terms]
        units = [round(x * UNITS[2]), round(y * UNITS[3])]
        self.said[id] = Said(tuple(rows), columns, weights, units, x, y, born, reading,
                             text=text)
        if shown:
            self.show(id)

    def show(self, id: str) -> None:
        said = self.said.get(id)
        if said is None or said.counted:
            return
        said.counted = True
        self._count(said, 1.0)
        for row in said.regions:
            region = self.regions[self._name(row)]
            region.members.append(id)
            region.arrivals.append(said.born)
        for column in said.columns:
            self.lately.append((said.born, int(column)))
            self.said_lately[int(column)] += 1

    def hide(self, id: str) -> None:
        said = self.said.get(id)
        if said is None or not said.counted:
            return
        said.counted = False
        self._count(said, -1.0)
        for row in said.regions:
            region = self.regions[self._name(row)]
            if id in region.members:
                region.members.remove(id)

    def _count(self, said: Said, sign: float) -> None:
        self.pending.append((said, sign))
        for row in said.regions:
            self.regions[self._name(row)].count += int(sign)
        self.version += 1

    def _column(self, key: str) -> int:
        column = self.columns.get(key)
        if column is None:
            column = self.columns[key] = len(self.keys)
            self.keys.append(key)
            self.forms.append(Counter())
            if " " in key:
                for part in key.split():
                    self.parts.setdefault(part, []).append(column)
            if column >= self._table.shape[2]:
                self._table = np.pad(self._table, ((0, 0), (0, 0), (0, self._table.shape[2])))
        return column

    @property
    def table(self) -> np.ndarray:
        """Per region and term, in whole units: the weight said, the contributions
        saying it, and the sums of their places' x and y."""
        if self.pending:
            self._flush()
        return self._table

    def _flush(self) -> None:
        """Count what waits, in one pass: each contribution's terms, once per region."""
        _, rows, size = self._table.shape
        waiting = self.pending
        columns = np.fromiter(chain.from_iterable(said.columns for said, _ in waiting),
                              dtype=np.int64)
        lengths = [len(said.columns) for said, _ in waiting]
        signs = np.repeat([sign for _, sign in waiting], lengths)
        weights = np.fromiter(chain.from_iterable(said.weights for said, _ in waiting),
                              dtype=float, count=len(columns))
        values = (signs * np.rint(weights * UNITS[0]), signs,
                  signs * np.repeat([said.units[0] for said, _ in waiting], lengths),
                  signs * np.repeat([said.units[1] for said, _ in waiting], lengths))
        for level in range(3):  # the carte, the theme's territory, the sector
            row = np.repeat([said.regions[level] if len(said.regions) > level else -1
                             for said, _ in waiting], lengths)
            counted = row >= 0
            flat = row[counted] * size + columns[counted]
            for plane, summed in enumerate(values):
                self._table[plane] += np.bincount(flat, weights=summed[counted],
                                                  minlength=rows * size).reshape(rows, size)
        self.pending = []

    def _plane(self, plane: int, row: int) -> np.ndarray:
        """One region's counts of every term said so far (weights as weights)."""
        return self.table[plane, row, :len(self.keys)] / UNITS[plane]

    @property
    def docs(self) -> np.ndarray:
        return self.table[1]

    def _name(self, row: int) -> str:
        return self.names[row]

    # -- what regions say ------------------------------------------------------------------

    def scores(self, region: str) -> np.ndarray:
        """Each term's weighted log-odds z-score in `region` against the rest of the
        carte (the carte itself against a uniform prior)."""
        used = len(self.keys)
        mine = self._plane(0, self.index[region])
        whole = self._plane(0, self.index[CARTE])
        total = float(whole.sum())
        if not used or total <= 0:
            return np.zeros(used)
        strength = max(SMALLEST_PRIOR, PRIOR * total)
        prior = strength * (whole + 0.01) / (total + 0.01 * used)
        rest = whole - mine if region != CARTE else np.full(used, total / used)
        n_mine, n_rest = float(mine.sum()), float(rest.sum())
        with np.errstate(divide="ignore", invalid="ignore"):
            delta = np.log((mine + prior) / (n_mine + strength - mine - prior)) - \
                np.log((rest + prior) / (n_rest + strength - rest - prior))
            variance = 1.0 / (mine + prior) + 1.0 / (rest + prior)
            z = delta / np.sqrt(variance)
        return np.nan_to_num(z)

    def terms(self, region: str, count: int, now: float | None = None) -> list[Standing]:
        """The `count` terms that characterise `region`, strongest first: said by at
        least one shown contribution there, more than elsewhere; a named thing once two
        say it (it then stands for its parts); never the event's own names."""
        row = self.index.get(region)
        if row is None or not self.keys:
            return []
        z = self.scores(region)
        docs = self.docs[row, :len(self.keys)]
        whole = self.docs[self.index[CARTE], :len(self.keys)]
        # a small carte ranks by what is said most, a larger one by what is said here
        order = list(np.lexsort((np.arange(len(z)), -docs, -np.round(z, 6))))
        if now is not None:  # what many have just said here rises to the top
            lately = sorted((-said, c) for c, said in self.risen_at(now).items()
                            if docs[c] >= 1)
            order = [c for _, c in lately] + order
        chosen: list[int] = []
        for column in order:
            if len(chosen) >= 2 * count:  # twice as many, ranked below: the first three
                break  # of six are the three first (a named thing may rise above a word)
            if docs[column] < 1 or (z[column] <= 0 and chosen and
                                    (whole[column] - docs[column]) > docs[column]):
                continue  # said more elsewhere: not what this region says
            key = self.keys[column]
            if " " in key:
                if whole[column] < 2:  # a named thing speaks for itself once it recurs
                    continue
            else:
                # a word said mostly within a named thing is shown as that thing
                named = self._named(key, docs)
                column = column if named is None else named
            if column in chosen or self.keys[column] in self.quiet:
                continue
            chosen.append(int(column))
        if not chosen:
            return []
        risen = {c: self.rising(c, now) for c in chosen}
        chosen.sort(key=lambda c: (-risen[c], -round(float(z[c]), 6), -docs[c], c))
        del chosen[count:]
        top = max(max(float(z[c]) for c in chosen), 1e-6)
        found = []
        for column in chosen:
            said = max(float(docs[column]), 1.0)
            found.append(Standing(
                self.keys[column], self.forms[column].most_common(1)[0][0],
                max(0.05, min(1.0, float(z[column]) / top)), float(z[column]),
                int(docs[column]), risen[column],
                float(self.table[2, row, column] / UNITS[2] / said),
                float(self.table[3, row, column] / UNITS[3] / said)))
        return found

    def _named(self, word: str, docs: np.ndarray) -> int | None:
        """The named thing a region says `word` mostly within (`vie` within `vie
        privée`): its column, or None."""
        column = self.columns.get(word)
        best: tuple[float, int] | None = None
        for named in self.parts.get(word, ()):
            if docs[named] >= 1 and column is not None and docs[named] * 1.5 >= docs[column] \
                    and (best is None or docs[named] > best[0]):
                best = (float(docs[named]), named)
        return None if best is None else best[1]

    def rising(self, column: int, now: float | None) -> int:
        """How many contributions said a term in the last `RISING_SECONDS`, when that is
        at least `RISING_PEOPLE` and twice its share of the whole carte (a term many have
        just said); 0 otherwise."""
        return 0 if now is None else self.risen_at(now).get(column, 0)

    def risen_at(self, now: float) -> dict[int, int]:
        """Every rising term's column and how many just said it (kept for one `now`; show
        time only moves forward, so what has aged out is forgotten)."""
        if self.risen[0] == (now, self.version):
            return self.risen[1]
        lately, counts = self.lately, self.said_lately
        while lately and now - lately[0][0] > RISING_SECONDS:  # aged out
            _, column = lately.popleft()
            counts[column] -= 1
        recently = sum(1 for born in self.regions[CARTE].arrivals
                       if 0 <= now - born <= RISING_SECONDS)
        carte = max(self.regions[CARTE].count, 1)
        whole = self.docs[self.index[CARTE]]
        found = {column: said for column, said in counts.items()
                 if said >= RISING_PEOPLE and said >= 2.0 * whole[column] / carte * recently}
        self.risen = ((now, self.version), found)
        return found

    def representatives(self, region: str, count: int) -> list[str]:
        """Ids of the statements that best say what `region` says (its characteristic
        terms, said by many), short enough to read whole on the map."""
        members = self.regions.get(region)
        if members is None or not members.members:
            return []
        z = np.maximum(self.scores(region), 0.0)
        docs = self.docs[self.index[region]]
        low, high = STATEMENT_CHARS
        ranked: dict[str, tuple[float, str]] = {}
        for id in members.members:
            said = self.said[id]
            if not low <= len(said.text) <= high or said.text in ranked:
                continue
            support = np.log1p(np.maximum(docs[said.columns] - 1.0, 0.0))
            score = float((z[said.columns] * support * np.array(said.weights)).sum()) / \
                math.sqrt(len(said.columns) + 2.0)
            if score > 0:
                ranked[said.text] = (-score, id)
        return [id for _, id in sorted(ranked.values())[:count]]

    def vitality(self, region: str, now: float) -> float:
        """0..1: how alive a region is now (its arrivals over the last minutes)."""
        members = self.regions.get(region)
        if members is None:
            return 0.0
        recent = sum(1 for born in members.arrivals if 0 <= now - born <= VITAL_SECONDS)
        return 1.0 - math.exp(-recent / 6.0)

    def count(self, region: str) -> int:
        found = self.regions.get(region)
        return found.count if found is not None else 0
