"""The size a JPEG XL file declares, read from its header without decoding anything.

The JPEG XL plugin decodes the whole picture as soon as it is opened, so the megapixel
cap every other format gets from its header has to be applied here first (a few bytes
of the codestream's SizeHeader, ISO/IEC 18181-1 §D.2).
"""

from __future__ import annotations

import struct

BARE = b"\xff\x0a"
CONTAINER = b"\x00\x00\x00\x0cJXL \x0d\x0a\x87\x0a"
RATIOS = {1: (1, 1), 2: (12, 10), 3: (4, 3), 4: (3, 2), 5: (16, 9), 6: (5, 4), 7: (2, 1)}


def is_jxl(head: bytes) -> bool:
    return head.startswith(BARE) or head.startswith(CONTAINER)


def _codestream(head: bytes) -> bytes | None:
    """The start of the codestream: the file itself, or its first `jxlc`/`jxlp` box."""
    if head.startswith(BARE):
        return head
    at = 0
    while at + 8 <= len(head):
        size, kind = struct.unpack(">I4s", head[at:at + 8])
        body = at + 8
        if size == 1 and at + 16 <= len(head):
            size, body = struct.unpack(">Q", head[at + 8:at + 16])[0], at + 16
        if kind == b"jxlc":
            return head[body:]
        if kind == b"jxlp":
            return head[body + 4:]  # after the part's index
        if size < 8:
            return None
        at += size
    return None


class _Bits:
    """LSB-first bit reader, the order JPEG XL writes its fields in."""

    def __init__(self, data: bytes) -> None:
        self.value = int.from_bytes(data, "little")
        self.limit = len(data) * 8
        self.at = 0

    def read(self, count: int) -> int:
        if self.at + count > self.limit:
            raise ValueError("header cut short")
        bits = (self.value >> self.at) & ((1 << count) - 1)
        self.at += count
        return bits

    def u32(self) -> int:
        """The SizeHeader's U32(Bits(9), Bits(13), Bits(18), Bits(30)), plus one."""
        return self.read((9, 13, 18, 30)[self.read(2)]) + 1


def jxl_size(head: bytes) -> tuple[int, int] | None:
    """(width, height) declared by a JPEG XL file's first bytes, or None if unreadable."""
    stream = _codestream(head)
    if stream is None or not stream.startswith(BARE):
        return None
    bits = _Bits(stream[2:18])
    try:
        small = bits.read(1)
        height = (bits.read(5) + 1) * 8 if small else bits.u32()
        ratio = bits.read(3)
        if ratio:
            numerator, denominator = RATIOS[ratio]
            width = height * numerator // denominator
        else:
            width = (bits.read(5) + 1) * 8 if small else bits.u32()
    except ValueError:
        return None
    return width, height
