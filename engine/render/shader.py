"""Artists' fragment shaders: ISF-style header, Shadertoy names, located errors.

A shader file starts with a JSON comment declaring its inputs (ISF style):

    /*{ "DESCRIPTION": "...", "INPUTS": [
          {"NAME": "flow", "TYPE": "float", "DEFAULT": 0.3, "MIN": 0.0, "MAX": 1.0} ] }*/

The engine wraps the body in a prologue that declares the built-in uniforms, each
input, and the Shadertoy/ISF aliases, then a `#line 1` so the compiler's line numbers
are the file's own. The body writes `gl_FragColor` from `main()`, or defines
Shadertoy's `mainImage(out vec4, in vec2)`.
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

HEADER = re.compile(r"\A\s*/\*\s*(\{.*?\})\s*\*/", re.DOTALL)
MAIN_IMAGE = re.compile(r"\bvoid\s+mainImage\s*\(")
MESA_ERROR = re.compile(r"^\s*\d+:(\d+)\(\d+\):\s*(.*)$")
NVIDIA_ERROR = re.compile(r"^\s*\d+\((\d+)\)\s*:\s*(.*)$")

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
    "isf_FragNormCoord": "uv", "iMouse": "vec4(0.0)",
}
INPUT_TYPES = {"float": "float", "bool": "bool", "long": "int", "color": "vec4",
               "point2D": "vec2"}

VERTEX = """#version 330 core
in vec2 carte_corner;
out vec2 uv;
void main() {
    uv = carte_corner * 0.5 + 0.5;
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

    def clamp(self, value: Any) -> Any:
        """Bring a value into the declared range and shape."""
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
        if self.type == "bool":
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
    inputs: tuple[ShaderInput, ...]
    fragment: str

    def input(self, name: str) -> ShaderInput | None:
        return next((i for i in self.inputs if i.name == name), None)


def parse_shader(path: Path, text: str) -> ShaderSource:
    """Read the header and wrap the body; header mistakes raise a located ProblemError."""
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
    inputs = tuple(_parse_input(path, text, entry) for entry in header.get("INPUTS", []))
    names = [i.name for i in inputs]
    for name in names:
        if names.count(name) > 1 or name in BUILTINS or name in ALIASES:
            raise ProblemError([Problem(path, _line_of(text, name),
                                        f"input {name!r} is declared twice or shadows a built-in")])
    return ShaderSource(path, str(header.get("DESCRIPTION", "")), inputs,
                        _wrap(text, inputs))


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
    fallback = {"float": 0.0, "long": 0, "bool": False, "color": (1.0, 1.0, 1.0, 1.0),
                "point2D": (0.0, 0.0)}[kind]
    spec = ShaderInput(name, kind, fallback, entry.get("MIN"), entry.get("MAX"),
                       str(entry.get("LABEL", name)))
    try:
        default = spec.clamp(entry.get("DEFAULT", fallback))
        if spec.min is not None and spec.type in ("float", "long"):
            spec.clamp(spec.min)
    except (TypeError, ValueError) as error:
        raise ProblemError([Problem(path, line, f"input {name!r}: bad DEFAULT/MIN/MAX: {error}")]) \
            from error
    return ShaderInput(name, kind, default, spec.min, spec.max, spec.label)


def _line_of(text: str, needle: str) -> int:
    index = text.find(f'"{needle}"')
    return text[:index].count("\n") + 1 if index >= 0 else 1


def _wrap(body: str, inputs: tuple[ShaderInput, ...]) -> str:
    lines = ["#version 330 core", "in vec2 uv;", "out vec4 carte_out;",
             "uniform float carte_opacity;", "vec4 carte_color = vec4(0.0, 0.0, 0.0, 1.0);",
             "#define gl_FragColor carte_color"]
    lines += [f"uniform {kind} {name};" for name, kind in BUILTINS.items()]
    lines += [f"uniform {INPUT_TYPES[i.type]} {i.name};" for i in inputs]
    lines += [f"#define {alias} {target}" for alias, target in ALIASES.items()]
    shadertoy = bool(MAIN_IMAGE.search(body))
    if not shadertoy:
        lines.append("#define main carte_artist_main")
    lines.append("#line 1")
    lines.append(body)
    finish = "carte_out = vec4(carte_color.rgb * carte_color.a, carte_color.a) * carte_opacity;"
    if shadertoy:
        lines.append(f"void main() {{ mainImage(carte_color, gl_FragCoord.xy); {finish} }}")
    else:
        lines += ["#undef main", f"void main() {{ carte_artist_main(); {finish} }}"]
    return "\n".join(lines) + "\n"


def compile_program(ctx: moderngl.Context, source: ShaderSource) -> moderngl.Program:
    """Compile; a GLSL error becomes a ProblemError whose lines are the file's lines."""
    try:
        return ctx.program(vertex_shader=VERTEX, fragment_shader=source.fragment)
    except moderngl.Error as error:
        raise ProblemError(compile_problems(source.path, str(error))) from error


def compile_problems(path: Path, log: str) -> list[Problem]:
    """Turn a driver's compile log (Mesa or NVIDIA style) into located problems."""
    problems = []
    for raw in log.splitlines():
        found = MESA_ERROR.match(raw) or NVIDIA_ERROR.match(raw)
        if found and "error" in found.group(2).lower():
            problems.append(Problem(path, max(1, int(found.group(1))), found.group(2).strip()))
    return problems or [Problem(path, 1, log.strip().splitlines()[-1] if log.strip() else
                                "shader failed to compile")]
