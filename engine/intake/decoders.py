"""Decoders: from a settled file to what the carte shows.

Each decoder takes the file and the intake limits and returns a `Decoded` or raises
`Refusal` with a reason a transcripteur can act on. The registry maps file suffixes
to decoders; every kind of contribution adds its entry here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from engine.config import IntakeConfig

HASHTAG = re.compile(r"(?<![\w#])#(\w[\w-]*)")


class Refusal(Exception):
    """A file that cannot become a contribution; the message says why and what would do."""


@dataclass(frozen=True)
class Decoded:
    """What a decoder made of a file."""

    kind: str
    text: str = ""
    keywords: tuple[str, ...] = ()


def decode_text(data: bytes, limits: IntakeConfig) -> Decoded:
    """UTF-8 text (with or without BOM); `#tags` become keywords."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise Refusal(f"text is not UTF-8 (byte {error.start}); save it as UTF-8") from error
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise Refusal("the text is empty; write something in it")
    if len(text) > limits.max_text_chars:
        raise Refusal(f"text has {len(text)} characters; at most {limits.max_text_chars} "
                      "are shown ([intake] max_text_chars)")
    keywords = tuple(dict.fromkeys(tag.casefold() for tag in HASHTAG.findall(text)))
    return Decoded("text", text, keywords)


DECODERS: dict[str, Callable[[bytes, IntakeConfig], Decoded]] = {
    ".txt": decode_text,
    ".md": decode_text,
}


def decoder_for(path: Path) -> Callable[[bytes, IntakeConfig], Decoded]:
    decoder = DECODERS.get(path.suffix.lower())
    if decoder is None:
        accepted = ", ".join(sorted(DECODERS))
        raise Refusal(f"{path.suffix or 'no suffix'}: not a kind of file the carte takes "
                      f"yet; accepted: {accepted}")
    return decoder
