"""The engine's side of live control: serve OSC, apply its commands, answer from snapshots.

Runs on the main thread, once per frame: drains the server's commands (never waiting),
applies them through `Steering`, publishes an immutable snapshot for queries, and
broadcasts status and arrivals to subscribed clients.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import TYPE_CHECKING

from engine.bind import listen
from engine.control.advertise import Advertisement
from engine.control.handlers import MAX_RECENT
from engine.control.model import (
    ContributionSummary,
    ControlModel,
    RegionTerms,
    Snapshot,
    Status,
)
from engine.control.oscquery import OscQueryServer
from engine.control.routes import address_part
from engine.control.server import OscBindError, OscServer
from engine.control.settings import ControlSettings
from engine.world.carte import Carte
from engine.world.contribution import Contribution
from engine.world.scene import layer_inputs

if TYPE_CHECKING:
    from engine.show import Show

log = logging.getLogger(__name__)
STATUS_EVERY = 1.0
PUBLISH_EVERY = 30  # frames; and at once whenever something steerable changed


def settings_of(engine: Show) -> ControlSettings:
    osc = engine.config.osc
    return ControlSettings(reply_port=osc.reply_port, rate=osc.rate, queue=osc.queue,
                           horizon=osc.horizon, subscribers=osc.subscribers,
                           max_text=engine.config.intake.max_text_chars)


def summary(contribution: Contribution, state: str) -> ContributionSummary:
    text = contribution.text or contribution.name
    return ContributionSummary(contribution.id, contribution.kind, text[:80],
                               contribution.tags.theme or "", state == "hidden",
                               state == "pinned")


def published_terms(carte: Carte, now: float) -> tuple[RegionTerms, ...]:
    """Each region's terms as the OSC thread answers them."""
    return tuple(RegionTerms(r["region"], "/".join(address_part(p) for p in
                                                   r["region"].split("/")),
                             r["vitality"], r["contributions"],
                             tuple((t["term"], t["weight"], t["count"]) for t in r["terms"]))
                 for r in carte.terms(now=max(now, 0.0)))


class ControlLink:
    def __init__(self, engine: Show) -> None:
        self.engine = engine
        self.server = OscServer(engine.config.osc, self.model(), settings_of(engine))
        query = engine.config.oscquery
        self.query = OscQueryServer(query.name, query.host, query.port, self.server) \
            if query.enabled else None
        self.next_status = 0.0
        self.model_key: tuple[object, ...] = ()
        self.published: tuple[object, ...] = ()

    def start(self) -> None:
        """Listen; a port taken by another process is retried for a while, then the
        error (naming the port and `[osc] port`) stops the start. A query that comes
        before the first frame is answered from the carte as restored (OSCQuery has
        its own loop, which the first frame gives what changed)."""
        self.server.update(self.model())
        self.server.publish(self.snapshot())
        listen(self.server.start, OscBindError, self.engine.config.osc.bind_retry_seconds)
        host, port = self.server.address
        log.info("OSC: listening on %s:%d", host, port)
        if self.query is not None:
            self._start_query(self.query)

    def _start_query(self, query: OscQueryServer) -> None:
        """Serve OSCQuery and advertise it; a taken port stops the start, as for OSC."""
        advert = Advertisement(query.name, query.host, self.server.address[1], query.rename)
        query.on_started.append(advert.start)
        query.on_stopping.append(advert.stop)
        try:
            query.start()
        except OscBindError:
            self.server.stop()
            raise

    def model(self) -> ControlModel:
        return self.model_of(self.engine)

    @staticmethod
    def model_of(engine: Show) -> ControlModel:
        """What an engine offers to live control: its scenes, layers and sound."""
        layers = tuple((layer.name, layer_inputs(layer, engine.shaders.source))
                       for layer in engine.scene.layers)
        sound = engine.audio.params() if engine.audio is not None else ()
        transition = engine.shaders.source(engine.scene.transition_shader)
        return ControlModel(tuple(engine.scenes.names()), layers, sound,
                            transition.inputs if transition else (),
                            engine.carte.layout.themes)

    def frame(self) -> None:
        engine = self.engine
        for command in self.server.drain():
            try:
                engine.steering.apply(engine, command)
            except Exception:  # a command must never stop the show
                log.exception("OSC command %r failed", command)
        key = (id(engine.scene), engine.artist_changes)
        if key != self.model_key:
            self.model_key = key
            self.server.update(self.model())
            if self.query is not None:
                self.query.update(self.server.space)
        changed = (engine.steering.version, engine.carte.version, engine.scene_name)
        if changed != self.published or engine.tick.frame % PUBLISH_EVERY == 0:
            self.published = changed
            snapshot = self.snapshot()
            self.server.publish(snapshot)
            if self.query is not None:
                self.query.publish(snapshot)
        now = time.monotonic()
        if now >= self.next_status:
            self.next_status = now + STATUS_EVERY
            self.server.broadcast_status(self.status())

    def snapshot(self) -> Snapshot:
        engine = self.engine
        states = engine.carte.states
        recent = tuple(summary(p.contribution, states[p.contribution.id])
                       for p in reversed(engine.carte.placed[-MAX_RECENT:]))
        return Snapshot(engine.scene_name, engine.steering.values(engine), recent,
                        self.status(), published_terms(engine.carte, engine.tick.time))

    def status(self) -> Status:
        engine = self.engine
        audio = engine.audio.backend if engine.audio is not None else "off"
        status = Status(round(engine.fps(), 1), len(engine.carte), engine.refused,
                        engine.intake.messages.qsize(), audio)
        if engine.cluster is not None:
            backbone = engine.cluster.backbone.status
            status = replace(status, backbone=backbone.state, applied=backbone.applied,
                             lag=max(0, backbone.last - backbone.applied),
                             nodes=len(backbone.peers))
        return status

    def arrived(self, contribution: Contribution) -> None:
        self.server.broadcast_arrival(summary(contribution, "shown"))

    def stop(self) -> None:
        if self.query is not None:
            self.query.stop()
        self.server.stop()
