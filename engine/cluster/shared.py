"""What every node must share to lay out the same carte from the same stream.

A place depends on the event's vocabulary, the carte's text size and font, what the
decoders make of a file (their caps) and the engine's code. Each node says a digest of
these in its presence; a node that differs is named in the log and the status.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from importlib import metadata

from engine.config import Config


def fingerprint(config: Config) -> str:
    intake = config.intake
    font = config.display.font
    try:
        version = metadata.version("carte-sensible")
    except metadata.PackageNotFoundError:
        version = "source"
    settled = {
        "event": asdict(config.event) | {"defaults": {}},
        "text_size": config.display.text_size,
        "font": hashlib.sha256(font.read_bytes()).hexdigest() if font is not None and
        font.is_file() else "",
        "caps": [intake.max_file_mb, intake.max_megapixels, intake.max_frames,
                 intake.max_seconds, intake.max_text_chars, intake.image_size],
        "version": version,
    }
    return hashlib.sha256(json.dumps(settled, sort_keys=True, ensure_ascii=False,
                                     default=str).encode()).hexdigest()[:16]
