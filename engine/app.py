"""Wiring: builds the subsystems from the config and owns the frame loop.

Each frame: drain queued messages (inbox arrivals, changed artist files) within a time
budget, compose the scene into the frame target, present it. Only this thread touches
GL and pygame; watcher and intake threads only put small frozen messages on queues.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import time
from collections import deque
from dataclasses import fields, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from engine.audio.analysis import Levels, measure, smooth
from engine.audio.host import Soundscape
from engine.audio.images import KEEP
from engine.audio.options import SoundOptions
from engine.clock import Clock, Tick
from engine.cluster.screen import shown as screen_shows
from engine.config import Config
from engine.control.link import ControlLink
from engine.intake.intake import Arrived, Completed, Intake, Message, Moderated, Refused
from engine.journal.cache import PayloadCache
from engine.journal.journal import Journal
from engine.problems import Problem, ProblemError
from engine.render.compositor import Compositor, FrameInputs
from engine.render.glyphs import GlyphAtlas
from engine.render.library import ShaderLibrary
from engine.render.surface import FrameTarget, Surface, save_png
from engine.steering import Steering
from engine.supervise.files import read_json, write_json
from engine.supervise.notify import Notifier
from engine.supervise.status import memory_mb, percentiles
from engine.supervise.writer import Writer
from engine.watch import FolderWatch
from engine.web.link import WebLink
from engine.world.camera import VISIT_EM, Camera
from engine.world.carte import ABSENT, Carte
from engine.world.contribution import light
from engine.world.scene import Scene, SceneLibrary

if TYPE_CHECKING:
    from engine.cluster.link import ClusterLink

log = logging.getLogger(__name__)
LOG_SECONDS = 30.0
RESTORED_BORN = -1e4
STATUS_SECONDS = 2.0


def soundscape(config: Config, live: bool) -> Soundscape | None:
    """The soundscape: the configured backend live, computed offline for renders (so
    the same journal gives the same picture and sound); None when audio is off."""
    audio = config.audio
    if audio.backend == "none":
        return None
    options = SoundOptions(**{f.name: getattr(audio, f.name) for f in fields(SoundOptions)})
    device = audio if live else replace(audio, backend="offline")
    return Soundscape(device, config.paths.sound, config.event.themes, audio.module, options)


class Engine:
    """One running carte: its world, its renderer, and (live) its watchers."""

    def __init__(self, config: Config, surface: Surface, clock: Clock, live: bool) -> None:
        self.config = config
        self.surface = surface
        self.clock = clock
        self.live = live
        ctx = surface.ctx
        self.shaders = ShaderLibrary(ctx, config.paths.shaders)
        self.scenes = SceneLibrary(config.paths.scenes, self.shaders.source)
        self.scene_name = config.display.scene
        found = self.scenes.names()
        scene = self.scenes.get(self.scene_name) if self.scene_name in found else None
        if scene is None:
            problems = self.scenes.failures.get(self.scene_name) or [Problem(
                config.source, 1, f"[display] scene: no scene {self.scene_name!r} in "
                f"{config.paths.scenes}; found: {', '.join(found) or 'none'}")]
            self.shaders.release()
            raise ProblemError(problems)
        self.scene: Scene = scene
        self.leaving: Scene | None = None
        self.transition = (0.0, 0.0, "fondu")  # start, seconds, shader
        self.carte = Carte.of(config, screen_shows(config))
        self.camera = Camera(surface.size[0] / surface.size[1])
        # Glyphs are rasterised at the size a visit shows them (mipmaps serve the whole
        # view), so text stays sharp when the view closes in, on a poster too.
        shown = surface.size[1] * VISIT_EM
        self.atlas = GlyphAtlas(config.display.font, int(min(max(shown, 48), 200)))
        self.compositor = Compositor(ctx, self.shaders, self.atlas,
                                     config.display.picture_slots,
                                     config.display.gpu_budget_mb,
                                     PayloadCache(config.paths.data / "cache").load,
                                     config.web.public_url if config.web.enabled else "")
        self.target = FrameTarget(ctx, surface.size)
        self.journal = Journal(config.paths.data / "journal.sqlite")
        self.places = self.journal.places()  # spots of the journal's carte, for restoring
        # With several rooms, moderations reach the frame loop in the stream's order
        self.intake = Intake(config, self.journal, moderation=not config.cluster.enabled)
        self.artist_files = FolderWatch([config.paths.shaders, config.paths.scenes,
                                         config.paths.sound]) if live else None
        self.stopping = threading.Event()
        self.tick = Tick(0.0, 0.0, -1)
        self.sound: list[np.ndarray] = []  # offline: the sound of each frame, in order
        self.latest = np.zeros((0, config.audio.channels), dtype=np.float32)
        self.heard: Levels = (0.0, (0.0, 0.0, 0.0, 0.0))
        self.frame_seconds: deque[float] = deque(maxlen=600)
        self.frame_ends: deque[float] = deque(maxlen=120)
        self.started = time.monotonic()
        self.notifier = Notifier()
        self.refused = self.journal.count("refused")  # the event's, like the other counts
        self.refused_this_run = 0
        self.steering = Steering()
        self.audio = soundscape(config, live)
        if self.audio is not None and not live:
            self.audio.start()
            self._sound_preset(self.scene)
        self.control = ControlLink(self) if live and config.osc.enabled else None
        self.web = WebLink(self) if live and config.web.enabled else None
        self.cluster: ClusterLink | None = None
        if live and config.cluster.enabled:
            from engine.cluster.link import ClusterLink  # the NATS client only when used

            self.cluster = ClusterLink(self)
        self.reborn: dict[str, float] = {}  # provisional places taken back: when they came
        self.state_path = config.paths.data / "state.json"
        self.artist_changes = 0
        self.events: list[tuple[float, str, dict[str, Any]]] = []
        self.saved_state: tuple[int, str] = (0, "")
        self.writer = Writer()  # the frame loop's files and journal rows, off its thread
        self.writes = 0

    def start(self) -> None:
        """Restore the journal's carte and start watching the inbox and the artists'
        folders (live runs only)."""
        if self.live:
            self.writer.start()
            self._resume()
            self.events.append((time.time(), "scene", {"name": self.scene_name, "fade": 0}))
            if self.audio is not None:
                self.audio.start()
                self._sound_preset(self.scene)
                for (scope, _, name), value in self.steering.overrides.items():
                    if scope == "sound":
                        self.audio.set_param(name, float(value))
            # The journal's carte comes back whole before the first frame (its spots are
            # journaled, so this takes seconds even for thousands of contributions).
            self.restore_now()
            self.intake.start()
        if self.artist_files is not None:
            self.artist_files.start()
        for door in (self.cluster, self.control, self.web):
            if door is not None:
                try:
                    door.start()
                except Exception:
                    self.close()
                    raise

    def _resume(self) -> None:
        """After a restart, the scene and the live settings the show had."""
        scene = self.steering.restore(read_json(self.state_path))
        if scene and scene != self.scene_name and self.switch_scene(scene, 0):
            log.info("resumed on scene %s with %d live settings", scene,
                     len(self.steering.overrides))
        self.saved_state = (self.steering.version, self.scene_name)

    def _save_state(self) -> None:
        """Hand the writer what changed: live changes and places for the journal, and
        the scene and settings a restart resumes."""
        self.events += [(time.time(), "param", {"key": list(change[:3]), "value": change[3]})
                        for change in self.steering.take_changes()]
        if self.events or self.carte.found:
            events, found = self.events, list(self.carte.found)
            self.events = []
            self.carte.found.clear()
            self.writes += 1
            self.writer.put(f"journal {self.writes}", lambda: self._record(events, found))
        state = (self.steering.version, self.scene_name)
        if state != self.saved_state:
            self.saved_state = state
            saved = self.steering.saved(self.scene_name)
            self.writer.put("state", lambda: write_json(self.state_path, saved))

    def _record(self, events: list[tuple[float, str, dict[str, Any]]],
                found: list[tuple[str, float, float, int]]) -> None:
        try:
            self.journal.record(events)
            self.journal.place(found)
        except sqlite3.Error as error:
            log.warning("journal: live changes and places not recorded: %s", error)

    def restore_now(self) -> None:
        """Place the journal's contributions before the first frame (renders)."""
        for arrived in self.intake.restore():
            self.receive(arrived)

    def receive(self, message: Message) -> None:
        if isinstance(message, Arrived):
            if self.cluster is None:
                self.arrive(message)
            elif message.restored:
                self.arrive(message, provisional=self.cluster.restored(message))
            else:
                self.cluster.taken(message)  # placed in the stream's order
        elif isinstance(message, Completed):
            completed = self.carte.complete(light(message.contribution))
            if completed is not None:
                self.compositor.pictures.complete(completed, message.contribution.frames)
            elif self.cluster is not None:
                self.cluster.completed(message.contribution)
        elif isinstance(message, Refused):
            self.refused = self.journal.count("refused")
            self.refused_this_run += 1
        elif isinstance(message, Moderated):
            self.moderate(message.id, message.state)

    def arrive(self, message: Arrived, provisional: bool = False) -> None:
        """Place a contribution, draw it, let it be heard and visited. A `provisional`
        place (a room cut off from the others) is taken back by `rewind`; placed again,
        it arrives without a second visit."""
        contribution = message.contribution
        again = self.reborn.pop(contribution.id, None)
        # What the journal restores was on the carte long ago: already settled.
        born = RESTORED_BORN if message.restored else \
            again if again is not None else max(self.tick.time, 0.0)
        spot = self.places.pop(contribution.id, None) \
            if message.restored and not provisional else None
        placed = self.carte.add(contribution, born, message.state, spot, provisional)
        if placed is None:
            return
        self.compositor.place(placed, self.carte, contribution)
        quiet = message.restored or again is not None
        absent = contribution.id in self.carte.hidden
        if self.audio is not None:
            self.audio.contribution(contribution, gesture=not quiet and not absent)
            if absent:
                self.audio.hide(contribution.id)
        if self.web is not None:
            self.web.arrived(contribution, message.state)
        if not quiet and not absent:
            self.camera.arrived(placed)
            if self.control is not None:
                self.control.arrived(contribution)
            log.info("arrived: %s (%s) as %s%s", contribution.name, contribution.kind,
                     contribution.id, ", provisionally" if provisional else "")

    def rewind(self) -> None:
        """Take back the provisional places (see `Carte.rewind`)."""
        dropped = self.carte.rewind()
        if dropped:
            self.reborn.update({p.contribution.id: p.born for p in dropped})
            self.compositor.forget([p.contribution.id for p in dropped])
            log.info("%d provisional places taken back, to be placed in the stream's order",
                     len(dropped))

    def moderate(self, id: str, state: str) -> None:
        """Apply a moderation to the picture and the sound (the journal has it already);
        an approved contribution arrives then, as a new one would."""
        waited = self.carte.states.get(id) == "pending"
        if self.carte.moderate(id, state):
            log.info("%s is now %s", id, state)
            if waited and state not in ABSENT:
                placed = next((p for p in self.carte.placed if p.contribution.id == id), None)
                if placed is not None:
                    self.camera.arrived(placed)
                    self.compositor.approved(id, max(self.tick.time, 0.0))
            if self.audio is not None:
                (self.audio.hide if id in self.carte.hidden else self.audio.show)(id)

    def step(self) -> bool:
        """Draw one frame; False once the window was closed or a stop was requested."""
        started = time.perf_counter()
        self.tick = self.clock.tick()
        if not self.surface.poll():
            return False
        self._drain(started)
        if self.control is not None:
            self.control.frame()
        if self.web is not None:
            self.web.frame()
        if self.steering.freeze:
            self.surface.present(self.target)  # the last frame stays
            return not self.stopping.is_set()
        level, bands = self._listen()
        self.camera.featured = self.compositor.cards.legend.plan.featured
        view = self.camera.update(self.tick.time, self.carte)
        inputs = FrameInputs(self.tick, level, bands, view, self._mouse(),
                             float(self.config.audio.sample_rate), self._samples(),
                             self.camera.settled(), self.camera.page(self.tick.time, self.carte))
        start, seconds, shader = self.transition
        progress = (self.tick.time - start) / seconds if seconds > 0 else 1.0
        steer = self.steering.effective
        if self.steering.blackout:
            self.target.fbo.use()
            self.surface.ctx.clear(0.0, 0.0, 0.0, 1.0)
        elif self.leaving is not None and progress < 1.0:
            self.compositor.render_transition(steer(self.leaving), steer(self.scene), progress,
                                              shader, self.carte, inputs, self.target)
        else:
            self.leaving = None
            self.compositor.render(steer(self.scene), self.carte, inputs, self.target)
        if self.config.display.overlay_errors:
            self.compositor.draw_overlay(self.problems(), self.target)
        self.surface.present(self.target)
        ended = time.perf_counter()
        self.frame_seconds.append(ended - started)
        self.frame_ends.append(ended)
        if self.tick.frame == 0:
            self.notifier.ready(f"scene {self.scene_name}")
        self.notifier.beat()
        return not self.stopping.is_set()

    def _mouse(self) -> tuple[float, float, float, float]:
        """Shadertoy's `iMouse` in pixels, from OSC's 0..1 position (held, so `zw` too)."""
        x, y = (min(max(float(v), 0.0), 1.0)
                for v in self.steering.overrides.get(("transport", "", "mouse"), (0.0, 0.0)))
        width, height = self.target.size
        return (x * width, y * height, x * width, y * height)

    def _listen(self) -> tuple[float, tuple[float, float, float, float]]:
        """The soundscape's levels for this frame; offline, the sound is computed in
        step with the fixed clock, so renders hear what they show."""
        if self.audio is None:
            return 0.0, (0.0, 0.0, 0.0, 0.0)
        if self.live:
            self.audio.poll()
            return self.audio.levels()
        # each frame brings its own 1/fps of sound, the first one included
        chunk = self.audio.process(1.0 / self.config.display.fps)
        self.sound.append(chunk)
        self.latest = np.concatenate([self.latest, chunk])[-KEEP:]
        self.heard = smooth(self.heard, measure(chunk, self.audio.sample_rate))
        return self.heard

    def _samples(self) -> np.ndarray:
        """The latest sound, for the shaders' `audio` and `audioFFT` images: live what
        the master just played, offline what was computed up to this frame."""
        if self.audio is not None and self.live:
            return self.audio.recent(KEEP)
        return self.latest

    def _drain(self, started: float) -> None:
        budget = self.config.intake.frame_budget_ms / 1000.0
        if self.live:
            while time.perf_counter() - started < budget:
                try:
                    self.receive(self.intake.messages.get_nowait())
                except queue.Empty:
                    break
        if self.cluster is not None:
            self.cluster.frame(started + budget)
        if self.artist_files is not None:
            self._reload(self.artist_files.drain())

    def _reload(self, paths: set[Path]) -> None:
        if paths:
            self.artist_changes += 1  # live control rebuilds its address table
        if self.audio is not None:
            self.audio.reload_changed({p for p in paths if p.suffix == ".py"})
        shaders = {p.stem for p in paths if self.shaders.owns(p)}
        scenes = {p.stem for p in paths if self.scenes.owns(p)}
        for name in shaders:
            if name in self.shaders.loaded or name in self.shaders.failures:
                self.shaders.reload(name)
        if shaders:
            scenes.add(self.scene_name)
        for name in scenes:
            if name in self.scenes.loaded or name in self.scenes.failures:
                self.scenes.reload(name)
        current = self.scenes.loaded.get(self.scene_name)
        if current is not None and current is not self.scene:
            log.info("scene %s reloaded", self.scene_name)
            self.scene = current

    def switch_scene(self, name: str, seconds: float | None = None) -> bool:
        """Show scene `name`, blending from the current one over `seconds` (default: the
        new scene's own transition); False when no good scene has that name."""
        scene = self.scenes.get(name) if name in self.scenes.names() else None
        if scene is None:
            log.warning("scene %r: not found or not valid; staying on %s", name,
                        self.scene_name)
            return False
        self.leaving = self.scene if seconds != 0 else None
        self.transition = (self.tick.time, scene.transition_seconds if seconds is None
                           else seconds, scene.transition_shader)
        self.scene, self.scene_name = scene, name
        self._sound_preset(scene)
        if self.live:
            self.events.append((time.time(), "scene", {"name": name, "fade": seconds}))
        log.info("scene %s (%.1f s %s)", name, self.transition[1], self.transition[2])
        return True

    def _sound_preset(self, scene: Scene) -> None:
        """A scene's soundscape module and values (live settings over OSC win)."""
        if self.audio is None:
            return
        if scene.sound_module:
            self.audio.select(scene.sound_module)
        for name, value in scene.sound_params.items():
            if ("sound", "", name) not in self.steering.overrides and \
                    not self.audio.set_param(name, value):
                log.warning("%s: sound parameter %r is not declared by the soundscape",
                            scene.path, name)

    def problems(self) -> list[Problem]:
        """What artists and composers need to fix, newest state of each file."""
        sound = self.audio.problems() if self.audio is not None else []
        return self.shaders.problems() + self.scenes.problems() + sound

    def run(self, seconds: float | None = None, frames: int | None = None,
            preview: Path | None = None) -> int:
        """The frame loop; returns the number of frames drawn."""
        deadline = None if seconds is None else time.monotonic() + seconds
        now = time.monotonic()
        next_preview, next_status, next_log = now, now + STATUS_SECONDS, now + LOG_SECONDS
        drawn = 0
        while (frames is None or drawn < frames) and \
                (deadline is None or time.monotonic() < deadline):
            if not self.step():
                break
            drawn += 1
            now = time.monotonic()
            if preview is not None and now >= next_preview:
                # read back here (GL), encoded by the writer
                self.writer.put("preview", partial(save_png, self.target.pixels(), preview))
                next_preview = now + self.config.display.preview_seconds
            if self.live and now >= next_status:
                self.writer.put("status", partial(write_json, self.config.paths.data /
                                                  "status.json", self.status()))
                self._save_state()
                next_status = now + STATUS_SECONDS
            if now >= next_log:
                status = self.status()
                log.info("%.1f fps, frame p50 %.1f ms p95 %.1f ms, %d contributions, scene %s",
                         status["fps"], status["frame_ms"]["p50"], status["frame_ms"]["p95"],
                         status["contributions"], status["scene"])
                next_log = now + LOG_SECONDS
            self.clock.wait()
        return drawn

    def fps(self) -> float:
        """Frames per second over the last frames drawn."""
        ends = self.frame_ends
        return (len(ends) - 1) / (ends[-1] - ends[0]) if len(ends) > 1 and ends[-1] > ends[0] \
            else 0.0

    def status(self) -> dict[str, object]:
        """Uptime, pace, contents, queues and resources, for the status file."""
        pictures = self.compositor.pictures
        return {
            "uptime_s": round(time.monotonic() - self.started, 1),
            "fps": round(self.fps(), 1),
            "frame_ms": percentiles(self.frame_seconds),
            "scene": self.scene_name,
            "contributions": len(self.carte),
            "hidden": self.carte.absent(),
            "pinned": len(self.carte.pinned),
            "refused": self.refused,
            "refused_this_run": self.refused_this_run,
            "queues": {"arrivals": self.intake.messages.qsize(),
                       "dropped": self.intake.dropped.qsize()},
            "gl": {"shaders": len(self.shaders.loaded),
                   "pictures": len(pictures.pictures),
                   "picture_slots_used": len(pictures.slot_holders),
                   "picture_slots": pictures.slots,
                   "thumbnails": pictures.cells - len(pictures.free_cells),
                   "thumbnail_cells": pictures.cells,
                   "picture_mb": round(pictures.gpu_mb, 1),
                   "text_glyphs": self.compositor.cards.batch.count},
            "audio": self.audio.backend if self.audio is not None else "off",
            "problems": [str(p) for p in self.problems()],
            "memory_mb": memory_mb(),
            **({"cluster": self.cluster.status()} if self.cluster is not None else {}),
        }

    def request_stop(self) -> None:
        self.stopping.set()

    def close(self) -> None:
        """Stop threads, then release GL objects, then the surface."""
        self.notifier.stopping()
        self.notifier.close()
        if self.live:
            self._save_state()
        self.writer.stop()
        if self.control is not None:
            self.control.stop()
            self.control = None
        if self.web is not None:
            self.web.stop()
            self.web = None
        if self.cluster is not None:
            self.cluster.stop()
            self.cluster = None
        self.intake.stop()
        self.journal.close()
        if self.artist_files is not None:
            self.artist_files.stop()
        if self.audio is not None:
            self.audio.stop()
        self.compositor.release()
        self.target.release()
        self.shaders.release()
        self.surface.release()
