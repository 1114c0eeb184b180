"""Composers' modules: read from a file, built on the server, called without risk.

Whatever a module does wrong (a syntax error, a bad declaration, an exception in
`build` or in a hook) becomes a `Problem` located at its own file and line; the engine
keeps playing what it played before.
"""

from __future__ import annotations

import math
import re
import sys
import traceback
import types
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyo

from engine.audio.contract import Context, Param
from engine.problems import Problem, ProblemError

HOOKS = ("arrive", "hide", "show", "themes", "update")
RESERVED = ("volume",)


@dataclass(frozen=True)
class Code:
    """A module's declarations: where it lives, its parameters, its build function."""

    path: Path
    params: tuple[Param, ...]
    build: Callable[[Context], Any]


def load_code(path: Path) -> Code:
    """Execute a module file in a fresh namespace and read its declarations."""
    source = path.read_text(encoding="utf-8")
    name = f"carte_sound_{path.stem}"
    module = types.ModuleType(name)
    module.__file__ = str(path)
    # dataclasses and pickling look a class's module up in sys.modules
    sys.modules[name] = module
    try:
        exec(compile(source, str(path), "exec"), module.__dict__)
    except Exception as error:
        raise ProblemError([located(path, error, "loading the module")]) from error
    return declarations(path, module, source)


def declarations(path: Path, module: types.ModuleType, source: str = "") -> Code:
    """Check `PARAMS` and `build` of a loaded module."""
    build = getattr(module, "build", None)
    if not callable(build):
        raise ProblemError([Problem(path, 1, "no build(ctx) function; expected one returning "
                                             "an object with an `output` (see sound/README.md)")])
    params = getattr(module, "PARAMS", ())
    line = line_of(source, "PARAMS")
    if not isinstance(params, tuple | list) or not all(isinstance(p, Param) for p in params):
        raise ProblemError([Problem(path, line, "PARAMS must be a tuple of Param(name, "
                                                "default, min, max, label)")])
    problems = [Problem(path, line_of(source, p.name, line), message)
                for p in params if (message := param_problem(p, params))]
    if problems:
        raise ProblemError(problems)
    return Code(path, tuple(params), build)


def param_problem(param: Param, params: tuple[Param, ...] | list[Param]) -> str:
    """What is wrong with one declared parameter, or ""."""
    if not re.fullmatch(r"[A-Za-z_]\w*", param.name):
        return f"parameter {param.name!r}: expected a name of letters, digits and _"
    if param.name in RESERVED or sum(p.name == param.name for p in params) > 1:
        return f"parameter {param.name!r} is declared twice or shadows the host's"
    values = (param.default, param.min, param.max, param.ramp)
    if not all(isinstance(v, int | float) and math.isfinite(v) for v in values):
        return f"parameter {param.name!r}: default, min, max and ramp must be finite numbers"
    if not param.min <= param.default <= param.max or param.ramp < 0:
        return f"parameter {param.name!r}: expected min <= default <= max and ramp >= 0"
    return ""


def line_of(source: str, needle: str, fallback: int = 1) -> int:
    index = source.find(needle)
    return source[:index].count("\n") + 1 if index >= 0 else fallback


def located(path: Path, error: BaseException, doing: str) -> Problem:
    """The deepest line of `path` in the error's traceback (or a syntax error's line)."""
    line = 1
    if isinstance(error, SyntaxError) and error.filename == str(path) and error.lineno:
        line = error.lineno
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename == str(path) and frame.lineno:
            line = frame.lineno
    return Problem(path, line, f"{doing}: {type(error).__name__}: {error}")


class Running:
    """One built patch with its parameters' signals; its hooks are called guarded."""

    def __init__(self, code: Code, ctx: Context) -> None:
        try:
            patch = code.build(ctx)
        except Exception as error:
            raise ProblemError([located(code.path, error, "build()")]) from error
        if not isinstance(getattr(patch, "output", None), pyo.PyoObject):
            raise ProblemError([Problem(code.path, line_of(_source(code.path), "def build"),
                                        "build() must return an object whose `output` is a "
                                        "PyoObject (its mix, never sent with .out())")])
        self.code = code
        self.ctx = ctx
        self.patch = patch
        self.output: pyo.PyoObject = patch.output
        self.hooks = {name: hook for name in HOOKS
                      if callable(hook := getattr(patch, name, None))}

    def call(self, hook: str, *args: Any) -> Problem | None:
        """Run a hook if the patch has it; a failure is returned, never raised."""
        function = self.hooks.get(hook)
        if function is None:
            return None
        try:
            function(*args)
        except Exception as error:
            return located(self.code.path, error, f"{hook}()")
        return None

    def set(self, name: str, value: float) -> None:
        signal = self.ctx.params.get(name)
        if signal is not None:
            signal.value = value


def _source(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return ""
