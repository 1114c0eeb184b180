"""The engine's side of the web door, on the main thread once per frame: apply the
console's commands, and show the web thread the status, the scenes and a preview."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from engine.bind import listen
from engine.web.board import Board
from engine.web.server import WebBindError, WebServer
from engine.world.contribution import Contribution

if TYPE_CHECKING:
    from engine.show import Show

log = logging.getLogger(__name__)
STATUS_EVERY = 1.0
PREVIEW_EVERY = 2.0
PREVIEW_WANTED = 10.0  # seconds a console's request keeps the preview coming


class WebLink:
    def __init__(self, engine: Show) -> None:
        self.engine = engine
        self.board = Board()
        self.server = WebServer(engine.config, engine.journal, self.board, engine.intake.hand)
        engine.intake.listeners.append(self.server.door.told)
        self.next_status = 0.0
        self.next_preview = 0.0

    def start(self) -> None:
        """Serve; a taken port is retried for a while, then the error stops the start."""
        self.publish()
        listen(self.server.start, WebBindError, self.engine.config.web.bind_retry_seconds)

    def stop(self) -> None:
        self.server.stop()

    def arrived(self, contribution: Contribution, state: str) -> None:
        self.board.placed.add(contribution.id)

    def frame(self) -> None:
        engine = self.engine
        for command in self.board.commands.drain():
            engine.steering.apply(engine, command)
        now = time.monotonic()
        if now >= self.next_status:
            self.publish()
            self.next_status = now + STATUS_EVERY
        if now >= self.next_preview and now - self.board.preview_asked < PREVIEW_WANTED:
            self.board.preview = engine.target.pixels().copy()  # encoded on the web thread
            self.next_preview = now + PREVIEW_EVERY

    def publish(self) -> None:
        engine = self.engine
        self.board.status = engine.status()
        self.board.scenes = tuple(engine.scenes.names())
        self.board.blackout = engine.steering.blackout
        self.board.terms = engine.carte.terms(now=max(engine.tick.time, 0.0))
