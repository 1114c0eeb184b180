"""A folder of artist files, each kept at its last good version.

Shaders and scenes are edited while the show runs. Loading a file that is broken
records its problems and keeps what was loaded before, so the projection never shows
a broken state; `problems()` feeds the log, the overlay and `carte check`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

from engine.problems import Problem, ProblemError

log = logging.getLogger(__name__)
T = TypeVar("T")


class LastGood(Generic[T]):
    """`folder/NAME{suffix}` files loaded by `load`, reloaded on demand."""

    def __init__(self, folder: Path, suffix: str, load: Callable[[Path], T],
                 release: Callable[[T], None] = lambda item: None) -> None:
        self.folder = folder
        self.suffix = suffix
        self.load = load
        self.release_item = release
        self.loaded: dict[str, T] = {}
        self.failures: dict[str, list[Problem]] = {}

    def names(self) -> list[str]:
        return sorted(p.stem for p in self.folder.glob(f"*{self.suffix}"))

    def path(self, name: str) -> Path:
        return self.folder / f"{name}{self.suffix}"

    def owns(self, path: Path) -> bool:
        """Whether a changed path is one of this folder's files."""
        return path.suffix == self.suffix and path.parent.resolve() == self.folder.resolve()

    def get(self, name: str) -> T | None:
        """The last good version of `name`, loading it the first time."""
        if name not in self.loaded and name not in self.failures:
            self.reload(name)
        return self.loaded.get(name)

    def reload(self, name: str) -> bool:
        """Load `name` again; True when a new version replaced the old one."""
        path = self.path(name)
        try:
            item = self.load(path)
        except ProblemError as error:
            self._fail(name, error.problems)
            return False
        except (OSError, UnicodeDecodeError) as error:
            self._fail(name, [Problem(path, 1, f"cannot read: {error}")])
            return False
        old = self.loaded.pop(name, None)
        if old is not None:
            self.release_item(old)
        self.loaded[name] = item
        if self.failures.pop(name, None) is not None:
            log.info("%s: good again", path)
        return True

    def _fail(self, name: str, problems: list[Problem]) -> None:
        self.failures[name] = problems
        keeping = " (keeping the last good version)" if name in self.loaded else ""
        for problem in problems:
            log.error("%s%s", problem, keeping)

    def problems(self) -> list[Problem]:
        return [p for name in sorted(self.failures) for p in self.failures[name]]

    def release(self) -> None:
        for item in self.loaded.values():
            self.release_item(item)
        self.loaded.clear()
