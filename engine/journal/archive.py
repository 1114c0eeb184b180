"""The content-addressed archive: every accepted file, stored once under its hash.

`data/archive/ab/abcdef….jpg`: the same bytes always land at the same path, so a
retried copy after a crash is harmless, and a duplicate costs nothing.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

CHUNK = 1 << 20


def digest_file(path: Path, limit: int) -> str:
    """SHA-256 of a file read in chunks; raises ValueError past `limit` bytes."""
    digest = hashlib.sha256()
    read = 0
    with path.open("rb") as source:
        while chunk := source.read(CHUNK):
            read += len(chunk)
            if read > limit:
                raise ValueError(f"larger than {limit} bytes")
            digest.update(chunk)
    return digest.hexdigest()


class Archive:
    """Files by content under one folder, written atomically and durably."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path_for(self, sha256: str, suffix: str) -> Path:
        clean = "".join(c for c in suffix.lower() if c.isalnum() or c == ".")[:12]
        return self.folder / sha256[:2] / f"{sha256}{clean}"

    def store(self, source: Path, sha256: str, link: bool = False) -> Path:
        """Copy `source` in (once) and fsync it before returning its archive path. With
        `link`, a file nobody else writes (an upload, already synced) is linked in
        instead where it can be, at no copy."""
        target = self.path_for(sha256, source.suffix)
        if target.exists():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        if link:
            try:
                os.link(source, target)
            except FileExistsError:
                return target
            except OSError:
                pass  # another file system: copied below
            else:
                sync_folder(target.parent)
                return target
        # Its own partial name: two threads may store the same bytes at once (two uploads'
        # identical sidecars); each renames a whole copy into place.
        partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}.partial")
        digest = hashlib.sha256()
        try:
            with source.open("rb") as reading, partial.open("wb") as writing:
                while chunk := reading.read(CHUNK):
                    digest.update(chunk)
                    writing.write(chunk)
                writing.flush()
                os.fsync(writing.fileno())
        except OSError:
            partial.unlink(missing_ok=True)  # a full disk keeps no half copy
            raise
        if digest.hexdigest() != sha256:
            partial.unlink()
            raise OSError(f"{source} changed while it was archived")
        os.replace(partial, target)
        sync_folder(target.parent)
        return target


def sync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable (a no-op where folders cannot be opened)."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
