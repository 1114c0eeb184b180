"""The carte's inks: each theme's colour (the archive's accents, so both name a theme
alike) and a card's ink tinted with its theme's hue."""

from __future__ import annotations

# The archive's theme accents (archive.css .t0 … .t7).
THEME_INKS = ((0.953, 0.714, 0.392), (0.416, 0.820, 0.890), (0.576, 0.863, 0.612),
              (0.957, 0.584, 0.678), (0.725, 0.627, 0.957), (0.937, 0.878, 0.486),
              (0.510, 0.698, 1.0), (1.0, 0.635, 0.486))
TINT = 0.55  # how much of its theme's hue a card takes (its lightness stays the scene's)


def lightness(rgb: tuple[float, ...]) -> float:
    return 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]


def theme_ink(theme: int) -> tuple[float, float, float]:
    return THEME_INKS[theme % len(THEME_INKS)]


def tinted(colour: tuple[float, ...], theme: int | None) -> tuple[float, ...]:
    """A scene's card colour with the hue of a theme's ink and the lightness of the
    scene's colour, so territories read as regions of colour at any density while the
    halo keeps its contrast; untagged cards keep the scene's colour. Dark ink stays
    untinted (a hue on near-black reads as mud on a light field)."""
    if theme is None:
        return tuple(colour)
    ink = theme_ink(theme)
    grey = lightness(ink)
    tint = TINT * min(1.0, 2.0 * lightness(colour))
    return (*(min(max(c + tint * (i - grey), 0.0), 1.0) for c, i in zip(colour[:3], ink,
                                                                          strict=True)),
            *colour[3:])
