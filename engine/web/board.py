"""What the frame loop shows the web thread, and what the web thread asks of it.

The frame loop swaps in new references (status, scenes, a preview picture) and notes
each contribution placed; the web thread reads them and queues frozen commands in the
mailbox the frame loop drains. Nothing here blocks either side.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.control.mailbox import Mailbox


@dataclass
class Board:
    commands: Mailbox = field(default_factory=lambda: Mailbox(256))
    status: dict[str, Any] = field(default_factory=dict)
    scenes: tuple[str, ...] = ()
    blackout: bool = False
    preview: np.ndarray | None = None  # a recent frame, while a console asks for it
    preview_asked: float = -1e9  # time.monotonic() of the last request
    placed: set[str] = field(default_factory=set)  # ids the carte holds
    terms: list[dict[str, Any]] = field(default_factory=list)  # each region's terms

    def on_carte(self, id: str) -> bool:
        return id in self.placed
