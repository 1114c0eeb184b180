"""Building blocks for soundscape modules: voices built once and reused by every event.

A gesture is written into a voice's tables (pitch, loudness and place as curves) and
triggered: no pyo object is created per event, so a show of two days keeps a flat object
count and a flat CPU load. Composers import these from `engine.audio.kit`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

import numpy as np
import pyo

from engine.audio.loudness import RUMBLE_HZ, mono_loudness
from engine.world.contribution import Clip

POINTS = 1024  # curve resolution: about 6 ms over a 6 s gesture


@dataclass(frozen=True)
class Note:
    """One note of a line: when (s from the gesture's start), how long, how high, how loud."""

    start: float
    length: float
    freq: float
    amp: float


def write(table: pyo.PyoTableObject, values: np.ndarray, channel: int = 0) -> None:
    """Copy `values` to the start of a table, zeroing the rest.

    The numpy view of the table's memory lives only inside this call: pyo frees a
    table's memory even while a view of it is held, so a view that outlived its table
    would corrupt the heap. Never keep one."""
    view = np.asarray(table.getBuffer(channel))
    count = min(len(values), len(view))
    view[:count] = values[:count]
    view[count:] = 0.0


def read(table: pyo.PyoTableObject, channel: int = 0) -> np.ndarray:
    """A copy of a table's samples (see `write` on why no view is kept)."""
    return np.array(np.asarray(table.getBuffer(channel)))


def fill(table: pyo.PyoTableObject, values: Sequence[float] | np.ndarray) -> None:
    """Stretch `values` over the whole table (linear interpolation)."""
    values = np.asarray(values, dtype=np.float64)
    if len(values) == 0:
        values = np.zeros(1)
    where = np.linspace(0.0, 1.0, table.getSize())
    write(table, np.interp(where, np.linspace(0.0, 1.0, len(values)), values))


def line(notes: Sequence[Note], seconds: float, points: int = POINTS,
         attack: float = 0.02) -> tuple[np.ndarray, np.ndarray]:
    """Pitch and loudness curves of a melodic line over `seconds`: each note rises in
    `attack` and fades smoothly to nothing by its end; the pitch holds between notes."""
    t = np.linspace(0.0, seconds, points)
    ordered = sorted(notes, key=lambda n: n.start)
    freq = np.full(points, ordered[0].freq if ordered else 0.0)
    amp = np.zeros(points)
    for note in ordered:
        local = t - note.start
        freq[local >= 0] = note.freq
        rise = np.clip(local / max(attack, 1e-3), 0.0, 1.0)
        fall = (1.0 - np.clip(local / max(note.length, 1e-3), 0.0, 1.0)) ** 2
        amp = np.maximum(amp, note.amp * rise * fall)
    amp[-1] = 0.0
    return freq, amp


class Voice(Protocol):
    """What a pool needs of a voice: when its current event ends (audio clock, s), and a
    chance to start what it was asked to play."""

    until: float

    def update(self, now: float) -> None: ...


V = TypeVar("V", bound=Voice)


class VoicePool(Generic[V]):
    """Voices built once. Each event takes the voice free the longest, or, when all are
    sounding, the one closest to its end; owners let moderation silence what they play."""

    def __init__(self, voices: Sequence[V]) -> None:
        self.voices = tuple(voices)
        self.owners: list[str | None] = [None] * len(self.voices)

    def take(self, owner: str) -> V:
        index = min(range(len(self.voices)), key=lambda i: self.voices[i].until)
        self.owners[index] = owner
        return self.voices[index]

    def owned(self, owner: str, now: float) -> list[V]:
        """The voices still sounding (or about to) for `owner`."""
        return [v for v, o in zip(self.voices, self.owners, strict=True)
                if o == owner and v.until > now]

    def update(self, now: float) -> None:
        for voice in self.voices:
            voice.update(now)


class CurveVoice:
    """An oscillator whose pitch (Hz), loudness (0..1) and place (pan 0..1) follow curves
    written into tables; `play` shapes any gesture with it. A voice taken while it still
    sounds fades out for a moment before its new gesture starts, so stealing never clicks."""

    FADE = 0.03

    def __init__(self, timbre: pyo.PyoTableObject, channels: int, points: int = POINTS) -> None:
        self.tables = [pyo.DataTable(points) for _ in range(3)]
        self.trigger = pyo.Trig()
        self.curves = [pyo.TrigEnv(self.trigger, t, dur=1.0) for t in self.tables]
        freq, amp, pan = self.curves
        self.gain = pyo.SigTo(1.0, time=self.FADE, init=1.0)
        self.osc = pyo.Osc(timbre, freq=freq, mul=amp * self.gain)
        self.output = pyo.Pan(self.osc, outs=channels, pan=pan, spread=0.25)
        self.until = -math.inf
        self.start_at = math.inf
        self.pending: tuple[float, np.ndarray, np.ndarray, np.ndarray,
                            pyo.PyoTableObject | None] | None = None

    def play(self, now: float, seconds: float, freq: Sequence[float] | np.ndarray,
             amp: Sequence[float] | np.ndarray, pan: Sequence[float] | np.ndarray,
             timbre: pyo.PyoTableObject | None = None) -> None:
        """Play curves over `seconds` from `now` (audio clock), or just after if stolen."""
        sounding = now < self.until
        if sounding:
            self.gain.value = 0.0
        self.start_at = now + (1.5 * self.FADE if sounding else 0.0)
        self.until = self.start_at + seconds
        self.pending = (seconds, np.asarray(freq), np.asarray(amp), np.asarray(pan), timbre)
        self.update(now)

    def update(self, now: float) -> None:
        if self.pending is None or now < self.start_at:
            return
        seconds, freq, amp, pan, timbre = self.pending
        self.pending = None
        for table, values in zip(self.tables, (freq, amp, pan), strict=True):
            fill(table, values)
        for curve in self.curves:
            curve.dur = max(seconds, 0.05)
        if timbre is not None:
            self.osc.table = timbre
        self.gain.value = 1.0
        self.trigger.play()

    def silence(self) -> None:
        self.pending = None
        self.gain.value = 0.0


VOICE_LUFS = -18.0  # where `prepare` puts a contributed sound
VOICE_PEAK = 0.8  # and the ceiling its peaks are limited to (-2 dBFS)


def limit(samples: np.ndarray, rate: int, ceiling: float) -> np.ndarray:
    """Peaks brought under `ceiling` by a smooth gain (5 ms blocks, each looking at its
    neighbours, interpolated), so normalising a peaky sound never clips it."""
    hop = max(1, rate // 200)
    count = -(-len(samples) // hop)
    padded = np.zeros(count * hop)
    padded[: len(samples)] = np.abs(samples)
    peaks = padded.reshape(count, hop).max(axis=1)
    peaks = np.maximum.reduce([np.roll(peaks, k) for k in (-1, 0, 1)])
    gains = np.minimum(1.0, ceiling / np.maximum(peaks, 1e-9))
    where = (np.arange(count) + 0.5) * hop
    return samples * np.interp(np.arange(len(samples)), where, gains)


def prepare(clip: Clip, sample_rate: int, frames: int, loudness: float = VOICE_LUFS,
            peak: float = VOICE_PEAK) -> np.ndarray | None:
    """A clip as a radio producer readies a voice: mono at `sample_rate`, DC removed (a
    `ClipVoice` high-passes what it plays), its silent head trimmed, brought to
    `loudness` LUFS from the loudness measured at intake (`mono_loudness`; measured here
    if it was not; at most +30 dB), peaks limited to
    `peak`, at most `frames` long, edges faded over 5 ms; None when silent."""
    samples = np.asarray(clip.samples, dtype=np.float64).reshape(len(clip.samples), -1)
    samples = np.nan_to_num(samples.mean(axis=1))
    if clip.sample_rate != sample_rate and len(samples) > 1:
        count = int(len(samples) * sample_rate / clip.sample_rate)
        samples = np.interp(np.linspace(0, len(samples) - 1, count), np.arange(len(samples)),
                            samples)
    if len(samples) == 0 or float(np.abs(samples).max()) <= 1e-6:
        return None
    measured = clip.loudness
    if measured is None or not math.isfinite(measured):
        measured = mono_loudness(samples[:, None], sample_rate)  # a clip from before R128
    samples = samples - samples.mean()  # DC here; rumble in the voice's own high-pass
    loudest = float(np.abs(samples).max())
    if measured is None or loudest <= 1e-6:
        return None
    head = int(np.argmax(np.abs(samples) > 0.05 * loudest))
    samples = samples[max(0, head - sample_rate // 200):][:frames]
    samples = limit(samples * 10.0 ** (min(loudness - measured, 30.0) / 20.0), sample_rate, peak)
    edge = min(len(samples) // 2, sample_rate // 200)
    if edge:
        ramp = np.linspace(0.0, 1.0, edge)
        samples[:edge] *= ramp
        samples[-edge:] *= ramp[::-1]
    return samples


class ClipVoice:
    """A contributed sound: played once as itself (`voice`, its mono `once` for a
    sidechain), then woven into the bed as a slow granular blur of itself (`blur`), until
    another sound takes its place. A new sound is written a moment after the old one
    faded, so replacing it never clicks."""

    FADE = 0.02

    def __init__(self, seconds: float, sample_rate: int, channels: int, pan: float,
                 weave: float = 0.25, pitch: float = 0.5) -> None:
        self.sample_rate = sample_rate
        self.level = weave
        self.frames = int(seconds * sample_rate)
        self.table = pyo.DataTable(self.frames)
        self.length = pyo.Sig(1.0)
        self.trigger = pyo.Trig()
        self.once_gain = pyo.SigTo(0.0, time=self.FADE)
        self.weave_gain = pyo.SigTo(0.0, time=self.FADE)
        # rumble removed in C, per sample, rather than by an FFT on the main thread: a
        # long computation there holds the interpreter lock the audio callback needs
        played = pyo.TrigEnv(self.trigger, self.table, dur=seconds, mul=self.once_gain)
        self.once = pyo.ButHP(pyo.ButHP(played, freq=RUMBLE_HZ), freq=RUMBLE_HZ)
        drift = pyo.Sine(freq=0.017 + 0.011 * pan, phase=pan, mul=0.45, add=0.5)
        grains = pyo.Granulator(self.table, pyo.HannTable(), pitch=pitch,
                                pos=drift * self.length, dur=0.35, grains=6,
                                basedur=0.35, mul=self.weave_gain)
        self.grains = pyo.ButHP(pyo.ButHP(grains, freq=RUMBLE_HZ), freq=RUMBLE_HZ)
        self.voice = pyo.Pan(self.once, outs=channels, pan=0.5 + 0.3 * (pan - 0.5), spread=0.3)
        self.blur = pyo.Pan(self.grains, outs=channels, pan=pan, spread=0.6)
        self.owner: str | None = None
        self.hidden = False
        self.pending: Clip | None = None
        self.play_once = False
        self.write_at = math.inf
        self.weave_at = math.inf
        self.busy = False

    def take(self, owner: str, clip: Clip, now: float, gesture: bool) -> None:
        """Queue a clip; `update` prepares, writes and plays it (only the last clip queued
        is prepared, so a reload replaying hundreds of sounds costs little)."""
        self._fade(0.0, self.FADE)
        self.owner = owner
        self.hidden = False
        self.pending = clip
        self.write_at = now + (self.FADE * 1.5 if self.busy else 0.0)
        self.play_once = gesture
        self.update(now)

    def update(self, now: float) -> None:
        if self.pending is not None and now >= self.write_at:
            samples = prepare(self.pending, self.sample_rate, self.frames)
            self.pending = None
            self.write_at = math.inf
            if samples is None:
                return
            write(self.table, samples)
            self.busy = True
            self.length.value = float(len(samples))
            once = self.play_once and not self.hidden
            if once:
                self.once_gain.value = 1.0
                self.trigger.play()
            self.weave_at = now + (len(samples) / self.sample_rate if once else 0.0)
        if now >= self.weave_at:
            self.weave_at = math.inf
            if not self.hidden:
                self._fade(self.level, 6.0, once=1.0)

    def hide(self) -> None:
        self.hidden = True
        self._fade(0.0, 0.5)

    def show(self) -> None:
        self.hidden = False
        if self.pending is None and self.weave_at == math.inf:
            self._fade(self.level, 3.0, once=1.0)

    def _fade(self, weave: float, seconds: float, once: float = 0.0) -> None:
        self.weave_gain.time = seconds
        self.weave_gain.value = weave
        self.once_gain.time = min(seconds, self.FADE)
        self.once_gain.value = once
