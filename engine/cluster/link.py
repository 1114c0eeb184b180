"""The engine's side of the backbone, on the main thread once per frame.

Places come from the stream's order only. What this node takes waits for the stream to
give it back (on a working backbone, a few milliseconds) and is then placed among the
others' in that order. While this node is cut off, what it takes is shown at once at
provisional places; when the stream gives those back, they are taken back and placed
again in the stream's order, so this node converges on the carte every other node has.
Nothing already placed from the stream ever moves, here or anywhere.

Scene switches and the transport (blackout, freeze, tempo) set on this node reach every
node (`[cluster] steering = "show"`) or stay here (`"room"`).
"""

from __future__ import annotations

import logging
import queue
import time
from typing import TYPE_CHECKING, Any, Protocol

from engine.cluster import wire
from engine.cluster.applier import Cued
from engine.cluster.backbone import Backbone, Contact
from engine.cluster.shared import fingerprint
from engine.intake.intake import Arrived, Completed, Intake, Moderated, Refused
from engine.world.contribution import Contribution

if TYPE_CHECKING:
    from engine.config import Config
    from engine.steering import Steering
    from engine.world.carte import Carte

log = logging.getLogger(__name__)
# a contribution taken here not back from the stream by then, while the stream gives
# nothing back either, is shown at a provisional place
ECHO_SECONDS = 5.0
# A late backlog (a room joining late, or back from a long cut, takes in the thousands
# it missed) is placed for three times as long as the rest of a frame took, from a
# quarter of a second to two (well within the watchdog's ten): the picture runs at a few
# frames a second meanwhile, and the backbone's thread has the time to feed it.
CATCH_UP_SHARE = 3.0
CATCH_UP_SECONDS = 0.25
CATCH_UP_MOST = 2.0
TRANSPORT = ("blackout", "freeze", "tempo")


class Stage(Protocol):
    """What the link needs of the running show (`engine.app.Engine`)."""

    config: Config
    carte: Carte
    intake: Intake
    steering: Steering
    scene_name: str
    refused: int

    def arrive(self, message: Arrived, provisional: bool = False) -> None: ...

    def rewind(self) -> None: ...

    def moderate(self, id: str, state: str) -> None: ...

    def switch_scene(self, name: str, seconds: float | None = None) -> bool: ...


class ClusterLink:
    def __init__(self, engine: Stage) -> None:
        self.engine = engine
        self.backbone = Backbone(engine.config, engine.intake, fingerprint(engine.config))
        self.steering = engine.config.cluster.steering
        self.joined = False
        self.waiting: dict[str, tuple[Arrived, float]] = {}  # taken here, not back yet
        # when the stream last moved on here: while it does, what waits is on its way (a
        # long outbox after a cut), not stuck
        self.applied, self.given = 0, 0.0
        self.left = time.perf_counter()  # when the last frame's share of the link ended
        self.completions: dict[str, Contribution] = {}  # a video completed while waiting
        self.cues: dict[str, Any] = {}

    def start(self) -> None:
        self.engine.intake.listeners.append(self.backbone.wake)
        self.cues = self._cues()
        self.backbone.start()

    def stop(self) -> None:
        self.backbone.stop()

    def restored(self, arrived: Arrived) -> bool:
        """A contribution restored at start that the stream does not have yet: shown at
        its provisional place until the stream gives it back."""
        if arrived.stream is not None:
            return False
        self.waiting[arrived.contribution.id] = (arrived, time.monotonic())
        return True

    def taken(self, arrived: Arrived) -> None:
        """A contribution this node's intake took: it waits for the stream's order, or is
        shown at once where this node is cut off."""
        self.waiting[arrived.contribution.id] = (arrived, time.monotonic())
        if not self.joined:
            self._show_waiting()

    def completed(self, contribution: Contribution) -> None:
        """A video's whole payload for one not placed yet: applied once it is."""
        self.completions[contribution.id] = contribution

    def frame(self, deadline: float) -> None:
        """Apply what the backbone said, within the frame's budget (a late backlog: for
        longer, waiting for more while the backbone is behind, so a room joining late is
        whole soon); share this node's cues; show what waited too long."""
        engine = self.engine
        started = time.perf_counter()
        # a late backlog takes CATCH_UP_SHARE of the time, the picture the rest
        catch_up = min(CATCH_UP_MOST, max(CATCH_UP_SECONDS,
                                          CATCH_UP_SHARE * (started - self.left)))
        late: float | None = None  # catching up until then
        while (now := time.perf_counter()) < (deadline if late is None else late):
            try:
                if late is not None and self.backbone.behind():
                    message = self.backbone.inbound.get(timeout=late - now)
                else:
                    message = self.backbone.inbound.get_nowait()
            except queue.Empty:
                break
            if late is None and isinstance(message, Arrived) and message.restored:
                late = now + catch_up
            if isinstance(message, Contact):
                self.joined = message.joined
            elif isinstance(message, Arrived):
                if engine.carte.provisional is not None:
                    # back from a cut: what waits is shown again once the stream gives
                    # it back (or, should that take long, provisionally again)
                    self.waiting = {i: (a, time.monotonic()) for i, (a, _) in
                                    self.waiting.items()}
                    engine.rewind()
                id = message.contribution.id
                self.waiting.pop(id, None)
                engine.arrive(message)
                if id in self.completions:
                    engine.intake.messages.put(Completed(self.completions.pop(id)))
            elif isinstance(message, Moderated):
                if message.id in self.waiting:
                    arrived, since = self.waiting[message.id]
                    self.waiting[message.id] = (Arrived(arrived.contribution, message.state),
                                                since)
                engine.moderate(message.id, message.state)
            elif isinstance(message, Refused):
                engine.refused += 1
            elif isinstance(message, Cued):
                self._apply_cue(message)
        now = time.monotonic()
        if self.backbone.status.applied != self.applied:
            self.applied, self.given = self.backbone.status.applied, now
        if not self.joined or (now - self.given > ECHO_SECONDS and any(
                now - since > ECHO_SECONDS for _, since in self.waiting.values())):
            self._show_waiting()
        self._share_cues()
        self.backbone.say(engine.scene_name)
        self.left = time.perf_counter()

    def _show_waiting(self) -> None:
        carte = self.engine.carte
        for arrived, _ in list(self.waiting.values()):
            if arrived.contribution.id not in carte.ids:
                self.engine.arrive(arrived, provisional=True)

    # -- cues ------------------------------------------------------------------------------

    def _cues(self) -> dict[str, Any]:
        overrides = self.engine.steering.overrides
        found: dict[str, Any] = {name: overrides[("transport", "", name)] for name in TRANSPORT}
        found["scene"] = self.engine.scene_name
        return found

    def _share_cues(self) -> None:
        now = self._cues()
        if now == self.cues:
            return
        for name, value in now.items():
            if value != self.cues.get(name) and self.steering == "show":
                self.backbone.cue(wire.Cue(name, value, None))
        self.cues = now

    def _apply_cue(self, cued: Cued) -> None:
        cue, engine = cued.cue, self.engine
        log.info("cluster: %s %s from %s", cue.cue, cue.value, cued.node)
        if cue.cue == "scene":
            engine.switch_scene(str(cue.value), 0.0 if cued.late else cue.fade)
        else:
            engine.steering.set(("transport", "", cue.cue), cue.value)
        self.cues = self._cues()  # what came from the others is not sent back

    def status(self) -> dict[str, object]:
        found = self.backbone.status.public()
        found["waiting"] = sum(1 for id in self.waiting if id not in self.engine.carte.ids)
        found["provisional"] = 0 if self.engine.carte.provisional is None else \
            len(self.engine.carte) - self.engine.carte.provisional
        return found
