"""Pixel statistics: what a viewer would call blank, changed, or coloured."""

from __future__ import annotations

import numpy as np

from bench.contrast import text_region


def luminance(image: np.ndarray) -> np.ndarray:
    rgb = image[..., :3].astype(np.float32) / 255.0
    return rgb @ np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)


def is_blank(image: np.ndarray) -> bool:
    """A single flat colour, or nearly black everywhere."""
    light = luminance(image)
    return float(light.std()) < 0.005 or float(light.max()) < 0.02


def difference(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference of two frames, 0..1."""
    return float(np.abs(a[..., :3].astype(np.float32) - b[..., :3].astype(np.float32)).mean()
                 / 255.0)


def mean_colour(image: np.ndarray) -> np.ndarray:
    return image[..., :3].reshape(-1, 3).astype(np.float32).mean(axis=0) / 255.0


def region(view: tuple[float, float, float], box: tuple[float, float, float, float],
           size: tuple[int, int]) -> tuple[slice, slice]:
    """The rows and columns of a frame of `size` (width, height) that a map box (centre
    and half extents) covers, seen from `view` (centre x, y and zoom)."""
    return text_region(view, box, size, 0.0)
