"""The web door in a real browser: Debian's chromium, headless, over the DevTools protocol,
on a phone-sized touch screen, then on a tablet for the console."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from tests.cdp import CHROMIUM, Page, chromium
from tests.conftest import figure
from tests.engines import step_until
from tests.test_web import TOKEN, started
from tests.web_client import Client

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")


def a_photo(path: Path) -> Path:
    image = Image.new("RGB", (800, 600), (40, 90, 150))
    pen = ImageDraw.Draw(image)
    pen.ellipse((250, 150, 550, 450), fill=(240, 190, 70))
    pen.rectangle((0, 480, 800, 600), fill=(60, 140, 80))
    image.save(path, "JPEG", quality=90)
    return path


async def touch_line(page: Page, points: list[tuple[float, float]]) -> None:
    """One finger stroke through `points` (CSS pixels), as touch events."""
    first, *rest = points
    await page.send("Input.dispatchTouchEvent", type="touchStart",
                    touchPoints=[{"x": first[0], "y": first[1]}])
    for x, y in rest:
        await page.send("Input.dispatchTouchEvent", type="touchMove",
                        touchPoints=[{"x": x, "y": y}])
    await page.send("Input.dispatchTouchEvent", type="touchEnd", touchPoints=[])


async def participate(page: Page, base: str, photo: Path, shots: Path) -> None:
    await page.send("Page.navigate", url=base + "/")
    await page.until("document.readyState === 'complete' && !!document.getElementById('dessin')")
    await page.evaluate("document.querySelector('input[value=strokes]').click()")
    await page.evaluate("document.getElementById('dessin').scrollIntoView()")
    box = json.loads(await page.evaluate(
        "JSON.stringify(document.getElementById('dessin').getBoundingClientRect())"))
    left, top, side = box["left"], box["top"], box["width"]
    await touch_line(page, [(left + side * (0.15 + 0.05 * i), top + side * (0.2 + 0.06 * i))
                            for i in range(12)])
    await touch_line(page, [(left + side * (0.8 - 0.05 * i), top + side * 0.7)
                            for i in range(10)])
    inked = await page.evaluate(
        "(() => { const c = document.getElementById('dessin');"
        " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        " let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n; })()")
    assert inked > 500
    await page.evaluate("document.getElementById('auteur').value = 'Léa <b>régie</b>';"
                        "document.getElementById('theme').value = 'datas'")
    await page.evaluate("window.scrollTo(0, 0)")
    await page.screenshot(figure("web-participant.png", shots))
    await page.evaluate("document.getElementById('envoyer').click()")
    await page.until("document.getElementById('message').textContent.startsWith('Reçu')")
    await page.evaluate("document.querySelector('input[value=photo]').click()")
    root = await page.send("DOM.getDocument")
    node = await page.send("DOM.querySelector", nodeId=root["root"]["nodeId"],
                           selector="#choix")
    await page.send("DOM.setFileInputFiles", files=[str(photo)], nodeId=node["nodeId"])
    await page.until("document.getElementById('photo-nom').textContent !== ''")
    await page.evaluate("document.getElementById('envoyer').click()")
    await page.until("document.querySelectorAll('#envois li').length === 2")
    await page.until("[...document.querySelectorAll('#envois .etat')]"
                     ".every((e) => e.textContent.includes('attente'))")
    await page.evaluate("document.getElementById('envois').scrollIntoView()")
    await page.screenshot(figure("web-participant-sent.png", shots))


async def moderate(page: Page, base: str, shots: Path) -> None:
    await page.send("Emulation.setDeviceMetricsOverride", width=1180, height=820,
                    deviceScaleFactor=1, mobile=False)
    await page.send("Page.navigate", url=base + "/moderation")
    await page.until("!!document.getElementById('code')")
    await page.evaluate(f"document.getElementById('code').value = {json.dumps(TOKEN)};"
                        "document.querySelector('form').submit()")
    await page.until("document.querySelectorAll('#attente li').length === 2")
    await page.until("document.getElementById('apercu').naturalWidth > 100")
    shown = await page.evaluate("document.getElementById('attente').textContent")
    assert "Léa <b>régie</b>" in shown  # as text, never as markup
    accept = ("[...document.querySelectorAll('#attente button')]"
              ".find((b) => b.textContent === 'Accepter').click()")
    await page.evaluate(accept)
    await page.until("document.querySelectorAll('#arrivees li').length === 1")
    await page.until("[...document.querySelectorAll('img')]"
                     ".every((i) => i.complete && i.naturalWidth > 0)")
    await page.screenshot(figure("web-moderation.png", shots))
    await page.evaluate(accept)
    await page.until("document.querySelectorAll('#attente li').length === 0")


def test_a_phone_contributes_and_the_tablet_approves(project: Path, tmp_path: Path) -> None:
    photo = a_photo(tmp_path / "IMG_0001.jpg")
    with started(project) as (engine, client):
        base = client.base

        async def session() -> list[str]:
            async with chromium(tmp_path / "profile") as page:
                await participate(page, base, photo, tmp_path)
                await moderate(page, base, tmp_path)
                return page.errors()
        errors = Client.run(client, session(), seconds=180)
        entries = {e.kind: e for e in engine.journal.contributions()}
        assert set(entries) == {"drawing", "image"}
        assert entries["drawing"].tags == {"author": "Léa <b>régie</b>", "theme": "datas"}
        assert all(e.state == "shown" for e in entries.values())
        drawing = engine.intake.cache.load(entries["drawing"].id)
        assert drawing is not None and len(drawing.strokes) >= 15  # two finger strokes
        step_until(engine, lambda: all(e.id in engine.carte.ids and e.id not in
                                       engine.carte.hidden for e in entries.values()), 10)
    assert errors == []
