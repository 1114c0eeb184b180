"""What the decoders' libraries print, caught in the worker and handed back with the job.

libtiff, libjpeg, FFmpeg and Pillow's warnings write to standard error themselves; left
alone, their words reach the engine's log with no time, no level and no file named.
The worker points its standard error at a file of its own, and after each job hands
back what was written, for the engine to log as one line each about that file.
"""

from __future__ import annotations

import os
import sys
import tempfile
import warnings

MAX_LINES = 20
MAX_CHARS = 400
MAX_READ = 64 * 1024


class Chatter:
    """Standard error of this process, redirected into an unlinked file (a file never
    blocks the writer, as a full pipe would), read and emptied after each job."""

    def __init__(self) -> None:
        self.held = tempfile.TemporaryFile()  # noqa: SIM115 (held for the worker's life)
        os.dup2(self.held.fileno(), 2)
        warnings.showwarning = self._warning

    @staticmethod
    def _warning(message: Warning | str, category: type[Warning], filename: str,
                 lineno: int, file: object = None, line: str | None = None) -> None:
        print(f"warning: {message}", file=sys.stderr)

    def collect(self) -> tuple[str, ...]:
        """The lines written since the last call (the last few, each cut short)."""
        sys.stderr.flush()
        os.lseek(2, 0, os.SEEK_SET)
        written = os.read(2, MAX_READ)
        os.ftruncate(2, 0)
        os.lseek(2, 0, os.SEEK_SET)
        lines = [line.strip()[:MAX_CHARS]
                 for line in written.decode("utf-8", "replace").splitlines()]
        return tuple(line for line in lines if line)[-MAX_LINES:]
