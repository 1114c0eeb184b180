"""The parts of an ISF header beyond its inputs: passes, imported images, sizes.

ISF 2.0 lists render passes under `PASSES` (`TARGET`, `PERSISTENT`, `FLOAT`, `WIDTH`,
`HEIGHT`), ISF 1.0 names its persistent buffers in `PERSISTENT_BUFFERS`, and both import
images with `IMPORTED`. A pass's size is an expression over `$WIDTH`, `$HEIGHT` and the
numeric inputs, evaluated here by walking its syntax tree (never `eval`).
"""

from __future__ import annotations

import ast
import math
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.problems import Problem, ProblemError


@dataclass(frozen=True)
class Pass:
    """One render pass: where it draws (None: the layer's output) and how big."""

    target: str | None = None
    persistent: bool = False
    float: bool = False
    width: str = "$WIDTH"
    height: str = "$HEIGHT"


@dataclass(frozen=True)
class Imported:
    """An image file beside the shader, sampled under `name`."""

    name: str
    path: Path


BINARY: dict[type, Callable[[float, float], float]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.Pow: operator.pow, ast.Mod: operator.mod,
}
COMPARE: dict[type, Callable[[float, float], bool]] = {
    ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
    ast.Eq: operator.eq, ast.NotEq: operator.ne,
}
FUNCTIONS: dict[str, Callable[..., float]] = {
    "max": max, "min": min, "floor": math.floor, "ceil": math.ceil, "abs": abs,
    "pow": math.pow, "sqrt": math.sqrt, "round": round, "log": math.log, "exp": math.exp,
}
MAX_SIDE = 8192


def evaluate(expression: str | float, names: Mapping[str, float]) -> float:
    """A size expression's value; `$NAME` and bare names read `names`."""
    if isinstance(expression, int | float) and not isinstance(expression, bool):
        return float(expression)
    tree = ast.parse(str(expression).replace("$", "").strip(), mode="eval")
    return float(_value(tree.body, names))


def _value(node: ast.AST, names: Mapping[str, float]) -> float:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return float(node.value)
    if isinstance(node, ast.Name):
        if node.id not in names:
            raise ValueError(f"unknown name {node.id!r}")
        return float(names[node.id])
    if isinstance(node, ast.BinOp) and type(node.op) in BINARY:
        return BINARY[type(node.op)](_value(node.left, names), _value(node.right, names))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _value(node.operand, names)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in COMPARE:
        return float(COMPARE[type(node.ops[0])](_value(node.left, names),
                                                _value(node.comparators[0], names)))
    if isinstance(node, ast.IfExp):
        return _value(node.body if _value(node.test, names) else node.orelse, names)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
            node.func.id in FUNCTIONS and not node.keywords:
        return float(FUNCTIONS[node.func.id](*(_value(a, names) for a in node.args)))
    raise ValueError(f"{ast.unparse(node)!r} is not arithmetic")


def side(expression: str, names: Mapping[str, float], fallback: int) -> int:
    """A target's width or height in pixels, at least 1; `fallback` if it cannot be read."""
    try:
        value = evaluate(expression, names)
    except (ValueError, SyntaxError, ZeroDivisionError, OverflowError, TypeError):
        return fallback
    return fallback if not math.isfinite(value) else int(min(max(value, 1.0), MAX_SIDE))


def parse_passes(path: Path, text: str, header: dict[str, Any],
                 line_of: Callable[[str], int]) -> tuple[Pass, ...]:
    """The passes in order; ISF 1.0's persistent buffers become persistent targets."""
    legacy = header.get("PERSISTENT_BUFFERS", [])
    if isinstance(legacy, str):
        legacy = [legacy]
    persistent = legacy if isinstance(legacy, dict) else {name: {} for name in legacy
                                                          if isinstance(name, str)}
    entries = header.get("PASSES", [{}]) or [{}]
    if not isinstance(entries, list):
        raise ProblemError([Problem(path, line_of("PASSES"), "PASSES must be a list")])
    passes = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise ProblemError([Problem(path, line_of("PASSES"),
                                        "each entry of PASSES must be an object")])
        target = entry.get("TARGET")
        if target is not None and not (isinstance(target, str) and
                                       re.fullmatch(r"[A-Za-z_]\w*", target)):
            raise ProblemError([Problem(path, line_of("TARGET"),
                                        f"TARGET {target!r} must be a GLSL identifier")])
        legacy_entry = persistent.get(target, {}) if target else {}
        legacy_entry = legacy_entry if isinstance(legacy_entry, dict) else {}
        size = {**legacy_entry, **entry}
        passes.append(Pass(target, bool(entry.get("PERSISTENT", target in persistent)),
                           bool(size.get("FLOAT", False)), str(size.get("WIDTH", "$WIDTH")),
                           str(size.get("HEIGHT", "$HEIGHT"))))
    return tuple(passes)


def parse_imported(path: Path, header: dict[str, Any],
                   line_of: Callable[[str], int]) -> tuple[Imported, ...]:
    """`IMPORTED` as a dict (ISF 2.0) or a list (1.0); files must lie beside the shader."""
    raw = header.get("IMPORTED", {})
    items = [{"NAME": k, **v} for k, v in raw.items() if isinstance(v, dict)] \
        if isinstance(raw, dict) else [e for e in raw if isinstance(e, dict)] \
        if isinstance(raw, list) else []
    found = []
    folder = path.parent.resolve()
    for item in items:
        name, file = item.get("NAME"), item.get("PATH")
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_]\w*", name) or \
                not isinstance(file, str):
            raise ProblemError([Problem(path, line_of("IMPORTED"),
                                        f"IMPORTED {name!r} needs a NAME and a PATH")])
        where = (folder / file).resolve()
        if folder not in where.parents or not where.is_file():
            raise ProblemError([Problem(path, line_of(file),
                                        f"imported image {file!r} not found beside the shader")])
        found.append(Imported(name, where))
    return tuple(found)
