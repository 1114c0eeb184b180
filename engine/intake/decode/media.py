"""Sound and video through PyAV (FFmpeg): capped in length, size and frame rate.

Video becomes a looping stream of small RGBA frames plus its sound track as a clip;
sound becomes float32 at the engine's sample rate with a coarse envelope.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import av
import numpy as np

from engine.audio.loudness import mono_loudness
from engine.intake.decode.base import Limits, Refusal, contribution, palette
from engine.world.contribution import ENVELOPE_SECONDS, Clip, Contribution


def decode_sound(path: Path, limits: Limits) -> Contribution:
    with _open(path) as container:
        if not container.streams.audio:
            raise Refusal("no sound track found; send WAV, FLAC, OGG, AIFF or MP3")
        clip = _clip(container, limits)
    if clip is None:
        raise Refusal("the sound is empty or could not be decoded")
    return contribution("sound", path, clip=clip)


def decode_video(path: Path, limits: Limits) -> Contribution:
    with _open(path) as container:
        if not container.streams.video:
            raise Refusal("no picture track found; send MP4, MOV, WebM or MKV video")
        frames = _frames(container, limits)
    with _open(path) as container:
        clip = _clip(container, limits) if container.streams.audio else None
    if not frames:
        raise Refusal("no picture could be decoded from the video")
    stack = np.stack(frames)
    step = 1.0 / limits.motion_fps
    return contribution("video", path, frames=stack, durations=(step,) * len(frames),
                        clip=clip, palette=palette(stack[len(stack) // 2]))


def preview_video(path: Path, limits: Limits) -> Contribution:
    """The first frame of a video, fast: what the carte shows while the rest decodes."""
    with _open(path) as container:
        if not container.streams.video:
            raise Refusal("no picture track found; send MP4, MOV, WebM or MKV video")
        frames = _frames(container, replace(limits, max_frames=1))
    if not frames:
        raise Refusal("no picture could be decoded from the video")
    stack = np.stack(frames)
    return contribution("video", path, frames=stack, durations=(1.0 / limits.motion_fps,),
                        palette=palette(stack[0]))


def _open(path: Path) -> av.container.InputContainer:
    """The file as media; FFmpeg's failure is put in words by `decode`."""
    return av.open(str(path), mode="r", timeout=10.0)


def _frames(container: av.container.InputContainer, limits: Limits) -> list[np.ndarray]:
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"
    width, height = stream.codec_context.width, stream.codec_context.height
    if width * height > limits.max_pixels or width <= 0 or height <= 0:
        raise Refusal(f"video frames of {width}x{height} are not taken")
    scale = limits.motion_size / max(width, height)
    size = (max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2))
    frames: list[np.ndarray] = []
    next_time = 0.0
    try:
        for frame in container.decode(stream):
            moment = float(frame.time or 0.0)
            if moment > limits.max_seconds or len(frames) >= limits.max_frames:
                break
            if moment + 1e-6 >= next_time:
                rgba = frame.reformat(width=size[0], height=size[1], format="rgba")
                frames.append(rgba.to_ndarray())
                next_time = moment + 1.0 / limits.motion_fps
    except av.error.FFmpegError:
        if not frames:
            raise
    return frames


def _clip(container: av.container.InputContainer, limits: Limits) -> Clip | None:
    resampler = av.AudioResampler(format="flt", layout="stereo", rate=limits.sample_rate)
    cap = int(limits.max_seconds * limits.sample_rate)
    chunks: list[np.ndarray] = []
    total = 0
    try:
        for frame in container.decode(container.streams.audio[0]):
            for out in resampler.resample(frame):
                chunk = out.to_ndarray().reshape(-1, 2)
                chunks.append(chunk)
                total += len(chunk)
            if total >= cap:
                break
    except av.error.FFmpegError:
        if not chunks:
            raise
    if not chunks:
        return None
    samples = np.clip(np.concatenate(chunks)[:cap], -1.0, 1.0).astype(np.float32)
    if not np.isfinite(samples).all():
        samples = np.nan_to_num(samples, nan=0.0, posinf=0.0, neginf=0.0)
    hop = max(1, int(ENVELOPE_SECONDS * limits.sample_rate))
    peaks = np.abs(samples).max(axis=1)
    envelope = tuple(float(peaks[i:i + hop].max()) for i in range(0, len(peaks), hop))
    return Clip(samples, limits.sample_rate, envelope, mono_loudness(samples, limits.sample_rate))
