"""Pictures drawn for contributions that have none: data as curves, sound as a waveform.

They join the picture layer like a drawing (transparent ground), and reveal themselves
from left to right as they arrive, so a series reads as it is drawn.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from engine.world.contribution import Contribution
from engine.world.typeset import default_font

WIDTH, HEIGHT = 512, 256
INKS = ((244, 208, 140), (140, 200, 244), (236, 150, 170), (170, 230, 170))


def figure(contribution: Contribution) -> np.ndarray | None:
    """An RGBA picture for a data or sound contribution; None for other kinds."""
    if contribution.kind == "data" and contribution.series:
        picture = curves(contribution.series)
    elif contribution.kind == "sound" and contribution.clip is not None:
        picture = waveform(contribution.clip.envelope)
    else:
        return None
    return titled(picture, contribution.name.rsplit(".", 1)[0])


def titled(picture: np.ndarray, title: str) -> np.ndarray:
    """The figure with its title above it, in the carte's ink."""
    font = ImageFont.truetype(str(default_font()), 34)
    image = Image.new("RGBA", (WIDTH, picture.shape[0] + 52), (0, 0, 0, 0))
    ImageDraw.Draw(image).text((WIDTH / 2, 4), title[:28], font=font, anchor="ma",
                               fill=(246, 238, 220, 255))
    image.alpha_composite(Image.fromarray(picture, "RGBA"), (0, 52))
    return np.asarray(image)


def curves(series: tuple[tuple[str, tuple[float, ...]], ...]) -> np.ndarray:
    """Up to four series as smooth lines, each scaled to its own range."""
    image = Image.new("RGBA", (WIDTH, HEIGHT), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    pen.line([(8, HEIGHT - 12), (WIDTH - 8, HEIGHT - 12)], fill=(255, 255, 255, 70), width=2)
    for ink, (_, values) in zip(INKS, series[:4], strict=False):
        data = np.asarray(values[:2000], dtype=float)
        low, high = float(data.min()), float(data.max())
        span = high - low or 1.0
        xs = np.linspace(12, WIDTH - 12, len(data))
        ys = HEIGHT - 20 - (data - low) / span * (HEIGHT - 40)
        pen.line(list(zip(xs.tolist(), ys.tolist(), strict=True)), fill=(*ink, 255),
                 width=9, joint="curve")
    return np.asarray(image)


def waveform(envelope: tuple[float, ...]) -> np.ndarray:
    """The sound's envelope as a mirrored waveform."""
    image = Image.new("RGBA", (WIDTH, HEIGHT), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    peaks = np.asarray(envelope or (0.0,), dtype=float)
    bars = min(96, len(peaks))
    chunks = np.array_split(peaks, bars)
    middle = HEIGHT // 2
    for index, chunk in enumerate(chunks):
        x = 8 + index * (WIDTH - 16) / bars
        half = max(1.5, float(chunk.max()) * (middle - 4))
        pen.rounded_rectangle((x, middle - half, x + (WIDTH - 16) / bars * 0.6, middle + half),
                              radius=2, fill=(170, 210, 250, 235))
    return np.asarray(image)
