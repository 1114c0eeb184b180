"""Who is on the backbone: each node says every second how far it has applied the stream,
and each node keeps what it last heard from the others.

Presence is plain NATS, not the stream (it would fill the stream with nothing). A node
not heard for `SILENT_SECONDS` is logged once as silent, and once again when it is back,
so a technician reading the log sees each room drop off and come back.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass

log = logging.getLogger(__name__)
SILENT_SECONDS = 5.0
MAX_PRESENCE = 4096


@dataclass(frozen=True)
class Presence:
    """What a node says of itself, every second."""

    applied: int = 0  # the last stream sequence it applied
    unsent: int = 0  # rows it took that the stream does not have yet
    joined: bool = False
    shows: str = "all"
    scene: str = ""
    fingerprint: str = ""  # of the settings every node must share (see `fingerprint`)

    def encode(self) -> bytes:
        return json.dumps(asdict(self)).encode()

    @classmethod
    def decode(cls, data: bytes) -> Presence | None:
        """The presence in `data`, or None when it is not one (never an exception)."""
        if len(data) > MAX_PRESENCE:
            return None
        try:
            raw = json.loads(data)
            found = cls(int(raw["applied"]), int(raw["unsent"]), bool(raw["joined"]),
                        str(raw["shows"])[:80], str(raw["scene"])[:80],
                        str(raw["fingerprint"])[:64])
        except (ValueError, KeyError, TypeError):
            return None
        return found


@dataclass(frozen=True)
class Peer:
    """Another node as last heard: `heard` is its wall-clock time (time.time())."""

    node: str
    heard: float
    said: Presence

    def public(self, last: int, now: float) -> dict[str, object]:
        return {"node": self.node, "last_contact_s": round(now - self.heard, 1),
                "silent": now - self.heard > SILENT_SECONDS, "applied": self.said.applied,
                "lag": max(0, last - self.said.applied), "unsent": self.said.unsent,
                "joined": self.said.joined, "shows": self.said.shows,
                "scene": self.said.scene}


class Peers:
    """The other nodes heard, by name."""

    def __init__(self, me: str, fingerprint: str) -> None:
        self.me = me
        self.fingerprint = fingerprint
        self.heard: dict[str, Peer] = {}
        self.silent: set[str] = set()
        self.warned: set[str] = set()

    def hear(self, node: str, said: Presence, now: float | None = None) -> None:
        if node == self.me:
            return
        now = time.time() if now is None else now
        if node not in self.heard:
            log.info("cluster: node %s is on the backbone (applied %d)", node, said.applied)
        elif node in self.silent:
            silent = now - self.heard[node].heard
            log.info("cluster: node %s heard again after %.0f s (applied %d)", node, silent,
                     said.applied)
        self.silent.discard(node)
        if said.fingerprint and said.fingerprint != self.fingerprint and node not in self.warned:
            self.warned.add(node)
            log.warning("cluster: node %s lays out the carte with other settings than this "
                        "one ([event], [display] text_size and font, [intake] caps, or the "
                        "engine's version): the same stream will give it other places; copy "
                        "the same settings to every node", node)
        self.heard[node] = Peer(node, now, said)

    def check(self, now: float | None = None) -> None:
        """Log each node that fell silent since the last check."""
        now = time.time() if now is None else now
        for node, peer in self.heard.items():
            if node not in self.silent and now - peer.heard > SILENT_SECONDS:
                self.silent.add(node)
                log.warning("cluster: node %s not heard for %.0f s (it had applied %d)",
                            node, now - peer.heard, peer.said.applied)

    def differing(self) -> list[str]:
        """Nodes whose settings would lay out the carte otherwise."""
        return sorted(self.warned)
