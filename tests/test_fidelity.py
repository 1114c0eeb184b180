"""Every picture a viewer opens is shown true: deep and float images spread from their
real range, colour profiles converted to sRGB, damaged animations keep what decodes,
phone formats taken, and refusals in plain words. Each file is made here by the
libraries themselves and goes through the real intake (inbox, worker process, journal)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms, TiffImagePlugin

from engine.config import load_config
from engine.intake.decode.jxl import jxl_size
from engine.intake.intake import Arrived, Intake, Message, Refused
from engine.journal.journal import Journal
from engine.world.contribution import Contribution
from tests.conftest import set_config
from tests.intake_files import wide_gamut_profile, write_apng_broken_at, write_deep_colour

Writer = Callable[[Path], None]  # HEIC, AVIF and JPEG XL writers come with engine.intake
LIBRARY_WORDS = re.compile(r"\w+(Error|Exception)\b|Traceback|Missing dimensions|errno|"
                           r"\bPIL\b|Pillow|FFmpeg|\(.*Error")


@pytest.fixture
def take(project: Path) -> Iterator[Callable[[dict[str, Writer]], dict[str, Message]]]:
    """Drop files into the inbox, take them all, answer each file's message by name."""
    config = load_config(project)
    journal = Journal(config.paths.data / "journal.sqlite")

    def dropping(files: dict[str, Writer]) -> dict[str, Message]:
        intake = Intake(load_config(project), journal)  # the config as it is now
        try:
            for name, write in files.items():
                write(config.paths.inbox / name)
            messages = intake.ingest_now()
        finally:
            intake.stop()
        return {m.contribution.name if isinstance(m, Arrived) else m.name: m
                for m in messages}

    yield dropping
    journal.close()


def shown(message: Message) -> Contribution:
    assert isinstance(message, Arrived), message
    return message.contribution


def grey_ramp(low: float, high: float, dtype: str) -> np.ndarray:
    return np.tile(np.linspace(low, high, 128), (48, 1)).astype(dtype)


def saving(array: np.ndarray, mode: str | None = None) -> Writer:
    return lambda path: (Image.frombytes(mode, array.shape[::-1], array.tobytes())
                         if mode else Image.fromarray(array)).save(path)


def assert_spread(pixels: np.ndarray, name: str) -> None:
    """A left-to-right ramp shown from black to white, in order."""
    grey = pixels[..., :3].astype(int).mean(axis=2)
    assert grey.min() <= 3 and grey.max() >= 252, name
    row = grey[grey.shape[0] // 2]
    assert (np.diff(row) >= -1).all() and row[-1] - row[0] >= 249, name


def test_deep_and_float_pictures_are_spread_from_their_real_range(take) -> None:
    twelve_bit = np.zeros((48, 128, 3), np.uint16)
    twelve_bit[..., 0] = twelve_bit[..., 1] = twelve_bit[..., 2] = \
        np.linspace(200, 4000, 128).astype(np.uint16)
    with_alpha = np.concatenate([twelve_bit, np.full((48, 128, 1), 65535, np.uint16)], 2)
    with_alpha[:, :4, 3] = 0
    got = take({
        "scan16.png": saving(grey_ramp(1000, 3000, "uint16")),
        "scan16.tif": saving(grey_ramp(1000, 3000, "uint16")),
        "scan16b.tif": saving(grey_ramp(1000, 3000, ">u2"), "I;16B"),
        "float.tif": saving(grey_ramp(-2.0, 5.0, "float32")),
        "faint.tif": saving(grey_ramp(0.0, 0.01, "float32")),
        "int32.tif": saving(grey_ramp(-700_000, 900_000, "int32")),
        "rgb16.png": lambda path: write_deep_colour(path, twelve_bit),
        "rgb16.tif": lambda path: write_deep_colour(path, twelve_bit),
        "rgba16.png": lambda path: write_deep_colour(path, with_alpha),
        "flat16.png": saving(np.full((40, 40), 40000, np.uint16)),
        "flatfloat.tif": saving(np.full((40, 40), 0.25, np.float32)),
    })
    for name in ("scan16.png", "scan16.tif", "scan16b.tif", "float.tif", "faint.tif",
                 "int32.tif", "rgb16.png", "rgb16.tif", "rgba16.png"):
        picture = shown(got[name])
        assert picture.kind == "image", name
        assert_spread(picture.pixels, name)
    alpha = shown(got["rgba16.png"]).pixels[..., 3]
    assert alpha[:, :3].max() == 0 and alpha[:, 6:].min() == 255  # alpha kept, not spread
    flat = shown(got["flat16.png"]).pixels[..., :3]
    assert (flat == round(40000 / 65535 * 255)).all()  # truly flat stays flat, at its level
    assert (shown(got["flatfloat.tif"]).pixels[..., :3] == 64).all()


def test_an_icc_tagged_photo_is_shown_in_srgb(take) -> None:
    patches = [(230, 30, 40), (40, 200, 60), (30, 60, 220), (250, 200, 30), (200, 150, 120),
               (128, 128, 128)]
    reference = Image.new("RGB", (32 * len(patches), 32))
    for index, colour in enumerate(patches):
        reference.paste(colour, (32 * index, 0, 32 * index + 32, 32))
    wide = ImageCms.ImageCmsProfile(io.BytesIO(wide_gamut_profile()))
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    encoded = ImageCms.profileToProfile(reference, srgb, wide, outputMode="RGB")
    got = take({"adobe.jpg": lambda path: encoded.save(
        path, quality=95, subsampling=0, icc_profile=wide_gamut_profile())})
    pixels = shown(got["adobe.jpg"]).pixels
    file_values = np.asarray(encoded)
    for index, colour in enumerate(patches):
        centre = pixels[12:20, 32 * index + 12:32 * index + 20, :3].reshape(-1, 3).mean(0)
        assert np.abs(centre - colour).max() <= 6, (colour, centre)
        if index < 3:  # the saturated ones: the profile truly changes what is seen
            raw = file_values[16, 32 * index + 16].astype(int)
            assert np.abs(raw - colour).max() >= 12


def test_a_damaged_animation_keeps_every_frame_that_decodes(take, project: Path) -> None:
    colours = [(250, 20, 20), (20, 250, 20), (20, 20, 250), (250, 250, 20), (20, 250, 250),
               (250, 20, 250)]
    frames = [Image.new("RGB", (60, 40), c) for c in colours]

    def gif(path: Path, keep: float) -> None:
        frames[0].save(path, save_all=True, append_images=frames[1:], duration=80)
        path.write_bytes(path.read_bytes()[:int(path.stat().st_size * keep)])

    got = take({
        "casse.png": lambda path: write_apng_broken_at(path, colours, broken=3),
        "premiere.png": lambda path: write_apng_broken_at(path, colours, broken=1),
        "coupe.gif": lambda path: gif(path, 0.7),
        "entame.gif": lambda path: gif(path, 0.05),
    })
    apng = shown(got["casse.png"])
    assert apng.kind == "animation" and apng.frames.shape[0] == 3  # frames 1-3 of 6
    for frame, colour in zip(apng.frames, colours, strict=False):
        assert np.abs(frame[20, 30, :3].astype(int) - colour).max() <= 2
    cut = shown(got["coupe.gif"])
    assert cut.kind == "animation" and 2 <= cut.frames.shape[0] < 6
    first = shown(got["premiere.png"])
    assert first.kind == "image" and first.pixels.shape[:2] == (40, 60)
    assert np.abs(first.pixels[20, 30, :3].astype(int) - colours[0]).max() <= 2
    assert isinstance(got["entame.gif"], Refused)
    journal = Journal(load_config(project).paths.data / "journal.sqlite")
    reasons = {e.name: (e.state, e.reason) for e in journal.entries()}
    journal.close()
    assert reasons["casse.png"] == ("shown", "3 of 6 frames kept: frame 4 cannot be read "
                                             "(the file is damaged: its content does not "
                                             "follow its format)")
    count = cut.frames.shape[0]
    assert reasons["coupe.gif"][1].startswith(f"{count} frames kept: frame {count + 1} "
                                              "cannot be read (the file is cut short")
    assert "only the first frame of 6" in reasons["premiere.png"][1]
    assert "still picture" in reasons["premiere.png"][1]
    for _, reason in reasons.values():
        assert not LIBRARY_WORDS.search(reason), reason


def test_phone_formats_are_taken_like_jpeg(take, project: Path) -> None:
    ramp = np.zeros((64, 96, 3), np.uint8)
    ramp[..., 0], ramp[..., 1], ramp[..., 2] = 200, np.arange(96)[None, :] * 2, 40
    picture = Image.fromarray(ramp)
    got = take({"iphone.heic": lambda path: picture.save(path, quality=95),
                "pixel.avif": lambda path: picture.save(path, quality=95),
                "futur.jxl": lambda path: picture.save(path, quality=95)})
    for name in ("iphone.heic", "pixel.avif", "futur.jxl"):
        pixels = shown(got[name]).pixels
        assert pixels.shape == (64, 96, 4), name
        assert np.abs(pixels[..., :3].astype(int) - ramp).mean() < 4, name
    set_config(project, "intake", "max_megapixels", "0.004")  # 96x64 is 0.006 megapixels
    capped = take({"grand.heic": lambda path: picture.save(path),
                   "grand.avif": lambda path: picture.save(path),
                   "grand.jxl": lambda path: picture.save(path)})
    for message in capped.values():
        assert isinstance(message, Refused) and "more than 0.004 megapixels" in message.reason


def test_a_jpeg_xl_size_is_read_before_anything_is_decoded() -> None:
    for size in ((96, 64), (100, 37), (64, 64), (1920, 1080), (4000, 3000), (7, 5),
                 (33000, 10)):
        data = io.BytesIO()
        Image.new("RGB", size).save(data, "JXL")
        assert jxl_size(data.getvalue()[:64]) == size


def crafted_tiff(path: Path) -> None:
    """A TIFF whose image width tag is renamed away: Pillow fails with its own words."""
    Image.new("L", (16, 16), 128).save(path, compression="raw")
    data = bytearray(path.read_bytes())
    entry = data.index(TiffImagePlugin.IMAGEWIDTH.to_bytes(2, "little"), 8)
    data[entry:entry + 2] = (40000).to_bytes(2, "little")
    path.write_bytes(bytes(data))


def test_every_refused_picture_says_why_in_plain_words(take) -> None:
    def cut(path: Path) -> None:
        Image.effect_noise((200, 200), 40).convert("RGB").save(path)
        path.write_bytes(path.read_bytes()[:900])

    got = take({
        "sans-taille.tif": crafted_tiff,
        "coupee.png": cut,
        "coupee.jxl": cut,
        "faux.heic": lambda path: path.write_bytes(b"\x00\x00\x00\x18ftypheic" + b"\x07" * 300),
        "faux.avif": lambda path: path.write_bytes(b"\x00\x00\x00\x1cftypavif" + b"\x01" * 300),
        "texte.jpg": lambda path: path.write_text("bonjour, ceci n'est pas une photo"),
    })
    for name, message in got.items():
        assert isinstance(message, Refused), name
        assert not LIBRARY_WORDS.search(message.reason), message.reason
        assert re.search(r"damaged|cut short|not a picture|variant", message.reason), \
            message.reason
        assert message.reason.endswith("export it again as JPEG or PNG"), message.reason
