"""Paysage: the default soundscape of the carte sensible.

A bed per theme, all in D lydian so they never clash, each with its own register, timbre
and breath; a theme grows louder as the carte shows more of it. Every arrival is marked
at once by a short struck note in its kind's timbre, then plays a gesture of its kind on
a pool of ten voices: a text's words become a marimba melody, keywords bells, an image's
palette a rolled chord, an animation's or a video's a flickering one, a data series
staccato blips crossing the room, a drawing's strokes whistled glissandi. A sound is
played once as itself, dry and in front, the rest ducking under it (a sidechain keyed
by the sound), then woven into the bed as a granular blur. The rest goes through a
shared reverb and a brightness filter.
"""

from __future__ import annotations

import colorsys
import re
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pyo

from engine.audio.contract import Context, Param
from engine.audio.kit import POINTS, ClipVoice, CurveVoice, Note, VoicePool, line
from engine.world.contribution import Contribution

PARAMS = (
    Param("bed", 0.7, 0.0, 1.0, "Lit sonore", ramp=2.0),
    Param("gestures", 0.8, 0.0, 1.0, "Gestes des contributions"),
    Param("breath", 0.5, 0.0, 1.0, "Respiration du lit", ramp=2.0),
    Param("brightness", 0.5, 0.0, 1.0, "Clarté", ramp=1.0),
    Param("space", 0.35, 0.0, 1.0, "Espace (réverbération)", ramp=1.0),
    Param("voices", 1.0, 0.0, 1.0, "Voix et sons contribués"),
    Param("duck", 0.85, 0.0, 1.0, "Effacement sous les voix", ramp=0.2),
)

ROOT = 73.42  # D2
LYDIAN = (0, 2, 4, 6, 7, 9, 11)
VOICES = 10
CLIPS = 3
CLIP_SECONDS = 8.0
SPACING = 0.35  # seconds between the starts of two queued gestures
QUEUE = 12
MAX_NOTES = 14
MARKS = 4
MARK_GAP = 0.09  # marks of a burst fall on this grid, never on top of each other
VOICE_GAIN = 2.0  # contributed sounds sit this far over the loudness the kit gives them
MARK_FLOOR = 1400.0  # Hz: no mark lower, where the beds are dense
KEY_GAIN = 60.0  # the sidechain ducks fully once a sound's envelope passes about -36 dBFS


@dataclass(frozen=True)
class Colour:
    """A theme's sound: its octave above D2, its bed chord (scale degrees), its timbre
    (harmonic weights) and how slowly it breathes (s)."""

    octave: int
    chord: tuple[int, ...]
    harmonics: tuple[float, ...]
    period: float


COLOURS = (
    Colour(1, (0, 4, 8), (1, 0, 0.33, 0, 0.2, 0, 0.14), 11.0),  # a reed, warm, middle
    Colour(3, (1, 4, 6), (1, 0, 0, 0.3, 0, 0, 0, 0.15), 17.0),  # glass, high
    Colour(0, (0, 4, 7), (1, 0.5, 0.33, 0.25, 0.2, 0.16), 23.0),  # a low choir
    Colour(2, (2, 3, 5), (1, 0.7, 0.2, 0.4, 0.1, 0.2), 13.0),  # vowels, lydian colour
)
CENTRE = Colour(2, (0, 4), (1, 0.2), 19.0)  # untagged contributions


@dataclass(frozen=True)
class Kind:
    """A kind's voice: its timbre (harmonic weights; `ratio` divides the pitch, so that a
    table of high harmonics plays inharmonic partials), its register above the theme's
    (octaves), its mark's length (s) and a gain that evens the kinds' loudness."""

    harmonics: tuple[float, ...]
    ratio: float = 1.0
    octave: int = 0
    mark: float = 0.25
    gain: float = 1.0


KINDS = {
    "text": Kind((1, 0, 0, 0.45, 0, 0, 0, 0, 0, 0.2), octave=1, mark=0.18),  # marimba
    "keywords": Kind((0,) * 3 + (1, 0, 0, 0, 0, 0, 0.55, 0, 0, 0.4, 0, 0, 0, 0.3, 0, 0, 0, 0,
                                 0.18), ratio=4.0, octave=2, mark=0.6, gain=1.2),  # bells
    "image": Kind(tuple(1.0 / n for n in range(1, 13)), mark=0.3, gain=0.8),  # a bowed pad
    "animation": Kind(tuple(1.0 / n if n % 2 else 0.0 for n in range(1, 14)), octave=1,
                      mark=0.2),  # reeds that flicker
    "drawing": Kind((1, 0.7, 0.5, 0.2, 0.1), octave=1, mark=0.3, gain=1.5),  # a bowed whistle
    "data": Kind((1, 0, 0, 0, 0, 0.6, 0, 0.5, 0, 0.4), mark=0.08, gain=2.0),  # electric blips
    "sound": Kind((1, 0, 0.8, 0, 0.6, 0, 0.5, 0, 0.4), mark=0.15),  # a knock
}
KINDS["video"] = KINDS["animation"]


def pitch(colour: Colour, degree: int) -> float:
    """Hz of a degree of D lydian in the colour's register (degrees past 6 climb)."""
    octave, step = divmod(degree, len(LYDIAN))
    return ROOT * 2.0 ** (colour.octave + octave + LYDIAN[step] / 12.0)


@dataclass(frozen=True)
class Phrase:
    """One voice's part of a gesture: curves over `seconds`."""

    seconds: float
    freq: np.ndarray
    amp: np.ndarray
    pan: np.ndarray


def melody(notes: list[Note], pan: float | np.ndarray, tail: float = 0.6) -> Phrase:
    seconds = max(n.start + n.length for n in notes) + tail
    freq, amp = line(notes, seconds)
    return Phrase(seconds, freq, amp, np.atleast_1d(np.asarray(pan, dtype=float)))


def text_phrase(text: str, colour: Colour, pan: float) -> Phrase | None:
    """Each word a note (its letters choose the degree, its length the duration);
    punctuation breathes."""
    notes, at = [], 0.0
    for token in re.findall(r"\w+|[.,;:!?]", text.lower())[: MAX_NOTES * 2]:
        if not token[0].isalnum() and token[0] != "_":
            at += 0.25
            continue
        step = min(0.12 + 0.045 * len(token), 0.6)
        degree = sum(map(ord, token)) % 7 + (7 if len(token) > 6 else 0)
        notes.append(Note(at, step * 1.8, pitch(colour, degree), 0.5 + 0.04 * (len(token) % 5)))
        at += step
        if len(notes) >= MAX_NOTES:
            break
    return melody(notes, pan) if notes else None


def bells(words: tuple[str, ...], colour: Colour, pan: float) -> Phrase | None:
    """Keywords as bells an octave up, each ringing long."""
    notes = [Note(0.45 * i, 1.6, pitch(colour, 7 + sum(map(ord, w)) % 7), 0.45)
             for i, w in enumerate(words[:8])]
    return melody(notes, pan, tail=1.0) if notes else None


def chord(palette: tuple[tuple[float, float, float], ...], colour: Colour, seed: int,
          pulse: float = 0.0) -> list[Phrase]:
    """A palette as a rolled chord, struck then held: hue chooses the degree, lightness
    the octave, saturation the loudness; each colour on its own voice and place. The
    roll's pace, direction, places and voicing (a third up or not) follow the contribution
    (`seed`), so two pictures of one palette differ; `pulse` (Hz) makes it flicker."""
    phrases = []
    gap = 0.06 + 0.03 * (seed % 5)
    turn = (seed >> 3) % 97 / 97.0
    colours = list(palette[:4])
    if seed & 4:
        colours.reverse()
    t = np.linspace(0.0, 5.5, POINTS)
    for i, (r, g, b) in enumerate(colours):
        hue, lightness, saturation = colorsys.rgb_to_hls(r, g, b)
        degree = round(hue * 6) + (7 if lightness > 0.6 else 0) + 2 * ((seed >> (10 + i)) & 1)
        note = Note(gap * i, 4.5, pitch(colour, degree), 0.25 + 0.3 * saturation)
        freq, amp = line([note], 5.5, attack=0.03)
        if pulse > 0:
            amp = amp * (0.65 + 0.35 * np.cos(2 * np.pi * pulse * t + i))
        phrases.append(Phrase(5.5, freq, amp, np.array([0.15 + 0.7 * ((hue + turn) % 1.0)])))
    return phrases


def contour(series: tuple[tuple[str, tuple[float, ...]], ...], colour: Colour) -> Phrase | None:
    """The first series as a melody of up to 16 notes, crossing the room left to right."""
    values = np.asarray([v for v in (series[0][1] if series else ()) if np.isfinite(v)])
    if len(values) == 0:
        return None
    count = min(len(values), 16)
    sampled = np.interp(np.linspace(0, len(values) - 1, count), np.arange(len(values)), values)
    span = np.ptp(sampled)
    shape = (sampled - sampled.min()) / span if span > 0 else np.full(count, 0.5)
    notes = [Note(0.2 * i, 0.14, pitch(colour, round(v * 9)), 0.5) for i, v in enumerate(shape)]
    return melody(notes, np.linspace(0.15, 0.85, 8))


def glissandi(strokes: tuple[tuple[tuple[float, float, float], ...], ...],
              colour: Colour) -> list[Phrase]:
    """Each stroke (up to three) a glissando: height is pitch (an octave and a bit), pressure is
    loudness, left-right is place; longer strokes last longer."""
    phrases = []
    for stroke in strokes[:3]:
        points = np.asarray([p for p in stroke if all(np.isfinite(p))], dtype=float)
        if len(points) < 2:
            continue
        x, y, pressure = np.clip(points, 0.0, 1.0).T
        length = float(np.hypot(np.diff(x), np.diff(y)).sum())
        seconds = float(np.clip(1.0 + 2.0 * length, 1.2, 5.0))
        along = np.linspace(0.0, 1.0, POINTS)
        edges = np.minimum(1.0, np.minimum(along / 0.03, (1.0 - along) / 0.15))
        amp = (0.15 + 0.4 * np.interp(along, np.linspace(0.0, 1.0, len(x)), pressure)) * edges
        height = np.interp(np.linspace(0, len(y) - 1, POINTS), np.arange(len(y)), 1.0 - y)
        vibrato = 1.0 + 0.012 * np.sin(2 * np.pi * 5.5 * np.linspace(0.0, seconds, POINTS))
        phrases.append(Phrase(seconds, pitch(colour, 0) * 2.0 ** (height * 1.2) * vibrato,
                              amp, x))
    return phrases


def mark(colour: Colour, kind: Kind, pan: float, seed: int) -> Phrase:
    """The arrival itself: one struck note (3 ms attack) in the kind's timbre, two octaves
    over the theme's register (an attack is heard where the bed is thin), its degree from
    the contribution's content, then it rings for the kind's length."""
    freq = pitch(colour, seed % 7 + 14) * 2.0 ** -kind.octave
    while freq * 2.0 ** kind.octave < MARK_FLOOR:  # as heard, after the kind's shift
        freq *= 2.0
    note = Note(0.0, kind.mark, freq, 1.0)
    curve, amp = line([note], kind.mark + 0.02, points=256, attack=0.003)
    return Phrase(kind.mark + 0.02, curve, amp, np.array([pan]))


def phrases(c: Contribution, colour: Colour, pan: float, seed: int) -> list[Phrase]:
    """The gesture of a contribution, by what it carries; never nothing."""
    if c.strokes:
        found = glissandi(c.strokes, colour)
    elif c.palette:
        moving = c.kind in ("animation", "video")
        rate = len(c.durations) / max(sum(c.durations), 1e-3) if c.durations else 8.0
        found = chord(c.palette, colour, seed, pulse=float(np.clip(rate / 2, 2.0, 9.0))
                      if moving else 0.0)
    elif c.series:
        found = [contour(c.series, colour)]
    elif c.kind == "keywords":
        found = [bells(c.tags.keywords or tuple(c.text.split()), colour, pan)]
    else:
        found = [text_phrase(c.text, colour, pan), bells(c.tags.keywords, colour, 1.0 - pan)]
    kept = [p for p in found if p is not None]
    return kept or [melody([Note(0.0, 1.5, pitch(colour, seed % 7), 0.4)], pan)]


class Bed:
    """One theme's drone: its chord, doubled slightly out of tune so it beats, breathing."""

    def __init__(self, colour: Colour, ctx: Context, index: int) -> None:
        self.table = pyo.HarmTable(list(colour.harmonics))
        self.gain = pyo.SigTo(0.5, time=8.0, init=0.5)
        depth = ctx.param("breath") * 0.45
        self.swell = pyo.Sine(freq=1.0 / colour.period, phase=0.23 * index, mul=depth,
                              add=1.0 - depth)
        freqs = [pitch(colour, d) * detune for d in colour.chord for detune in (0.998, 1.002)]
        self.osc = pyo.Osc(self.table, freq=freqs, mul=self.swell * self.gain * 0.05)
        places = [0.5 + 0.4 * np.sin(1.7 * i + index) for i in range(len(freqs))]
        self.output = pyo.Pan(self.osc, outs=ctx.channels, pan=places, spread=0.5)


class Paysage:
    """The patch: beds, a pool of gesture voices, marks, clip slots, a sidechain keyed by
    the clips, reverb, brightness."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.colours = {theme: COLOURS[i % len(COLOURS)] for i, theme in enumerate(ctx.themes)}
        self.colours[""] = CENTRE
        self.beds = {theme: Bed(colour, ctx, i)
                     for i, (theme, colour) in enumerate(self.colours.items())}
        self.timbres = {kind: pyo.HarmTable(list(k.harmonics)) for kind, k in KINDS.items()}
        first = self.timbres["text"]
        self.pool = VoicePool([CurveVoice(first, ctx.channels) for _ in range(VOICES)])
        self.marks = VoicePool([CurveVoice(first, ctx.channels, points=256)
                                for _ in range(MARKS)])
        self.clips = [ClipVoice(CLIP_SECONDS, ctx.sample_rate, ctx.channels, pan=(i + 0.5) / CLIPS)
                      for i in range(CLIPS)]
        self.next_clip = 0
        beds = pyo.Mix([b.output for b in self.beds.values()], voices=ctx.channels,
                       mul=ctx.param("bed"))
        voices = pyo.Mix([v.output for v in self.pool.voices] + [c.blur for c in self.clips],
                         voices=ctx.channels, mul=ctx.param("gestures") * 0.45)
        self.marked = pyo.Mix([v.output for v in self.marks.voices], voices=ctx.channels,
                              mul=ctx.param("gestures") * 0.45)
        self.dry = beds + voices + self.marked
        self.reverb = pyo.WGVerb(self.dry, feedback=0.85, cutoff=5000, bal=ctx.param("space"))
        cutoff = pyo.Scale(ctx.param("brightness"), outmin=1500, outmax=14000, exp=2.0)
        self.key = pyo.Follower2(pyo.Mix([c.once for c in self.clips], voices=1),
                                 risetime=0.01, falltime=0.8)
        self.keyed = pyo.Clip(self.key * KEY_GAIN, 0.0, 1.0)
        self.duck = 1.0 - self.keyed * ctx.param("duck")
        self.rest = pyo.Tone(self.reverb, freq=cutoff, mul=self.duck)
        self.voice = pyo.Mix([c.voice for c in self.clips], voices=ctx.channels,
                             mul=ctx.param("voices") * VOICE_GAIN)
        # marks duck half as deep: an arrival during a voice is still an event
        self.mark_duck = 1.0 - self.keyed * (ctx.param("duck") * 0.5)
        self.output = self.rest + self.voice + self.marked * self.mark_duck
        self.queue: deque[Contribution] = deque(maxlen=QUEUE)
        self.next_at = 0.0
        self.mark_queue: deque[Contribution] = deque(maxlen=MARKS)
        self.next_mark = 0.0

    def arrive(self, contribution: Contribution, gesture: bool) -> None:
        if contribution.clip is not None and len(contribution.clip.samples):
            slot = self.clips[self.next_clip]
            self.next_clip = (self.next_clip + 1) % CLIPS
            slot.take(contribution.id, contribution.clip, self.ctx.now(), gesture)
        if gesture:
            self.mark_queue.append(contribution)
            if contribution.kind != "sound":
                self.queue.append(contribution)
            self.update(self.ctx.now())

    def update(self, now: float) -> None:
        self.pool.update(now)
        self.marks.update(now)
        for slot in self.clips:
            slot.update(now)
        while self.mark_queue and now >= self.next_mark:
            self._mark(self.mark_queue.popleft(), now)
            self.next_mark = now + MARK_GAP
        while self.queue and now >= self.next_at:
            self._play(self.queue.popleft(), now)
            self.next_at = now + SPACING

    def _voice(self, c: Contribution) -> tuple[Colour, Kind, pyo.PyoTableObject, float, int]:
        theme = c.tags.theme if c.tags.theme in self.colours else ""
        kind = c.kind if c.kind in KINDS else "text"
        chance = self.ctx.random(c.id)
        return (self.colours[theme], KINDS[kind], self.timbres[kind], chance.uniform(0.2, 0.8),
                chance.randrange(1 << 30))

    def _mark(self, c: Contribution, now: float) -> None:
        colour, kind, timbre, pan, seed = self._voice(c)
        phrase = mark(colour, kind, pan, seed)
        self.marks.take(c.id).play(now, phrase.seconds, phrase.freq * self._shift(kind),
                                   phrase.amp, phrase.pan, timbre)

    def _play(self, c: Contribution, now: float) -> None:
        colour, kind, timbre, pan, seed = self._voice(c)
        for phrase in phrases(c, colour, pan, seed):
            self.pool.take(c.id).play(now, phrase.seconds, phrase.freq * self._shift(kind),
                                      phrase.amp * kind.gain, phrase.pan, timbre)

    @staticmethod
    def _shift(kind: Kind) -> float:
        return 2.0 ** kind.octave / kind.ratio

    def hide(self, contribution_id: str) -> None:
        for voice in self.pool.owned(contribution_id, self.ctx.now()):
            voice.silence()
        for voice in self.marks.owned(contribution_id, self.ctx.now()):
            voice.silence()
        for slot in self.clips:
            if slot.owner == contribution_id:
                slot.hide()
        self.queue = deque((c for c in self.queue if c.id != contribution_id), maxlen=QUEUE)
        self.mark_queue = deque((c for c in self.mark_queue if c.id != contribution_id),
                                maxlen=MARKS)

    def show(self, contribution_id: str) -> None:
        for slot in self.clips:
            if slot.owner == contribution_id:
                slot.show()

    def themes(self, counts: Mapping[str, int]) -> None:
        most = max(counts.values(), default=0)
        for theme, bed in self.beds.items():
            bed.gain.value = 0.5 if most == 0 else 0.3 + 0.7 * counts.get(theme, 0) / most


def build(ctx: Context) -> Paysage:
    return Paysage(ctx)
