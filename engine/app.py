"""Wiring: builds the subsystems from the config and owns the frame loop.

Each frame: drain queued messages (inbox arrivals, changed artist files) within a time
budget, compose the scene into the frame target, present it. Only this thread touches
GL and pygame; watcher and intake threads only put small frozen messages on queues.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
from collections import deque
from pathlib import Path

from engine.clock import Clock, Tick
from engine.config import Config
from engine.intake.intake import Arrived, Intake, Message, Moderated
from engine.journal.journal import Journal
from engine.problems import Problem, ProblemError
from engine.render.compositor import Compositor, FrameInputs
from engine.render.glyphs import GlyphAtlas
from engine.render.library import ShaderLibrary
from engine.render.surface import FrameTarget, Surface
from engine.watch import FolderWatch
from engine.world.carte import Carte
from engine.world.scene import Scene, SceneLibrary

log = logging.getLogger(__name__)
STATUS_SECONDS = 30.0


def placeholder_audio(seconds: float) -> tuple[float, tuple[float, float, float, float]]:
    """A slow breathing signal standing in for the soundscape's analysis until it lands."""
    level = 0.25 + 0.15 * math.sin(seconds * 2 * math.pi / 9.0)
    bands = tuple(0.2 + 0.15 * math.sin(seconds * 2 * math.pi / p) for p in (11, 7, 5, 3))
    return level, (bands[0], bands[1], bands[2], bands[3])


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
        scene = self.scenes.get(self.scene_name)
        if scene is None:
            problems = self.scenes.failures.get(self.scene_name) or [Problem(
                config.source, 1, f"[display] scene: no scene {self.scene_name!r} in "
                f"{config.paths.scenes}; found: {', '.join(self.scenes.names()) or 'none'}")]
            self.shaders.release()
            raise ProblemError(problems)
        self.scene: Scene = scene
        self.carte = Carte(config.event.themes)
        self.atlas = GlyphAtlas(config.display.font)
        self.compositor = Compositor(ctx, self.shaders, self.atlas, config.display.text_size,
                                     config.display.picture_slots)
        self.target = FrameTarget(ctx, surface.size)
        self.journal = Journal(config.paths.data / "journal.sqlite")
        self.intake = Intake(config, self.journal)
        self.artist_files = FolderWatch([config.paths.shaders, config.paths.scenes]) \
            if live else None
        self.stopping = threading.Event()
        self.tick = Tick(0.0, 0.0, -1)
        self.frame_seconds: deque[float] = deque(maxlen=600)

    def start(self) -> None:
        """Restore the journal's carte and start watching the inbox and the artists'
        folders (live runs only)."""
        if self.live:
            self.intake.start()
        if self.artist_files is not None:
            self.artist_files.start()

    def restore_now(self) -> None:
        """Place the journal's contributions before the first frame (renders)."""
        for arrived in self.intake.restore():
            self.receive(arrived)

    def receive(self, message: Message) -> None:
        if isinstance(message, Arrived):
            contribution = message.contribution
            placed = self.carte.add(contribution, max(self.tick.time, 0.0), message.state)
            if placed is not None:
                self.compositor.place(placed, self.carte)
                if not message.restored:
                    log.info("arrived: %s (%s) as %s", contribution.name, contribution.kind,
                             contribution.id)
        elif isinstance(message, Moderated) and self.carte.moderate(message.id, message.state):
            log.info("%s is now %s", message.id, message.state)

    def step(self) -> bool:
        """Draw one frame; False once the window was closed or a stop was requested."""
        started = time.perf_counter()
        self.tick = self.clock.tick()
        if not self.surface.poll():
            return False
        self._drain(started)
        level, bands = placeholder_audio(self.tick.time)
        self.compositor.render(self.scene, self.carte, FrameInputs(self.tick, level, bands),
                               self.target)
        if self.config.display.overlay_errors:
            self.compositor.draw_overlay(self.problems(), self.target)
        self.surface.present(self.target)
        self.frame_seconds.append(time.perf_counter() - started)
        return not self.stopping.is_set()

    def _drain(self, started: float) -> None:
        budget = self.config.intake.frame_budget_ms / 1000.0
        if self.live:
            while time.perf_counter() - started < budget:
                try:
                    self.receive(self.intake.messages.get_nowait())
                except queue.Empty:
                    break
        if self.artist_files is not None:
            self._reload(self.artist_files.drain())

    def _reload(self, paths: set[Path]) -> None:
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

    def problems(self) -> list[Problem]:
        """What artists need to fix, newest state of each file."""
        return self.shaders.problems() + self.scenes.problems()

    def run(self, seconds: float | None = None, frames: int | None = None,
            preview: Path | None = None) -> int:
        """The frame loop; returns the number of frames drawn."""
        deadline = None if seconds is None else time.monotonic() + seconds
        next_preview = time.monotonic()
        next_status = time.monotonic() + STATUS_SECONDS
        drawn = 0
        while (frames is None or drawn < frames) and \
                (deadline is None or time.monotonic() < deadline):
            if not self.step():
                break
            drawn += 1
            now = time.monotonic()
            if preview is not None and now >= next_preview:
                self.target.save_png(preview)
                next_preview = now + self.config.display.preview_seconds
            if now >= next_status:
                self._log_status()
                next_status = now + STATUS_SECONDS
            self.clock.wait()
        return drawn

    def _log_status(self) -> None:
        recent = sorted(self.frame_seconds)
        if recent:
            median = recent[len(recent) // 2]
            log.info("frame %.1f ms median, %d contributions, scene %s", median * 1000,
                     len(self.carte), self.scene_name)

    def request_stop(self) -> None:
        self.stopping.set()

    def close(self) -> None:
        """Stop threads, then release GL objects, then the surface."""
        if self.live:
            self.intake.stop()
        else:
            for worker in self.intake.workers:
                worker.stop()
        self.journal.close()
        if self.artist_files is not None:
            self.artist_files.stop()
        self.compositor.release()
        self.target.release()
        self.shaders.release()
        self.surface.release()
