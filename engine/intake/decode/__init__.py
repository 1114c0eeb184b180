"""Decoders: from a settled file to a contribution's CPU-side payload.

Each decoder reads one kind of file within `Limits` and returns a `Contribution` whose
id, name and tags intake fills in; a file it cannot use raises `Refusal` with a reason a
transcripteur can act on. They run in worker processes (see `engine.intake.workers`), so
a decoder may be killed at any moment and must not write anywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from engine.intake.decode.base import Limits, Refusal
from engine.intake.decode.data import decode_csv, decode_json
from engine.intake.decode.media import decode_sound, decode_video, preview_video
from engine.intake.decode.picture import decode_picture
from engine.intake.decode.svg import decode_svg
from engine.intake.decode.text import decode_keywords, decode_text
from engine.world.contribution import Contribution

Decoder = Callable[[Path, Limits], Contribution]

DECODERS: dict[str, Decoder] = {
    **dict.fromkeys((".txt", ".md"), decode_text),
    **dict.fromkeys((".mots", ".keywords", ".tags"), decode_keywords),
    **dict.fromkeys((".jpg", ".jpeg", ".png", ".apng", ".webp", ".bmp", ".tif", ".tiff",
                     ".gif"), decode_picture),
    **dict.fromkeys((".mp4", ".mov", ".m4v", ".webm", ".mkv"), decode_video),
    **dict.fromkeys((".wav", ".flac", ".ogg", ".oga", ".aif", ".aiff", ".mp3", ".m4a",
                     ".opus"), decode_sound),
    ".csv": decode_csv,
    ".json": decode_json,
    ".svg": decode_svg,
}


def decoder_for(path: Path) -> Decoder:
    """The decoder for a file's suffix; unknown suffixes are refused, never guessed."""
    decoder = DECODERS.get(path.suffix.lower())
    if decoder is None:
        raise Refusal(f"{path.suffix or 'a name without suffix'} is not a kind of file the "
                      f"carte takes; accepted: {', '.join(sorted(DECODERS))}")
    return decoder


VIDEO_SUFFIXES = frozenset(s for s, d in DECODERS.items() if d is decode_video)


def decode(path: Path, limits: Limits, preview: bool = False) -> Contribution:
    """Decode one file with the decoder its suffix names; `preview` asks a video for its
    first frame only (shown at once while the rest decodes)."""
    if preview and path.suffix.lower() in VIDEO_SUFFIXES:
        return preview_video(path, limits)
    return decoder_for(path)(path, limits)


__all__ = ["DECODERS", "Limits", "Refusal", "decode", "decoder_for"]
