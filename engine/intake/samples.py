"""The project's own sample contributions, generated here: the demo feeder's material.

Texts are written for the event; pictures, a drawing, an animation, a sound, a video and
data are generated, so nothing is downloaded and every run has the same material.
"""

from __future__ import annotations

import math
import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

TEXTS = {
    "capacitations/enjeux/apprendre.txt":
        "Apprendre à lire le numérique, c'est apprendre à lire le monde : qui décide de ce "
        "que nous voyons ?",
    "capacitations/possibles/ateliers.txt":
        "Des ateliers de quartier où l'on démonte les machines pour comprendre — et "
        "réparer ensemble.",
    "datas/paradoxes/traces.txt":
        "Nos traces nous décrivent mieux que nous-mêmes… mais qui les lit, et pour quoi "
        "faire ? #données #confiance",
    "datas/enjeux/communs.txt":
        "Et si les données de la ville étaient un commun, gouverné par celles et ceux qui "
        "les produisent ?",
    "coopérations/possibles/tiers-lieux.txt":
        "Les tiers-lieux comme laboratoires : coopérer, c'est d'abord se donner du temps.",
    "coopérations/paradoxes/outils.txt":
        "Des outils collaboratifs partout, et pourtant si peu de décisions partagées. #outils",
    "démocratie/enjeux/débat.txt":
        "Le débat public a besoin de lenteur ; les plateformes vivent de vitesse.",
    "démocratie/possibles/assemblées.txt":
        "Des assemblées citoyennes outillées, transparentes, où l'algorithme rend des "
        "comptes. #démocratie",
    "parole-libre.txt":
        "« Humaniser le numérique », c'est peut-être d'abord ralentir, écouter, douter.",
}


def write_photo(path: Path) -> None:
    """A dusk-coloured photo-like picture: gradient sky, soft discs, a horizon."""
    width, height = 960, 640
    y = np.linspace(0, 1, height)[:, None]
    x = np.linspace(0, 1, width)[None, :]
    flat = np.zeros((height, width))
    sky = np.stack([0.95 - 0.6 * y + 0.05 * x + flat, 0.55 - 0.35 * y + flat,
                    0.35 + 0.4 * y + flat], axis=-1)
    image = Image.fromarray((np.clip(sky, 0, 1) * 255).astype(np.uint8), "RGB")
    pen = ImageDraw.Draw(image)
    for index in range(7):
        cx, cy, r = 120 + index * 120, 200 + 40 * math.sin(index), 30 + 12 * (index % 3)
        pen.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(250, 220 - index * 15, 170))
    pen.rectangle((0, 470, width, height), fill=(30, 24, 48))
    image.save(path, quality=88)


def write_drawing(path: Path) -> None:
    """A hand-like ink drawing on a transparent ground."""
    image = Image.new("RGBA", (600, 600), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    points = [(300 + 220 * math.cos(t / 9) * math.sin(t / 23), 300 + 220 * math.sin(t / 7))
              for t in range(0, 160)]
    pen.line(points, fill=(250, 200, 120, 255), width=9, joint="curve")
    image.save(path)


def write_animation(path: Path) -> None:
    """A breathing circle, twelve frames."""
    frames = []
    for index in range(12):
        frame = Image.new("RGB", (240, 240), (18, 20, 40))
        radius = 40 + 30 * math.sin(index / 12 * 2 * math.pi)
        ImageDraw.Draw(frame).ellipse((120 - radius, 120 - radius, 120 + radius,
                                       120 + radius), fill=(120, 200, 230))
        frames.append(frame)
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=90, loop=0)


def write_sound(path: Path, seconds: float = 3.0, rate: int = 48000) -> None:
    """Three soft bell partials with a slow decay, 16-bit stereo WAV."""
    t = np.arange(int(seconds * rate)) / rate
    tone = sum(np.sin(2 * np.pi * f * t) * a for f, a in ((392, 0.5), (587, 0.3), (880, 0.15)))
    signal = (tone * np.exp(-t * 1.2) * 0.5 * 32767).astype(np.int16)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(np.repeat(signal[:, None], 2, axis=1).tobytes())


def write_video(path: Path, seconds: float = 2.0, fps: int = 24) -> None:
    """A drifting gradient, H.264 in MP4 (MPEG-4 part 2 where x264 is absent)."""
    import av

    # the same file, so the same contribution id and the same map, every time it is
    # written: no creation time, and no x264 lookahead (on a gradient it varied run to
    # run, even on one thread)
    with av.open(str(path), "w", container_options={"fflags": "+bitexact"}) as container:
        codec = "libx264" if "libx264" in av.codecs_available else "mpeg4"
        stream = container.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        stream.options = {"threads": "1", "tune": "zerolatency"}
        x = np.linspace(0, 1, 320)[None, :, None]
        y = np.linspace(0, 1, 240)[:, None, None]
        for index in range(int(seconds * fps)):
            phase = index / fps
            flat = np.zeros((240, 320, 1))
            rgb = np.concatenate([0.5 + 0.5 * np.sin(6 * x + phase) + flat,
                                  0.3 + 0.3 * np.sin(4 * y + phase) + flat,
                                  0.6 + flat], axis=2)
            frame = av.VideoFrame.from_ndarray((rgb * 255).astype(np.uint8), format="rgb24")
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def write_data(path: Path) -> None:
    hours = range(9, 19)
    rows = ["heure;participants;contributions"]
    rows += [f"{h};{40 + 12 * math.sin(h / 2):.1f};{(h - 8) * 7}" for h in hours]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def write_svg(path: Path) -> None:
    path.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 200">'
        '<path d="M20,150 C60,20 140,20 180,150" stroke="#f0c080" stroke-width="6" '
        'fill="none"/><circle cx="100" cy="120" r="30" stroke="#80c0f0" stroke-width="4" '
        'fill="none"/></svg>\n', encoding="utf-8")


def write_keywords(path: Path) -> None:
    path.write_text("écoute\nsoin\ncommuns\nconfiance\nlenteur\n", encoding="utf-8")


GENERATED: dict[str, Callable[[Path], None]] = {
    "capacitations/photo-atelier.jpg": write_photo,
    "coopérations/dessin.png": write_drawing,
    "datas/respiration.gif": write_animation,
    "démocratie/cloche.wav": write_sound,
    "datas/fréquentation.csv": write_data,
    "coopérations/possibles/pont.svg": write_svg,
    "mots-du-jour.mots": write_keywords,
    "capacitations/mouvement.mp4": write_video,
}


def write_samples(folder: Path) -> list[Path]:
    """Write every sample under `folder` (sub-folders name their tags); returns the paths
    in the order the demo drops them: texts and media interleaved."""
    paths: list[Path] = []
    for relative, text in TEXTS.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n", encoding="utf-8")
        paths.append(path)
    media: list[Path] = []
    for relative, write in GENERATED.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        write(path)
        media.append(path)
    order: list[Path] = []
    for index in range(max(len(paths), len(media))):
        order += paths[index:index + 1] + media[index:index + 1]
    return order
