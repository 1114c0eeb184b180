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
import sys
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


def render_film(engine: Engine, out: Path, seconds: float, cues: Sequence[Cue],
                speed: float = 1.0) -> int:
    """Render `seconds` of film to `out` (H.264 + AAC in MP4); returns frames written."""
    fps = engine.config.display.fps
    width, height = engine.target.size
    frames = max(1, round(seconds * fps))
    partial = out.with_name(f".{out.stem}.partial{out.suffix}")
    out.parent.mkdir(parents=True, exist_ok=True)
    pending = sorted(cues, key=lambda cue: cue.at)
    progress = Progress(frames)
    written = 0
    container = av.open(str(partial), mode="w", format="mp4")
    try:
        video = container.add_stream("libx264" if "libx264" in av.codecs_available
                                     else "mpeg4", rate=fps)
        video.width, video.height, video.pix_fmt = width // 2 * 2, height // 2 * 2, "yuv420p"
        # Encoding is most of a replay's time: a fast preset at a low CRF keeps it sharp.
        video.options = {"crf": "18", "preset": "veryfast"}
        sound = None
        if engine.audio is not None:
            sound = container.add_stream("aac", rate=engine.audio.sample_rate)
            sound.layout = "stereo"
            sound.bit_rate = AUDIO_RATE_KBPS * 1000
        fifo = av.AudioFifo()
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
            picture = engine.target.pixels()[: video.height, : video.width, :3]
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(picture), format="rgb24")
            container.mux(video.encode(frame))
            if sound is not None:
                _audio(container, sound, fifo, engine, False)
            written = index + 1
            progress.update(written)
    except KeyboardInterrupt:
        log.warning("interrupted: keeping the %d frames rendered", written)
    finally:
        container.mux(video.encode(None))
        if sound is not None:
            _audio(container, sound, fifo, engine, True)
        container.close()
    os.replace(partial, out)
    return written


def _audio(container: av.container.OutputContainer, stream: av.AudioStream,
           fifo: av.AudioFifo, engine: Engine, flush: bool) -> None:
    """Hand the frames' sound to the encoder in the sizes AAC wants; `flush` at the end."""
    for chunk in engine.sound:
        planar = np.ascontiguousarray(chunk.T.astype(np.float32))
        frame = av.AudioFrame.from_ndarray(planar, format="fltp", layout="stereo")
        frame.sample_rate = stream.rate
        frame.time_base = Fraction(1, frame.sample_rate)
        fifo.write(frame)
    engine.sound.clear()
    size = stream.codec_context.frame_size or 1024
    while fifo.samples >= size or (flush and fifo.samples):
        block = fifo.read(min(size, fifo.samples) if flush else size)
        if block is None:
            break
        container.mux(stream.encode(block))
    if flush:
        container.mux(stream.encode(None))
