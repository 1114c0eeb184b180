"""Placing one contribution on a carte already holding 0, 1,000 and 10,000: the typeset
footprint, the contributions it is alike, the walk for a free spot and its terms counted,
median over a window of arrivals. Each arrival is read first, untimed: intake reads it,
off the frame thread (`bench.meaning` times the reading).

    .venv/bin/python -m bench.placing [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench.common import fabricated
from engine.world.carte import Carte
from engine.world.contribution import understood

THEMES = ("capacitations", "datas", "coopérations", "démocratie")
SEQUENCES = ("enjeux", "paradoxes", "possibles")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a window of 100, not 500")
    window = 100 if parser.parse_args().quick else 500
    carte = Carte(THEMES, SEQUENCES)
    arrivals = fabricated(10_000 + window, themes=THEMES)
    for held in (0, 1_000, 10_000):
        while len(carte) < held:
            carte.add(next(arrivals), 0.0)
        times = []
        for _ in range(window):
            contribution = understood(next(arrivals), carte.language)
            started = time.perf_counter()
            carte.add(contribution, 0.0)
            times.append(time.perf_counter() - started)
        print(f"placing at {held:>6,}: median {statistics.median(times) * 1000:.3f} ms, "
              f"p95 {sorted(times)[int(window * 0.95)] * 1000:.3f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
