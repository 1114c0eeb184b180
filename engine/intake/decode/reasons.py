"""Any decoder failure as words a person can act on: what was wrong, what to send instead.

Libraries fail with their own vocabulary (`TypeError: Missing dimensions`, `broken data
stream`, an FFmpeg error code); none of that means anything to the person who dropped
the file. Every failure a decoder does not turn into a `Refusal` itself comes here, so
the wording is decided in one place and never quotes an exception.
"""

from __future__ import annotations

import struct
import zlib

ENDS_EARLY = ("truncat", "end of file", "ends early", "not enough data", "buffer",
              "premature", "incomplete", "short read")
UNSUPPORTED = ("unsupported", "not supported", "unknown", "no decoder", "not implemented",
               "cannot handle", "unrecognized", "unrecognised")


def problem(error: BaseException) -> str:
    """What went wrong with the file, in plain words (never the library's own)."""
    from PIL import UnidentifiedImageError

    text = str(error).lower()
    if isinstance(error, FileNotFoundError):
        return "the file went away while it was being read"
    if isinstance(error, PermissionError):
        return "the file cannot be opened (it is not readable)"
    if isinstance(error, UnidentifiedImageError):
        return ("its content is not a picture that can be read here (it may be damaged, or "
                "another kind of file renamed)")
    # Pillow's parsers run off the end of a cut file as IndexError or struct.error.
    if isinstance(error, EOFError | struct.error | IndexError) or \
            any(w in text for w in ENDS_EARLY):
        return ("the file is cut short or damaged: it ends before its content does (it was "
                "probably cut off while being copied or downloaded)")
    if isinstance(error, NotImplementedError) or any(w in text for w in UNSUPPORTED):
        return ("it uses a variant of its format that cannot be read here (an unusual "
                "compression, pixel layout or codec)")
    if isinstance(error, zlib.error):
        return "its compressed data is damaged"
    return "the file is damaged: its content does not follow its format"


def explain(error: BaseException, instead: str) -> str:
    """The whole reason: the problem, then what would be taken instead."""
    return f"{problem(error)}; {instead}"
