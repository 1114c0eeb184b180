"""What the audience hears: the soundscape computed by real pyo (manual and offline
backends, and a JACK server on its dummy driver for the real-time path)."""

from __future__ import annotations

import logging
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from engine.audio import fallback
from engine.audio.host import Soundscape
from engine.audio.master import CEILING
from engine.audio.options import SoundOptions
from engine.audio.probe import parse, pick_device
from engine.audio.wav import read_wav
from engine.config import THEMES, AudioConfig
from engine.world.contribution import Clip, Contribution, Tags

ROOT = Path(__file__).resolve().parent.parent
RATE = 48000
MANUAL = AudioConfig(backend="manual", sample_rate=RATE, buffer_size=512, channels=2)
OFFLINE = AudioConfig(backend="offline", sample_rate=RATE, buffer_size=512, channels=2)

TONE = """\
import pyo
from engine.audio.contract import Param

PARAMS = (Param("pitch", {pitch}, 50.0, 12000.0, "Hauteur", ramp=0.05),)


class Tone:
    def __init__(self, ctx):
        self.output = pyo.Sine(freq=ctx.param("pitch"), mul={amp})
{extra}

def build(ctx):
    return Tone(ctx)
"""


def tone(pitch: float = 220.0, amp: float = 0.2, extra: str = "") -> str:
    return TONE.format(pitch=pitch, amp=amp, extra=extra)


@pytest.fixture
def sound(tmp_path: Path) -> Path:
    """A copy of the shipped `sound/` folder; tests write their own modules beside it."""
    folder = tmp_path / "sound"
    shutil.copytree(ROOT / "sound", folder)
    return folder


@pytest.fixture
def scape(sound: Path) -> Iterator[Soundscape]:
    """The default soundscape, started on the manual backend and stepped by the test."""
    soundscape = Soundscape(MANUAL, sound, THEMES)
    soundscape.start()
    yield soundscape
    soundscape.stop()


AS_COMPOSED = SoundOptions(loudness_reach=0.0, fade_seconds=0.0)  # the module's own level


def started(folder: Path, module: str, audio: AudioConfig = MANUAL) -> Soundscape:
    soundscape = Soundscape(audio, folder, THEMES, module, AS_COMPOSED)
    soundscape.start()
    return soundscape


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))


def peak_hz(samples: np.ndarray) -> float:
    mono = samples.mean(axis=1) * np.hanning(len(samples))
    return float(np.argmax(np.abs(np.fft.rfft(mono))) * RATE / len(samples))


def streams(soundscape: Soundscape) -> int:
    assert soundscape.server.server is not None
    return soundscape.server.server.getNumberOfStreams()


def seconds(t: float) -> int:
    return int(t * RATE)


def clip(freq: float = 660.0, length: float = 2.0) -> Clip:
    t = np.arange(seconds(length)) / RATE
    return Clip((0.8 * np.sin(2 * np.pi * freq * t)).astype(np.float32)[:, None], RATE)


KINDS = {
    "text": Contribution("t1", "text", "idee.txt", text="Le commun se construit, ensemble !",
                         tags=Tags(theme="coopérations")),
    "keywords": Contribution("k1", "keywords", "mots", text="partage soin",
                             tags=Tags(theme="datas", keywords=("partage", "soin"))),
    "image": Contribution("i1", "image", "photo.png",
                          palette=((0.9, 0.3, 0.1), (0.1, 0.4, 0.9), (0.95, 0.9, 0.3)),
                          tags=Tags(theme="capacitations")),
    "data": Contribution("d1", "data", "mesures.csv",
                         series=(("débit", tuple(float(v) for v in np.sin(np.arange(24) / 3))),),
                         tags=Tags(theme="démocratie")),
    "drawing": Contribution("g1", "drawing", "trace.svg",
                            strokes=(((0.1, 0.9, 0.4), (0.4, 0.3, 0.9), (0.9, 0.6, 0.5)),)),
    "sound": Contribution("s1", "sound", "voix.wav", clip=clip()),
}


@pytest.fixture(scope="module")
def bed() -> np.ndarray:
    """Four seconds of the default soundscape with nothing arriving."""
    return Soundscape(OFFLINE, ROOT / "sound", THEMES).render(4.0)


def test_the_bed_is_alive_breathes_and_never_clips(bed: np.ndarray) -> None:
    assert bed.shape == (pytest.approx(seconds(4.0), abs=512), 2)
    assert 0.005 < rms(bed) < 0.2  # clearly audible, far from full scale
    assert np.abs(bed).max() < 1.0
    halves = [rms(bed[seconds(t):seconds(t + 0.5)]) for t in (1.0, 3.5)]
    assert abs(halves[0] - halves[1]) / halves[0] > 0.01  # it breathes
    assert rms(bed[:, 0] - bed[:, 1]) > 0.1 * rms(bed)  # a stereo image, not mono


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kind_of_contribution_is_heard(bed: np.ndarray, kind: str) -> None:
    heard = Soundscape(OFFLINE, ROOT / "sound", THEMES).render(4.0, [(1.0, KINDS[kind])])
    before, after = slice(0, seconds(0.98)), slice(seconds(1.1), seconds(3.0))
    assert np.array_equal(heard[before], bed[before])  # nothing changes before it arrives
    assert rms(heard[after] - bed[after]) > 0.5 * rms(bed[after])
    assert np.abs(heard).max() < 1.0


def test_every_speaker_of_a_multichannel_venue_sounds() -> None:
    quad = AudioConfig(backend="offline", sample_rate=RATE, buffer_size=512, channels=4)
    out = Soundscape(quad, ROOT / "sound", THEMES).render(2.0, [(0.5, KINDS["drawing"])])
    assert out.shape[1] == 4
    assert all(rms(out[:, channel]) > 0.003 for channel in range(4))
    assert np.abs(out).max() < 1.0


@pytest.mark.parametrize("kind", ["text", "sound"])
def test_a_hidden_contribution_falls_silent(sound: Path, kind: str) -> None:
    def run(gesture: bool, hide: bool) -> np.ndarray:
        soundscape = started(sound, "paysage")
        try:
            soundscape.process(0.5)
            soundscape.contribution(KINDS[kind], gesture=gesture)
            soundscape.process(0.4)
            if hide:
                soundscape.hide(KINDS[kind].id)
            return soundscape.process(2.5)[seconds(0.8):]  # past the reverb's tail
        finally:
            soundscape.stop()

    quiet = run(gesture=False, hide=True)  # the same bed, without its gesture
    shown, hidden = run(gesture=True, hide=False), run(gesture=True, hide=True)
    assert rms(hidden - quiet) < 0.2 * rms(shown - quiet)


def test_a_broken_module_keeps_the_previous_one_playing(sound: Path) -> None:
    module = sound / "tone.py"
    module.write_text(tone(220.0), encoding="utf-8")
    soundscape = started(sound, "tone")
    try:
        before = soundscape.process(1.0)
        assert peak_hz(before[seconds(0.5):]) == pytest.approx(220, abs=3)

        module.write_text(tone(220.0).replace("class Tone:", "class Tone(:"), encoding="utf-8")
        soundscape.reload_changed({module})
        (problem,) = soundscape.problems()
        assert (problem.file, problem.line) == (module, 7)
        assert str(problem).startswith(f"{module}:7: ")
        still = soundscape.process(1.0)
        assert peak_hz(still) == pytest.approx(220, abs=3)
        assert rms(still) == pytest.approx(rms(before[seconds(0.5):]), rel=0.05)

        broken = tone(220.0, extra="        raise RuntimeError('no ' + 'luck')")
        module.write_text(broken, encoding="utf-8")
        soundscape.reload_changed({module})
        (problem,) = soundscape.problems()
        assert problem.line == 10 and "RuntimeError: no luck" in problem.message
        assert peak_hz(soundscape.process(1.0)) == pytest.approx(220, abs=3)

        module.write_text(tone(440.0), encoding="utf-8")
        soundscape.reload_changed({module})
        assert soundscape.problems() == []
        crossfade = soundscape.process(1.0)
        assert rms(crossfade) > 0.5 * rms(before[seconds(0.5):])  # no hole in between
        assert peak_hz(soundscape.process(2.0)[seconds(1.5):]) == pytest.approx(440, abs=3)
    finally:
        soundscape.stop()


def test_a_module_that_cannot_load_at_start_leaves_the_drone(sound: Path) -> None:
    (sound / "vide.py").write_text("PARAMS = (1, 2)\n\ndef build(ctx):\n    return None\n",
                                   encoding="utf-8")
    soundscape = started(sound, "vide")
    try:
        assert rms(soundscape.process(2.0)) > 0.005
        (problem,) = soundscape.problems()
        assert problem.line == 1 and "PARAMS must be a tuple of Param" in problem.message
        assert soundscape.code is not None
        assert soundscape.code.path == Path(fallback.__file__)
    finally:
        soundscape.stop()


def test_a_failing_hook_is_reported_and_the_sound_goes_on(sound: Path) -> None:
    hook = "    def arrive(self, contribution, gesture):\n        return 1 / 0"
    (sound / "fragile.py").write_text(tone(extra=hook), encoding="utf-8")
    soundscape = started(sound, "fragile")
    try:
        soundscape.contribution(KINDS["text"])
        (problem,) = soundscape.problems()
        assert problem.line == 11 and problem.message.startswith("arrive(): ZeroDivisionError")
        assert peak_hz(soundscape.process(1.0)) == pytest.approx(220, abs=3)
    finally:
        soundscape.stop()


def test_whatever_a_module_outputs_never_clips(sound: Path) -> None:
    loud = tone(60.0, amp=40.0).replace("mul=40.0)", "mul=40.0) + pyo.Noise(mul=20)")
    (sound / "fort.py").write_text(loud, encoding="utf-8")
    soundscape = started(sound, "fort")
    try:
        out = soundscape.process(2.0)
        assert np.abs(out).max() <= CEILING
        assert rms(out) > 0.3  # limited, not muted
    finally:
        soundscape.stop()


def test_invalid_samples_are_caught_and_then_left_to_the_drone(sound: Path) -> None:
    nan = tone().replace('mul=0.2)', 'mul=pyo.Pow(pyo.Sig(-1.0), 0.5))')
    (sound / "nan.py").write_text(nan, encoding="utf-8")
    soundscape = started(sound, "nan")
    try:
        out = soundscape.process(1.0)
        assert np.isfinite(out).all()
        messages = [p.message for p in soundscape.problems()]
        assert any("invalid samples" in m and "rebuilt" in m for m in messages)
        assert any("drone" in m for m in messages)  # it did it again at once
        assert rms(soundscape.process(1.0)) > 0.005
    finally:
        soundscape.stop()


def test_events_reuse_voices_and_reloads_free_the_old_graph(scape: Soundscape) -> None:
    scape.process(0.5)
    count = streams(scape)
    kinds = list(KINDS.values())
    for i in range(120):
        model = kinds[i % len(kinds)]
        scape.contribution(Contribution(f"{model.id}-{i}", model.kind, model.name, model.text,
                                        model.tags, model.palette, clip=model.clip,
                                        series=model.series, strokes=model.strokes))
        scape.process(0.05)
    assert streams(scape) == count
    module = scape.modules.path("paysage")
    for _ in range(2):
        module.write_text(module.read_text(encoding="utf-8"), encoding="utf-8")
        scape.reload_changed({module})
        scape.process(SoundOptions().crossfade_seconds + 0.5)
    assert streams(scape) == count
    assert scape.problems() == []


def test_levels_follow_the_sound(sound: Path) -> None:
    (sound / "tone.py").write_text(tone(100.0), encoding="utf-8")
    soundscape = started(sound, "tone")
    try:
        soundscape.process(1.0)
        level, (low, _, _, high) = soundscape.levels()
        assert level > 0.5 and low > high + 0.2
        soundscape.set_param("pitch", 7000.0)
        soundscape.process(1.0)
        _, (low, _, _, high) = soundscape.levels()
        assert high > low + 0.2
        assert soundscape.set_param("volume", 0.0)
        soundscape.process(1.5)
        assert soundscape.levels()[0] < 0.1
    finally:
        soundscape.stop()


def test_parameters_are_declared_with_ranges_and_clamped(scape: Soundscape) -> None:
    names = [p.name for p in scape.params()]
    assert names[0] == "volume" and {"bed", "breath", "brightness", "space"} <= set(names)
    assert all(p.type == "float" and p.min <= p.default <= p.max for p in scape.params())
    assert scape.set_param("brightness", 7.0) and scape.values["brightness"] == 1.0
    assert not scape.set_param("nope", 0.5)
    assert not scape.set_param("space", float("nan"))


def test_render_wav_is_reproducible(tmp_path: Path) -> None:
    soundscape = Soundscape(MANUAL, ROOT / "sound", THEMES)
    arrivals = [(0.5, KINDS["text"]), (1.0, KINDS["sound"]), (1.2, KINDS["image"])]
    first = soundscape.render_wav(tmp_path / "a.wav", 3.0, arrivals)
    second = soundscape.render_wav(tmp_path / "b.wav", 3.0, arrivals[::-1])
    assert first.read_bytes() == second.read_bytes()
    samples, rate = read_wav(first)
    assert rate == RATE and samples.shape[1] == 2
    assert len(samples) == pytest.approx(seconds(3.0), abs=512)
    assert rms(samples) > 0.005 and np.abs(samples).max() < 1.0


def test_without_a_device_auto_computes_the_sound_after_one_warning(
        sound: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="engine.audio")
    soundscape = started(sound, "paysage", AudioConfig(backend="auto"))
    try:
        if soundscape.backend in ("portaudio", "jack"):
            pytest.skip(f"this machine can play ({soundscape.backend}); nothing to fall back")
        assert soundscape.backend == "manual"
        (record,) = caplog.records
        assert "no sound output" in record.message and "not played" in record.message
        started_at = time.monotonic()
        while time.monotonic() - started_at < 0.3:
            soundscape.poll()  # the manual backend follows the wall clock
            time.sleep(0.02)
        assert soundscape.server.now() > 0.15 and soundscape.levels()[0] > 0.2
    finally:
        soundscape.stop()


def test_probe_verdicts() -> None:
    assert parse("portaudio", -11, "ALSA lib noise\n").reason.startswith("crashed")
    assert parse("jack", 0, "carte-probe: no no JACK server running\n").reason == \
        "no JACK server running"
    assert parse("portaudio", 0, "carte-probe: ok 3\n").device == 3
    names, indexes = ["HDA Intel", "USB Audio Interface"], [0, 4]
    assert pick_device("usb", names, indexes) == 4
    assert pick_device("4", names, indexes) == 4
    assert pick_device("", names, indexes) == -1
    assert pick_device("madi", names, indexes) is None


@pytest.fixture
def jackd() -> Iterator[subprocess.Popen[bytes]]:
    """A JACK server on the dummy driver (no sound card needed), stopped after the test."""
    if shutil.which("jackd") is None:
        pytest.skip("jackd is not installed (apt-get install jackd2): the real-time path "
                    "is not tested here")
    server = start_jackd()
    yield server
    server.terminate()
    server.wait(timeout=5)


def start_jackd() -> subprocess.Popen[bytes]:
    server = subprocess.Popen(["jackd", "--no-realtime", "-d", "dummy", "-r", str(RATE),
                               "-p", "512"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL,
                              env={"JACK_NO_AUDIO_RESERVATION": "1", "PATH": "/usr/bin:/bin"})
    time.sleep(0.5)
    assert server.poll() is None, "jackd did not start"
    return server


def test_jack_plays_in_real_time_and_survives_losing_the_server(
        sound: Path, jackd: subprocess.Popen[bytes]) -> None:
    options = SoundOptions(stall_seconds=0.5, retry_seconds=0.5)
    soundscape = Soundscape(AudioConfig(backend="jack", sample_rate=RATE), sound, THEMES,
                            options=options)
    soundscape.start()
    try:
        assert soundscape.backend == "jack"
        soundscape.contribution(KINDS["text"])
        assert soundscape.process(1.0).shape[0] == 0  # the device sets the pace, not us
        begin, wall = soundscape.server.now(), time.monotonic()
        poll_for(soundscape, 1.0)
        played = soundscape.server.now() - begin
        assert played == pytest.approx(time.monotonic() - wall, rel=0.25)
        assert soundscape.levels()[0] > 0.2

        jackd.terminate()
        jackd.wait(timeout=5)
        poll_for(soundscape, 2.0, until=lambda: soundscape.backend == "manual")
        poll_for(soundscape, 0.3)
        assert soundscape.levels()[0] > 0.2  # computed, so the picture still moves

        revived = start_jackd()
        try:
            poll_for(soundscape, 5.0, until=lambda: soundscape.backend == "jack")
            poll_for(soundscape, 0.5)
            assert soundscape.levels()[0] > 0.2
        finally:
            soundscape.stop()
            revived.terminate()
            revived.wait(timeout=5)
    finally:
        soundscape.stop()


def poll_for(soundscape: Soundscape, limit: float, until=None) -> None:
    started_at = time.monotonic()
    while time.monotonic() - started_at < limit:
        soundscape.poll()
        if until is not None and until():
            return
        time.sleep(0.016)
    assert until is None, f"not within {limit} s"
