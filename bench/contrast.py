"""The contrast a reader meets: for each card drawn as letters, the luminance contrast
between its ink and the field under it, as WCAG defines it, (L1 + 0.05) / (L2 + 0.05)
with the relative luminance of linear sRGB. The target is 7:1 (WCAG's AAA for body
text), which a projector in a lit room still leaves readable; the aim applies to settled
cards.

Within the part of the frame a card's text covers, its ink is the lightest tenth of the
pixels (the shipped scenes set light ink on a darker halo and plate) and the field the
median of the darker half."""

from __future__ import annotations

import numpy as np

TARGET = 7.0


def relative_luminance(rgb: np.ndarray) -> np.ndarray:
    """WCAG's relative luminance of 8-bit sRGB pixels."""
    c = rgb[..., :3].astype(np.float64) / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return linear @ np.array([0.2126, 0.7152, 0.0722])


def ratio(pixels: np.ndarray) -> float:
    """Ink against field within one card's pixels (rows x columns x 3 or 4)."""
    light = relative_luminance(pixels).ravel()
    if light.size < 16:
        return float("nan")
    ink = float(np.percentile(light, 90))
    field = float(np.median(np.sort(light)[: light.size // 2]))
    return (ink + 0.05) / (field + 0.05)


def text_region(view: tuple[float, float, float], box: tuple[float, float, float, float],
                size: tuple[int, int], inset: float) -> tuple[slice, slice]:
    """Rows and columns of a frame of `size` (width, height) that a map box (centre and
    half extents, less `inset` map units each side: the gutter) covers from `view`."""
    x, y, zoom = view
    bx, by, w, h = box
    w, h = w - inset, h - inset
    width, height = size

    def column(mx: float) -> int:
        return int(((mx - x) * zoom * height / width + 1.0) / 2.0 * width)

    def row(my: float) -> int:
        return int((1.0 - (my - y) * zoom) / 2.0 * height)

    return (slice(max(row(by + h), 0), min(row(by - h), height)),
            slice(max(column(bx - w), 0), min(column(bx + w), width)))
