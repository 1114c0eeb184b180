"""Parameter values over OSC: absolute, relative (`+`, `-`, `*`) and how they land.

A message sets a value (`0.5`), or changes it relative to the current one with a
leading string, as Resolume does (`"+" 0.1`, `"-" 0.1`, `"*" 2`; the single strings
`"+0.1"`, `"-0.1"`, `"*2"` mean the same, for tools that send one argument). The
server validates and clamps absolute values; relative steps travel to the frame loop,
which alone knows the current value, and `resolve` applies them, clamping after each.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from engine.control.refusal import RANGE, WRONG, Refused
from engine.render.shader import ShaderInput

OPS = ("+", "-", "*")
QUERY = "?"
VECTOR_SIZES = {"color": (3, 4), "point2D": (2,)}
INT32 = 2**31

Step = tuple[str, Any]  # ("=", value) or (op, operand)


@dataclass(frozen=True)
class Choice:
    """A parameter taking one of a few names, such as a layer's blend mode."""

    name: str
    choices: tuple[str, ...]
    default: str
    label: str = ""
    type: str = "choice"

    def clamp(self, value: Any) -> str:
        if value not in self.choices:
            raise ValueError(f"{value!r} is not one of {', '.join(self.choices)}")
        return str(value)


Param = ShaderInput | Choice


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def finite(value: Any, what: str) -> float:
    """A finite number from an OSC argument, or a refusal naming `what`."""
    if not is_number(value):
        raise Refused(WRONG, f"{what}: expected a number, got {type(value).__name__}")
    if not math.isfinite(value):
        raise Refused(RANGE, f"{what}: {value} is not a finite number")
    return float(value)


def parse_step(spec: Param, args: Sequence[Any]) -> Step:
    """One message's arguments (query already handled) as a step for `spec`."""
    op, rest = "=", list(args)
    head = args[0] if args else None
    if isinstance(head, str) and spec.type not in ("choice", "image"):
        if head in OPS or head == "=":
            op, rest = head, rest[1:]
        elif len(args) == 1 and head[:1] in OPS:
            op, rest = head[0], [_number_text(head[1:], spec.name)]
        else:
            raise Refused(WRONG, f"{spec.name}: expected a value, or + - * then a value; "
                                 f"got {head!r}")
    if op == "=":
        return "=", absolute(spec, rest)
    if spec.type in ("bool", "event", "choice", "image"):
        raise Refused(WRONG, f"{spec.name}: {spec.type} values take no {op}")
    return op, _operand(spec, rest)


def _number_text(text: str, what: str) -> float:
    try:
        return finite(float(text), what)
    except ValueError as error:
        raise Refused(WRONG, f"{what}: {text!r} is not a number") from error


def absolute(spec: Param, args: Sequence[Any]) -> Any:
    """The value a message sets, in range (clamped) and in the declared shape."""
    if spec.type == "choice":
        return _choice(spec, args)
    if spec.type == "image":
        try:
            return spec.clamp(_single(spec, args))
        except ValueError as error:
            raise Refused(RANGE, str(error)) from error
    if spec.type in ("bool", "event"):
        value = _single(spec, args)
        if not (isinstance(value, bool) or is_number(value)):
            raise Refused(WRONG, f"{spec.name}: expected 0/1 or true/false")
        return bool(value)
    if spec.type in VECTOR_SIZES:
        values = tuple(finite(v, spec.name) for v in args)
        if len(values) not in VECTOR_SIZES[spec.type]:
            sizes = " or ".join(str(n) for n in VECTOR_SIZES[spec.type])
            raise Refused(WRONG, f"{spec.name}: expected {sizes} numbers, got {len(values)}")
        return clamp(spec, (*values, 1.0) if len(values) == 3 else values)
    return clamp(spec, finite(_single(spec, args), spec.name))


def _single(spec: Param, args: Sequence[Any]) -> Any:
    if len(args) != 1:
        raise Refused(WRONG, f"{spec.name}: expected one value, got {len(args)}")
    return args[0]


def _choice(spec: Choice, args: Sequence[Any]) -> str:
    value = _single(spec, args)
    if is_number(value) and float(value).is_integer() and 0 <= value < len(spec.choices):
        return spec.choices[int(value)]
    try:
        return spec.clamp(value)
    except ValueError as error:
        raise Refused(RANGE, f"{spec.name}: {error}") from error


def _operand(spec: Param, args: Sequence[Any]) -> float | tuple[float, ...]:
    values = tuple(finite(v, spec.name) for v in args)
    if len(values) == 1:
        return values[0]
    if spec.type in VECTOR_SIZES and len(values) in VECTOR_SIZES[spec.type]:
        return values
    raise Refused(WRONG, f"{spec.name}: expected one number after the operator")


def clamp(spec: Param, value: Any) -> Any:
    """Bring a value into the declared range and shape; colour components into 0..1."""
    if spec.type == "long":
        value = min(max(round(value), -INT32), INT32 - 1)  # a GLSL int is 32 bits
    value = spec.clamp(value)
    if spec.type == "color":
        value = tuple(min(max(v, 0.0), 1.0) for v in value)
    return value


def apply(spec: Param, current: Any, step: Step) -> Any:
    """`current` changed by one step, clamped. A missing current value is the default."""
    op, operand = step
    if op == "=":
        return operand
    base = spec.default if current is None else current
    if spec.type in VECTOR_SIZES:
        base = tuple(base)
        if len(base) == 3 and spec.type == "color":
            base = (*base, 1.0)
        operands = operand if isinstance(operand, tuple) else (operand,) * len(base)
        if len(operands) == 3 and len(base) == 4:
            operands = (*operands, 1.0 if op == "*" else 0.0)
        return clamp(spec, tuple(_combine(op, b, o) for b, o in zip(base, operands, strict=True)))
    return clamp(spec, _combine(op, float(base), operand))


def _combine(op: str, base: float, operand: float) -> float:
    if op == "+":
        return base + operand
    if op == "-":
        return base - operand
    return base * operand


def resolve(spec: Param, current: Any, steps: Sequence[Step]) -> Any:
    """`current` after every step in order, clamped after each, as if applied one by one."""
    for step in steps:
        current = apply(spec, current, step)
    return current


def osc_args(value: Any) -> list[Any]:
    """A value as OSC arguments for a reply: on/off as T/F (typed as OSCQuery's TYPE
    says and LISTEN streams it), vectors as floats."""
    if isinstance(value, bool):
        return [value]
    if isinstance(value, tuple | list):
        return [float(v) for v in value]
    if isinstance(value, int | float | str):
        return [value]
    return [str(value)]
