"""The meaning of one arrival, with 0, 1,000 and 10,000 contributions on the carte:
reading its text (lemmas, terms, title: done at intake, off the frame thread), then what
the carte does with it (its terms counted in its regions, the contributions it is alike
found and its place taken beside them), and its territory's and sector's terms ranked
again as the whole view's labels need them. Medians and 95th percentiles over a window
of arrivals, from the carte's corpus.

    .venv/bin/python -m bench.meaning [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Iterator

from bench.common import Aim, Row, table
from engine.intake.corpus import contributions, day
from engine.meaning.lexicon import region_name
from engine.world.carte import Carte
from engine.world.contribution import Contribution, understood

GROUP = "meaning"
THEMES = ("capacitations", "datas", "coopérations", "démocratie")
SEQUENCES = ("enjeux", "paradoxes", "possibles")
HELD = (0, 1_000, 10_000)
AIM = Aim(20.0, on="value")


def arrivals(count: int) -> Iterator[Contribution]:
    return contributions(day(count, THEMES, SEQUENCES, seed=3))


def measure(window: int) -> list[Row]:
    carte = Carte(THEMES, SEQUENCES)
    coming = arrivals(HELD[-1] + window * len(HELD))
    rows = []
    for held in HELD:
        while len(carte) < held:
            carte.add(next(coming), float(len(carte)))
        read, placed, ranked = [], [], []
        for _ in range(window):
            contribution = next(coming)
            started = time.perf_counter()
            contribution = understood(contribution, carte.language)
            read.append(time.perf_counter() - started)
            started = time.perf_counter()
            carte.add(contribution, float(len(carte)))
            placed.append(time.perf_counter() - started)
            started = time.perf_counter()
            tags = contribution.tags
            for region in (region_name(tags.theme), region_name(tags.theme, tags.sequence)):
                carte.lexicon.terms(region, 8, float(len(carte)))
            ranked.append(time.perf_counter() - started)
        whole = [a + b + c for a, b, c in zip(read, placed, ranked, strict=True)]
        p95 = sorted(whole)[int(len(whole) * 0.95)]
        note = (f"reading {statistics.median(read) * 1000:.2f} ms, placing and counting "
                f"{statistics.median(placed) * 1000:.2f} ms, ranking its regions' terms "
                f"{statistics.median(ranked) * 1000:.2f} ms (medians); p95 of the whole "
                f"{p95 * 1000:.1f} ms")
        rows.append(Row(GROUP, f"meaning of one arrival, {held:,} on the carte",
                        statistics.median(whole) * 1000, "ms", aim=AIM, note=note))
    return rows


def figures(quick: bool) -> list[Row]:
    return measure(60 if quick else 300)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a window of 60, not 300")
    args = parser.parse_args()
    print(table(figures(args.quick)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
