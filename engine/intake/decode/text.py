"""Texts and keyword lists, in whatever encoding a participant's editor saved them."""

from __future__ import annotations

import re
from pathlib import Path

from charset_normalizer import from_bytes

from engine.intake.decode.base import Limits, Refusal, contribution, read_capped
from engine.world.contribution import Contribution

HASHTAG = re.compile(r"(?<![\w#&])#(\w[\w-]*)")
MAX_KEYWORD = 60
MAX_KEYWORDS = 200
# Short texts fit several legacy encodings equally well; the event writes French, so the
# Western ones win a tie (an old Windows or Mac editor's cp1252 or Latin-9).
WESTERN = ("cp1252", "iso8859_15", "latin_1", "mac_roman")


def read_text(path: Path, limits: Limits) -> str:
    """UTF-8 (with or without BOM), else the encoding detected with confidence."""
    data = read_capped(path, limits.max_text_chars * 4 + 4)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        matches = list(from_bytes(data))
        western = [m for m in matches if m.encoding in WESTERN]
        best = western[0] if western else (matches[0] if matches else None)
        if best is None:
            raise Refusal("the text's encoding could not be recognised; save it as "
                          "UTF-8") from None
        text = str(best)
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if "\x00" in text:
        raise Refusal("this is not a text file (it holds NUL bytes); save it as UTF-8 text")
    if not text:
        raise Refusal("the text is empty; write something in it")
    if len(text) > limits.max_text_chars:
        raise Refusal(f"the text has {len(text)} characters; at most "
                      f"{limits.max_text_chars} are taken ([intake] max_text_chars)")
    return text


def decode_text(path: Path, limits: Limits) -> Contribution:
    """A text; its `#tags` become keywords."""
    text = read_text(path, limits)
    keywords = tuple(dict.fromkeys(tag.casefold() for tag in HASHTAG.findall(text)))
    return contribution("text", path, text=text, keywords=keywords)


def decode_keywords(path: Path, limits: Limits) -> Contribution:
    """One keyword (or expression) per line."""
    words = [line.strip().lstrip("#").strip() for line in read_text(path, limits).splitlines()]
    keywords = tuple(dict.fromkeys(w for w in words if w))
    if any(len(w) > MAX_KEYWORD for w in keywords):
        raise Refusal(f"a keyword is longer than {MAX_KEYWORD} characters; write one "
                      "keyword or short expression per line")
    if len(keywords) > MAX_KEYWORDS:
        raise Refusal(f"{len(keywords)} keywords; at most {MAX_KEYWORDS} per file")
    return contribution("keywords", path, text=" · ".join(keywords), keywords=keywords)
