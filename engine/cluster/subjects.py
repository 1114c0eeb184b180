"""The backbone's names: the stream, its subjects, the object store, message ids.

A node publishes under its own name only (`carte.STREAM.log.NODE.KIND`), and the NATS
server's permissions enforce it (see `users`), so the node a message came from is read
from its subject, never from what it says about itself.
"""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("contribution", "moderation", "cue")


@dataclass(frozen=True)
class Subjects:
    stream: str

    @property
    def log(self) -> str:
        """Every subject the stream holds."""
        return f"carte.{self.stream}.log.>"

    def of(self, node: str, kind: str) -> str:
        return f"carte.{self.stream}.log.{node}.{kind}"

    @property
    def presence(self) -> str:
        return f"carte.{self.stream}.presence.*"

    def presence_of(self, node: str) -> str:
        return f"carte.{self.stream}.presence.{node}"

    @property
    def bucket(self) -> str:
        """The object store of archived files (JetStream's stream `OBJ_<bucket>`)."""
        return f"{self.stream}_archive"

    def origin(self, subject: str) -> tuple[str, str] | None:
        """(node, kind) of a stream subject; None for a subject not of this stream."""
        parts = subject.split(".")
        if len(parts) != 5 or parts[:3] != ["carte", self.stream, "log"] or \
                parts[4] not in KINDS:
            return None
        return parts[3], parts[4]


def contribution_id(id: str) -> str:
    """The de-duplication id of a contribution: its content, whichever node took it."""
    return f"c:{id}"


def moderation_id(node: str, row: int, at: float) -> str:
    """A moderation's de-duplication id: the node, its journal row, and when (a node whose
    journal was wiped numbers its rows from 1 again)."""
    return f"m:{node}:{row}:{at:.6f}"
