"""Hostile and odd files the tests drop, made here on the fly."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
from PIL import Image

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<svg xmlns="http://www.w3.org/2000/svg"><text>&lol3;</text></svg>
"""

EXTERNAL_SVG = """<svg xmlns="http://www.w3.org/2000/svg"
  xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 100 100">
<image xlink:href="file:///etc/passwd" width="100" height="100"/>
<a href="https://example.invalid/"><path d="M10,10 L90,90" stroke="#ffffff" stroke-width="3"/></a>
</svg>
"""


def write_bomb(path: Path) -> None:
    """A PNG of 100 megapixels that compresses to a few kilobytes."""
    Image.new("1", (10_000, 10_000)).save(path)


def write_big_animation(path: Path, frames: int = 120, side: int = 900) -> None:
    """A GIF slow enough to decode that a worker can be killed in the middle."""
    images = [Image.effect_noise((side, side), 64 + i % 64).convert("P") for i in range(frames)]
    images[0].save(path, save_all=True, append_images=images[1:], duration=40)


def wide_gamut_profile() -> bytes:
    """An ICC v2 display profile with Adobe RGB (1998) primaries and gamma 2.2, built
    byte by byte (ImageCms can only create sRGB, LAB and XYZ profiles)."""
    def s15(value: float) -> bytes:
        return struct.pack(">i", round(value * 65536))

    def xyz(x: float, y: float, z: float) -> bytes:
        return b"XYZ \0\0\0\0" + s15(x) + s15(y) + s15(z)

    curve = b"curv\0\0\0\0" + struct.pack(">IH", 1, 563) + b"\0\0"  # 563/256 = 2.2
    text = b"Adobe RGB like\0"
    tags = [(b"desc", b"desc\0\0\0\0" + struct.pack(">I", len(text)) + text
             + b"\0" * 8 + b"\0" * 71),
            (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
            (b"rXYZ", xyz(0.60974, 0.31111, 0.01947)),
            (b"gXYZ", xyz(0.20528, 0.62567, 0.06087)),
            (b"bXYZ", xyz(0.14919, 0.06322, 0.74457)),
            (b"rTRC", curve), (b"gTRC", curve), (b"bTRC", curve),
            (b"cprt", b"text\0\0\0\0no copyright, test data\0")]
    table, data = b"", b""
    offset = 128 + 4 + 12 * len(tags)
    for signature, body in tags:
        body += b"\0" * (-len(body) % 4)
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += body
    size = offset + len(data)
    header = (struct.pack(">I", size) + b"none" + bytes([2, 0x10, 0, 0]) + b"mntrRGB XYZ "
              + struct.pack(">6H", 2026, 1, 1, 0, 0, 0) + b"acsp" + b"\0" * 24
              + struct.pack(">I", 0) + s15(0.9642) + s15(1.0) + s15(0.8249) + b"\0" * 48)
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + data


def write_deep_colour(path: Path, pixels: np.ndarray) -> None:
    """A 16-bit-per-channel PNG or TIFF (RGB or RGBA), written by FFmpeg through PyAV
    (Pillow writes 16 bits only for grey)."""
    import av

    alpha = pixels.shape[2] == 4
    codec = "png" if path.suffix == ".png" else "tiff"
    target = ("rgba64be" if alpha else "rgb48be") if codec == "png" else \
        ("rgba64le" if alpha else "rgb48le")
    with av.open(str(path), "w", format="image2") as container:
        stream = container.add_stream(codec)
        stream.width, stream.height, stream.pix_fmt = pixels.shape[1], pixels.shape[0], target
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(pixels, np.uint16),
                                           format="rgba64le" if alpha else "rgb48le")
        for packet in [*stream.encode(frame), *stream.encode()]:
            container.mux(packet)


def write_apng_broken_at(path: Path, colours: list[tuple[int, int, int]], broken: int) -> None:
    """A valid APNG of one flat colour per frame, then frame `broken`'s data scrambled."""
    frames = [Image.new("RGB", (60, 40), colour) for colour in colours]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100)
    data = bytearray(path.read_bytes())
    at, chunks = 8, []
    while at < len(data):
        length = int.from_bytes(data[at:at + 4], "big")
        chunks.append((bytes(data[at + 4:at + 8]), at, length))
        at += 12 + length
    pictures = [c for c in chunks if c[0] in (b"IDAT", b"fdAT")]
    _, start, length = pictures[broken]
    for index in range(start + 8 + 4 * (pictures[broken][0] == b"fdAT"), start + 8 + length):
        data[index] ^= 0x5A
    path.write_bytes(bytes(data))
