"""Films of the carte: picture and soundscape rendered together, offline, frame by frame.

The engine runs on the fixed-step clock with its soundscape computed offline, so the
same journal and options give the same film. Contributions arrive on a schedule (spread
over a short film, or at their recorded times compressed for a replay of the event).
The file is written under a temporary name and renamed when complete; Ctrl-C finishes
the streams so what was rendered is a playable film.
"""

from __future__ import annotations

import logging
import os
import queue
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np

from engine.app import Engine
from engine.intake.intake import Arrived
from engine.journal.journal import Entry

log = logging.getLogger(__name__)
AUDIO_RATE_KBPS = 192


@dataclass(frozen=True)
class Change:
    """A scene switch or a live parameter change, as the journal recorded it."""

    kind: str
    payload: dict[str, Any]

    def apply(self, engine: Engine, speed: float) -> None:
        if self.kind == "scene":
            fade = self.payload.get("fade")
            engine.switch_scene(str(self.payload.get("name")),
                                None if fade is None else max(0.5, float(fade) / speed))
        elif self.kind == "param":
            key = tuple(str(part) for part in self.payload.get("key", ()))
            value = self.payload.get("value")
            if len(key) == 3:
                engine.steering.set(key, tuple(value) if isinstance(value, list) else value)


@dataclass(frozen=True)
class Cue:
    """A contribution arriving, or a change made live, at `at` seconds of film time."""

    at: float
    arrived: Arrived | Change


def spread(arrivals: Sequence[Arrived], seconds: float) -> list[Cue]:
    """Arrivals evenly over the first four fifths of a film (a short film of the carte
    assembling itself)."""
    step = seconds * 0.8 / max(1, len(arrivals))
    return [Cue(index * step, arrived) for index, arrived in enumerate(arrivals)]


def recorded(arrivals: Sequence[Arrived], entries: dict[str, Entry],
             changes: Sequence[tuple[float, str, dict[str, Any]]], start: float, end: float,
             speed: float) -> list[Cue]:
    """Arrivals and live changes at their journaled times, compressed by `speed` (a
    replay); the changes made before `start` set the stage at time 0."""
    cues = [Cue(max(0.0, (entries[a.contribution.id].at - start) / speed), a)
            for a in arrivals if a.contribution.id in entries]
    cues += [Cue(max(0.0, (at - start) / speed), Change(kind, payload))
             for at, kind, payload in changes if at <= end]
    return sorted(cues, key=lambda cue: cue.at)


class Progress:
    """A progress bar with an honest estimate, on stderr when it is a terminal."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.started = time.monotonic()
        self.shown = 0.0
        self.tty = sys.stderr.isatty()

    def update(self, done: int) -> None:
        now = time.monotonic()
        if done < self.total and now - self.shown < (0.25 if self.tty else 10.0):
            return
        self.shown = now
        elapsed = now - self.started
        left = elapsed / done * (self.total - done) if done else 0.0
        width = 30
        bar = "#" * int(width * done / self.total)
        line = (f"[{bar:<{width}}] {done}/{self.total} frames, {elapsed:.0f} s, "
                f"about {left:.0f} s left")
        print(f"\r{line}" if self.tty else line, end="" if self.tty else "\n",
              file=sys.stderr, flush=True)
        if self.tty and done >= self.total:
            print(file=sys.stderr)


class FilmWriter:
    """Encodes and writes the film on a thread of its own while the next frame draws.

    x264 runs on one thread: its frame threads give slightly different pictures from one
    run to the next, and one thread beside the drawing is as fast on few cores."""

    def __init__(self, path: Path, size: tuple[int, int], fps: int,
                 sample_rate: int | None) -> None:
        self.container = av.open(str(path), mode="w", format="mp4")
        self.video = self.container.add_stream(
            "libx264" if "libx264" in av.codecs_available else "mpeg4", rate=fps)
        self.video.width, self.video.height = size[0] // 2 * 2, size[1] // 2 * 2
        self.video.pix_fmt = "yuv420p"
        # A fast preset at a low CRF keeps the film sharp at the speed it is drawn.
        self.video.options = {"crf": "18", "preset": "veryfast", "threads": "1"}
        self.sound: av.AudioStream | None = None
        if sample_rate is not None:
            self.sound = self.container.add_stream("aac", rate=sample_rate)
            self.sound.layout = "stereo"
            self.sound.bit_rate = AUDIO_RATE_KBPS * 1000
        self.fifo = av.AudioFifo()
        self.queue: queue.Queue[tuple[np.ndarray, list[np.ndarray]] | None] = \
            queue.Queue(maxsize=4)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._write, name="film", daemon=True)
        self.thread.start()

    def add(self, picture: np.ndarray, sound: list[np.ndarray]) -> None:
        """One frame's picture (height, width, 3+) and the sound that came with it."""
        if self.error is not None:
            raise RuntimeError(f"the film could not be written: {self.error}")
        frame = np.ascontiguousarray(picture[: self.video.height, : self.video.width, :3])
        self.queue.put((frame, list(sound)))

    def close(self) -> None:
        """Finish the streams (what was added is a playable film) and close the file."""
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise RuntimeError(f"the film could not be written: {self.error}")

    def _write(self) -> None:
        try:
            while (item := self.queue.get()) is not None:
                picture, sound = item
                self.container.mux(self.video.encode(
                    av.VideoFrame.from_ndarray(picture, format="rgb24")))
                self._audio(sound, flush=False)
            self.container.mux(self.video.encode(None))
            self._audio([], flush=True)
        except Exception as error:  # reported to the drawing thread, which stops
            self.error = error
            while self.queue.get() is not None:  # never leave the drawing thread blocked
                pass
        finally:
            self.container.close()

    def _audio(self, chunks: list[np.ndarray], flush: bool) -> None:
        """Hand the frames' sound to the encoder in the sizes AAC wants."""
        if self.sound is None:
            return
        for chunk in chunks:
            planar = np.ascontiguousarray(chunk.T.astype(np.float32))
            frame = av.AudioFrame.from_ndarray(planar, format="fltp", layout="stereo")
            frame.sample_rate = self.sound.rate
            frame.time_base = Fraction(1, frame.sample_rate)
            self.fifo.write(frame)
        size = self.sound.codec_context.frame_size or 1024
        while self.fifo.samples >= size or (flush and self.fifo.samples):
            block = self.fifo.read(min(size, self.fifo.samples) if flush else size)
            if block is None:
                break
            self.container.mux(self.sound.encode(block))
        if flush:
            self.container.mux(self.sound.encode(None))


def render_film(engine: Engine, out: Path, seconds: float, cues: Sequence[Cue],
                speed: float = 1.0) -> int:
    """Render `seconds` of film to `out` (H.264 + AAC in MP4); returns frames written."""
    fps = engine.config.display.fps
    frames = max(1, round(seconds * fps))
    partial = out.with_name(f".{out.stem}.partial{out.suffix}")
    out.parent.mkdir(parents=True, exist_ok=True)
    pending = sorted(cues, key=lambda cue: cue.at)
    progress = Progress(frames)
    written = 0
    writer = FilmWriter(partial, engine.target.size, fps,
                        engine.audio.sample_rate if engine.audio is not None else None)
    try:
        fade_at = frames - round(min(engine.config.audio.fade_seconds, seconds / 2) * fps)
        for index in range(frames):
            now = index / fps
            if index == fade_at and engine.audio is not None:
                engine.audio.fade_out(max((frames - index - 1) / fps, 0.001))
            while pending and pending[0].at <= now:
                message = pending.pop(0).arrived
                if isinstance(message, Change):
                    message.apply(engine, speed)
                else:
                    engine.receive(message)
            engine.step()
            writer.add(engine.target.pixels(), engine.sound)
            engine.sound.clear()
            written = index + 1
            progress.update(written)
    except KeyboardInterrupt:
        log.warning("interrupted: keeping the %d frames rendered", written)
    except BaseException:
        try:  # a failed film leaves no hidden half-file behind
            writer.close()
        finally:
            partial.unlink(missing_ok=True)
        raise
    writer.close()
    os.replace(partial, out)
    return written
