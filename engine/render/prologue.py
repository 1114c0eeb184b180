"""The GLSL the engine puts around an artist's shader: built-ins, the ISF functions, the
older dialect, and the rules that keep the artist's own names theirs.

Every built-in (`TIME`, `RENDERSIZE`, `iTime`, the carte's `time`, `audioLevel`…) is a
uniform or global of its own public name, declared only where the artist has not
declared that name: an input, a pass target or an imported image of the header, or a
global of the code (a constant, a variable, a function, a `#define`). A name the artist
owns keeps the artist's meaning and the built-in steps aside; the engine's own plumbing
lives under `carte_` names no ISF file uses. A code that declares a built-in as a
`uniform` of the built-in's type (as GLSL Sandbox sketches do) gets it filled.

Desktop drivers apply implicit conversions Mesa refuses under `#version 330`; GLSL 4.20
allows the common ones (`return 0;` in a float function, `uint` mixed with `int`), so
files are compiled as 4.20 where the context has it, with the identifiers 4.x reserved
(`sample`, `patch`…) renamed so older code that uses them still reads as written (the
conversions no GLSL version allows are loose.py's). Chosen over a source rewrite: the
compiler itself applies the rules, so nothing of a file that compiles changes meaning.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# public name -> (GLSL type, the frame value it carries); documented in shaders/README.md
BUILTINS: dict[str, tuple[str, str]] = {
    "TIME": ("float", "time"), "time": ("float", "time"), "iTime": ("float", "time"),
    "TIMEDELTA": ("float", "delta"), "delta": ("float", "delta"),
    "iTimeDelta": ("float", "delta"),
    "FRAMEINDEX": ("int", "frame"), "frame": ("int", "frame"), "iFrame": ("int", "frame"),
    "RENDERSIZE": ("vec2", "resolution"), "resolution": ("vec2", "resolution"),
    "iResolution": ("vec3", "resolution3"),
    "DATE": ("vec4", "date"), "iDate": ("vec4", "date"),
    "PASSINDEX": ("int", "pass"),
    "audioLevel": ("float", "audio_level"), "audioBands": ("vec4", "audio_bands"),
    "contributions": ("float", "contributions"), "sinceArrival": ("float", "since_arrival"),
    "iMouse": ("vec4", "mouse"), "iSampleRate": ("float", "sample_rate"),
    "progress": ("float", "progress"),
    "inputImage": ("sampler2D", "inputImage"), "previousFrame": ("sampler2D", "previousFrame"),
    "startImage": ("sampler2D", "startImage"), "endImage": ("sampler2D", "endImage"),
}
# Texture units of the image built-ins (post effects, feedback, transitions).
IMAGE_UNITS = {"inputImage": 1, "previousFrame": 2, "startImage": 3, "endImage": 4}
COORDINATES = ("isf_FragNormCoord", "vv_FragNormCoord", "uv")  # 0..1 across the output
# The engine's own uniforms, under names no ISF file uses.
PLUMBING = {"carte_opacity": "float", "carte_straight": "bool", "carte_replace": "bool",
            "carte_resolution": "vec2"}
DIALECT = {"texture2D": "texture", "texture2DRect": "texture", "sampler2DRect": "sampler2D",
           "texture2DLod": "textureLod", "texture2DRectProj": "textureProj",
           "texture2DProj": "textureProj", "vv_vertShaderInit": "isf_vertShaderInit"}
# Identifiers GLSL 4.00-4.20 reserved that 3.30 (and older ISF code) may use as names.
RESERVED_SINCE_400 = ("sample", "patch", "subroutine", "precise", "coherent", "volatile",
                      "restrict", "readonly", "writeonly", "atomic_uint")
MAIN_IMAGE = re.compile(r"\bvoid\s+mainImage\s*\(")
COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.DOTALL)
DEFINED = re.compile(r"^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)([^\n]*)", re.MULTILINE)
DIRECTIVE = re.compile(r"^[ \t]*#[^\n]*", re.MULTILINE)
TOKEN = re.compile(r"[A-Za-z_]\w*|\d[\w.]*|\S")
VERSION = re.compile(r"^[ \t]*#version[^\n]*", re.MULTILINE)

# ISF's image functions, in terms of `carte_texture`: a 2D image is read at the level
# of detail the ratio of its size to the pass's asks (0, full detail, where it is no
# larger: a 1:1 draw is exact, and no seam of a fold or a wrap is smeared by a mip level
# chosen from derivatives); other samplers as GLSL reads them. IMG_PIXEL takes pixels.
IMAGE_FUNCTIONS = """\
float carte_lod(sampler2D image) {
    vec2 ratio = vec2(textureSize(image, 0)) / max(carte_resolution, vec2(1.0));
    return max(0.0, log2(max(ratio.x, ratio.y)));
}
vec4 carte_texture(sampler2D image, vec2 at) { return textureLod(image, at, carte_lod(image)); }
vec4 carte_texture(sampler2D image, vec2 at, float bias) {
    return textureLod(image, at, carte_lod(image) + bias);
}
vec4 carte_texture(samplerCube image, vec3 at) { return texture(image, at); }
vec4 carte_texture(sampler3D image, vec3 at) { return texture(image, at); }
ivec4 carte_texture(isampler2D image, vec2 at) { return texture(image, at); }
uvec4 carte_texture(usampler2D image, vec2 at) { return texture(image, at); }
vec2 IMG_SIZE(sampler2D image) { return vec2(textureSize(image, 0)); }
vec4 IMG_NORM_PIXEL(sampler2D image, vec2 at) { return carte_texture(image, at); }
vec4 IMG_NORM_PIXEL(sampler2D image, vec2 at, float bias) {
    return carte_texture(image, at, bias);
}
vec4 IMG_PIXEL(sampler2D image, vec2 at) { return carte_texture(image, at / IMG_SIZE(image)); }
vec4 IMG_PIXEL(sampler2D image, vec2 at, float bias) {
    return carte_texture(image, at / IMG_SIZE(image), bias);
}
vec4 IMG_THIS_NORM_PIXEL(sampler2D image) { return carte_texture(image, carte_uv); }
vec4 IMG_THIS_PIXEL(sampler2D image) { return carte_texture(image, carte_uv); }
vec4 IMG_NORM_THIS_PIXEL(sampler2D image) { return carte_texture(image, carte_uv); }
"""


def glsl_version(version_code: int) -> int:
    """The GLSL version artists' files compile as on a context of `version_code` (the GL
    version times 100): 4.20 for its implicit conversions where there is one, else 3.30."""
    return 420 if version_code >= 420 else 330


def owned_names(code: str) -> set[str]:
    """The names `code` declares at global scope: variables, constants, functions and
    structs (a name right after a type or qualifier, or after a comma of a declarator
    list, outside any braces or parentheses), and what it `#define`s (but for a macro
    that builds on the built-in of its own name: `#define TIME (TIME * 2.0)`)."""
    names = {name for name, meaning in DEFINED.findall(code)
             if not re.search(rf"\b{name}\b", meaning)}
    depth = parens = 0
    previous = ""
    for token in TOKEN.findall(DIRECTIVE.sub("", COMMENT.sub(" ", code))):
        if token in "{}()":
            depth = max(0, depth + (token == "{") - (token == "}"))
            parens = max(0, parens + (token == "(") - (token == ")"))
        elif depth == parens == 0 and _identifier(token) and \
                (_identifier(previous) or previous in (",", "]", "}")):
            names.add(token)
        previous = token
    return names


def _identifier(token: str) -> bool:
    return bool(token) and (token[0].isalpha() or token[0] == "_")


def declared_uniform(code: str, name: str) -> str | None:
    """The GLSL type of `uniform TYPE name;` in `code`, if the code declares it so."""
    found = re.search(rf"\buniform\s+(?:(?:lowp|mediump|highp)\s+)?(\w+)\s+{name}\s*;",
                      COMMENT.sub(" ", code))
    return found.group(1) if found else None


def filled(code: str, owned: set[str], conventional: Iterable[str]) -> tuple[str, ...]:
    """The built-ins the engine sets: those the artist leaves to it (not owned, or
    declared in the header by ISF's convention), and those the code declares itself as
    a uniform of the built-in's own type."""
    kept = set(conventional)
    return tuple(name for name, (kind, _) in BUILTINS.items()
                 if name not in owned or name in kept or declared_uniform(code, name) == kind)


def fragment(body: str, version: int, declarations: list[str], owned: set[str],
             provided: Iterable[str], samplers: Iterable[str]) -> str:
    """An artist's fragment shader wrapped: `#line 1` before the body keeps its lines."""
    shadertoy = bool(MAIN_IMAGE.search(body))
    lines = [f"#version {version} core", *_renamed(version), "in vec2 carte_uv;",
             "out vec4 carte_out;", "vec4 carte_color = vec4(0.0, 0.0, 0.0, 1.0);",
             "#define gl_FragColor carte_color", "#define varying in",
             *_common(declarations, owned, provided, samplers)]
    if not shadertoy:
        lines.append("#define main carte_artist_main")
    coordinates = " ".join(f"{name} = carte_uv;" for name in COORDINATES if name not in owned)
    # A shader's output is clamped before it is composed, as ISF hosts do: an alpha
    # above 1 never brightens colour; a pass target keeps what it wrote (FLOAT buffers).
    # A filter replaces what is below (its transparency shows the black behind the
    # carte), mixed with it by the layer's opacity: its alpha is the opacity.
    finish = ("vec4 carte_clamped = clamp(carte_color, 0.0, 1.0); carte_out = carte_straight "
              "? carte_color : vec4(carte_clamped.rgb * carte_clamped.a * carte_opacity, "
              "carte_replace ? carte_opacity : carte_clamped.a * carte_opacity);")
    call = "mainImage(carte_color, gl_FragCoord.xy);" if shadertoy else "carte_artist_main();"
    lines += ["#line 1", _code(body)]
    if not shadertoy:
        lines.append("#undef main")
    lines.append(f"void main() {{ {coordinates} {call} {finish} }}")
    return "\n".join(lines) + "\n"


def vertex(body: str | None, version: int, declarations: list[str], owned: set[str],
           provided: Iterable[str], samplers: Iterable[str]) -> str:
    """The vertex shader: the engine's own, or an ISF `.vs` whose `main()` calls
    `isf_vertShaderInit()` first."""
    coordinates = " ".join(f"{name} = carte_uv;" for name in COORDINATES if name not in owned)
    init = ("void isf_vertShaderInit() { carte_uv = carte_corner * 0.5 + 0.5; "
            f"{coordinates} gl_Position = vec4(carte_corner, 0.0, 1.0); }}")
    lines = [f"#version {version} core", *_renamed(version), "in vec2 carte_corner;",
             "out vec2 carte_uv;", "#define varying out", "#define attribute in",
             *_common(declarations, owned, provided, samplers), init, "#line 1",
             _code(body) if body is not None else "void main() { isf_vertShaderInit(); }"]
    return "\n".join(lines) + "\n"


def _renamed(version: int) -> list[str]:
    return [f"#define {word} carte_{word}" for word in RESERVED_SINCE_400] if version >= 400 \
        else []


def _common(declarations: list[str], owned: set[str], provided: Iterable[str],
            samplers: Iterable[str]) -> list[str]:
    """What both stages share: the plumbing, the built-ins the artist leaves to the
    engine, the artist's inputs and images, ISF's functions, and the other hosts'
    per-image uniforms (`_NAME_imgSize`, `_NAME_imgRect`, `_NAME_flip`)."""
    lines = [f"uniform {kind} {name};" for name, kind in PLUMBING.items()]
    lines += [f"#define {old} {new}" for old, new in DIALECT.items() if old not in owned]
    lines += [f"uniform {BUILTINS[name][0]} {name};" for name in provided if name not in owned]
    lines += [f"vec2 {name};" for name in COORDINATES if name not in owned]
    lines += declarations
    lines.append(IMAGE_FUNCTIONS)
    for name in samplers:
        per_image = {f"_{name}_imgSize": f"vec2(textureSize({name}, 0))",
                     f"_{name}_imgRect": "vec4(0.0, 0.0, 1.0, 1.0)", f"_{name}_flip": "false"}
        lines += [f"#define {alias} {value}" for alias, value in per_image.items()
                  if alias not in owned]
    if "texture" not in owned:
        lines.append("#define texture carte_texture")
    return lines


def _code(text: str) -> str:
    """The file's code with any `#version` line blanked, keeping line numbers."""
    return VERSION.sub("", text)
