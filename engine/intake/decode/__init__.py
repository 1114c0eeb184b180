"""Decoders: from a settled file to a contribution's CPU-side payload.

Each decoder reads one kind of file within `Limits` and returns a `Contribution` whose
id, name and tags intake fills in; a file it cannot use raises `Refusal` with a reason a
transcripteur can act on. They run in worker processes (see `engine.intake.workers`), so
a decoder may be killed at any moment and must not write anywhere. Any other failure a
decoder lets through becomes a refusal in plain words here (`reasons.explain`), with what
to send instead for its kind of file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from engine.intake.decode.base import Limits, Refusal
from engine.intake.decode.data import decode_csv, decode_json
from engine.intake.decode.media import decode_sound, decode_video, preview_video
from engine.intake.decode.picture import decode_picture
from engine.intake.decode.reasons import explain
from engine.intake.decode.svg import decode_svg
from engine.intake.decode.text import decode_keywords, decode_text
from engine.world.contribution import Contribution

Decoder = Callable[[Path, Limits], Contribution]

DECODERS: dict[str, Decoder] = {
    **dict.fromkeys((".txt", ".md"), decode_text),
    **dict.fromkeys((".mots", ".keywords", ".tags"), decode_keywords),
    **dict.fromkeys((".jpg", ".jpeg", ".jfif", ".png", ".apng", ".webp", ".bmp", ".tif",
                     ".tiff", ".gif", ".heic", ".heif", ".hif", ".avif", ".jxl"),
                    decode_picture),
    **dict.fromkeys((".mp4", ".mov", ".m4v", ".webm", ".mkv"), decode_video),
    **dict.fromkeys((".wav", ".flac", ".ogg", ".oga", ".aif", ".aiff", ".mp3", ".m4a",
                     ".opus"), decode_sound),
    ".csv": decode_csv,
    ".json": decode_json,
    ".svg": decode_svg,
}

INSTEAD: dict[Decoder, str] = {
    decode_text: "save it again as UTF-8 text",
    decode_keywords: "save it again as UTF-8 text, one keyword a line",
    decode_picture: "export it again as JPEG or PNG",
    decode_video: "export it again as MP4 (H.264)",
    decode_sound: "export it again as WAV or MP3",
    decode_csv: "save it again as CSV in UTF-8",
    decode_json: "check it in a JSON validator and save it again",
    decode_svg: "save it again as plain SVG",
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
    decoder = decoder_for(path)
    try:
        if preview and decoder is decode_video:
            return preview_video(path, limits)
        return decoder(path, limits)
    except (Refusal, MemoryError):
        raise
    except Exception as error:  # a library's failure, put in words a person can act on
        raise Refusal(explain(error, INSTEAD[decoder])) from error


__all__ = ["DECODERS", "Limits", "Refusal", "decode", "decoder_for"]
