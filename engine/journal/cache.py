"""Decoded payloads kept beside the archive, so a restart does not decode again.

One `.npz` per contribution: its arrays, plus the other fields as JSON. Read with
`allow_pickle=False`; a missing or unreadable entry only means decoding again from the
archive.
"""

from __future__ import annotations

import io
import json
import os
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

import numpy as np

from engine.world.contribution import Clip, Contribution, Tags

ARRAYS = ("pixels", "frames")


class PayloadCache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, id: str, arrays: bool = True) -> Path:
        """`.npz` for payloads with arrays; plain `.json` for the others, which a restart
        reads by the thousand (an archive member costs several times a small file)."""
        return self.folder / id[:2] / f"{id}.{'npz' if arrays else 'json'}"

    def save(self, contribution: Contribution) -> None:
        arrays: dict[str, np.ndarray] = {k: getattr(contribution, k) for k in ARRAYS
                                         if getattr(contribution, k) is not None}
        meta: dict[str, Any] = {f.name: getattr(contribution, f.name)
                                for f in fields(contribution)
                                if f.name not in ARRAYS and f.name not in ("clip", "tags")}
        meta["tags"] = asdict(contribution.tags)
        if contribution.clip is not None:
            arrays["clip"] = contribution.clip.samples
            meta["clip"] = {"sample_rate": contribution.clip.sample_rate,
                            "envelope": contribution.clip.envelope,
                            "loudness": contribution.clip.loudness}
        text = json.dumps(meta, ensure_ascii=False)
        target = self.path(contribution.id, bool(arrays))
        target.parent.mkdir(parents=True, exist_ok=True)
        if arrays:
            buffer = io.BytesIO()
            np.savez(buffer, meta=np.frombuffer(text.encode(), np.uint8), **arrays)
            data = buffer.getvalue()
        else:
            data = text.encode()
        partial = target.with_name(f".{target.name}.partial")
        partial.write_bytes(data)
        os.replace(partial, target)
        self.path(contribution.id, not arrays).unlink(missing_ok=True)  # a preview's

    def forget(self, id: str) -> None:
        """Drop a payload (a restart decodes it again from the archive)."""
        for arrays in (True, False):
            self.path(id, arrays).unlink(missing_ok=True)

    def meta(self, id: str) -> dict[str, Any] | None:
        """A payload's fields without its arrays (a text's words, a sound's envelope),
        read without loading pixels or samples; None when it is not cached."""
        try:
            return dict(json.loads(self.path(id, arrays=False).read_text(encoding="utf-8")))
        except (OSError, ValueError):
            try:
                with np.load(self.path(id), allow_pickle=False) as stored:
                    return dict(json.loads(bytes(stored["meta"]).decode()))
            except (OSError, ValueError, KeyError):
                return None

    def load(self, id: str) -> Contribution | None:
        arrays: dict[str, np.ndarray] = {}
        clip = None
        try:
            meta = json.loads(self.path(id, arrays=False).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            try:
                with np.load(self.path(id), allow_pickle=False) as stored:
                    meta = json.loads(bytes(stored["meta"]).decode())
                    arrays = {k: stored[k] for k in ARRAYS if k in stored}
                    clip = stored.get("clip")
            except (OSError, ValueError, KeyError):
                return None
        tags = meta.pop("tags")
        tags["keywords"] = tuple(tags.get("keywords", ()))
        clip_meta = meta.pop("clip", None)
        return Contribution(
            **{**meta, "palette": tuple(tuple(c) for c in meta["palette"]),
               "durations": tuple(meta["durations"]),
               "series": tuple((name, tuple(values)) for name, values in meta["series"]),
               "strokes": tuple(tuple(tuple(p) for p in s) for s in meta["strokes"])},
            tags=Tags(**tags), **arrays,
            clip=None if clip is None or clip_meta is None else
            Clip(clip, clip_meta["sample_rate"], tuple(clip_meta["envelope"]),
                 clip_meta.get("loudness")))
