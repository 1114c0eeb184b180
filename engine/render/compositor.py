"""Draws a scene's layers, bottom first, into the frame target.

Layers blend with premultiplied alpha: every shader's output is clamped to 0..1 (as ISF
hosts do), premultiplied and scaled by the layer's opacity in the shader prologue, so
one blend table serves all. A post layer in `normal` blend replaces what is below, its
opacity mixing the two, as a filter in a VJ host does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import moderngl
import numpy as np

from engine.clock import Tick
from engine.problems import Problem
from engine.render.cards import ContributionCards
from engine.render.constellation import Constellation
from engine.render.glyphs import GlyphAtlas
from engine.render.glyphs import layout as glyph_quads
from engine.render.invitation import Invitation
from engine.render.library import LoadedShader, ShaderLibrary
from engine.render.media import PictureLayer
from engine.render.paint import PaintLayer
from engine.render.prologue import IMAGE_UNITS
from engine.render.settle import settle
from engine.render.shader import CHANNELS
from engine.render.surface import FrameTarget
from engine.render.text import TextBatch, instances
from engine.render.threads import Threads
from engine.world.carte import Carte, Placed
from engine.world.contribution import Contribution
from engine.world.layout import GUTTER
from engine.world.scene import CONTRIBUTION_INPUTS, INVITATION_INPUTS, LayerSpec, Scene

BLEND_FUNCS = {
    "normal": (moderngl.ONE, moderngl.ONE_MINUS_SRC_ALPHA),
    "add": (moderngl.ONE, moderngl.ONE),
    "screen": (moderngl.ONE, moderngl.ONE_MINUS_SRC_COLOR),
    "multiply": (moderngl.DST_COLOR, moderngl.ONE_MINUS_SRC_ALPHA),
}
OVERLAY_INK = (1.0, 0.45, 0.3, 1.0)
OVERLAY = -1e9  # "born" of overlay glyphs: below text.vert's OVERLAY, drawn in screen space


@dataclass(frozen=True)
class FrameInputs:
    """Everything a frame's uniforms are made of, besides the layers' own parameters."""

    tick: Tick
    audio_level: float = 0.0
    audio_bands: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    view: tuple[float, ...] = (0.0, 0.0, 1.0)
    mouse: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    sample_rate: float = 48000.0
    sound: np.ndarray = field(default_factory=lambda: np.zeros((0, 1), np.float32))
    whole: tuple[float, float, float] = (0.0, 0.0, 1.0)  # the whole view the legend names
    page: tuple[str, float] = ("", 0.0)  # the page visited, and how far its panel shows


THREAD_WIDTH = 1.6  # pixels at 720 lines
THREADS_FULL = 0.6  # the zoom below which threads fade


class Compositor:
    """Owns the GL objects that turn a scene, the carte and the time into a frame."""

    def __init__(self, ctx: moderngl.Context, shaders: ShaderLibrary, atlas: GlyphAtlas,
                 picture_slots: int = 256,
                 gpu_budget_mb: float = 192.0,
                 reload: Callable[[str], Contribution | None] = lambda id: None,
                 invitation: str = "") -> None:
        self.ctx = ctx
        self.shaders = shaders
        self.cards = ContributionCards(ctx, atlas)
        self.pictures = PictureLayer(ctx, picture_slots, gpu_budget_mb, reload=reload)
        self.threads = Threads(ctx)
        self.paint = PaintLayer(ctx)
        self.constellation = Constellation(ctx, atlas)
        self.invitation = Invitation(ctx, invitation, Path(atlas.font.path))
        self.overlay = TextBatch(ctx, atlas)
        self.overlay_text = ""
        self.scratch: dict[str, FrameTarget] = {}
        self.wants_previous = False
        self.events: dict[tuple[int, str], bool] = {}  # an event's value last frame

    def render(self, scene: Scene, carte: Carte, inputs: FrameInputs,
               target: FrameTarget) -> None:
        """Compose `scene` into `target`."""
        self.wants_previous = False
        self._compose(scene, carte, inputs, target)
        self._keep_previous(target)

    def render_transition(self, start: Scene, end: Scene, progress: float, shader: str,
                          carte: Carte, inputs: FrameInputs, target: FrameTarget) -> None:
        """Compose both scenes and blend them with a transition shader (ISF convention:
        `startImage`, `endImage`, `progress`), its inputs from the arriving scene's
        `[transition]` table."""
        self.wants_previous = False
        first, second = self._scratch("start", target.size), self._scratch("end", target.size)
        self._compose(start, carte, inputs, first)
        self._compose(end, carte, inputs, second)
        loaded = self.shaders.get(shader) or self.shaders.get("fondu")
        target.fbo.use()
        self.ctx.disable(moderngl.BLEND)
        if loaded is None:
            settle(self.ctx)
            self.ctx.copy_framebuffer(target.fbo, second.fbo)
        else:
            settle(self.ctx)
            for frame, role in ((first, "startImage"), (second, "endImage")):
                frame.texture.build_mipmaps()
                frame.texture.use(IMAGE_UNITS[role])
            self._set_builtins(loaded, carte, inputs, target.size, 1.0)
            loaded.set("carte_replace", False)
            loaded.put("progress", min(max(progress, 0.0), 1.0))
            params = dict(end.transition_params) if shader == end.transition_shader else {}
            self._draw_shader(loaded, params, inputs, target, blend=False)
        self.ctx.enable(moderngl.BLEND)
        self._keep_previous(target)

    def _compose(self, scene: Scene, carte: Carte, inputs: FrameInputs,
                 target: FrameTarget) -> None:
        target.fbo.use()
        self.ctx.clear(0.0, 0.0, 0.0, 1.0)
        self.ctx.enable(moderngl.BLEND)
        self._scratch("previous", target.size).texture.use(IMAGE_UNITS["previousFrame"])
        for layer in scene.layers:
            if layer.enabled and layer.opacity > 0:
                loaded = self.shaders.get(layer.shader) if layer.shader else None
                if layer.kind == "post" or (loaded and self._reads_below(loaded, layer.params)):
                    below = self._scratch("below", target.size)
                    settle(self.ctx)
                    self.ctx.copy_framebuffer(below.fbo, target.fbo)
                    settle(self.ctx)
                    below.texture.build_mipmaps()
                    below.texture.use(IMAGE_UNITS["inputImage"])
                    target.fbo.use()
                self.ctx.blend_func = BLEND_FUNCS[layer.blend]
                self._draw_layer(layer, carte, inputs, target)
        self.ctx.blend_func = BLEND_FUNCS["normal"]

    @staticmethod
    def _reads_below(loaded: LoadedShader, params: dict[str, Any] | Any) -> bool:
        """A filter (`inputImage`), or an image input bound to the frame below."""
        return loaded.reads("inputImage") or any(
            spec.type == "image" and params.get(spec.name, spec.default) == "below"
            and spec.name in loaded.program for spec in loaded.source.inputs)

    def _draw_shader(self, loaded: LoadedShader, params: dict[str, Any],
                     inputs: FrameInputs, target: FrameTarget, blend: bool) -> None:
        """A shader's inputs, images and audio, then its passes onto `target`."""
        values: dict[str, Any] = {}
        for spec in loaded.source.inputs:
            value = params.get(spec.name, spec.default)
            try:
                values[spec.name] = spec.clamp(value)
            except (TypeError, ValueError):
                values[spec.name] = spec.default
            if spec.type == "image":
                self._bind_image(loaded, spec.name, values[spec.name], target.size)
            elif spec.type == "event":
                before = self.events.get((id(loaded), spec.name), False)
                self.events[(id(loaded), spec.name)] = values[spec.name]
                loaded.set(spec.name, values[spec.name] and not before)  # one frame
            else:
                loaded.set(spec.name, values[spec.name])
        if loaded.source.audio:
            loaded.feed_audio(inputs.sound, inputs.sample_rate)
        loaded.draw(target.fbo, target.size, values, blend)

    def _bind_image(self, loaded: LoadedShader, name: str, value: str,
                    size: tuple[int, int]) -> None:
        unit = loaded.unit(name)
        if unit is None or name not in loaded.program:
            return
        if value in ("below", "previous"):
            self.wants_previous |= value == "previous"
            texture = self._scratch(value, size).texture
        else:
            texture = loaded.file(value) or self._scratch("below", size).texture
        texture.use(unit)
        if name in CHANNELS and "iChannelResolution" in loaded.program:
            resolution = loaded.program["iChannelResolution"]
            index, count = CHANNELS.index(name), resolution.array_length
            if index < count:
                sizes = list(resolution.value) if count > 1 else [resolution.value]
                sizes[index] = (*texture.size, 1.0)
                resolution.value = sizes if count > 1 else sizes[0]

    def _scratch(self, role: str, size: tuple[int, int]) -> FrameTarget:
        """An offscreen frame of `size` for one role (below, previous, start, end)."""
        found = self.scratch.get(role)
        if found is None or found.size != size:
            if found is not None:
                found.release()
            found = self.scratch[role] = FrameTarget(self.ctx, size)
            found.texture.filter = (moderngl.LINEAR_MIPMAP_LINEAR, moderngl.LINEAR)
            found.texture.repeat_x = found.texture.repeat_y = False  # ISF hosts clamp
            found.texture.build_mipmaps()
        return found

    def _keep_previous(self, target: FrameTarget) -> None:
        """Feedback effects read the last frame; copy it only when one is drawn."""
        if self.wants_previous:
            settle(self.ctx)
            self.ctx.copy_framebuffer(self._scratch("previous", target.size).fbo, target.fbo)

    def _draw_layer(self, layer: LayerSpec, carte: Carte, inputs: FrameInputs,
                    target: FrameTarget) -> None:
        tick, resolution = inputs.tick, target.size
        if layer.kind == "contributions":
            params = {i.name: i.default for i in CONTRIBUTION_INPUTS} | dict(layer.params)
            self.threads.update(carte)
            # threads thin out faster than the view widens (their number grows with the
            # area shown), so thousands stay a web, not a fog
            fade = min(1.0, inputs.view[2] / THREADS_FULL) ** 1.5
            self.threads.draw(resolution, tick.time, inputs.view,
                              layer.opacity * params["threads"] * fade,
                              THREAD_WIDTH * resolution[1] / 720)
            self.paint.update(carte, tick.time)
            self.paint.draw(resolution, tick.time, inputs.view, layer.opacity)
            self.pictures.update(tick.time, carte.hidden, carte.pinned, carte.version)
            self.pictures.draw(resolution, tick.time, layer.opacity, params["drift"], inputs.view,
                               GUTTER * carte.layout.em)
            self.cards.update(carte, params, inputs.view, inputs.whole,
                              resolution[0] / resolution[1], tick.time, inputs.page)
            self.cards.draw(resolution, tick.time, layer.opacity, params["drift"], inputs.view,
                            float(params["backdrop"]))
            if params["keywords"] > 0:
                self.constellation.update(carte)
                self.constellation.draw(resolution, tick.time, layer.opacity * params["keywords"],
                                        params["drift"], inputs.view)
            return
        if layer.kind == "invitation":
            self.invitation.draw(resolution, {i.name: i.default for i in INVITATION_INPUTS}
                                 | dict(layer.params), layer.opacity)
            return
        loaded = self.shaders.get(layer.shader or "")
        if loaded is None:
            return
        self._set_builtins(loaded, carte, inputs, resolution, layer.opacity)
        loaded.set("carte_replace", layer.kind == "post" and layer.blend == "normal")
        self.wants_previous |= loaded.reads("previousFrame")
        self._draw_shader(loaded, dict(layer.params), inputs, target, blend=True)

    @staticmethod
    def _set_builtins(loaded: LoadedShader, carte: Carte, inputs: FrameInputs,
                      resolution: tuple[int, int], opacity: float) -> None:
        tick = inputs.tick
        since = tick.time - carte.last_arrival if carte.last_arrival is not None else 1e6
        builtins: dict[str, Any] = {
            "time": tick.time, "delta": tick.delta, "frame": tick.frame,
            "resolution": resolution, "audio_level": inputs.audio_level,
            "audio_bands": inputs.audio_bands, "contributions": float(len(carte)),
            "since_arrival": since, "mouse": inputs.mouse, "sample_rate": inputs.sample_rate,
            "date": tick.date}
        for key, value in builtins.items():
            loaded.put(key, value)
        loaded.set("carte_opacity", opacity)

    def draw_overlay(self, problems: list[Problem], target: FrameTarget) -> None:
        """Show the current problems in the top-left corner, over everything."""
        text = "\n".join(str(p) for p in problems[:8])
        if text != self.overlay_text:
            self.overlay_text = text
            atlas = self.cards.atlas
            setting = atlas.typesetter.set(text, 1e9)
            quads = glyph_quads(atlas, setting, centred=False) if text else \
                np.empty((0, 8), "f4")
            size = 0.022
            shadow = instances(quads, (-0.97 + 0.002, 0.95 - 0.003, size, OVERLAY),
                               (0, 0, 0, 0.9))
            ink = instances(quads, (-0.97, 0.95, size, OVERLAY), OVERLAY_INK)
            self.overlay.set(np.concatenate([shadow, ink]))
        if text:
            target.fbo.use()
            self.ctx.enable(moderngl.BLEND)
            self.ctx.blend_func = BLEND_FUNCS["normal"]
            self.overlay.draw(target.size, 0.0)

    def place(self, placed: Placed, carte: Carte, contribution: Contribution) -> None:
        """A new contribution on the carte (`contribution` with its arrays): pictures
        claim a slot now and upload soon; a drawing with strokes inks itself first."""
        appears = self.paint.add(placed, contribution.strokes, placed.born,
                                 GUTTER * carte.layout.em,
                                 carte.states.get(placed.contribution.id) == "pending")
        self.pictures.add(placed, lambda id: carte.states.get(id) == "pinned", contribution,
                          appears)

    def forget(self, ids: list[str]) -> None:
        """Contributions taken off the carte (provisional places taken back): their
        pictures and ink go; cards, threads and names are redrawn from the carte."""
        for id in ids:
            self.pictures.forget(id)
            self.paint.forget(id)

    def approved(self, id: str, at: float) -> None:
        """A contribution a moderator let through arrives now, as a new one would."""
        self.pictures.appear(id, self.paint.approve(id, at))

    def release(self) -> None:
        for frame in self.scratch.values():
            frame.release()
        self.paint.release()
        self.invitation.release()
        self.constellation.release()
        self.threads.release()
        self.pictures.release()
        self.cards.release()
        self.overlay.release()
