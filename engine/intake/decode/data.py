"""Numeric data: CSV tables (French or English conventions) and JSON series or tables.

The result is a set of named series of finite numbers; empty cells, NaN and infinities
are dropped (and counted in the refusal when nothing numeric is left).
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Any

from engine.intake.decode.base import Limits, Refusal, contribution, read_capped
from engine.intake.decode.text import read_text
from engine.world.contribution import Contribution

MAX_SERIES = 32
MAX_VALUES = 100_000
MAX_JSON_BYTES = 16 * 1024 * 1024


def number(cell: Any) -> float | None:
    """A finite number from a cell: `3.5`, `3,5` (French), `1 200`; None otherwise."""
    if isinstance(cell, bool):
        return None
    if isinstance(cell, int | float):
        value = float(cell)
    elif isinstance(cell, str):
        text = cell.strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        try:
            value = float(text)
        except ValueError:
            return None
    else:
        return None
    return value if math.isfinite(value) else None


def finish(path: Path, columns: dict[str, list[Any]]) -> Contribution:
    series = []
    for name, cells in list(columns.items())[:MAX_SERIES]:
        values = tuple(v for v in (number(c) for c in cells[:MAX_VALUES]) if v is not None)
        if len(values) >= 2:
            series.append((str(name)[:60], values))
    if not series:
        raise Refusal("no column holds at least two numbers; send a table with a header row "
                      "and numeric columns, or a JSON list of numbers")
    summary = ", ".join(f"{name} ({len(values)})" for name, values in series[:4])
    return contribution("data", path, series=tuple(series), text=f"{path.stem} — {summary}")


def decode_csv(path: Path, limits: Limits) -> Contribution:
    text = read_text(path, Limits(max_text_chars=MAX_JSON_BYTES))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text), dialect))
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if len(rows) < 2:
        raise Refusal("the table needs a header row and at least two rows of values")
    header = [h.strip() or f"colonne {i + 1}" for i, h in enumerate(rows[0])]
    columns = {name: [row[i] if i < len(row) else "" for row in rows[1:]]
               for i, name in enumerate(header)}
    return finish(path, columns)


def decode_json(path: Path, limits: Limits) -> Contribution:
    data = read_capped(path, MAX_JSON_BYTES)
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        where = f" (line {error.lineno}, column {error.colno})" \
            if isinstance(error, json.JSONDecodeError) else ""
        raise Refusal(f"not valid UTF-8 JSON{where}; check the file in a JSON validator") \
            from error
    return finish(path, _columns(document))


def _columns(document: Any) -> dict[str, list[Any]]:
    """`[1, 2]`, `{"a": [1, 2]}`, `[{"a": 1}, {"a": 2}]` or `{"data": …}` as columns."""
    if isinstance(document, dict):
        lists = {k: v for k, v in document.items() if isinstance(v, list)}
        if len(lists) == 1 and all(isinstance(r, dict) for r in next(iter(lists.values()))):
            return _columns(next(iter(lists.values())))
        return lists
    if isinstance(document, list):
        if all(isinstance(row, dict) for row in document):
            columns: dict[str, list[Any]] = {}
            for row in document[:MAX_VALUES]:
                for key, value in row.items():
                    columns.setdefault(str(key), []).append(value)
            return columns
        return {"valeurs": document}
    return {}
