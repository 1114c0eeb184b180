"""The soundscape the frame loop drives: one composer's module playing through the master,
told about every contribution, steered by parameters, reloaded with a crossfade.

Every call is made on the main thread and returns quickly; nothing here starts a thread.
Live: call `poll()` once a frame. Render (backend `offline`): `render` or `render_wav`,
or `start` and then `process(1 / fps)` per frame, collecting what it returns.
"""

from __future__ import annotations

import gc
import logging
import math
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyo

from engine.audio import fallback
from engine.audio.contract import Context, Param
from engine.audio.loudness import Leveller
from engine.audio.master import Master
from engine.audio.module import Code, Running, declarations, load_code
from engine.audio.options import SoundOptions
from engine.audio.server import AudioServer
from engine.audio.wav import write_wav
from engine.config import AudioConfig
from engine.lastgood import LastGood
from engine.problems import Problem, ProblemError
from engine.render.shader import ShaderInput
from engine.world.contribution import Contribution, light

log = logging.getLogger(__name__)

CAPTURE_BUFFERS = 32  # buffers computed between two reads of the capture table
VOLUME = ShaderInput("volume", "float", 0.8, 0.0, 1.0, "Volume")
MAX_FAULTS = 20
CLIPS_KEPT = 8
STOP_FADE_SECONDS = 0.3  # a live stop fades out this long, so the last sample is silent
MAX_CATCH_UP = 0.25  # manual backend: a longer gap between polls is not made up
RELAPSE_SECONDS = 60.0  # invalid samples twice within this time: the drone takes over
Levels = tuple[float, tuple[float, float, float, float]]
SILENT: Levels = (0.0, (0.0, 0.0, 0.0, 0.0))


class Soundscape:
    """The audible half of the carte: see the module docstring for how to drive it."""

    def __init__(self, audio: AudioConfig, sound_folder: Path, themes: Iterable[str],
                 module: str = "paysage", options: SoundOptions | None = None) -> None:
        self.audio = audio
        self.options = options or SoundOptions()
        self.themes = tuple(themes)
        self.module = module
        self.server = AudioServer(audio, self.options)
        self.modules: LastGood[Running] = LastGood(sound_folder, ".py", self._load)
        self.master: Master | None = None
        self.playing: Running | None = None
        self.code: Code | None = None
        self.fading: list[Running] = []
        self.settle_at = math.inf
        self.arrived: dict[str, Contribution] = {}
        self.hidden: set[str] = set()
        self.values: dict[str, float] = {VOLUME.name: VOLUME.clamp(self.options.volume)}
        self.faults: dict[str, Problem] = {}
        self.last_rebuild = -math.inf
        self.last_poll = time.monotonic()
        self.started = False
        self.leveller = Leveller(self.options.loudness, self.options.loudness_reach)
        self.metered = 0
        self.fade_done = 0

    @property
    def backend(self) -> str:
        """What actually runs: portaudio, jack, manual, offline or none."""
        return self.server.backend

    @property
    def sample_rate(self) -> int:
        return self.server.sample_rate

    # lifecycle

    def start(self) -> None:
        """Open the output (probing devices) and build the module; never raises for a
        missing device or a broken module."""
        if self.started:
            return
        self.started = True
        self.server.open()
        if self.server.running:
            self._build()

    def stop(self) -> None:
        """Fade out what plays (a real-time output: a short moment), drop every pyo
        object, then the server; no thread or child process is left."""
        if self.master is not None and self.server.realtime:
            self.master.fade_out(STOP_FADE_SECONDS)
            time.sleep(STOP_FADE_SECONDS + 0.05)
        self._teardown()
        self.server.close()
        self.code = None
        self.started = False

    def _build(self, drone: bool = False) -> None:
        """A patch and the master on a server without objects: the last good code if
        there is one, else the module's file, else the drone."""
        patch = None
        if not drone:
            patch = self._rebuilt() if self.code is not None else self._loaded()
        if patch is None:
            log.warning("audio: sound/%s.py cannot play; the built-in drone plays until it "
                        "is fixed", self.module)
            patch = Running(declarations(Path(fallback.__file__), fallback), self._context(()))
        self.code = patch.code
        self.master = Master(patch.output, self.audio.channels, self.values[VOLUME.name],
                             self._capture_frames(), self.options.fade_seconds)
        self.master.trim_db(self.leveller.trim)
        self.metered = self.server.samples()
        self.fade_done = self.metered + int(self.options.fade_seconds * self.sample_rate)
        self.playing = patch
        self._restore(patch)

    def _loaded(self) -> Running | None:
        return self.modules.loaded[self.module] if self.modules.reload(self.module) else None

    def _rebuilt(self) -> Running | None:
        assert self.code is not None
        try:
            patch = Running(self.code, self._context(self.code.params))
        except ProblemError as error:
            self._fault(*error.problems)
            return None
        if self.code.path == self.modules.path(self.module):
            self.modules.loaded[self.module] = patch
        return patch

    def _teardown(self) -> None:
        self.fading.clear()
        self.settle_at = math.inf
        self.playing = None
        self.master = None
        self.modules.release()
        gc.collect()

    def _reopen(self) -> None:
        self._teardown()
        self.server.reopen()
        self._build()

    # modules

    def _load(self, path: Path) -> Running:
        code = load_code(path)
        return Running(code, self._context(code.params))

    def _context(self, params: Iterable[Param]) -> Context:
        signals = {}
        for param in params:
            value = param.as_input().clamp(self.values.get(param.name, param.default))
            signals[param.name] = pyo.SigTo(value, time=param.ramp, init=value)
        return Context(self.server.sample_rate, self.server.buffer_size, self.audio.channels,
                       self.themes, self.options.seed, signals, self.server.now)

    def _switch(self, patch: Running) -> None:
        """Crossfade from what plays to `patch`, then tell it what the carte holds."""
        assert self.master is not None
        if self.playing is not None:
            self.fading.append(self.playing)
        self.master.switch(patch.output, self.options.crossfade_seconds)
        self.settle_at = self.server.now() + self.options.crossfade_seconds + 0.1
        self.playing = patch
        self.code = patch.code
        self.faults.clear()
        self._restore(patch)

    def _restore(self, patch: Running) -> None:
        for contribution in self.arrived.values():
            self._fault(patch.call("arrive", contribution, False))
        for contribution_id in sorted(self.hidden):
            self._fault(patch.call("hide", contribution_id))
        self._fault(patch.call("themes", self._counts()))

    def reload_changed(self, paths: set[Path]) -> None:
        """Changed files of `sound/`: the playing module, if among them, reloads with a
        crossfade; a broken version is reported and the previous one keeps playing."""
        if self.master is None or not any(self.modules.owns(p) and p.stem == self.module
                                          for p in paths):
            return
        patch = self._loaded()
        if patch is not None:
            log.info("audio: sound/%s.py reloaded", self.module)
            self._switch(patch)

    def select(self, module: str) -> None:
        """Play another module of `sound/` (a scene's preset), crossfading to it; if it
        cannot load, what plays goes on and it is tried again when saved."""
        if module == self.module:
            return
        self.module = module
        if self.master is None:
            return
        patch = self._loaded()
        if patch is not None:
            previous = self.playing
            self._switch(patch)
            for name, loaded in list(self.modules.loaded.items()):
                if loaded is previous:
                    del self.modules.loaded[name]

    # the carte

    def contribution(self, contribution: Contribution, gesture: bool = True) -> None:
        """A contribution joined the carte: its gesture plays (unless `gesture` is False,
        for what was already there, e.g. from the journal at start)."""
        if contribution.id in self.arrived:
            return
        self.arrived[contribution.id] = replace(contribution, pixels=None, frames=None)
        self._keep_recent_clips()
        if self.playing is not None:
            self._fault(self.playing.call("arrive", contribution, gesture))
            self._fault(self.playing.call("themes", self._counts()))

    def _keep_recent_clips(self) -> None:
        """Only the newest sounds keep their samples (a reloaded module re-weaves them);
        older ones keep their envelope, so memory stays flat over days."""
        with_clips = [c for c in self.arrived.values()
                      if c.clip is not None and len(c.clip.samples)]
        for old in with_clips[:-CLIPS_KEPT]:
            self.arrived[old.id] = light(old)

    def hide(self, contribution_id: str) -> None:
        """Moderation hid it: it falls silent and leaves the bed's balance."""
        self._visibility(contribution_id, "hide")

    def show(self, contribution_id: str) -> None:
        self._visibility(contribution_id, "show")

    def _visibility(self, contribution_id: str, hook: str) -> None:
        hidden = contribution_id in self.hidden
        if contribution_id not in self.arrived or hidden == (hook == "hide"):
            return
        if hidden:
            self.hidden.discard(contribution_id)
        else:
            self.hidden.add(contribution_id)
        if self.playing is not None:
            self._fault(self.playing.call(hook, contribution_id))
            self._fault(self.playing.call("themes", self._counts()))

    def _counts(self) -> dict[str, int]:
        known = set(self.themes)
        counts = Counter({theme: 0 for theme in (*self.themes, "")})
        counts.update(c.tags.theme if c.tags.theme in known else ""
                      for c in self.arrived.values() if c.id not in self.hidden)
        return dict(counts)

    # parameters and analysis

    def params(self) -> tuple[ShaderInput, ...]:
        """Declared parameters: the volume, then the playing module's (after `start`)."""
        declared = () if self.code is None else tuple(p.as_input() for p in self.code.params)
        return (VOLUME, *declared)

    def set_param(self, name: str, value: float) -> bool:
        """Glide a declared parameter to `value` (clamped to its range); False when the
        name is not declared or the value is not a finite number."""
        spec = next((p for p in self.params() if p.name == name), None)
        try:
            if spec is None:
                raise ValueError(f"no parameter {name!r}")
            value = spec.clamp(value)
        except (TypeError, ValueError) as error:
            log.warning("audio: set_param ignored: %s", error)
            return False
        self.values[name] = value
        if name == VOLUME.name and self.master is not None:
            self.master.volume.value = value
        elif self.playing is not None:
            self.playing.set(name, value)
        return True

    def levels(self) -> Levels:
        """Loudness and four bands (low to high), each 0..1 on a 60 dB scale, for the
        shaders' `audioLevel` and `audioBands`."""
        return SILENT if self.master is None else self.master.levels()

    def recent(self, frames: int) -> np.ndarray:
        """The last `frames` samples the master computed, (frames, channels) float32: what
        was just heard, for the shaders' `audio` and `audioFFT` images."""
        if self.master is None:
            return np.zeros((0, self.audio.channels), dtype=np.float32)
        return self.master.read(min(frames, self._capture_frames()))

    # time

    def process(self, seconds: float) -> np.ndarray:
        """Computed modes: advance the sound by `seconds` (whole buffers; the remainder
        carries over) and return the samples, (frames, channels) float32. A no-op
        returning no samples where a device plays in real time."""
        return self._advance(seconds, capture=True)

    def _advance(self, seconds: float, capture: bool) -> np.ndarray:
        buffers = self.server.due(seconds)
        chunks = [np.zeros((0, self.audio.channels), dtype=np.float32)]
        while buffers > 0 and self.master is not None:
            count = min(buffers, CAPTURE_BUFFERS)
            for _ in range(count):
                self.server.step()
                self._update()
            if capture:
                chunks.append(self.master.read(count * self.server.buffer_size))
            buffers -= count
            self._housekeeping()
        return np.concatenate(chunks)

    def poll(self) -> None:
        """Once a frame, live: the watchdog (a stalled or lost output is replaced and
        looked for again), the module's queued events, tidying after crossfades; on the
        `manual` backend (no device), the sound is computed here, following the wall
        clock, so that levels and the picture stay alive."""
        now = time.monotonic()
        elapsed, self.last_poll = min(now - self.last_poll, MAX_CATCH_UP), now
        if not self.started:
            return
        if self.server.poll():
            self._reopen()
        elif self.server.backend == "manual":
            self._advance(elapsed, capture=False)
        elif self.server.realtime:
            self._update()
        self._housekeeping()

    def _update(self) -> None:
        if self.playing is not None:
            self._fault(self.playing.call("update", self.server.now()))

    def _capture_frames(self) -> int:
        return CAPTURE_BUFFERS * self.server.buffer_size

    def _meter(self) -> None:
        """Every captured block once the fade-in is over: the leveller's new trim."""
        assert self.master is not None
        samples = self.server.samples()
        frames = self._capture_frames()
        if samples - self.metered < frames or samples < self.fade_done:
            return
        self.metered = samples
        volume = self.values[VOLUME.name]
        if volume <= 0.0:
            return
        applied = self.leveller.trim + 20.0 * math.log10(volume)
        self.master.trim_db(self.leveller.block(self.master.read(frames), self.sample_rate,
                                                applied))

    def _housekeeping(self) -> None:
        if self.master is None:
            return
        self._meter()
        now = self.server.now()
        if self.fading and now >= self.settle_at:
            self.master.settle()
            self.fading.clear()
            self.settle_at = math.inf
            gc.collect()
        if not math.isfinite(self.master.raw_level()):
            self._recover(now)

    def _recover(self, now: float) -> None:
        """Invalid samples (NaN, infinity) poison every filter after them: rebuild the
        whole graph; a module that does it again within RELAPSE_SECONDS gives way to the
        drone until it is saved again."""
        assert self.code is not None
        relapse = now - self.last_rebuild < RELAPSE_SECONDS
        self.last_rebuild = now
        then = "the built-in drone plays until it is saved again" if relapse else "rebuilt it"
        self._fault(Problem(self.code.path, 1, f"the patch produced invalid samples (NaN or "
                                               f"infinity); {then}"))
        self._teardown()
        self._build(drone=relapse)

    # files and problems

    def render(self, seconds: float,
               arrivals: Iterable[tuple[float, Contribution]] = ()) -> np.ndarray:
        """From a fresh start on a computed backend: exactly `seconds` of sound (to the
        sample), each contribution arriving at its time (to the buffer), faded in at the
        start and out at the end. The same inputs give the same samples."""
        if self.started or self.audio.backend not in ("manual", "offline"):
            raise RuntimeError("render needs a stopped soundscape with backend manual or "
                               "offline (one pyo server per process)")
        self.start()
        try:
            buffer = self.server.buffer_size / self.sample_rate
            fade = min(self.options.fade_seconds, seconds / 2)
            fade_at = max(0.0, seconds - fade)
            events: list[tuple[float, Contribution | None]] = [
                (at, c) for at, c in sorted(arrivals, key=lambda a: a[0]) if at <= seconds]
            events.append((fade_at, None))
            events.sort(key=lambda e: (e[0], e[1] is not None))
            chunks, elapsed = [], 0.0
            for at, contribution in events:
                if at > elapsed:
                    chunks.append(self.process(at - elapsed))
                    elapsed = at
                if contribution is not None:
                    self.contribution(contribution)
                else:
                    self.fade_out(max(fade - 2 * buffer, 0.001))
            chunks.append(self.process(seconds - elapsed))
            wanted = round(seconds * self.sample_rate)
            while sum(len(c) for c in chunks) < wanted and self.master is not None:
                chunks.append(self.process(buffer))
        finally:
            self.stop()
        return np.concatenate(chunks)[:wanted]

    def fade_out(self, seconds: float) -> None:
        """The master down to silence over `seconds` (the end of a render or a film)."""
        if self.master is not None:
            self.master.fade_out(seconds)

    def render_wav(self, path: Path, seconds: float,
                   arrivals: Iterable[tuple[float, Contribution]] = ()) -> Path:
        """`render` to a 24-bit WAV file, with this soundscape's module and parameters.
        This soundscape must be stopped: a sibling on the offline backend renders."""
        if self.started:
            raise RuntimeError("stop() the soundscape before render_wav (one pyo server per "
                               "process)")
        offline = Soundscape(replace(self.audio, backend="offline"), self.modules.folder,
                             self.themes, self.module, self.options)
        offline.values.update(self.values)
        samples = offline.render(seconds, arrivals)
        return write_wav(path, samples, offline.sample_rate)

    def problems(self) -> list[Problem]:
        """The module's load errors (newest state) and its latest runtime faults."""
        return self.modules.problems() + list(self.faults.values())

    def _fault(self, *problems: Problem | None) -> None:
        for problem in problems:
            if problem is None or str(problem) in self.faults:
                continue
            log.error("%s", problem)
            self.faults[str(problem)] = problem
            while len(self.faults) > MAX_FAULTS:
                del self.faults[next(iter(self.faults))]
