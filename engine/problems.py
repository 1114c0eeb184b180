"""One shape for everything an artist, a config or a visitor can get wrong.

A `Problem` prints as `file:line: what` so editors and terminals can jump to it; the
same object feeds the log, `carte check` and the on-screen overlay.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """A located complaint about a file the engine reads."""

    file: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class ProblemError(Exception):
    """Raised with one or more problems; its text lists each on its own line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
