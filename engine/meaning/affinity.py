"""Which earlier contribution a new one shares most meaning with, within its sector: the
carte places it beside that one, so converging ideas gather and a cluster forms.

Each sector keeps an inverted index from a term to its latest members; a newcomer is
compared (cosine of term weights, rarer terms counting more) with the members it shares
a term with. Bounded: only the latest `POSTINGS` members per term are looked at, so one
arrival costs the same at ten thousand as at a hundred.
"""

from __future__ import annotations

import math
from collections import defaultdict, deque
from collections.abc import Hashable

import numpy as np

from engine.meaning.reading import Reading

POSTINGS = 64  # members kept per term and sector
CANDIDATES = 256  # members compared at most
LEAST = 0.2  # a weaker likeness places nothing
CLUSTER = 48  # the most alike members a newcomer may land beside
ALIKE = 0.85  # of the best likeness, what counts as nearly as alike


class Affinity:
    """Term vectors of the placed contributions, by sector, and the carte's document
    frequencies (how many contributions say each term). A vector is kept as arrays (its
    terms' numbers, sorted, and their weights times rarity when said), so a newcomer is
    compared with all its candidates in a few array operations."""

    def __init__(self) -> None:
        self.postings: dict[Hashable, dict[str, deque[int]]] = defaultdict(dict)
        self.vectors: dict[int, tuple[np.ndarray, np.ndarray, float]] = {}  # ids, weights,
        # norm
        self.numbers: dict[str, int] = {}  # a term's number
        self.frequency: dict[str, int] = defaultdict(int)
        self.count = 0

    def add(self, index: int, sector: Hashable, reading: Reading | None) -> None:
        """Contribution `index` of the carte (in its `sector`) says `reading`."""
        if reading is None or not reading.terms:
            return
        self.count += 1
        postings = self.postings[sector]
        for term in reading.terms:
            self.frequency[term.key] += 1
            postings.setdefault(term.key, deque(maxlen=POSTINGS)).append(index)
            self.numbers.setdefault(term.key, len(self.numbers))
        self.vectors[index] = self._vector(reading)

    def _vector(self, reading: Reading) -> tuple[np.ndarray, np.ndarray, float]:
        """A reading's weights times rarity: its terms' numbers (sorted) and weights, for
        the terms said before, and its norm, over all its terms."""
        mine = {t.key: t.weight * self.rarity(t.key) for t in reading.terms}
        said = sorted((self.numbers[key], weight) for key, weight in mine.items()
                      if key in self.numbers)
        return (np.array([n for n, _ in said], dtype=np.int64),
                np.array([w for _, w in said], dtype=float),
                math.sqrt(sum(w * w for w in mine.values())))

    def nearest(self, sector: Hashable, reading: Reading | None,
                absent: set[int] | frozenset[int] = frozenset()) -> list[tuple[int, float]]:
        """The members of `sector` most alike `reading` (index and likeness 0..1): the
        best and those nearly as alike (at most `CLUSTER`), none below `LEAST`; the
        carte places a newcomer in their midst, so a cluster grows as a round patch."""
        if reading is None or not reading.terms:
            return []
        postings = self.postings.get(sector)
        if not postings:
            return []
        ids, weights, norm = self._vector(reading)
        if not len(ids):
            return []
        candidates: set[int] = set()
        rarest = sorted(reading.terms, key=lambda t: -t.weight * self.rarity(t.key))
        for term in rarest:
            candidates.update(postings.get(term.key, ()))
            if len(candidates) >= CANDIDATES:
                break
        members = sorted(candidates - absent)
        if not members:
            return []
        theirs = [self.vectors[index] for index in members]
        lengths = np.array([len(v[0]) for v in theirs])
        their_ids = np.concatenate([v[0] for v in theirs])
        found = np.minimum(np.searchsorted(ids, their_ids), len(ids) - 1)
        products = np.where(ids[found] == their_ids,
                            np.concatenate([v[1] for v in theirs]) * weights[found], 0.0)
        shared = np.add.reduceat(products, np.concatenate(([0], np.cumsum(lengths)[:-1])))
        likeness = np.round(shared / (norm * np.array([v[2] for v in theirs])), 9)
        # ties: the first said, the cluster's own middle (the latest, at its edge, would
        # draw it out in a line)
        ranked = [i for i in np.lexsort((members, -likeness)).tolist() if shared[i] > 0]
        if not ranked or likeness[ranked[0]] < LEAST:
            return []
        best = float(likeness[ranked[0]])
        return [(members[i], float(likeness[i])) for i in ranked[:CLUSTER]
                if likeness[i] >= best * ALIKE]

    def rarity(self, key: str) -> float:
        """Inverse document frequency: a term every contribution says places nothing."""
        return math.log((1 + self.count) / (1 + self.frequency.get(key, 0))) + 1.0
