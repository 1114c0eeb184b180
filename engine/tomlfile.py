"""Reading TOML with errors that point at lines.

`tomllib` gives values without positions, so `locate` scans the text for the table
header and key a value came from; good enough to send an artist to the right line.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from engine.problems import Problem, ProblemError

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-\"']+)\s*=")
_TOML_POSITION = re.compile(r"\(at line (\d+), column \d+\)")


def read_toml(path: Path) -> tuple[dict[str, Any], str]:
    """Parse a TOML file; a syntax error becomes a located `ProblemError`."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ProblemError([Problem(path, 1, f"cannot read: {error}")]) from error
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as error:
        found = _TOML_POSITION.search(str(error))
        line = int(found.group(1)) if found else 1
        message = _TOML_POSITION.sub("", str(error)).strip()
        raise ProblemError([Problem(path, line, f"TOML syntax: {message}")]) from error


def locate(text: str, path: tuple[str | int, ...]) -> int:
    """Line (1-based) where the key `path` is written, e.g. ("osc", "port") or
    ("layers", 1, "params", "flow") for the second [[layers]]; falls back to the
    table's header, then to line 1."""
    names = [p for p in path if isinstance(p, str)]
    key = names.pop() if path and isinstance(path[-1], str) else None
    position = next((i for i, p in enumerate(path) if isinstance(p, int)), None)
    array = ".".join(str(p) for p in path[:position]) if position is not None else None
    wanted_index = path[position] if position is not None else 0
    wanted_table = ".".join(names)
    array_seen = -1
    table_line = 0
    in_table = wanted_table == "" and array is None
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            name = header.group(2).replace('"', "").strip()
            if header.group(1) == "[[" and name == array:
                array_seen += 1
            in_table = name == wanted_table and (array is None or array_seen == wanted_index)
            if in_table and not table_line:
                table_line = number
            continue
        if in_table and key is not None:
            found = _KEY.match(line)
            if found and found.group(1).strip("\"'") == key:
                return number
    return table_line or 1
