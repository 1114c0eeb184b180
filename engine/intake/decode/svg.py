"""SVG drawings, sanitised: no DTD, no entities, no external references, capped.

defusedxml refuses entity tricks; anything that points outside the file (`href` not
starting with `#`, `<image>`, `<script>`, `<foreignObject>`) is removed before
svgelements reads the shapes. Strokes are sampled to points and drawn with Pillow.
"""

from __future__ import annotations

import io
import math
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import numpy as np
import svgelements
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from PIL import Image, ImageDraw

from engine.intake.decode.base import Limits, Refusal, contribution, palette, read_capped
from engine.world.contribution import Contribution, Point

MAX_BYTES = 4 * 1024 * 1024
MAX_ELEMENTS = 20_000
MAX_POINTS = 40_000
MIN_WIDTH = 0.006  # of the drawing's side: a hairline still reads once the map is wide
UNSAFE_TAGS = {"image", "script", "foreignObject", "iframe", "use", "style"}


def decode_svg(path: Path, limits: Limits) -> Contribution:
    tree = _sanitised(read_capped(path, MAX_BYTES))
    text = ElementTree.tostring(tree, encoding="unicode")
    # svgelements raises many kinds on malformed geometry; `decode` puts them in words.
    drawing = svgelements.SVG.parse(io.StringIO(text), reify=True)
    strokes, colours, widths = _strokes(drawing)
    if not strokes:
        raise Refusal("the drawing holds no visible shape")
    pixels = _draw(strokes, colours, widths, limits.image_size)
    return contribution("drawing", path, pixels=pixels, palette=palette(pixels),
                        strokes=tuple(strokes))


def _sanitised(data: bytes) -> ElementTree.Element:
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DefusedXmlException, ElementTree.ParseError, ValueError) as error:
        raise Refusal("the SVG is not plain, self-contained XML; export it "
                      "again without a DTD or entities") from error
    if _local(root.tag) != "svg":
        raise Refusal("the file is XML but not an SVG drawing")
    elements = list(root.iter())
    if len(elements) > MAX_ELEMENTS:
        raise Refusal(f"the drawing has more than {MAX_ELEMENTS} elements; simplify it")
    for parent in elements:
        for child in list(parent):
            if _local(child.tag) in UNSAFE_TAGS:
                parent.remove(child)
        for name in [n for n in parent.attrib if _local(n) == "href"]:
            if not parent.attrib[name].startswith("#"):
                del parent.attrib[name]
    return root


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _strokes(drawing: svgelements.SVG) -> tuple[list[tuple[Point, ...]], list[tuple[int, ...]],
                                                list[float]]:
    left, top, width, height = _viewbox(drawing)
    scale = 1.0 / max(width, height)
    strokes: list[tuple[Point, ...]] = []
    colours: list[tuple[int, ...]] = []
    widths: list[float] = []
    budget = MAX_POINTS
    for element in drawing.elements():
        if not isinstance(element, svgelements.Shape) or budget <= 0:
            continue
        paint = element.stroke if element.stroke is not None and element.stroke.value \
            is not None else element.fill
        if paint is None or paint.value is None:
            continue
        path = svgelements.Path(element)
        for sub in path.as_subpaths():
            segment = svgelements.Path(sub)
            length = segment.length(error=1e-2) if len(segment) else 0.0
            count = max(2, min(budget, int(length * scale * 200) + 2))
            points = [segment.point(t) for t in np.linspace(0, 1, count)]
            stroke = tuple(((p.x - left) * scale, (p.y - top) * scale, 1.0) for p in points
                           if p is not None and math.isfinite(p.x) and math.isfinite(p.y))
            if len(stroke) >= 2:
                strokes.append(stroke)
                colours.append((paint.red, paint.green, paint.blue, paint.alpha))
                widths.append(float(element.stroke_width or 1.0) * scale)
                budget -= len(stroke)
    return strokes, colours, widths


def _viewbox(drawing: svgelements.SVG) -> tuple[float, float, float, float]:
    box = drawing.viewbox
    if box is not None and box.width and box.height:
        return box.x, box.y, box.width, box.height
    bounds = drawing.bbox()
    if bounds is None:
        raise Refusal("the drawing has no size and no shapes")
    x0, y0, x1, y1 = bounds
    return x0, y0, max(x1 - x0, 1e-6), max(y1 - y0, 1e-6)


def _draw(strokes: list[tuple[Point, ...]], colours: list[tuple[int, ...]],
          widths: list[float], size: int) -> np.ndarray:
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    for stroke, colour, width in zip(strokes, colours, widths, strict=True):
        line = [(x * size, y * size) for x, y, _ in stroke]
        pen.line(line, fill=tuple(colour), width=max(round(MIN_WIDTH * size), round(width * size)),
                 joint="curve")
    return np.asarray(image)
