"""The shaders folder as compiled programs, each at its last good version."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import moderngl
import numpy as np

from engine.lastgood import LastGood
from engine.render.shader import ShaderSource, compile_program, parse_shader


@dataclass
class LoadedShader:
    """A compiled shader ready to draw a full-screen pass."""

    source: ShaderSource
    program: moderngl.Program
    vao: moderngl.VertexArray

    def set(self, name: str, value: object) -> None:
        if name in self.program:
            self.program[name].value = value

    def release(self) -> None:
        self.vao.release()
        self.program.release()


class ShaderLibrary(LastGood[LoadedShader]):
    """Compiles `folder/NAME.glsl` on first use and again on every reload."""

    def __init__(self, ctx: moderngl.Context, folder: Path) -> None:
        super().__init__(folder, ".glsl", self._compile, LoadedShader.release)
        self.ctx = ctx
        self.quad = ctx.buffer(np.array([-1, -1, 1, -1, -1, 1, 1, 1], dtype="f4"))

    def _compile(self, path: Path) -> LoadedShader:
        source = parse_shader(path, path.read_text(encoding="utf-8"))
        program = compile_program(self.ctx, source)
        return LoadedShader(source, program,
                            self.ctx.vertex_array(program, [(self.quad, "2f", "carte_corner")]))

    def source(self, name: str) -> ShaderSource | None:
        """Declared inputs of `name` (last good version), for scenes and controls."""
        loaded = self.get(name)
        return loaded.source if loaded else None

    def release(self) -> None:
        super().release()
        self.quad.release()
