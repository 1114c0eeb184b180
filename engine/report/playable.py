"""Sound and video a browser plays: the original where it already plays, else converted.

What plays everywhere (Chromium, Firefox, Safari) is decided from the container and
codecs FFmpeg reads, never from the file's suffix. Other files are converted with PyAV:
sound to MP3, video to H.264 and AAC in MP4 (VP9 and Opus in WebM where this FFmpeg has
no x264). These functions decode visitors' files in full, so `engine.report.media` runs
them in an isolated process.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

SOUND_RATE = 48000
VIDEO_SIZE = 1280
MAX_FPS = 60
PCM = frozenset({"pcm_u8", "pcm_s16le", "pcm_s24le", "pcm_s32le", "pcm_f32le"})
MP4 = frozenset({"mov", "mp4", "m4a"})


@dataclass(frozen=True)
class WebForm:
    """A container and codecs that browsers play, and how the file is named for them."""

    suffix: str
    mime: str
    containers: frozenset[str]
    audio: frozenset[str]
    video: frozenset[str] = frozenset()


SOUND_FORMS = (
    WebForm(".wav", "audio/wav", frozenset({"wav"}), PCM),
    WebForm(".mp3", "audio/mpeg", frozenset({"mp3"}), frozenset({"mp3"})),
    WebForm(".ogg", "audio/ogg", frozenset({"ogg"}), frozenset({"vorbis", "opus", "flac"})),
    WebForm(".flac", "audio/flac", frozenset({"flac"}), frozenset({"flac"})),
    WebForm(".m4a", "audio/mp4", MP4, frozenset({"aac"})),
)
VIDEO_FORMS = (
    WebForm(".mp4", "video/mp4", MP4, frozenset({"aac", "mp3"}), frozenset({"h264"})),
    WebForm(".webm", "video/webm", frozenset({"webm"}), frozenset({"opus", "vorbis"}),
            frozenset({"vp8", "vp9", "av1"})),
)


@dataclass(frozen=True)
class Encoding:
    """What a converted file is written as."""

    form: WebForm
    container: str
    video: str
    audio: str
    video_options: tuple[tuple[str, str], ...] = ()


MP3 = Encoding(SOUND_FORMS[1], "mp3", "", "libmp3lame")
H264 = Encoding(VIDEO_FORMS[0], "mp4", "libx264", "aac",
                (("preset", "veryfast"), ("crf", "23"), ("profile", "high")))
VP9 = Encoding(VIDEO_FORMS[1], "webm", "libvpx-vp9", "libopus",
               (("crf", "33"), ("b", "0"), ("deadline", "realtime"), ("cpu-used", "6")))


def playable(source: Path, kind: str) -> WebForm | None:
    """The web form `source` already is, or None when it must be converted."""
    with av.open(str(source)) as container:
        names = set(container.format.name.split(","))
        audio = {s.codec_context.codec.canonical_name for s in container.streams.audio}
        video = {s.codec_context.codec.canonical_name for s in container.streams.video
                 if not s.disposition & av.stream.Disposition.attached_pic}
        counts = (len(container.streams.audio), len(video))
    forms = SOUND_FORMS if kind == "sound" else VIDEO_FORMS
    for form in forms:
        fits = names & form.containers and audio <= form.audio and \
            (video <= form.video if kind == "video" else True)
        shape = counts[0] == 1 if kind == "sound" else counts[1] == 1 and counts[0] <= 1
        if fits and shape:
            return form
    return None


def web_medium(source: Path, target: Path, kind: str) -> tuple[str, str]:
    """Write `source` (a sound or a video) as `target` plus the right suffix, copied when
    browsers play it already, else converted; returns (file name, MIME type)."""
    form = playable(source, kind)
    if form is not None:
        written = target.with_suffix(form.suffix)
        shutil.copyfile(source, written)
        return written.name, form.mime
    encoding = MP3 if kind == "sound" else H264 if "libx264" in av.codecs_available else VP9
    written = target.with_suffix(encoding.form.suffix)
    partial = written.with_name(f".{written.name}.partial")
    convert(source, partial, encoding)
    partial.replace(written)
    return written.name, encoding.form.mime


def fitted(width: int, height: int, largest: int) -> tuple[int, int]:
    """The size within `largest` pixels, both sides even (as 4:2:0 encoders want)."""
    scale = min(1.0, largest / max(width, height))
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


def convert(source: Path, target: Path, encoding: Encoding) -> None:
    """Re-encode the first sound (and picture) track of `source` into `target`."""
    options = {"movflags": "+faststart"} if encoding.container == "mp4" else {}
    with av.open(str(source)) as reading, \
            av.open(str(target), "w", format=encoding.container, options=options) as writing:
        sound = reading.streams.audio[0] if reading.streams.audio else None
        picture = reading.streams.video[0] if encoding.video and reading.streams.video \
            else None
        tracks = [t for t in (picture, sound) if t is not None]
        if picture is not None:
            picture.thread_type = "AUTO"
            rate = min(Fraction(picture.average_rate or picture.guessed_rate or 25), MAX_FPS)
            video = writing.add_stream(encoding.video, rate=rate)
            video.width, video.height = fitted(picture.codec_context.width,
                                               picture.codec_context.height, VIDEO_SIZE)
            video.pix_fmt = "yuv420p"
            video.options = dict(encoding.video_options)
        if sound is not None:
            audio = writing.add_stream(encoding.audio, rate=SOUND_RATE)
            audio.layout = "stereo"
            audio.bit_rate = 192_000
            resampler = av.AudioResampler(format=audio.format, layout="stereo",
                                          rate=SOUND_RATE, frame_size=audio_frame_size(audio))
        shown = 0
        for frame in decoded(reading, tracks):
            if isinstance(frame, av.VideoFrame):
                if frame.time is not None and frame.time < (shown - 0.5) / rate:
                    continue  # above MAX_FPS: drop frames to keep time right
                image = frame.reformat(video.width, video.height, "yuv420p")
                image.pts, image.time_base = shown, 1 / rate
                shown += 1
                writing.mux(video.encode(image))
            else:
                for chunk in resampler.resample(frame):
                    writing.mux(audio.encode(chunk))
        if sound is not None:
            for chunk in resampler.resample(None):
                writing.mux(audio.encode(chunk))
            writing.mux(audio.encode(None))
        if picture is not None:
            writing.mux(video.encode(None))


def audio_frame_size(stream: av.audio.stream.AudioStream) -> int | None:
    """Samples per frame the encoder insists on (AAC 1024, MP3 1152, Opus 960)."""
    return stream.codec_context.frame_size or {"aac": 1024, "libmp3lame": 1152,
                                               "libopus": 960}.get(stream.codec_context.name)


def decoded(container: av.container.InputContainer, tracks: list[av.stream.Stream]
            ) -> Iterator[av.AudioFrame | av.VideoFrame]:
    """Frames of `tracks` in file order; a damaged packet late in a file ends it there."""
    try:
        for packet in container.demux(*tracks):
            yield from packet.decode()
    except av.error.InvalidDataError:
        return
