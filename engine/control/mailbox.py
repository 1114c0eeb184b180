"""Commands waiting for the next frame: coalesced, bounded, drained without waiting.

Within a frame the latest value wins per parameter (an absolute value replaces what
was pending; relative steps queue behind it), a scene switch or a moderation decision
replaces the previous one for the same target, and live stroke points accumulate.
Contributions and taps are never merged. The frame loop's `drain` never blocks: if
the server thread holds the lock at that instant, the commands wait one more frame.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Hashable, Iterable
from dataclasses import replace

from engine.control.commands import (
    Command,
    Moderate,
    SetParam,
    StrokeProgress,
    SwitchScene,
    Transport,
)

MAX_STEPS = 256  # relative steps kept per parameter per frame
MODERATION_FACETS = {"hide": "visibility", "show": "visibility", "pin": "pin",
                     "unpin": "pin", "focus": "focus", "unfocus": "focus"}


def coalescing_key(command: Command) -> Hashable | None:
    """What a later command replaces or merges with in the same frame; None: nothing."""
    if isinstance(command, SetParam):
        return ("param", command.key)
    if isinstance(command, SwitchScene):
        return ("scene",)
    if isinstance(command, Moderate):
        facet = MODERATION_FACETS[command.action]
        return ("moderate", facet, "" if facet == "focus" else command.id)
    if isinstance(command, Transport) and command.action != "tap":
        return ("transport", command.action)
    if isinstance(command, StrokeProgress):
        return ("stroke", command.stroke)
    return None


def merge(pending: Command, later: Command) -> Command | None:
    """`later` folded into the `pending` command with the same key; None when the
    merged command would grow past its bound."""
    if isinstance(pending, SetParam) and isinstance(later, SetParam) and \
            later.steps[0][0] != "=":
        steps = pending.steps + later.steps
        return None if len(steps) > MAX_STEPS else replace(later, steps=steps)
    if isinstance(pending, StrokeProgress) and isinstance(later, StrokeProgress):
        return replace(later, points=pending.points + later.points)
    return later


class Mailbox:
    """At most `capacity` commands for the next frame."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.lock = threading.Lock()
        self.pending: dict[Hashable, Command] = {}
        self.unique = itertools.count()

    def put(self, commands: Iterable[Command]) -> int:
        """Queue commands in order; returns how many were dropped (queue full)."""
        dropped = 0
        with self.lock:
            for command in commands:
                key = coalescing_key(command)
                if key is None:
                    key = next(self.unique)
                elif key in self.pending:
                    merged = merge(self.pending[key], command)
                    if merged is None:
                        dropped += 1
                    else:
                        self.pending[key] = merged
                    continue
                if len(self.pending) >= self.capacity:
                    dropped += 1
                else:
                    self.pending[key] = command
        return dropped

    def drain(self) -> list[Command]:
        """Every command since the last drain, in arrival order; never waits."""
        if not self.lock.acquire(blocking=False):
            return []
        try:
            pending, self.pending = self.pending, {}
        finally:
            self.lock.release()
        return list(pending.values())

    def __len__(self) -> int:
        return len(self.pending)
