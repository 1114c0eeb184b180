"""Several rooms on loopback: three clustered `nats-server` and live engines, each figure
beside the same on one machine.

- drop on one node to drawn on another (p50, p95), against drop to drawn on one machine;
- throughput: a burst of texts dropped at once on one node, contributions per second
  drawn on another, against the same burst drawn on one machine;
- catch-up: a node joining with 10,000 contributions already in the stream (1,000 with
  `--quick`), until its whole carte is placed, against one machine restarting with as
  many journaled.

    .venv/bin/python -m bench.cluster [--quick]
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from bench.common import ROOT, Row, fabricated, make_project
from engine.app import Engine
from engine.clock import FixedClock, WallClock
from engine.config import load_config
from engine.journal.cache import PayloadCache
from engine.journal.journal import Journal
from engine.render.surface import OffscreenSurface
from tests.nats_servers import NatsCluster, ended, password, wait_for

GROUP = "cluster"
SIZE = (320, 180)
JOINING = 10_000


def node_project(folder: Path, node: str | None, servers: list[str]) -> Path:
    cluster = {} if node is None else {
        "enabled": "true", "servers": json.dumps(servers), "node": f'"{node}"',
        "user": f'"{node}"', "password": f'"{password(node)}"'}
    return make_project(folder, {"osc": {"enabled": "false"},
                                 "oscquery": {"enabled": "false"},
                                 "intake": {"settle_seconds": "0.1", "workers": "1"},
                                 "cluster": cluster})


def live(config: Path) -> Engine:
    engine = Engine(load_config(config), OffscreenSurface(SIZE), WallClock(60, paced=False),
                    live=True)
    engine.start()
    return engine


def running(config: Path) -> subprocess.Popen[bytes]:
    """`carte run --headless` of `config`, in a process of its own."""
    return subprocess.Popen([sys.executable, "-m", "engine", "run", "--headless", "--config",
                             str(config), "--size", f"{SIZE[0]}x{SIZE[1]}"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stopped(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    ended(process, 30)


def pump(*engines: Engine) -> None:
    for engine in engines:
        engine.step()


def drop(config: Path, name: str, text: str) -> None:
    inbox = config.parent / "inbox"
    (inbox / f".{name}.part").write_text(text, encoding="utf-8")
    (inbox / f".{name}.part").rename(inbox / name)


def drop_to_drawn(source: Path, engines: tuple[Engine, ...], seen: Engine, rounds: int,
                  tag: str) -> list[float]:
    """Seconds from a file renamed into `source`'s inbox to its place on `seen`'s carte
    (it is drawn that frame)."""
    took = []
    for index in range(rounds):
        before = len(seen.carte)
        started = time.monotonic()
        drop(source, f"{tag}-{index}.txt", f"Une idée de plus, numéro {index} ({tag})")
        wait_for(lambda b=before: len(seen.carte) > b, 60, "the drop drawn",
                 lambda: pump(*engines))
        took.append(time.monotonic() - started)
    return took


def burst(source: Path, engines: tuple[Engine, ...], seen: Engine, count: int,
          tag: str) -> float:
    """Contributions per second drawn on `seen` from `count` texts dropped at once."""
    before = len(seen.carte)
    for index in range(count):
        drop(source, f"{tag}-{index}.txt", f"Rafale {tag}, idée {index}")
    started = time.monotonic()
    wait_for(lambda: len(seen.carte) >= before + count, 600, "the burst drawn",
             lambda: pump(*engines))
    return count / (time.monotonic() - started)


def journal_texts(config: Path, count: int) -> None:
    """`count` texts journaled and archived as intake leaves them (real archived files,
    which a node publishes into the stream)."""
    loaded = load_config(config)
    journal = Journal(loaded.paths.data / "journal.sqlite")
    cache = PayloadCache(loaded.paths.data / "cache")
    texts = (c for c in fabricated(2 * count, 0, loaded.event.themes) if c.kind == "text")
    try:
        for index, contribution in enumerate(itertools.islice(texts, count)):
            said = f"{contribution.text} (idée {index})"
            body = said.encode()
            sha = hashlib.sha256(body).hexdigest()
            archive = loaded.paths.data / "archive" / sha[:2] / f"{sha}.txt"
            archive.parent.mkdir(parents=True, exist_ok=True)
            archive.write_bytes(body)
            text = replace(contribution, id=sha[:16], text=said)
            cache.save(text)
            journal.accept(text.id, "text", text.name, text.name, text.tags,
                           str(archive.relative_to(loaded.paths.data)))
    finally:
        journal.close()


def restored(config: Path) -> float:
    started = time.perf_counter()
    engine = Engine(load_config(config), OffscreenSurface(SIZE), FixedClock(60), live=False)
    try:
        engine.restore_now()
        engine.step()
        return time.perf_counter() - started
    finally:
        engine.close()


def figures(quick: bool) -> list[Row]:
    rounds, count, joining = (8, 40, 1000) if quick else (30, 200, JOINING)
    with tempfile.TemporaryDirectory(prefix="carte-bench-cluster-") as name:
        folder = Path(name)
        servers = NatsCluster(folder / "nats")
        servers.start()
        engines: list[Engine] = []
        plenary: subprocess.Popen[bytes] | None = None
        try:
            alone = node_project(folder / "alone", None, [])
            a = node_project(folder / "a", "pleniere", servers.urls)
            b = node_project(folder / "b", "salle-croisements", servers.urls[1:])
            # the plenary on a machine of its own: its own process, as `carte run`
            plenary = running(a)
            engines = [live(alone), live(b)]
            one, salle = engines
            drop_to_drawn(a, (salle,), salle, 1, "accueil")  # both on the backbone
            local = drop_to_drawn(alone, (one,), one, rounds, "seul")
            remote = drop_to_drawn(a, (salle,), salle, rounds, "reseau")
            alone_rate = burst(alone, (one,), one, count, "seul")
            remote_rate = burst(a, (salle,), salle, count, "reseau")
            for engine in engines:
                engine.close()
            engines = []
            stopped(plenary)
            plenary = None
            source = node_project(folder / "source", "salle-attentions", servers.urls)
            journal_texts(source, joining)
            texts = len(Journal(load_config(source).paths.data / "journal.sqlite")
                        .contributions())
            publishing = live(source)
            engines = [publishing]
            started = time.monotonic()
            def published_all() -> bool:
                status = publishing.cluster.backbone.status if publishing.cluster else None
                return status is not None and status.state == "joined" and \
                    status.unsent == 0 and status.applied == status.last and \
                    len(publishing.carte) >= texts

            wait_for(published_all, 1800, "the source published all", lambda: pump(publishing))
            published = time.monotonic() - started
            joiner = live(node_project(folder / "joiner", "salle-democratie", servers.urls))
            engines.append(joiner)
            started = time.monotonic()
            total = len(publishing.carte)
            wait_for(lambda: len(joiner.carte) >= total, 3600, "the joiner caught up",
                     lambda: pump(joiner))
            caught_up = time.monotonic() - started
            for engine in engines:
                engine.close()
            engines = []
            again = node_project(folder / "again", None, [])
            journal_texts(again, joining)
            restart = restored(again)
        finally:
            for engine in engines:
                engine.close()
            if plenary is not None:
                stopped(plenary)
            servers.stop()

    def p95(values: list[float]) -> float:
        return sorted(values)[max(0, round(0.95 * len(values)) - 1)]

    return [
        Row(GROUP, "text dropped on one node → drawn on another, p50 (loopback)",
            statistics.median(remote), "s", statistics.median(local),
            "drop → drawn on one machine", note=f"{rounds} drops one after another, settle "
            "0.1 s included; three clustered nats-server, stream R3; the node dropped on "
            "runs `carte run` in a process of its own, as on a machine of its own."),
        Row(GROUP, "text dropped on one node → drawn on another, p95", p95(remote), "s",
            p95(local), "drop → drawn on one machine"),
        Row(GROUP, f"throughput: {count} texts dropped at once, drawn on another node",
            remote_rate, "/s", alone_rate, "the same burst drawn on one machine"),
        Row(GROUP, f"catch-up: a node joining with {total:,} contributions in the stream",
            caught_up, "s", restart, f"one machine restarting with {texts:,} journaled, "
            "their places not (Engine, restore, each placed, first frame)",
            note=f"Every file fetched from the object store, decoded in the joiner's worker "
                 f"processes, journaled and placed. The source published them in "
                 f"{published:.0f} s ({texts / published:.0f} contributions/s into the "
                 "stream, each with its file)."),
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    arguments = parser.parse_args()
    from bench.common import table

    print(table(figures(arguments.quick)))
    sys.exit(0)
