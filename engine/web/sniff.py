"""What an uploaded file is, from its first bytes: the suffix intake will decode it by.

A client's file name is never used, not even its suffix; the part's declared type only
tells a sound recording from a film when the container is the same (WebM, MP4).
"""

from __future__ import annotations

HEAD = 64  # bytes looked at

ISO_PICTURES = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"mif1", b"msf1", b"avif",
                b"avis")


def suffix_of(head: bytes, declared: str = "") -> str | None:
    """The suffix for these bytes, or None when they are nothing the carte takes."""
    audio = declared.lower().startswith("audio/")
    if head.startswith(b"\xff\xd8\xff"):
        return ".jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return ".png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return ".gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return ".webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return ".wav"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in ISO_PICTURES:
            return ".avif" if brand.startswith(b"avi") else ".heic"
        return ".m4a" if audio or brand == b"M4A " else ".mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return ".opus" if audio else ".webm"  # the sound decoder reads WebM audio by content
    if head.startswith(b"OggS"):
        return ".ogg"
    if head.startswith(b"fLaC"):
        return ".flac"
    if head.startswith(b"ID3") or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return ".mp3"
    return None


def kind_of(suffix: str) -> str:
    """What an upload is taken to be before it is decoded (decoding may say otherwise)."""
    if suffix in (".wav", ".m4a", ".opus", ".ogg", ".flac", ".mp3"):
        return "sound"
    if suffix in (".mp4", ".webm"):
        return "video"
    return "animation" if suffix == ".gif" else "image"
