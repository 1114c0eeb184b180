"""The carte of several rooms, without a network: places follow the stream's order only,
a restart places what comes next where it would have gone, provisional places are taken
back leaving the rest unmoved, and what travels is read without trust."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine import cli
from engine.cluster import wire
from engine.cluster.presence import Peers, Presence
from engine.config import load_config
from engine.journal.journal import Journal
from engine.journal.ledger import OUTBOX_BATCH, Ledger
from engine.problems import ProblemError
from engine.world.carte import Carte
from engine.world.contribution import Contribution, Tags
from tests.conftest import ROOT, set_config
from tests.test_map import SEQUENCES, THEMES, mixed


def places(carte: Carte) -> list[tuple[str, float, float, float, float]]:
    return [(p.contribution.id, p.x, p.y, p.w, p.h) for p in carte.placed]


def test_a_carte_taken_again_from_its_spots_places_what_follows_as_if_never_stopped() -> None:
    """A restarted node (its spots from the journal) must place the stream's next
    contributions exactly where the nodes that never stopped place them."""
    arrivals = mixed(160, seed=5)
    whole = Carte(THEMES, SEQUENCES)
    for contribution in arrivals:
        whole.add(contribution, 0.0)
    restarted = Carte(THEMES, SEQUENCES)
    for contribution, (_, x, y, step) in zip(arrivals[:100], whole.found[:100], strict=True):
        restarted.add(contribution, 0.0, spot=(x, y, step))
    for contribution in arrivals[100:]:
        restarted.add(contribution, 0.0)
    assert places(restarted) == places(whole)


def test_provisional_places_are_taken_back_and_nothing_before_them_moves() -> None:
    """A room cut off shows its own arrivals at once; back on the backbone, the stream
    puts the others' first: the room ends on the carte every other node has."""
    arrivals = mixed(120, seed=9)
    before, others, mine = arrivals[:80], arrivals[80:100], arrivals[100:]
    elsewhere = Carte(THEMES, SEQUENCES)  # a node that stayed on the backbone
    for contribution in before + others + mine:
        elsewhere.add(contribution, 0.0)
    cut = Carte(THEMES, SEQUENCES)
    for contribution in before:
        cut.add(contribution, 0.0)
    kept = places(cut)
    for contribution in mine:
        assert cut.add(contribution, 1.0, provisional=True) is not None
    assert len(cut) == 100 and cut.provisional == 80
    assert len(cut.found) == 80  # provisional places are never journaled
    dropped = cut.rewind()
    assert [p.contribution.id for p in dropped] == [c.id for c in mine]
    assert places(cut) == kept and cut.provisional is None
    for contribution in others + mine:
        cut.add(contribution, 0.0)
    assert places(cut) == places(elsewhere)


def test_a_screen_showing_one_parcours_leaves_the_others_undrawn_at_the_same_places() -> None:
    crossing = {("enjeux", "capacitations"), ("paradoxes", "datas"),
                ("possibles", "coopérations")}

    def room(contribution: Contribution) -> bool:
        tags = contribution.tags
        return tags.parcours == "croisements fertiles" or (tags.sequence, tags.theme) in crossing

    arrivals = [*mixed(40, seed=3), Contribution("f" * 16, "text", "p.txt", "Du parcours",
                                                 Tags(parcours="croisements fertiles"))]
    plenary, salle = Carte(THEMES, SEQUENCES), Carte(THEMES, SEQUENCES, shows=room)
    for contribution in arrivals:
        plenary.add(contribution, 0.0)
        salle.add(contribution, 0.0)
    assert places(plenary) == places(salle)
    drawn = {p.contribution.id for p in salle.visible()}
    assert "f" * 16 in drawn
    assert drawn == {c.id for c in arrivals if room(c)}
    assert salle.absent() == plenary.absent() == 0


def offered(**changes: object) -> bytes:
    said = {"v": 1, "id": "ab" * 8, "sha256": "ab" * 32, "size": 12, "suffix": ".txt",
            "name": "idée.txt", "tags": {"theme": "datas"}, "state": "pending", "at": 1.0,
            "covers": 0} | changes
    return json.dumps(said).encode()


def test_what_travels_is_read_field_by_field() -> None:
    said = wire.decode("contribution", offered())
    assert isinstance(said, wire.Offered) and said.state == "pending"
    assert wire.decode("contribution", wire.encode(said)) == said
    cue = wire.Cue("blackout", True, None, "salle-2")
    assert wire.decode("cue", wire.encode(cue)) == cue


@pytest.mark.parametrize(("kind", "data", "why"), [
    ("contribution", offered(sha256="cd" * 32), "digest"),
    ("contribution", offered(suffix="/../x"), "suffix"),
    ("contribution", offered(state="deleted"), "state"),
    ("contribution", offered(size=-1), "size"),
    ("contribution", offered(v=2), "version"),
    ("contribution", b"\xff\xfe", "JSON"),
    ("contribution", b"[1]", "object"),
    ("moderation", json.dumps({"v": 1, "id": "x", "state": "hidden"}).encode(), "id"),
    ("cue", json.dumps({"v": 1, "cue": "blackout", "value": "yes"}).encode(), "true or false"),
    ("cue", json.dumps({"v": 1, "cue": "rm", "value": 1}).encode(), "cue"),
    ("contribution", b"{" + b" " * wire.MAX_MESSAGE + b"}", "bytes"),
])
def test_a_malformed_message_is_refused_with_its_reason(kind: str, data: bytes,
                                                        why: str) -> None:
    with pytest.raises(wire.Unreadable, match=why):
        wire.decode(kind, data)


def test_presence_names_a_silent_node_once_and_its_return(caplog: pytest.LogCaptureFixture
                                                          ) -> None:
    peers = Peers("pleniere", "abc")
    caplog.set_level("INFO")
    peers.hear("salle-2", Presence(applied=4, fingerprint="abc"), now=100.0)
    peers.check(now=103.0)
    peers.check(now=106.0)
    peers.check(now=110.0)
    peers.hear("salle-2", Presence(applied=9, fingerprint="abd"), now=131.0)
    lines = [r.getMessage() for r in caplog.records]
    assert sum("not heard" in line for line in lines) == 1
    assert any("heard again after 31 s" in line for line in lines)
    assert peers.differing() == ["salle-2"]
    assert Presence.decode(b"not json") is None


def test_the_shipped_users_are_what_carte_cluster_users_writes(
        capsys: pytest.CaptureFixture[str]) -> None:
    nodes = ["pleniere", "salle-croisements", "salle-attentions", "salle-democratie",
             "salle-savoirs"]
    assert cli.main(["cluster", "users", *nodes]) == 0
    assert capsys.readouterr().out == (ROOT / "deploy" / "nats" / "users.conf").read_text()
    assert cli.main(["cluster", "users", "Salle 1"]) == 2


def test_a_bad_cluster_section_is_named_key_by_key(project: Path) -> None:
    for key, value in (("enabled", "true"), ("node", '"Salle 1"'),
                       ("servers", '["http://x"]'), ("shows", '"parcours:inconnu"'),
                       ("steering", '"tout"')):
        set_config(project, "cluster", key, value)
    with pytest.raises(ProblemError) as caught:
        load_config(project)
    said = str(caught.value)
    for key in ("node", "servers", "shows", "steering", "user"):
        assert f"[cluster] {key}:" in said, key
    assert "anonymous" in said and str(project) in said


def test_a_run_of_the_stream_is_journaled_whole_or_not_at_all(tmp_path: Path) -> None:
    """A node killed in the middle of a run of stream messages must resume from before
    the run: nothing of it journaled, the applied position where it was."""
    ledger = Ledger(Journal(tmp_path / "journal.sqlite"), "carte")
    tags = Tags(theme=THEMES[0])
    ledger.received("a" * 16, "text", "une.txt", "pleniere", tags, "archive/a.txt", "shown",
                    "", 1.0, 1)
    with pytest.raises(RuntimeError), ledger.applying():
        ledger.received("b" * 16, "text", "deux.txt", "pleniere", tags, "archive/b.txt",
                        "hidden", "", 2.0, 2)
        ledger.advance(3)
        raise RuntimeError("killed")
    assert ledger.applied() == 1
    assert [e.id for e in ledger.journal.contributions()] == ["a" * 16]
    with ledger.applying():
        ledger.received("b" * 16, "text", "deux.txt", "pleniere", tags, "archive/b.txt",
                        "hidden", "", 2.0, 2)
        ledger.advance(3)
    assert ledger.applied() == 3
    assert [(e.id, e.state, e.stream) for e in ledger.journal.contributions()] == [
        ("a" * 16, "shown", 1), ("b" * 16, "hidden", 2)]


def test_a_hide_never_leaves_before_its_contribution(tmp_path: Path) -> None:
    """A moderation of a contribution the stream does not have yet waits for it (the
    contribution then carries its state), however long the outbox: the outbox sends its
    messages all in flight at once, and one that reached the others before what it
    hides would be lost."""
    ledger = Ledger(Journal(tmp_path / "journal.sqlite"), "carte")
    journal = ledger.journal
    for index in range(OUTBOX_BATCH + 10):
        journal.accept(f"{index:016x}", "text", f"{index}.txt", f"{index}.txt", Tags(), "")
    last = f"{OUTBOX_BATCH + 9:016x}"
    journal.moderate(last, "hidden")
    sent = ledger.unsent()
    assert len(sent) == OUTBOX_BATCH and all(u.entry is not None for u in sent)
    assert ledger.echoed(last, journal.last_moderation(), 1)  # in the stream now
    journal.moderate(last, "shown")
    waiting = [(u.id, u.state) for u in ledger.unsent(limit=1000) if u.entry is None]
    assert waiting == [(last, "shown")]
