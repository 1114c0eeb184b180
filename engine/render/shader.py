"""Artists' fragment shaders: ISF 2.0 header, Shadertoy names, located errors.

A shader file starts with a JSON comment declaring its inputs (ISF):

    /*{ "DESCRIPTION": "...", "INPUTS": [
          {"NAME": "flow", "TYPE": "float", "DEFAULT": 0.3, "MIN": 0.0, "MAX": 1.0} ] }*/

The header is read once into a `ShaderSource` (inputs, passes, imported images) that
feeds the renderer, the scene parameters and OSC. The engine wraps the body in a
prologue that declares the built-in uniforms, each input, the ISF functions and the
Shadertoy/ISF aliases, and maps the older GLSL dialect ISF files are written in
(`texture2D`, `varying`, `gl_FragColor`) onto 3.3 core, then a `#line 1` so the
compiler's line numbers are the file's own.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import moderngl

from engine.problems import Problem, ProblemError
from engine.render.isf import Imported, Pass, parse_imported, parse_passes

HEADER = re.compile(r"\A\s*/\*\s*(\{.*?\})\s*\*/", re.DOTALL)
MAIN_IMAGE = re.compile(r"\bvoid\s+mainImage\s*\(")
MESA_ERROR = re.compile(r"^\s*\d+:(\d+)\(\d+\):\s*(.*)$")
NVIDIA_ERROR = re.compile(r"^\s*\d+\((\d+)\)\s*:\s*(.*)$")
CONTINUATION = re.compile(r"error:\s{2,}\S")
VERSION = re.compile(r"^[ \t]*#version[^\n]*", re.MULTILINE)
FIRST_UNIT = 5  # texture units from here on: image inputs, pass targets, imports, audio

# Built-in uniforms every shader may use; documented in shaders/README.md.
BUILTINS: dict[str, str] = {
    "time": "float",
    "delta": "float",
    "frame": "int",
    "resolution": "vec2",
    "audioLevel": "float",
    "audioBands": "vec4",
    "contributions": "float",
    "sinceArrival": "float",
    "inputImage": "sampler2D",
    "previousFrame": "sampler2D",
    "startImage": "sampler2D",
    "endImage": "sampler2D",
    "progress": "float",
}
# Texture units of the image built-ins (post effects, feedback, transitions).
IMAGE_UNITS = {"inputImage": 1, "previousFrame": 2, "startImage": 3, "endImage": 4}
ALIASES = {
    "iTime": "time", "TIME": "time",
    "iTimeDelta": "delta", "TIMEDELTA": "delta",
    "iFrame": "frame", "FRAMEINDEX": "frame",
    "iResolution": "vec3(resolution, 1.0)", "RENDERSIZE": "resolution",
    "isf_FragNormCoord": "carte_uv", "vv_FragNormCoord": "carte_uv", "iMouse": "carte_mouse",
    "iDate": "DATE", "iSampleRate": "carte_sample_rate",
    "texture2D": "texture", "texture2DRect": "texture", "sampler2DRect": "sampler2D",
    "texture2DLod": "textureLod",
}
# Uniforms of ISF and Shadertoy that have no older engine name.
EXTRA_UNIFORMS = {"DATE": "vec4", "PASSINDEX": "int", "carte_mouse": "vec4",
                  "carte_sample_rate": "float", "carte_straight": "bool",
                  "iChannel0": "sampler2D", "iChannel1": "sampler2D",
                  "iChannel2": "sampler2D", "iChannel3": "sampler2D",
                  "iChannelResolution[4]": "vec3"}
CHANNELS = ("iChannel0", "iChannel1", "iChannel2", "iChannel3")
ISF_FUNCTIONS = (
    "#define IMG_SIZE(i) vec2(textureSize(i, 0))",
    "#define IMG_NORM_PIXEL(i, c) texture(i, c)",
    "#define IMG_PIXEL(i, c) texture(i, (c) / vec2(textureSize(i, 0)))",
    "#define IMG_THIS_NORM_PIXEL(i) texture(i, isf_FragNormCoord)",
    "#define IMG_THIS_PIXEL(i) texture(i, isf_FragNormCoord)",
    "#define IMG_NORM_THIS_PIXEL(i) texture(i, isf_FragNormCoord)",
)
INPUT_TYPES = {"float": "float", "bool": "bool", "long": "int", "color": "vec4",
               "point2D": "vec2", "event": "bool", "image": "sampler2D",
               "audio": "sampler2D", "audioFFT": "sampler2D"}
SAMPLED = ("image", "audio", "audioFFT")
# Image bindings a scene may give an image input besides a file of the shaders folder.
IMAGE_SOURCES = ("below", "previous")

VERTEX = """#version 330 core
in vec2 carte_corner;
out vec2 carte_uv;
void main() {
    carte_uv = carte_corner * 0.5 + 0.5;
    gl_Position = vec4(carte_corner, 0.0, 1.0);
}
"""


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

    def input(self, name: str) -> ShaderInput | None:
        return next((i for i in self.inputs if i.name == name), None)


def parse_shader(path: Path, text: str, vertex: str | None = None) -> ShaderSource:
    """Read the header and wrap the body (and a `.vs` body beside it); header mistakes
    raise a located ProblemError."""
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
    entries = header.get("INPUTS", [])
    if not isinstance(entries, list):
        raise ProblemError([Problem(path, _line_of(text, "INPUTS"), "INPUTS must be a list")])
    declared = [_parse_input(path, text, entry) for entry in entries]
    names = [i.name for i in declared]
    bound = {i.name for i in declared if i.name in BUILTINS and
             BUILTINS[i.name] == INPUT_TYPES[i.type] and names.count(i.name) == 1}
    for name in names:
        if name not in bound and (names.count(name) > 1 or name in BUILTINS or
                                  name in ALIASES or name in EXTRA_UNIFORMS):
            raise ProblemError([Problem(path, _line_of(text, name),
                                        f"input {name!r} is declared twice or shadows a built-in")])
    own = tuple(i for i in declared if i.name not in bound)
    passes = parse_passes(path, text, header, lambda key: _line_of(text, key))
    imported = parse_imported(path, header, lambda key: _line_of(text, key))
    samplers = [i.name for i in own if i.type in SAMPLED] + \
        sorted({p.target for p in passes if p.target}) + [i.name for i in imported] + \
        list(CHANNELS)
    taken = set(names) | set(BUILTINS)
    clash = [i.name for i in imported if i.name in taken] + \
        [p.target for p in passes if p.target in taken and p.target not in samplers[:len(own)]]
    if clash:
        raise ProblemError([Problem(path, _line_of(text, clash[0]),
                                    f"{clash[0]!r} names both a buffer or image and an input")])
    units = tuple((name, FIRST_UNIT + index) for index, name in enumerate(dict.fromkeys(samplers)))
    uniforms = [f"uniform {INPUT_TYPES[i.type]} {i.name};" for i in own] + \
        [f"uniform sampler2D {name};" for name, _ in units
         if name not in {i.name for i in own} and name not in CHANNELS]
    channels = tuple(ShaderInput(c, "image", "below", label=c) for c in CHANNELS
                     if re.search(rf"\b{c}\b", text))
    return ShaderSource(
        path, str(header.get("DESCRIPTION", "")),
        tuple(i for i in own if i.type not in ("audio", "audioFFT")) + channels,
        _wrap(text, uniforms), _wrap_vertex(vertex, uniforms) if vertex is not None else VERTEX,
        passes, imported, tuple(i for i in own if i.type in ("audio", "audioFFT")), units)


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


def _declarations(uniforms: list[str]) -> list[str]:
    """What both stages share: the uniforms, the aliases and the ISF functions."""
    lines = [f"uniform {kind} {name};" for name, kind in {**BUILTINS, **EXTRA_UNIFORMS}.items()]
    lines += uniforms
    lines += [f"#define {alias} {target}" for alias, target in ALIASES.items()]
    return lines + list(ISF_FUNCTIONS)


def _body(text: str) -> str:
    """The file's code with any `#version` line blanked, keeping line numbers."""
    return VERSION.sub("", text)


def _wrap(body: str, uniforms: list[str]) -> str:
    # `uv` is a plain global copied from the varying, so that a shader's own local `uv`
    # (ISF and Shadertoy code often declares one) cannot change isf_FragNormCoord.
    lines = ["#version 330 core", "in vec2 carte_uv;", "vec2 uv;", "out vec4 carte_out;",
             "uniform float carte_opacity;", "vec4 carte_color = vec4(0.0, 0.0, 0.0, 1.0);",
             "#define gl_FragColor carte_color", "#define varying in"]
    lines += _declarations(uniforms)
    shadertoy = bool(MAIN_IMAGE.search(body))
    if not shadertoy:
        lines.append("#define main carte_artist_main")
    lines.append("#line 1")
    lines.append(_body(body))
    finish = ("carte_out = carte_straight ? carte_color : "
              "vec4(carte_color.rgb * carte_color.a, carte_color.a) * carte_opacity;")
    if shadertoy:
        lines.append(f"void main() {{ uv = carte_uv; mainImage(carte_color, gl_FragCoord.xy); "
                     f"{finish} }}")
    else:
        lines += ["#undef main", f"void main() {{ uv = carte_uv; carte_artist_main(); {finish} }}"]
    return "\n".join(lines) + "\n"


def _wrap_vertex(body: str, uniforms: list[str]) -> str:
    """An ISF vertex shader: its `main()` calls `isf_vertShaderInit()` first."""
    lines = ["#version 330 core", "in vec2 carte_corner;", "out vec2 carte_uv;",
             "vec2 uv;",
             "#define varying out", "#define attribute in"]
    lines += _declarations(uniforms)
    lines += ["void isf_vertShaderInit() {", "    carte_uv = carte_corner * 0.5 + 0.5;",
              "    uv = carte_uv;",
              "    gl_Position = vec4(carte_corner, 0.0, 1.0);", "}", "#line 1", _body(body)]
    return "\n".join(lines) + "\n"


def compile_program(ctx: moderngl.Context, source: ShaderSource) -> moderngl.Program:
    """Compile; a GLSL error becomes a ProblemError whose lines are the file's lines
    (the vertex shader's errors name the `.vs` file)."""
    try:
        return ctx.program(vertex_shader=source.vertex, fragment_shader=source.fragment)
    except moderngl.Error as error:
        log = str(error)
        stage = source.path.with_suffix(".vs") if "vertex_shader" in log and \
            source.vertex != VERTEX else source.path
        raise ProblemError(compile_problems(stage, log)) from error


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
