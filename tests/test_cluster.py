"""Several rooms on one carte, for real: three clustered `nats-server` (started from the
configuration in `deploy/nats/`), three headless engines, files dropped, a phone's upload,
moderation, a server killed mid-burst, an engine killed and restarted, a room cut off
for half a minute. Every node ends with the same contributions at the same places."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from engine import cli
from engine.app import Engine
from engine.control.link import ControlLink
from engine.journal.journal import Journal
from tests.conftest import ROOT, own_config, set_config
from tests.engines import make_engine
from tests.nats_servers import Cable, NatsCluster, needs_nats_server, password, wait_for
from tests.web_client import Client, form

SIZE = (160, 90)
TOKEN = "jeton-des-moderateurs-2026"


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[NatsCluster]:
    needs_nats_server()
    cluster = NatsCluster(tmp_path / "nats")
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


def room(tmp_path: Path, node: str, servers: list[str], web: bool = False) -> Path:
    """A node's project folder: the shipped config, with `[cluster]` for `node`."""
    folder = tmp_path / node
    for name in ("scenes", "shaders", "sound"):
        shutil.copytree(ROOT / name, folder / name)
    (folder / "inbox").mkdir(parents=True)
    config = own_config(folder)
    set_config(config, "osc", "enabled", "false")
    set_config(config, "oscquery", "enabled", "false")
    set_config(config, "audio", "backend", '"none"')
    set_config(config, "intake", "workers", "1")
    set_config(config, "intake", "settle_seconds", "0.1")
    if web:
        set_config(config, "web", "enabled", "true")
        set_config(config, "web", "port", "0")
        set_config(config, "web", "premoderation", "false")
        set_config(config, "web", "moderator_token", f'"{TOKEN}"')
    for key, value in (("enabled", "true"), ("servers", json.dumps(servers)),
                       ("node", f'"{node}"'), ("user", f'"{node}"'),
                       ("password", f'"{password(node)}"')):
        set_config(config, "cluster", key, value)
    return config


class Rooms:
    """Live engines stepped together, as each room's machine runs its own."""

    def __init__(self) -> None:
        self.engines: dict[str, Engine] = {}

    def open(self, config: Path) -> Engine:
        engine = make_engine(config, live=True, size=SIZE)
        self.engines[engine.config.cluster.node] = engine
        engine.start()
        return engine

    def pump(self) -> None:
        for engine in self.engines.values():
            engine.step()

    def until(self, condition: object, seconds: float, what: str) -> float:
        try:
            return wait_for(condition, seconds, what, self.pump)  # type: ignore[arg-type]
        except AssertionError as error:
            state = {node: (len(e.carte), e.cluster.status() if e.cluster else None)
                     for node, e in self.engines.items()}
            raise AssertionError(f"{error}; the nodes: {state}") from None

    def joined(self) -> None:
        self.until(lambda: all(e.cluster is not None and e.cluster.joined
                               for e in self.engines.values()), 30, "every node joined")

    def close(self) -> None:
        for engine in self.engines.values():
            engine.close()


@pytest.fixture
def rooms() -> Iterator[Rooms]:
    found = Rooms()
    try:
        yield found
    finally:
        found.close()


def drop(config: Path, name: str, text: str, folder: str = "") -> None:
    inbox = config.parent / "inbox" / folder
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / f".{name}.part").write_text(text, encoding="utf-8")
    (inbox / f".{name}.part").rename(inbox / name)


def listed(config: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, dict[str, object]]:
    """`carte list --json` of a node: its accepted contributions by id."""
    capsys.readouterr()
    assert cli.main(["list", "--json", "--config", str(config)]) == 0
    entries = json.loads(capsys.readouterr().out)["contributions"]
    accepted = [e for e in entries if e["state"] not in ("refused", "duplicate")]
    assert len({e["id"] for e in accepted}) == len(accepted), "a contribution twice"
    return {e["id"]: e for e in accepted}


def the_map(config: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    return {id: (e["state"], e.get("place"), e["node"])
            for id, e in listed(config, capsys).items()}


def placed(engine: Engine) -> dict[str, tuple[float, float]]:
    return {p.contribution.id: (p.x, p.y) for p in engine.carte.placed}


def photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 40), (30, 120, 200)).save(out, "JPEG")
    return out.getvalue()


def test_drops_and_a_phone_reach_every_room_with_the_same_ids_places_and_moderation(
        tmp_path: Path, servers: NatsCluster, rooms: Rooms,
        capsys: pytest.CaptureFixture[str]) -> None:
    a = room(tmp_path, "pleniere", servers.urls)
    b = room(tmp_path, "salle-croisements", servers.urls, web=True)
    c = room(tmp_path, "salle-attentions", servers.urls)
    for config in (a, b, c):
        rooms.open(config)
    rooms.joined()
    drop(a, "ecoute.txt", "Écouter avant de décider.", "democratie/enjeux")
    drop(a, "donnees.txt", "Nos données sont un commun.", "datas")
    (a.parent / "inbox" / "carte.jpg").write_bytes(photo())
    phone = rooms.engines["salle-croisements"].web
    assert phone is not None
    client = Client(f"http://127.0.0.1:{phone.server.port}", rooms.pump)
    try:
        answer = client.request("POST", "/api/contributions", data=form(
            text="Apprendre ensemble, pas seuls", theme="capacitations"))
        assert answer.status == 202
        uploaded = str(answer.json()["id"])
    finally:
        client.close()
    rooms.until(lambda: all(len(e.carte) == 4 for e in rooms.engines.values()), 60,
                "four contributions on every carte")
    maps = [the_map(config, capsys) for config in (a, b, c)]
    assert len(maps[0]) == 4 and maps[0] == maps[1] == maps[2]
    assert maps[0][uploaded][2] == "salle-croisements"
    assert all(place is not None for _, place, _ in maps[0].values())
    assert placed(rooms.engines["pleniere"]) == placed(rooms.engines["salle-attentions"])
    # what a technician reads: status.json, OSC status, `carte cluster status`
    plenary = rooms.engines["pleniere"]
    rooms.until(lambda: len(plenary.cluster.backbone.status.peers) == 2, 20, "peers heard")
    status = plenary.status()["cluster"]
    assert isinstance(status, dict) and status["state"] == "joined"
    assert status["applied"] == status["last"] == 4 and status["lag"] == 0
    osc = ControlLink(plenary).status()
    assert (osc.backbone, osc.lag, osc.nodes) == ("joined", 0, 2)
    capsys.readouterr()
    assert cli.main(["cluster", "status", "--json", "--config", str(a)]) == 0
    survey = json.loads(capsys.readouterr().out)
    assert survey["stream"]["last"] >= 4 and len(survey["stream"]["replicas"]) == 2
    assert {n["node"] for n in survey["nodes"]} == {"pleniere", "salle-croisements",
                                                    "salle-attentions"}
    assert survey["engine"] is None or survey["engine"]["node"] == "pleniere"
    # a moderator hides the phone's text on node C: it is hidden everywhere
    assert cli.main(["hide", uploaded, "--config", str(c)]) == 0
    rooms.until(lambda: all(uploaded in e.carte.hidden for e in rooms.engines.values()), 30,
                "hidden on every carte")
    assert {m[uploaded][0] for m in (the_map(x, capsys) for x in (a, b, c))} == {"hidden"}
    # the régie blacks out one room only, then every room
    assert cli.main(["cluster", "cue", "blackout", "on", "--node", "salle-attentions",
                     "--config", str(a)]) == 0
    rooms.until(lambda: rooms.engines["salle-attentions"].steering.blackout, 20,
                "the one room blacked out")
    assert not any(rooms.engines[n].steering.blackout for n in ("pleniere",
                                                                "salle-croisements"))
    assert cli.main(["cluster", "cue", "blackout", "on", "--config", str(a)]) == 0
    rooms.until(lambda: all(e.steering.blackout for e in rooms.engines.values()), 20,
                "every room blacked out")


def test_a_server_killed_during_a_burst_loses_nothing(tmp_path: Path, servers: NatsCluster,
                                                      rooms: Rooms,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    a = room(tmp_path, "pleniere", servers.urls)
    c = room(tmp_path, "salle-attentions", servers.urls[::-1])
    for config in (a, c):
        rooms.open(config)
    rooms.joined()
    for index in range(24):
        drop(a, f"idee-{index:02}.txt", f"Idée numéro {index} de la salle plénière",
             ("capacitations", "datas", "democratie")[index % 3])
        if index == 8:
            servers.kill(0)  # kill -9, mid-burst
        rooms.pump()
    rooms.until(lambda: all(len(e.carte) == 24 for e in rooms.engines.values()), 90,
                "the whole burst on both cartes")
    maps = [the_map(config, capsys) for config in (a, c)]
    assert len(maps[0]) == 24 and maps[0] == maps[1]
    for engine in rooms.engines.values():
        assert engine.cluster is not None
        assert engine.cluster.backbone.ledger.applied() == 24  # once each in the stream


def carte_run(config: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "engine", "run", "--headless", "--config",
                             str(config), "--size", "160x90"], cwd=ROOT, text=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def applied(config: Path) -> int:
    journal = Journal(config.parent / "data" / "journal.sqlite")
    try:
        return int(journal.db.execute("SELECT COALESCE(MAX(applied), 0) FROM backbone")
                   .fetchone()[0])
    finally:
        journal.close()


def test_an_engine_killed_and_restarted_catches_up(tmp_path: Path, servers: NatsCluster,
                                                  rooms: Rooms,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    a = room(tmp_path, "pleniere", servers.urls)
    c = room(tmp_path, "salle-attentions", servers.urls)
    rooms.open(a)
    running = carte_run(c)
    try:
        rooms.joined()
        for index in range(3):
            drop(a, f"avant-{index}.txt", f"Avant la panne, idée {index}", "datas")
        rooms.until(lambda: applied(c) == 3, 60, "node C applied the first three")
        running.send_signal(signal.SIGKILL)
        running.wait(timeout=10)
        for index in range(3):
            drop(a, f"pendant-{index}.txt", f"Pendant la panne, idée {index}", "datas")
        rooms.until(lambda: len(rooms.engines["pleniere"].carte) == 6, 30, "six on A")
        running = carte_run(c)
        rooms.until(lambda: applied(c) == 6, 60, "node C caught up after its restart")
    finally:
        running.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            running.communicate(timeout=20)
        running.kill()
    assert the_map(a, capsys) == the_map(c, capsys)
    assert len(the_map(c, capsys)) == 6


def test_a_room_cut_off_keeps_its_own_and_converges_on_rejoin(
        tmp_path: Path, servers: NatsCluster, rooms: Rooms,
        capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="engine.cluster")
    cables = [Cable(port) for port in servers.ports]
    try:
        a = room(tmp_path, "pleniere", servers.urls)
        b = room(tmp_path, "salle-croisements", [cable.url for cable in cables])
        c = room(tmp_path, "salle-attentions", servers.urls)
        for config in (a, b, c):
            rooms.open(config)
        rooms.joined()
        drop(a, "avant.txt", "Avant la coupure", "capacitations")
        rooms.until(lambda: all(len(e.carte) == 1 for e in rooms.engines.values()), 30,
                    "the first contribution everywhere")
        cut_at = time.monotonic()
        for cable in cables:
            cable.cut()
        salle = rooms.engines["salle-croisements"]
        assert salle.cluster is not None
        rooms.until(lambda: not salle.cluster.joined, 30, "the room sees it is cut off")
        for index in range(2):
            drop(b, f"salle-{index}.txt", f"La salle coupée parle encore {index}",
                 "capacitations/enjeux")
            drop(a, f"pleniere-{index}.txt", f"La plénière continue {index}",
                 "capacitations/enjeux")
        rooms.until(lambda: len(salle.carte) == 3 and salle.carte.provisional == 1, 30,
                    "the room shows its own at once")
        rooms.until(lambda: len(rooms.engines["pleniere"].carte) == 3, 30, "A has its own")
        # a moderator in the cut-off room hides what came before the cut: at once, there
        # (the journal row `carte hide` writes; the command itself would set the logging up)
        first = next(iter(placed(salle)))
        moderating = Journal(b.parent / "data" / "journal.sqlite")
        moderating.moderate(first, "hidden")
        moderating.close()
        rooms.until(lambda: first in salle.carte.hidden, 10, "hidden in the cut-off room")
        whole = placed(rooms.engines["pleniere"])
        rooms.until(lambda: time.monotonic() - cut_at > 30, 40, "half a minute cut off")
        for cable in cables:
            cable.mend()
        rooms.until(lambda: all(len(e.carte) == 5 and e.carte.provisional is None and
                                first in e.carte.hidden for e in rooms.engines.values()),
                    60, "converged")
    finally:
        for cable in cables:
            cable.close()
    maps = [the_map(config, capsys) for config in (a, b, c)]
    assert len(maps[0]) == 5 and maps[0] == maps[1] == maps[2]
    assert maps[0][first][0] == "hidden"
    after = placed(rooms.engines["pleniere"])
    assert {id: after[id] for id in whole} == whole  # nothing placed moved where whole
    assert placed(salle) == after
    log = caplog.text
    assert "is cut off from the backbone" in log and "is back on the backbone" in log


async def refused(url: str, **login: str) -> str:
    """What the server says to a client with `login` publishing as salle-croisements
    under pleniere's name ('' when nothing was refused)."""
    import nats
    from nats.js.errors import NoStreamResponseError

    problems: list[str] = []

    async def heard(error: Exception) -> None:
        problems.append(str(error))

    try:
        client = await nats.connect(url, error_cb=heard, allow_reconnect=False,
                                    connect_timeout=2, **login)
    except Exception as error:
        return str(error) or type(error).__name__
    try:
        js = client.jetstream()
        with contextlib.suppress(NoStreamResponseError, TimeoutError, asyncio.TimeoutError):
            await js.publish("carte.carte.log.pleniere.contribution", b"{}", timeout=2)
        await client.flush()
        await asyncio.sleep(0.2)
    finally:
        await client.close()
    return " ".join(problems)


def test_the_shipped_server_config_refuses_strangers_and_impostors(servers: NatsCluster
                                                                   ) -> None:
    url = servers.url(0)
    assert "Authorization" in asyncio.run(refused(url))
    assert "Authorization" in asyncio.run(refused(url, user="pleniere", password="faux"))
    said = asyncio.run(refused(url, user="salle-croisements",
                               password=password("salle-croisements")))
    assert "permissions violation" in said.lower() and "carte.carte.log.pleniere" in said
    assert asyncio.run(refused(url, user="pleniere", password=password("pleniere"))) == ""
