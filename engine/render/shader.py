"""Artists' fragment shaders: ISF 2.0 header, Shadertoy names, located errors.

A shader file starts with a JSON comment declaring its inputs (ISF):

    /*{ "DESCRIPTION": "...", "INPUTS": [
          {"NAME": "flow", "TYPE": "float", "DEFAULT": 0.3, "MIN": 0.0, "MAX": 1.0} ] }*/

The header is read once into a `ShaderSource` (inputs, passes, imported images) that
feeds the renderer, the scene parameters, OSC and OSCQuery. The body is wrapped in the
engine's prologue (engine/render/prologue.py): the built-ins the artist leaves to the
engine, each input, ISF's functions and the older dialect, then a `#line 1` so the
compiler's line numbers are the file's own.
"""

from __future__ import annotations

import json
import logging
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import moderngl

from engine.problems import Problem, ProblemError
from engine.render import prologue
from engine.render.isf import Imported, Pass, parse_imported, parse_passes
from engine.render.loose import MAX_ROUNDS, loosen

log = logging.getLogger(__name__)
HEADER = re.compile(r"\A\s*/\*\s*(\{.*?\})\s*\*/", re.DOTALL)
MESA_ERROR = re.compile(r"^\s*\d+:(\d+)\(\d+\):\s*(.*)$")
NVIDIA_ERROR = re.compile(r"^\s*\d+\((\d+)\)\s*:\s*(.*)$")
CONTINUATION = re.compile(r"error:\s{2,}\S")
FIRST_UNIT = 5  # texture units from here on: image inputs, pass targets, imports, audio
CHANNELS = ("iChannel0", "iChannel1", "iChannel2", "iChannel3")
INPUT_TYPES = {"float": "float", "bool": "bool", "long": "int", "color": "vec4",
               "point2D": "vec2", "event": "bool", "image": "sampler2D",
               "audio": "sampler2D", "audioFFT": "sampler2D"}
SAMPLED = ("image", "audio", "audioFFT")
AUDIO = ("audio", "audioFFT")
# ISF's conventions: inputs the host fills when declared with these types.
FILTER = {"inputImage": "image"}
TRANSITION = {"startImage": "image", "endImage": "image", "progress": "float"}
# Image bindings a scene may give an image input besides a file of the shaders folder.
IMAGE_SOURCES = ("below", "previous")


@dataclass(frozen=True)
class ShaderInput:
    """One declared input: a uniform, a scene parameter and (later) an OSC address."""

    name: str
    type: str
    default: Any
    min: Any = None
    max: Any = None
    label: str = ""
    values: tuple[int, ...] = ()
    labels: tuple[str, ...] = ()

    def clamp(self, value: Any) -> Any:
        """Bring a value into the declared range and shape."""
        if self.type == "image":
            if not isinstance(value, str) or not (value in IMAGE_SOURCES or
                                                  re.fullmatch(r"[\w. -]+", value)):
                raise ValueError(f"{self.name}: an image is one of {', '.join(IMAGE_SOURCES)} "
                                 "or the name of an image file in the shaders folder")
            return value
        if self.type == "long" and self.values:
            if isinstance(value, str) and value in self.labels:
                return self.values[self.labels.index(value)]
            value = float(value)
            if not math.isfinite(value):
                raise ValueError(f"{self.name}: {value} is not a finite number")
            return min(self.values, key=lambda v: abs(v - value))  # the nearest entry
        if self.type == "float":
            value = float(value)
            if not math.isfinite(value):
                raise ValueError(f"{self.name}: {value} is not a finite number")
            low = -math.inf if self.min is None else float(self.min)
            high = math.inf if self.max is None else float(self.max)
            return min(max(value, low), high)
        if self.type == "long":
            value = int(value)
            low = value if self.min is None else int(self.min)
            high = value if self.max is None else int(self.max)
            return min(max(value, low), high)
        if self.type in ("bool", "event"):
            return bool(value)
        size = 4 if self.type == "color" else 2
        values = tuple(float(v) for v in value)
        if len(values) != size or not all(math.isfinite(v) for v in values):
            raise ValueError(f"{self.name}: expected {size} finite numbers")
        return values


@dataclass(frozen=True)
class ShaderSource:
    """A parsed shader file: what it declares and the full GLSL to compile."""

    path: Path
    description: str
    inputs: tuple[ShaderInput, ...]  # scene parameters and OSC addresses
    fragment: str
    vertex: str = ""
    passes: tuple[Pass, ...] = (Pass(),)
    imported: tuple[Imported, ...] = ()
    audio: tuple[ShaderInput, ...] = ()  # audio and audioFFT inputs, fed by the engine
    units: tuple[tuple[str, int], ...] = ()  # sampler name -> texture unit
    builtins: tuple[str, ...] = ()  # the built-in names the engine fills in this file
    own_vertex: bool = False  # a `.vs` beside the file

    def input(self, name: str) -> ShaderInput | None:
        return next((i for i in self.inputs if i.name == name), None)


def parse_shader(path: Path, text: str, vertex: str | None = None,
                 version: int = 420) -> ShaderSource:
    """Read the header and wrap the body (and a `.vs` body beside it) for GLSL `version`;
    header mistakes raise a located ProblemError. Every name the header or the code
    declares stays the artist's: the built-ins of that name step aside."""
    header: dict[str, Any] = {}
    found = HEADER.match(text)
    if found:
        try:
            header = json.loads(found.group(1))
        except json.JSONDecodeError as error:
            line = text[: found.start(1)].count("\n") + error.lineno
            raise ProblemError([Problem(path, line, f"header is not valid JSON: {error.msg}")]) \
                from error
        if not isinstance(header, dict):
            raise ProblemError([Problem(path, 1, "header must be a JSON object")])
    entries = header.get("INPUTS") or []
    if not isinstance(entries, list):
        raise ProblemError([Problem(path, _line_of(text, "INPUTS"), "INPUTS must be a list")])
    declared = [_parse_input(path, text, entry) for entry in entries]
    names = [i.name for i in declared]
    twice = next((name for name in names if names.count(name) > 1), None)
    if twice is not None:
        raise ProblemError([Problem(path, _line_of(text, twice),
                                    f"input {twice!r} is declared twice")])
    conventional = _conventions(declared)
    own = tuple(i for i in declared if i.name not in conventional)
    passes = parse_passes(path, text, header, lambda key: _line_of(text, key))
    imported = parse_imported(path, header, lambda key: _line_of(text, key))
    targets = sorted({p.target for p in passes if p.target})
    clash = [i.name for i in imported if i.name in names or i.name in targets] + \
        [t for t in targets if t in names and t not in conventional]
    if clash:
        raise ProblemError([Problem(path, _line_of(text, clash[0]),
                                    f"{clash[0]!r} names both a buffer or image and an input")])
    code = text + "\n" + (vertex or "")
    owned = {i.name for i in own} | set(targets) | {i.name for i in imported} | \
        prologue.owned_names(code)
    channels = tuple(ShaderInput(c, "image", "below", label=c) for c in CHANNELS
                     if c not in owned and re.search(rf"\b{c}\b", text))
    samplers = [i.name for i in own if i.type in SAMPLED] + targets + \
        [i.name for i in imported] + [c.name for c in channels]
    units = tuple((name, FIRST_UNIT + index) for index, name in enumerate(dict.fromkeys(samplers)))
    declarations = [f"uniform {INPUT_TYPES[i.type]} {i.name};" for i in (*own, *channels)] + \
        [f"uniform sampler2D {name};" for name in (*targets, *(i.name for i in imported))]
    if channels and "iChannelResolution" not in owned:
        declarations.append("uniform vec3 iChannelResolution[4];")
    builtins = prologue.filled(code, owned, conventional)
    images = samplers + [name for name in prologue.IMAGE_UNITS if name in builtins]
    wrap = (declarations, owned, builtins, images)
    return ShaderSource(
        path, str(header.get("DESCRIPTION") or ""),
        tuple(i for i in own if i.type not in AUDIO) + channels,
        prologue.fragment(text, version, *wrap), prologue.vertex(vertex, version, *wrap),
        passes, imported, tuple(i for i in own if i.type in AUDIO), units, builtins,
        vertex is not None)


def _conventions(declared: list[ShaderInput]) -> set[str]:
    """The inputs ISF's conventions give the host to fill: a filter's `inputImage`, and a
    transition's `startImage`, `endImage` and `progress` (all three declared)."""
    kinds = {i.name: i.type for i in declared}
    filled = {name for name, kind in FILTER.items() if kinds.get(name) == kind}
    if all(kinds.get(name) == kind for name, kind in TRANSITION.items()):
        filled |= set(TRANSITION)
    return filled


def _parse_input(path: Path, text: str, entry: Any) -> ShaderInput:
    name = entry.get("NAME") if isinstance(entry, dict) else None
    line = _line_of(text, str(name))
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_]\w*", name):
        message = f"input needs a GLSL identifier as NAME: {entry!r}"
        raise ProblemError([Problem(path, line, message)])
    kind = entry.get("TYPE")
    if kind not in INPUT_TYPES:
        raise ProblemError([Problem(path, line, f"input {name!r}: TYPE {kind!r} is not one of "
                                                f"{', '.join(INPUT_TYPES)}")])
    fallback = {"float": 0.0, "long": 0, "bool": False, "event": False,
                "color": (1.0, 1.0, 1.0, 1.0), "point2D": (0.0, 0.0), "image": "below",
                "audio": 0, "audioFFT": 0}[kind]
    # a key set to null (`"DEFAULT": null`) is a key left out, as other hosts read it
    entry = {key: value for key, value in entry.items() if value is not None}
    values, labels = entry.get("VALUES", []), entry.get("LABELS", [])
    try:
        values = tuple(int(v) for v in values) if kind == "long" else ()
        labels = tuple(str(v) for v in labels) if values else ()
        if values:
            fallback = values[0]
        low, high = entry.get("MIN"), entry.get("MAX")
        if values:
            low, high = min(values), max(values)
        if kind in ("audio", "audioFFT"):
            low, high = None, None if high is None else int(high)
            fallback = high or 0
        spec = ShaderInput(name, kind, fallback, low, high, str(entry.get("LABEL", name)),
                           values, labels or tuple(str(v) for v in values))
        default = fallback if kind in ("audio", "audioFFT", "event") else \
            spec.clamp(entry.get("DEFAULT", fallback))
        if spec.min is not None and spec.type in ("float", "long"):
            spec.clamp(spec.min)
    except (TypeError, ValueError) as error:
        raise ProblemError([Problem(path, line, f"input {name!r}: bad DEFAULT/MIN/MAX/VALUES: "
                                                f"{error}")]) from error
    return ShaderInput(name, kind, default, spec.min, spec.max, spec.label, spec.values,
                       spec.labels)


def _line_of(text: str, needle: str) -> int:
    index = text.find(f'"{needle}"')
    return text[:index].count("\n") + 1 if index >= 0 else 1


def compile_program(ctx: moderngl.Context, source: ShaderSource) -> moderngl.Program:
    """Compile, making explicit the conversions desktop drivers make implicitly (see
    loose.py); what is still refused becomes a ProblemError whose lines are the file's
    lines (the vertex shader's errors name the `.vs` file)."""
    stages = {"vertex_shader": source.vertex, "fragment_shader": source.fragment}
    loosened = False
    for _ in range(MAX_ROUNDS):
        try:
            program = ctx.program(**stages)
        except moderngl.Error as error:
            refused = error
            failed = "vertex_shader" if "vertex_shader" in str(error) else "fragment_shader"
            explicit = loosen(stages[failed], str(error))
            if explicit is None:
                break
            stages[failed], loosened = explicit, True
            continue
        if loosened:
            log.info("%s: compiled with the type conversions desktop drivers make implicitly",
                     source.path)
        return program
    text = str(refused)
    stage = source.path.with_suffix(".vs") if "vertex_shader" in text and \
        source.own_vertex else source.path
    raise ProblemError(compile_problems(stage, text)) from refused


def compile_problems(path: Path, log: str) -> list[Problem]:
    """Turn a driver's compile log (Mesa or NVIDIA style) into located problems, one per
    error: Mesa's indented `candidates are:` lines belong to the error above them, and
    the errors a line's first error sets off on that line are its echoes."""
    problems: list[Problem] = []
    candidates = 0
    for raw in log.splitlines():
        found = MESA_ERROR.match(raw) or NVIDIA_ERROR.match(raw)
        if not found or "error" not in found.group(2).lower():
            continue
        line, message = max(1, int(found.group(1))), found.group(2)
        if problems and problems[-1].line == line:
            candidates += bool(CONTINUATION.match(message))
            continue  # a candidate line, or an error that follows from the first
        _count_candidates(problems, candidates)
        candidates = 0
        problems.append(Problem(path, line, message.strip()))
    _count_candidates(problems, candidates)
    return problems or [Problem(path, 1, log.strip().splitlines()[-1] if log.strip() else
                                "shader failed to compile")]


def _count_candidates(problems: list[Problem], candidates: int) -> None:
    if candidates:
        last = problems[-1]
        problems[-1] = Problem(last.file, last.line,
                               f"{last.message.removesuffix('; candidates are:')} "
                               f"({candidates} signatures exist)")
