"""Datagrams to messages, defensively: python-osc parses each message, we walk bundles.

python-osc's own bundle parser trusts element sizes (a negative size loops forever)
and recurses without limit, so bundles are walked here with every size checked, a
nesting limit and a cap on messages per datagram. Anything wrong raises `Refused`.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from pythonosc.osc_message import OscMessage

from engine.control.refusal import MALFORMED, OVERSIZED, Refused

BUNDLE = b"#bundle\x00"
IMMEDIATELY = 1
NTP_TO_UNIX = 2208988800
MAX_DEPTH = 4
MAX_MESSAGES = 256
KNOWN_TAGS = b"ihfdsbrmtTFN[]"


@dataclass(frozen=True)
class Timed:
    """A message and when it is due (Unix time), or None for at once."""

    due: float | None
    message: OscMessage


def parse_datagram(data: bytes) -> list[Timed]:
    """Every message in a datagram, in order, with the timetag of its bundle."""
    found: list[Timed] = []
    _element(data, None, 0, found)
    return found


def _element(data: bytes, due: float | None, depth: int, found: list[Timed]) -> None:
    if data.startswith(b"/"):
        if len(found) >= MAX_MESSAGES:
            raise Refused(OVERSIZED, f"more than {MAX_MESSAGES} messages in one datagram")
        found.append(Timed(due, _message(data)))
    elif data.startswith(BUNDLE):
        if depth >= MAX_DEPTH:
            raise Refused(MALFORMED, f"bundles nested deeper than {MAX_DEPTH}")
        _bundle(data, depth, found)
    else:
        raise Refused(MALFORMED, "neither an OSC message nor a bundle")


def _message(data: bytes) -> OscMessage:
    _check_type_tags(data)
    try:
        return OscMessage(data)
    except Exception as error:  # python-osc raises more than ParseError on bad bytes
        raise Refused(MALFORMED, f"bad message: {type(error).__name__}") from error


def _check_type_tags(data: bytes) -> None:
    """Refuse type tags python-osc does not know: it would log a warning per message,
    which a sender could use to flood the log."""
    end = data.find(b"\x00")
    start = (end // 4 + 1) * 4
    if end < 0 or start >= len(data):
        return
    stop = data.find(b"\x00", start)
    tags = data[start:stop if stop >= 0 else len(data)]
    if not tags.startswith(b",") or tags.strip(KNOWN_TAGS) != b",":
        raise Refused(MALFORMED, f"unknown type tags {tags[:16]!r}")


def _bundle(data: bytes, depth: int, found: list[Timed]) -> None:
    if len(data) < 16:
        raise Refused(MALFORMED, "bundle shorter than its header")
    seconds, fraction = struct.unpack_from(">II", data, 8)
    tag = (seconds << 32) | fraction
    due = None if tag == IMMEDIATELY else seconds - NTP_TO_UNIX + fraction / 2**32
    index = 16
    while index < len(data):
        if index + 4 > len(data):
            raise Refused(MALFORMED, "bundle element size cut short")
        (size,) = struct.unpack_from(">i", data, index)
        index += 4
        if size <= 0 or size % 4 or index + size > len(data):
            raise Refused(MALFORMED, f"bundle element of bad size {size}")
        _element(data[index:index + size], due, depth + 1, found)
        index += size
