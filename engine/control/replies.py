"""What the engine says back: replies to queries and requests, and feedback messages.

Only built here, from immutable values (`Snapshot`, `Status`, summaries); sending is
the outbox's job. Texts are cut short so that no reply grows with what visitors wrote.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pythonosc.osc_message_builder import OscMessageBuilder

from engine.control.model import STATUS_FIELDS, ContributionSummary, Snapshot, Status
from engine.control.routes import ROOT
from engine.control.values import osc_args

EXCERPT = 120  # characters of a contribution's text in a reply


def encode(address: str, args: Iterable[Any] = ()) -> bytes:
    """One OSC message as a datagram (a bool as T/F, as OSCQuery types on/off)."""
    builder = OscMessageBuilder(address)
    for arg in args:
        builder.add_arg(arg)
    return builder.build().dgram


def value_reply(address: str, value: Any) -> list[bytes]:
    """`ADDRESS value...` for a query; nothing when the engine published no value."""
    return [] if value is None else [encode(address, osc_args(value))]


def scene_list(scenes: Iterable[str]) -> list[bytes]:
    return [encode(f"{ROOT}/scenes/list", scenes)]


def recent(snapshot: Snapshot, count: int) -> list[bytes]:
    """The count, then one message per contribution, newest first."""
    items = snapshot.recent[:count]
    return [encode(f"{ROOT}/moderation/recent", [len(items)])] + [
        encode(f"{ROOT}/moderation/recent/item",
               [c.id, c.kind, excerpt(c.text), int(c.hidden), int(c.pinned)]) for c in items]


def status(state: Status) -> list[bytes]:
    typed = {"f": float, "i": int, "s": excerpt}
    return [encode(f"{ROOT}/status/{name}", [typed[kind](getattr(state, name))])
            for name, kind, _ in STATUS_FIELDS]


def arrival(summary: ContributionSummary) -> list[bytes]:
    return [encode(f"{ROOT}/arrivals", [summary.id, summary.kind, excerpt(summary.text),
                                        summary.theme])]


def subscribed(lease: float) -> list[bytes]:
    return [encode(f"{ROOT}/feedback/subscribe", [float(lease)])]


def excerpt(text: str) -> str:
    """One line of at most EXCERPT characters."""
    line = " ".join(text.split())
    return line if len(line) <= EXCERPT else line[:EXCERPT - 1] + "…"
