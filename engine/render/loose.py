"""Desktop drivers' loose typing, made explicit where Mesa refuses it.

GLSL 4.20 (see prologue.py) already takes the implicit conversions the language allows;
desktop drivers (NVIDIA's above all, where many ISF files were written) also take those
it does not: `int i = 2.5;`, `vec3 c = texture(...)`, `return x * 2.0;` in an `int`
function, converting or dropping components as a constructor would. When Mesa refuses
one of these, the statement it names is given that constructor (`int(2.5)`) on the same
line of the artist's code, and the file is compiled again. A file with any other error
is reported as it was written.
"""

from __future__ import annotations

import re

SCALARS = ("bool", "int", "uint", "float")
VECTOR = re.compile(r"([biu]?)vec([234])$")
REFUSED = (
    re.compile(r"^\s*\d+:(\d+)\((\d+)\):\s*error: (?:initializer|value) of type (\w+) "
               r"cannot be assigned to variable of type (\w+)"),
    re.compile(r"^\s*\d+:(\d+)\((\d+)\):\s*error: could not implicitly convert return "
               r"value to (\w+)"),
)
RETURN = re.compile(r"\breturn\b")
MAX_ROUNDS = 16  # compilations tried: each makes every conversion its log names
LINE_ONE = "\n#line 1\n"


def convertible(source: str | None, target: str) -> bool:
    """Whether `target(source)` is a constructor a desktop driver's implicit conversion
    stands for: between scalars, or a vector to one of as many or fewer components (an
    unknown source: the compiler will say if the constructor does not fit)."""
    wanted = target in SCALARS or VECTOR.match(target) is not None
    if source is None or not wanted:
        return wanted
    if target in SCALARS:
        return source in SCALARS
    given, sized = VECTOR.match(source), VECTOR.match(target)
    return given is not None and sized is not None and given.group(2) >= sized.group(2)


def loosen(wrapped: str, log: str) -> str | None:
    """`wrapped` (a stage as compiled: the prologue, `#line 1`, the artist's code) with an
    explicit constructor on each statement of the artist's `log` (Mesa's compile log of
    it) refuses for a conversion a desktop driver makes; None if there is none to make."""
    head, marker, body = wrapped.partition(LINE_ONE)
    if not marker:
        return None
    lines = body.split("\n")
    changed = False
    for raw in log.splitlines():
        for pattern in REFUSED:
            found = pattern.match(raw)
            if not found:
                continue
            number, column = int(found.group(1)) - 1, max(int(found.group(2)) - 1, 0)
            source, target = (found.group(3), found.group(4)) if found.lastindex == 4 else \
                (None, found.group(3))
            if 0 <= number < len(lines) and convertible(source, target):
                fixed = _construct(lines[number], column, target, pattern is REFUSED[1])
                changed |= fixed != lines[number]
                lines[number] = fixed
    return head + marker + "\n".join(lines) if changed else None


def _construct(line: str, column: int, target: str, returned: bool) -> str:
    """The first `= value;` (or `return value;`) of `line` from about `column` (where the
    compiler placed the error) as `= target(value);`."""
    if returned:
        found = RETURN.search(line, column) or RETURN.search(line)
        start = found.end() if found else -1
    else:
        start = next((i + 1 for i in (*range(column, len(line)), *range(column))
                      if line[i] == "=" and line[i - 1:i] not in ("=", "!", "<", ">", "+", "-",
                                                                   "*", "/", "%", "&", "|", "^")
                      and line[i + 1:i + 2] != "="), -1)
    end = _statement_end(line, start)
    if start < 0 or end < 0 or not line[start:end].strip():
        return line
    return f"{line[:start]} {target}({line[start:end].strip()}){line[end:]}"


def _statement_end(line: str, start: int) -> int:
    """Where the expression from `start` ends: its `;` outside parentheses."""
    depth = 0
    for index in range(max(start, 0), len(line)):
        depth += (line[index] in "([") - (line[index] in ")]")
        if line[index] == ";" and depth == 0:
            return index
    return -1
