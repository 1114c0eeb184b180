"""The shaders folder as compiled programs, each at its last good version.

An artist's ISF folder is read as it is: `NAME.fs` (with `NAME.vs` beside it when there
is one) or `NAME.glsl`, named by the file name without extension, spaces and all.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import moderngl
import numpy as np
from PIL import Image, UnidentifiedImageError

from engine.audio.images import NATIVE_BANDS, NATIVE_WAVE, spectrum, waveform
from engine.lastgood import LastGood
from engine.problems import Problem, ProblemError
from engine.render.isf import Pass, side
from engine.render.prologue import BUILTINS, IMAGE_UNITS, glsl_version
from engine.render.shader import ShaderSource, compile_program, parse_shader

log = logging.getLogger(__name__)
SUFFIXES = (".fs", ".glsl")
MAX_IMAGE_SIDE = 4096


def image_texture(ctx: moderngl.Context, path: Path) -> moderngl.Texture:
    """An image file as a texture, its first row at the bottom as GL expects."""
    with Image.open(path) as image:
        picture = image.convert("RGBA")
        picture.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
        texture = ctx.texture(picture.size, 4,
                              picture.transpose(Image.Transpose.FLIP_TOP_BOTTOM).tobytes())
    texture.filter = (moderngl.LINEAR_MIPMAP_LINEAR, moderngl.LINEAR)
    texture.repeat_x = texture.repeat_y = False  # ISF hosts clamp at the edges
    texture.build_mipmaps()
    return texture


@dataclass
class Buffer:
    """A pass target, double-buffered so a pass may read what it wrote last frame."""

    textures: list[moderngl.Texture]
    frames: list[moderngl.Framebuffer]

    @property
    def front(self) -> moderngl.Texture:
        return self.textures[0]

    def swap(self) -> None:
        self.textures.reverse()
        self.frames.reverse()

    def release(self) -> None:
        for item in (*self.frames, *self.textures):
            item.release()


@dataclass
class LoadedShader:
    """A compiled shader ready to draw its passes over a full-screen quad."""

    source: ShaderSource
    program: moderngl.Program
    vao: moderngl.VertexArray
    imported: dict[str, moderngl.Texture] = field(default_factory=dict)
    buffers: dict[str, Buffer] = field(default_factory=dict)
    audio: dict[str, moderngl.Texture] = field(default_factory=dict)
    files: dict[str, moderngl.Texture | None] = field(default_factory=dict)
    names: dict[str, list[str]] = field(default_factory=dict)  # built-in value -> names

    def __post_init__(self) -> None:
        for name in self.source.builtins:
            if name in self.program:
                self.names.setdefault(BUILTINS[name][1], []).append(name)

    def set(self, name: str, value: object) -> None:
        if name in self.program:
            self.program[name].value = value

    def put(self, key: str, value: Any) -> None:
        """A built-in value (`time`, `resolution`…) under every name this file reads it by."""
        for name in self.names.get(key, ()):
            self.program[name].value = value
        if key == "resolution":
            self.set("carte_resolution", value)
            for name in self.names.get("resolution3", ()):
                self.program[name].value = (*value, 1.0)

    def reads(self, builtin: str) -> bool:
        """Whether the file reads this built-in (an image of the engine's: inputImage…)."""
        return builtin in self.names

    def unit(self, name: str) -> int | None:
        return dict(self.source.units).get(name)

    def file(self, name: str) -> moderngl.Texture | None:
        """An image file of the shaders folder bound to an image input, loaded once."""
        if name not in self.files:
            path = self.source.path.parent / name
            try:
                self.files[name] = image_texture(self.program.ctx, path) \
                    if "/" not in name and path.is_file() else None
            except (OSError, UnidentifiedImageError) as error:
                log.error("%s: cannot read image %s: %s", self.source.path, name, error)
                self.files[name] = None
        return self.files[name]

    def feed_audio(self, sound: np.ndarray, rate: float) -> None:
        """The `audio` and `audioFFT` inputs from the latest samples of the soundscape:
        its wave and its spectrum, one row per channel, `MAX` columns wide (ISF)."""
        for spec in self.source.audio:
            if spec.type == "audioFFT":
                rows = spectrum(sound, rate, int(spec.max or NATIVE_BANDS))
            else:
                rows = waveform(sound, int(spec.max or NATIVE_WAVE))
            pixels = np.repeat(rows[..., None], 4, axis=2)
            pixels[..., 3] = 1.0
            size = (rows.shape[1], rows.shape[0])
            texture = self.audio.get(spec.name)
            if texture is None or texture.size != size:
                if texture is not None:
                    texture.release()
                texture = self.audio[spec.name] = self.program.ctx.texture(size, 4, dtype="f4")
                texture.repeat_x = texture.repeat_y = False
            texture.write(pixels.astype("f4").tobytes())

    def draw(self, output: moderngl.Framebuffer, size: tuple[int, int],
             values: Mapping[str, Any], blend: bool) -> None:
        """Run every pass: targeted ones into their buffers, the last onto `output`."""
        ctx = self.program.ctx
        names = {"WIDTH": size[0], "HEIGHT": size[1],
                 **{k: float(v) for k, v in values.items()
                    if isinstance(v, int | float) and not isinstance(v, bool)}}
        for name, texture in (*self.imported.items(), *self.audio.items()):
            texture.use(self.unit(name) or 0)
        # every buffer exists (cleared) before the first pass reads it, on its own unit
        targets = {step.target: self._buffer(step, names, size)
                   for step in self.source.passes if step.target is not None}
        last = len(self.source.passes) - 1
        for index, step in enumerate(self.source.passes):
            self.put("pass", index)
            for name, buffer in self.buffers.items():
                buffer.front.use(self.unit(name) or 0)
            if step.target is None or index == last:
                output.use()
                self.set("carte_straight", False)
                self.put("resolution", size)
                self.vao.render(moderngl.TRIANGLE_STRIP)
            if step.target is not None:
                buffer = targets[step.target]
                buffer.frames[1].use()
                ctx.disable(moderngl.BLEND)
                self.set("carte_straight", True)
                self.put("resolution", buffer.front.size)
                self.vao.render(moderngl.TRIANGLE_STRIP)
                if blend:
                    ctx.enable(moderngl.BLEND)
                buffer.swap()
        self.put("resolution", size)
        output.use()

    def _buffer(self, step: Pass, names: Mapping[str, float], size: tuple[int, int]) -> Buffer:
        assert step.target is not None
        wanted = (side(step.width, names, size[0]), side(step.height, names, size[1]))
        found = self.buffers.get(step.target)
        if found is not None and found.front.size == wanted:
            return found
        if found is not None:
            found.release()
        ctx = self.program.ctx
        textures = [ctx.texture(wanted, 4, dtype="f4" if step.float else "f1")
                    for _ in range(2)]
        for texture in textures:
            texture.repeat_x = texture.repeat_y = False
        frames = [ctx.framebuffer(color_attachments=[t]) for t in textures]
        for frame in frames:
            frame.clear(0.0, 0.0, 0.0, 0.0)
        self.buffers[step.target] = Buffer(textures, frames)
        return self.buffers[step.target]

    def release(self) -> None:
        for buffer in self.buffers.values():
            buffer.release()
        for texture in (*self.imported.values(), *self.audio.values(), *self.files.values()):
            if texture is not None:
                texture.release()
        self.vao.release()
        self.program.release()


class ShaderLibrary(LastGood[LoadedShader]):
    """Compiles `folder/NAME.fs` (or `.glsl`) on first use and again on every reload."""

    def __init__(self, ctx: moderngl.Context, folder: Path) -> None:
        super().__init__(folder, ".glsl", self._compile, LoadedShader.release)
        self.ctx = ctx
        self.quad = ctx.buffer(np.array([-1, -1, 1, -1, -1, 1, 1, 1], dtype="f4"))

    def names(self) -> list[str]:
        return sorted({p.stem for suffix in SUFFIXES for p in self.folder.glob(f"*{suffix}")})

    def path(self, name: str) -> Path:
        if "/" in name or "\\" in name or name.startswith("."):
            return self.folder / ".not-a-shader"  # a name never leaves the folder
        for suffix in SUFFIXES:
            if (self.folder / f"{name}{suffix}").is_file():
                return self.folder / f"{name}{suffix}"
        return self.folder / f"{name}.fs"

    def owns(self, path: Path) -> bool:
        return path.suffix in (*SUFFIXES, ".vs") and \
            path.parent.resolve() == self.folder.resolve()

    def _compile(self, path: Path) -> LoadedShader:
        vertex = path.with_suffix(".vs")
        source = parse_shader(path, path.read_text(encoding="utf-8"),
                              vertex.read_text(encoding="utf-8") if vertex.is_file() else None,
                              glsl_version(self.ctx.version_code))
        imported = {}
        for item in source.imported:
            try:
                imported[item.name] = image_texture(self.ctx, item.path)
            except (OSError, UnidentifiedImageError) as error:
                for texture in imported.values():
                    texture.release()
                raise ProblemError([Problem(path, 1, f"cannot read imported image "
                                                     f"{item.path.name}: {error}")]) from error
        try:
            program = compile_program(self.ctx, source)
        except ProblemError:
            for texture in imported.values():
                texture.release()
            raise
        images = [(name, unit) for name, unit in IMAGE_UNITS.items() if name in source.builtins]
        for name, unit in (*source.units, *images):
            if name in program:
                program[name].value = unit
        return LoadedShader(source, program,
                            self.ctx.vertex_array(program, [(self.quad, "2f", "carte_corner")]),
                            imported)

    def source(self, name: str) -> ShaderSource | None:
        """Declared inputs of `name` (last good version), for scenes and controls."""
        loaded = self.get(name)
        return loaded.source if loaded else None

    def release(self) -> None:
        super().release()
        self.quad.release()
