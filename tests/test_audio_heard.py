"""Every contribution is heard: offline renders of the default soundscape measured as a
mix engineer would (EBU R128 loudness, speech-band levels, onsets, spectra), with real
French speech from espeak-ng decoded by the intake's own sound decoder."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from engine.audio.host import Soundscape
from engine.audio.loudness import integrated, mono_loudness
from engine.audio.options import SoundOptions
from engine.config import THEMES, AudioConfig
from engine.intake.decode.base import Limits
from engine.intake.decode.media import decode_sound
from engine.world.contribution import Clip, Contribution, Tags

ROOT = Path(__file__).resolve().parent.parent
RATE = 48000
OFFLINE = AudioConfig(backend="offline", sample_rate=RATE, buffer_size=512, channels=2)
THEME = Tags(theme="capacitations")
SENTENCES = ("Nous avons planté des arbres dans la cour de l'école, avec les voisins.",
             "Le marché du samedi rassemble tout le quartier autour de la fontaine.")


def render(seconds: float, arrivals: list[tuple[float, Contribution]],
           options: SoundOptions | None = None) -> np.ndarray:
    return Soundscape(OFFLINE, ROOT / "sound", THEMES, options=options).render(seconds, arrivals)


def at(t: float) -> int:
    return round(t * RATE)


def speech(folder: Path, index: int, gain_db: float = 0.0) -> Contribution:
    """A French sentence spoken by espeak-ng, through the intake's decoder (which
    measures its loudness), as a sound contribution."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng): no real speech")
    path = folder / f"voix-{index}.wav"
    subprocess.run(["espeak-ng", "-v", "fr", "-p", str(40 + 25 * index), "-w", str(path),
                    SENTENCES[index]], check=True, capture_output=True)
    decoded = decode_sound(path, Limits(sample_rate=RATE))
    assert decoded.clip is not None
    clip = decoded.clip
    if gain_db:
        clip = quieter(clip, gain_db)
    return replace(decoded, id=f"voix-{index}-{gain_db}", clip=clip, tags=THEME)


def quieter(clip: Clip, gain_db: float, dc: float = 0.0, hum: float = 0.0) -> Clip:
    """The same recording made at another level, with a DC offset and a 30 Hz hum (of
    `hum` amplitude: 0.001 is -60 dBFS)."""
    t = np.arange(len(clip.samples))[:, None] / clip.sample_rate
    samples = (clip.samples * 10 ** (gain_db / 20) + dc + hum * np.sin(2 * np.pi * 30 * t))
    return Clip(samples.astype(np.float32), clip.sample_rate, clip.envelope,
                mono_loudness(samples, clip.sample_rate))


def inverted(c: Contribution) -> Contribution:
    assert c.clip is not None
    return replace(c, clip=replace(c.clip, samples=-c.clip.samples))


def voice_and_rest(seconds: float, arrivals: list[tuple[float, Contribution]],
                   voice: tuple[float, Contribution]) -> tuple[np.ndarray, np.ndarray]:
    """The voice's stem and the rest of the mix while it plays. Rendered twice, the voice
    once inverted: everything else (the ducking included, which follows the voice's
    envelope) is the same, so half the difference is the voice and half the sum the rest."""
    when, contribution = voice
    plain = render(seconds, [*arrivals, voice])
    flipped = render(seconds, [*arrivals, (when, inverted(contribution))])
    return (plain - flipped) / 2, (plain + flipped) / 2


def band_db(samples: np.ndarray, low: float, high: float) -> float:
    mono = samples.astype(np.float64).mean(axis=1)
    spectrum = np.abs(np.fft.rfft(mono)) ** 2
    frequencies = np.fft.rfftfreq(len(mono), 1.0 / RATE)
    return float(10 * np.log10(spectrum[(frequencies >= low) & (frequencies <= high)].sum()))


def texts(count: int, start: float, step: float) -> list[tuple[float, Contribution]]:
    words = ("le commun", "partage et soin", "une rue plus calme", "écoute, lien, confiance")
    return [(start + step * i, Contribution(f"t{i}", "text", f"{i}.txt",
                                            text=f"{words[i % 4]} {i}",
                                            tags=Tags(theme=THEMES[i % len(THEMES)],
                                                      keywords=("soin", "lien"))))
            for i in range(count)]


def test_loudness_is_ebu_r128() -> None:
    """The reference tone of EBU Tech 3341: a 997 Hz sine at 0 dBFS on one channel reads
    -3.01 LUFS; 20 dB lower reads 20 LU lower; gating leaves silence out."""
    t = np.arange(10 * RATE) / RATE
    sine = np.sin(2 * np.pi * 997 * t)[:, None]
    assert integrated(sine, RATE) == pytest.approx(-3.01, abs=0.02)
    assert integrated(0.1 * sine, RATE) == pytest.approx(-23.01, abs=0.02)
    with_silence = np.concatenate([0.1 * sine, np.zeros((20 * RATE, 1))])
    assert integrated(with_silence, RATE) == pytest.approx(-23.01, abs=0.1)  # edge blocks
    assert mono_loudness(np.zeros((RATE, 2)), RATE) is None


def test_a_voice_rises_10_db_above_the_rest_in_the_speech_band(tmp_path: Path) -> None:
    voice = speech(tmp_path, 0)
    assert voice.clip is not None and voice.clip.loudness is not None
    as_recorded = integrated(voice.clip.samples.mean(axis=1, keepdims=True), RATE)
    assert voice.clip.loudness == pytest.approx(as_recorded, abs=0.1)  # without rumble
    busy = texts(12, 0.4, 0.6)  # a text arrives every 0.6 s, before, during and after
    stem, rest = voice_and_rest(10.0, busy, (2.5, voice))
    playing = slice(at(2.6), at(2.5 + voice.clip.seconds - 0.2))
    clarity = band_db(stem[playing], 300, 3400) - band_db(rest[playing], 300, 3400)
    assert clarity >= 10.0
    before = render(10.0, busy)[at(0.5):at(2.5)]
    voice_lufs = integrated(stem[playing], RATE)
    assert voice_lufs >= integrated(before, RATE) - 4.0  # about as loud as the storm was
    assert voice_lufs >= integrated(rest[playing], RATE) + 10.0  # which ducked under it


def test_a_voice_recorded_quietly_with_hum_and_dc_sounds_the_same(tmp_path: Path) -> None:
    clean = speech(tmp_path, 1)
    assert clean.clip is not None
    poor = replace(clean, id="poor", clip=quieter(clean.clip, -24.0, dc=0.02, hum=0.001))
    assert poor.clip is not None and poor.clip.loudness is not None
    assert poor.clip.loudness < clean.clip.loudness - 15  # far quieter as recorded
    stems = [voice_and_rest(6.0, [], (0.5, c))[0][at(0.5):at(5.0)] for c in (clean, poor)]
    loudness = [integrated(s, RATE) for s in stems]
    assert loudness[1] == pytest.approx(loudness[0], abs=1.0)  # normalised at intake's figure
    # its DC, raised with it by 24 dB, would sit at -10 dBFS: none is played
    assert abs(float(stems[1].mean() - stems[0].mean())) < 1e-4
    assert band_db(stems[1], 20, 45) < band_db(stems[1], 300, 3400) - 40  # no hum


def onset_strength(mix: np.ndarray) -> np.ndarray:
    """Per 5 ms hop: the energy of the mix's slope (attacks are steep) over its mean in
    the 150 ms before, in dB."""
    mono = mix.astype(np.float64).mean(axis=1)
    slope = np.diff(mono, prepend=0.0) ** 2
    hop = RATE // 200
    energy = slope[: len(slope) // hop * hop].reshape(-1, hop).sum(axis=1) + 1e-18
    history = np.convolve(energy, np.ones(30) / 30)[: len(energy)]
    before = np.concatenate([np.full(2, energy[0]), history[:-2]])
    return 10 * np.log10(energy / before)


def kinds_once(tmp_path: Path) -> list[Contribution]:
    T = THEME
    return [
        Contribution("a-text", "text", "idee.txt", text="Le commun se construit !", tags=T),
        Contribution("a-kw", "keywords", "mots", text="partage soin", tags=Tags(
            theme="datas", keywords=("partage", "soin"))),
        Contribution("a-img", "image", "photo.png", palette=((0.9, 0.3, 0.1), (0.1, 0.4, 0.9)),
                     tags=T),
        Contribution("a-vid", "video", "film.mp4", palette=((0.2, 0.6, 0.3),),
                     durations=(0.04,) * 25, tags=Tags(theme="démocratie")),
        Contribution("a-anim", "animation", "anim.gif", palette=((0.8, 0.8, 0.2),),
                     durations=(0.1,) * 10),
        Contribution("a-draw", "drawing", "trace.svg",
                     strokes=(((0.1, 0.9, 0.4), (0.4, 0.3, 0.9), (0.9, 0.6, 0.5)),)),
        Contribution("a-data", "data", "mesures.csv", tags=Tags(theme="coopérations"),
                     series=(("débit", tuple(float(v) for v in np.sin(np.arange(24) / 3))),)),
        speech(tmp_path, 0),
    ]


def test_every_arrival_is_marked_within_50_ms(tmp_path: Path) -> None:
    """An afternoon in miniature: every kind twice, under a bed that has grown, an arrival
    every 1.1 s; each has an attack standing 10 dB above the 150 ms before it, within
    50 ms after its time."""
    made = kinds_once(tmp_path)
    again = [replace(c, id=c.id + "-2", tags=Tags(theme=THEMES[i % 4]))
             for i, c in enumerate(made)]
    arrivals = [(1.0 + 1.1 * i, c) for i, c in enumerate(made + again)]
    mix = render(1.0 + 1.1 * len(arrivals) + 2.0, arrivals)
    strength = onset_strength(mix)
    late = []
    for when, contribution in arrivals:
        hop = int(when * 200)
        if strength[hop - 1:hop + 11].max() < 10.0:
            late.append(f"{contribution.kind} at {when:.1f} s")
    assert late == []


CENTRES = 1000.0 * 2.0 ** (np.arange(-10, 11) / 3.0)  # third octaves, 100 Hz to 10 kHz


def timbre(stem: np.ndarray) -> np.ndarray:
    """A gesture's spectral shape: its third-octave band levels (dB) relative to its
    loudest band, floored at -40 dB (what is that far under hardly colours it)."""
    mono = stem.astype(np.float64).mean(axis=1)
    power = np.abs(np.fft.rfft(mono * np.hanning(len(mono)))) ** 2
    frequencies = np.fft.rfftfreq(len(mono), 1.0 / RATE)
    levels = np.array([10 * np.log10(power[(frequencies >= c / 2 ** (1 / 6))
                                           & (frequencies < c * 2 ** (1 / 6))].sum() + 1e-20)
                       for c in CENTRES])
    return np.maximum(levels - levels.max(), -40.0)


def distance(a: np.ndarray, b: np.ndarray) -> float:
    """RMS difference of two spectral shapes over the bands, in dB."""
    return float(np.sqrt(np.mean((a - b) ** 2)))


def test_kinds_are_told_apart_by_their_spectra(tmp_path: Path) -> None:
    """Two different contributions of each kind, all of one theme (so one register):
    the spectral shapes of gestures of different kinds differ more than those of one
    kind, on average by half as much again, and for every kind."""
    T = THEME
    series = [tuple(float(v) for v in np.sin(np.arange(20) * k / 5) * k) for k in (1, 3)]
    pairs = {
        "text": [Contribution("ta", "text", "a", text="Le commun se construit, ensemble !",
                              tags=T),
                 Contribution("tb", "text", "b", text="Une rue calme pour les enfants",
                              tags=T)],
        "keywords": [Contribution("ka", "keywords", "a", text="partage soin", tags=Tags(
                         theme=T.theme, keywords=("partage", "soin"))),
                     Contribution("kb", "keywords", "b", text="écoute lien confiance",
                                  tags=Tags(theme=T.theme, keywords=("écoute", "lien",
                                                                     "confiance")))],
        "image": [Contribution("ia", "image", "a", palette=((0.9, 0.3, 0.1), (0.1, 0.4, 0.9),
                                                          (0.95, 0.9, 0.3)), tags=T),
                  Contribution("ib", "image", "b", palette=((0.2, 0.7, 0.3), (0.5, 0.5, 0.5)),
                               tags=T)],
        "moving": [Contribution("va", "video", "a", palette=((0.9, 0.3, 0.1), (0.1, 0.4, 0.9)),
                                durations=(0.04,) * 50, tags=T),
                   Contribution("vb", "animation", "b", palette=(
                       (0.3, 0.3, 0.8), (0.9, 0.9, 0.2), (0.4, 0.1, 0.1)),
                       durations=(0.1,) * 12, tags=T)],
        "drawing": [Contribution("ga", "drawing", "a", tags=T, strokes=(
                        ((0.1, 0.9, 0.4), (0.4, 0.3, 0.9), (0.9, 0.6, 0.5)),)),
                    Contribution("gb", "drawing", "b", tags=T, strokes=(
                        ((0.2, 0.2, 0.8), (0.5, 0.8, 0.6)), ((0.6, 0.5, 0.3), (0.9, 0.1, 0.9))))],
        "data": [Contribution("da", "data", "a", series=(("a", series[0]),), tags=T),
                 Contribution("db", "data", "b", series=(("b", series[1]),), tags=T)],
        "sound": [speech(tmp_path, 0), speech(tmp_path, 1)],
    }
    bed = render(4.0, [])
    shapes = {}
    for kind, made in pairs.items():
        stems = [voice_and_rest(4.0, [], (1.0, c))[0] if c.clip is not None
                 else render(4.0, [(1.0, c)]) - bed for c in made]
        shapes[kind] = [timbre(s[at(1.0):]) for s in stems]
    within = {k: distance(*v) for k, v in shapes.items()}
    between = {(a, b): float(np.mean([distance(x, y) for x in shapes[a] for y in shapes[b]]))
               for a in shapes for b in shapes if a < b}
    assert np.mean(list(between.values())) > 1.3 * np.mean(list(within.values()))
    for kind, spread in within.items():
        others = [d for pair, d in between.items() if kind in pair]
        assert spread < np.mean(others), kind


def test_different_contributions_never_sound_the_same() -> None:
    """A PNG, a GIF and an MP4 of one picture (one palette), and two PNGs of it: five
    different gestures."""
    palette = ((0.9, 0.3, 0.1), (0.1, 0.4, 0.9))
    made = [Contribution("png-1", "image", "a.png", palette=palette),
            Contribution("png-2", "image", "b.png", palette=palette),
            Contribution("gif", "animation", "a.gif", palette=palette, durations=(0.1,) * 8),
            Contribution("mp4", "video", "a.mp4", palette=palette, durations=(0.04,) * 40)]
    bed = render(4.0, [])
    stems = [(render(4.0, [(1.0, c)]) - bed)[at(1.0):] for c in made]
    for i, a in enumerate(stems):
        for b in stems[i + 1:]:
            assert np.sqrt(np.mean((a - b) ** 2)) > 0.3 * np.sqrt(np.mean(a ** 2))


def test_renders_fade_in_and_out_without_a_click_and_last_exactly() -> None:
    for seconds in (3.0, 7.777):
        mix = render(seconds, [(0.2, Contribution("t", "text", "t", text="bonjour"))])
        assert mix.shape == (round(seconds * RATE), 2)
        jumps = np.abs(np.diff(mix, axis=0)).max(axis=1)
        assert np.abs(mix[0]).max() < 1e-4 and np.abs(mix[-1]).max() < 1e-4
        assert jumps[:at(0.05)].max() < 2e-3 and jumps[-at(0.05):].max() < 2e-3


def test_the_whole_is_held_at_its_loudness_target(tmp_path: Path) -> None:
    """An afternoon: texts, pictures and a voice arriving over a minute, at volume 1, for
    two targets: the integrated loudness of the last 40 s within 1.5 LU of the target,
    sample peaks well under 0 dBFS."""
    voice = speech(tmp_path, 0)
    arrivals = [*texts(30, 1.0, 1.9), (20.0, voice), (45.0, replace(voice, id="again"))]
    for target in (-23.0, -18.0):
        mix = render(60.0, arrivals, SoundOptions(volume=1.0, loudness=target))
        assert integrated(mix[at(20.0):at(58.0)], RATE) == pytest.approx(target, abs=1.5)
        assert 20 * np.log10(np.abs(mix).max()) < target + 20.0 and np.abs(mix).max() < 0.9
