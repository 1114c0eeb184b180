"""Pictures drawn for contributions that have none: data as curves, sound as a waveform.

They join the picture layer like a drawing (transparent ground), and reveal themselves
from left to right as they arrive, so a series reads as it is drawn.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from engine.world.contribution import Contribution, door_named
from engine.world.layout import FIGURE_ASPECT
from engine.world.typeset import default_font

WIDTH, HEIGHT = 512, 256
# The title band above the curve: the carte gives a figure 9 ems of width, so a title
# set at 64 px (down to 48 px for a long name) reads at about an em, like the cards.
BAND = round(WIDTH / FIGURE_ASPECT) - HEIGHT
TITLE_PX, SMALLEST_PX = 64, 48
INKS = ((244, 208, 140), (140, 200, 244), (236, 150, 170), (170, 230, 170))


def figure(contribution: Contribution) -> np.ndarray | None:
    """An RGBA picture for a data or sound contribution; None for other kinds."""
    if contribution.kind == "data" and contribution.series:
        picture = curves(contribution.series)
    elif contribution.kind == "sound" and contribution.clip is not None:
        picture = waveform(contribution.clip.envelope)
    else:
        return None
    return titled(picture, title_of(contribution))


def title_of(contribution: Contribution) -> str:
    """A figure's title: a data file's name; a sound's author, or the name it was dropped
    with, or "un son" (a phone's recording has no name of its own), and its length."""
    stem = contribution.name.rsplit(".", 1)[0]
    if contribution.kind != "sound" or contribution.clip is None:
        return stem
    named = contribution.tags.author or ("" if door_named(contribution.name) else stem)
    seconds = round(contribution.clip.seconds)
    length = f"{seconds} s" if seconds < 60 else f"{seconds // 60} min {seconds % 60:02d}"
    return f"{named or 'un son'} · {length}"


def fitted_title(title: str) -> tuple[str, ImageFont.FreeTypeFont]:
    """The title and a font that sets it within the figure's width: smaller for a long
    name, down to `SMALLEST_PX`, then shortened with an ellipsis."""
    room = WIDTH - 16
    for size in range(TITLE_PX, SMALLEST_PX - 1, -4):
        font = ImageFont.truetype(str(default_font()), size)
        if font.getlength(title) <= room:
            return title, font
    while len(title) > 1 and font.getlength(title + "…") > room:
        title = title[:-1]
    return title.rstrip() + "…", font


def titled(picture: np.ndarray, title: str) -> np.ndarray:
    """The figure with its title above it, in the carte's ink over a dark halo, so it
    reads on every scene's field."""
    text, font = fitted_title(title.replace("_", " ").replace("-", " ").strip() or "…")
    image = Image.new("RGBA", (WIDTH, HEIGHT + BAND), (0, 0, 0, 0))
    ImageDraw.Draw(image).text((WIDTH / 2, BAND / 2), text, font=font, anchor="mm",
                               fill=(246, 238, 220, 255), stroke_width=5,
                               stroke_fill=(10, 10, 20, 215))
    image.alpha_composite(Image.fromarray(picture, "RGBA"), (0, BAND))
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
