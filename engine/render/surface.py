"""Where frames go: a pygame OpenGL window or an offscreen EGL context.

Both are one `Surface`: the compositor draws into a `FrameTarget` (an FBO of the render
size), and the surface presents it. Headless is not a degraded mode, just another backend.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Protocol

import moderngl
import numpy as np
from PIL import Image

from engine.render.settle import settle


class FrameTarget:
    """The framebuffer every frame is composed into; readable for previews and tests."""

    def __init__(self, ctx: moderngl.Context, size: tuple[int, int]) -> None:
        self.ctx = ctx
        self.size = size
        self.texture = ctx.texture(size, 4)
        self.fbo = ctx.framebuffer(color_attachments=[self.texture])

    def pixels(self) -> np.ndarray:
        """The frame as an (height, width, 4) uint8 array, top row first."""
        settle(self.ctx)
        data = self.fbo.read(components=4, alignment=1)
        return np.frombuffer(data, dtype=np.uint8).reshape(self.size[1], self.size[0], 4)[::-1]

    def save_png(self, path: Path) -> None:
        save_png(self.pixels(), path)

    def release(self) -> None:
        self.fbo.release()
        self.texture.release()


def save_png(pixels: np.ndarray, path: Path) -> None:
    """Write a frame's pixels atomically, so a viewer never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    Image.fromarray(np.ascontiguousarray(pixels[:, :, :3])).save(partial, format="PNG")
    os.replace(partial, path)


class Surface(Protocol):
    ctx: moderngl.Context
    size: tuple[int, int]
    kind: str

    def present(self, frame: FrameTarget) -> None: ...

    def poll(self) -> bool:
        """Handle window events; False once the user asked to close."""
        ...

    def release(self) -> None: ...


class OffscreenSurface:
    """A standalone EGL context (Mesa llvmpipe on a machine without GPU)."""

    kind = "offscreen"

    def __init__(self, size: tuple[int, int]) -> None:
        self.ctx = moderngl.create_standalone_context(backend="egl", require=330)
        self.size = size

    def present(self, frame: FrameTarget) -> None:
        settle(self.ctx)  # the frame drawn, as a window's would be, with the GIL let go

    def poll(self) -> bool:
        return True

    def release(self) -> None:
        self.ctx.release()


class WindowSurface:
    """A pygame window with an OpenGL 3.3 core context, on the chosen monitor."""

    kind = "window"

    def __init__(self, size: tuple[int, int], fullscreen: bool, display: int) -> None:
        # A projector's window must not minimise when another window takes focus.
        os.environ.setdefault("SDL_VIDEO_MINIMIZE_ON_FOCUS_LOSS", "0")
        import pygame

        self.pygame = pygame
        pygame.display.init()
        for attribute, value in ((pygame.GL_CONTEXT_MAJOR_VERSION, 3),
                                 (pygame.GL_CONTEXT_MINOR_VERSION, 3),
                                 (pygame.GL_CONTEXT_PROFILE_MASK, pygame.GL_CONTEXT_PROFILE_CORE),
                                 (pygame.GL_DOUBLEBUFFER, 1)):
            pygame.display.gl_set_attribute(attribute, value)
        flags = pygame.OPENGL | pygame.DOUBLEBUF
        if fullscreen:
            flags |= pygame.FULLSCREEN
            size = (0, 0)
        displays = pygame.display.get_num_displays()
        if not 0 <= display < displays:
            pygame.display.quit()
            raise RuntimeError(f"display {display} does not exist; this machine has "
                               f"{displays} (0..{displays - 1})")
        try:
            pygame.display.set_mode(size, flags, display=display, vsync=1)
        except pygame.error:
            pygame.display.set_mode(size, flags, display=display)
        pygame.display.set_caption("Carte sensible")
        pygame.mouse.set_visible(not fullscreen)
        self.ctx = moderngl.create_context(require=330)
        self.size = pygame.display.get_window_size()

    def present(self, frame: FrameTarget) -> None:
        settle(self.ctx)
        self.ctx.copy_framebuffer(self.ctx.screen, frame.fbo)
        self.pygame.display.flip()

    def poll(self) -> bool:
        pygame = self.pygame
        for event in pygame.event.get():
            if event.type == pygame.QUIT:
                return False
            if event.type == pygame.KEYDOWN and event.key == pygame.K_q and \
                    event.mod & pygame.KMOD_CTRL:
                return False
        return True

    def release(self) -> None:
        self.ctx.release()
        self.pygame.display.quit()


def display_available() -> bool:
    """Whether a window can be opened at all (X11 or Wayland on Linux)."""
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True
