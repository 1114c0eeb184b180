"""Waiting for the GL with Python's interpreter let go.

Mesa's llvmpipe draws on its own threads, when a result is needed (a copy between
framebuffers, mipmaps, a read, the end of a frame). moderngl waits for that work while
holding the GIL, so the web door's and intake's threads stood still for most of each
frame: a phone's upload was answered in seconds instead of a fraction of one. `settle`
waits for the same work through ctypes, which releases the GIL while it waits; the
frame costs the same, and the other threads run meanwhile. The main thread only, on its
current context (glvnd dispatches `glFinish` to it, EGL or GLX alike).

On a GPU, GL calls return at once and the GPU works beside the CPU: waiting there would
only take that head start away, so `settle` waits only where a software renderer draws.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import weakref
from collections.abc import Callable

import moderngl

LIBRARIES = ("libOpenGL.so.0", "libGL.so.1", ctypes.util.find_library("GL"))
SOFTWARE = ("llvmpipe", "softpipe", "swiftshader", "software rasterizer", "apple software")


def _gl_finish() -> Callable[[], None] | None:
    """`glFinish` as a ctypes function (which lets the GIL go), or None where no GL
    library can be loaded this way."""
    for name in LIBRARIES:
        if not name:
            continue
        try:
            function = ctypes.CDLL(name).glFinish
        except (OSError, AttributeError):
            continue
        function.argtypes = []
        function.restype = None
        return function
    return None


GL_FINISH = _gl_finish()
ON_CPU: weakref.WeakKeyDictionary[moderngl.Context, bool] = weakref.WeakKeyDictionary()


def drawn_on_cpu(ctx: moderngl.Context) -> bool:
    """Whether `ctx` is a software renderer (Mesa's llvmpipe, SwiftShader…)."""
    known = ON_CPU.get(ctx)
    if known is None:
        renderer = str(ctx.info.get("GL_RENDERER", "")).casefold()
        known = ON_CPU[ctx] = any(name in renderer for name in SOFTWARE)
    return known


def settle(ctx: moderngl.Context) -> None:
    """On a software renderer, wait until the GL work queued so far is done, letting
    other threads run; on a GPU, nothing."""
    if not drawn_on_cpu(ctx):
        return
    if GL_FINISH is not None:
        GL_FINISH()
    else:
        ctx.finish()  # holds the GIL, but waits all the same
