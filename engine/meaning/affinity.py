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

from engine.meaning.reading import Reading

POSTINGS = 64  # members kept per term and sector
CANDIDATES = 256  # members compared at most
LEAST = 0.2  # a weaker likeness places nothing
CLUSTER = 48  # the most alike members a newcomer may land beside
ALIKE = 0.85  # of the best likeness, what counts as nearly as alike


class Affinity:
    """Term vectors of the placed contributions, by sector, and the carte's document
    frequencies (how many contributions say each term)."""

    def __init__(self) -> None:
        self.postings: dict[Hashable, dict[str, deque[int]]] = defaultdict(dict)
        self.vectors: dict[int, dict[str, float]] = {}  # weights times rarity when said
        self.norms: dict[int, float] = {}
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
        vector = {t.key: t.weight * self.rarity(t.key) for t in reading.terms}
        self.vectors[index] = vector
        self.norms[index] = math.sqrt(sum(w * w for w in vector.values()))

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
        mine = {t.key: t.weight * self.rarity(t.key) for t in reading.terms}
        norm = math.sqrt(sum(w * w for w in mine.values()))
        candidates: set[int] = set()
        for key in sorted(mine, key=lambda k: -mine[k]):
            candidates.update(postings.get(key, ()))
            if len(candidates) >= CANDIDATES:
                break
        scored = []
        vectors, norms = self.vectors, self.norms
        for index in candidates - absent:
            theirs = vectors[index]
            shared = sum(mine[k] * theirs[k] for k in mine.keys() & theirs.keys())
            if shared > 0:
                scored.append((round(shared / (norm * norms[index]), 9), index))
        scored.sort(key=lambda pair: (-pair[0], pair[1]))  # ties: the first said, the
        # cluster's own middle (the latest, at its edge, would draw it out in a line)
        if not scored or scored[0][0] < LEAST:
            return []
        best = scored[0][0]
        return [(index, likeness) for likeness, index in scored[:CLUSTER]
                if likeness >= best * ALIKE]

    def rarity(self, key: str) -> float:
        """Inverse document frequency: a term every contribution says places nothing."""
        return math.log((1 + self.count) / (1 + self.frequency.get(key, 0))) + 1.0
