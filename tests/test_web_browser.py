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
from tests.test_web import TOKEN, sent, started, webm_recording
from tests.web_client import Client, form

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
              ".find((b) => b.textContent.startsWith('Accepter')).click()")
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


TABLET = {"width": 1180, "height": 820, "deviceScaleFactor": 1, "mobile": False}


async def log_in(page: Page, base: str) -> None:
    await page.send("Emulation.setDeviceMetricsOverride", **TABLET)
    await page.send("Page.navigate", url=base + "/moderation")
    await page.until("!!document.getElementById('code')")
    await page.evaluate(f"document.getElementById('code').value = {json.dumps(TOKEN)};"
                        "document.querySelector('form').submit()")
    await page.until("!!document.getElementById('attente')")


def test_the_console_shows_the_whole_queue_as_it_is_and_keeps_what_is_typed(
        project: Path, tmp_path: Path) -> None:
    with started(project, burst="300", uploads_per_minute="6000.0") as (engine, client):
        sound = sent(engine, client, file=(webm_recording(), "audio/webm;codecs=opus", "s"),
                     author="Noé")
        for n in range(98):
            client.request("POST", "/api/contributions",
                           data=form(text=f"Pensée numéro {n} : écouter avant de parler"))
        last = sent(engine, client, keywords="lenteur, confiance, partage")
        step_until(engine, lambda: engine.journal.page(("pending",), None, 1, True)[1] == 100,
                   60)

        async def session() -> dict[str, object]:
            async with chromium(tmp_path / "profile") as page:
                await log_in(page, client.base)
                await page.until("document.querySelectorAll('#attente > li').length === 100",
                                 30)
                seen: dict[str, object] = {
                    "count": await page.evaluate(
                        "document.getElementById('nb-attente').textContent"),
                    "first": await page.evaluate(
                        "document.querySelector('#attente > li .contenu').innerHTML"),
                    "words": await page.evaluate(
                        "document.getElementById('attente').textContent"),
                    "player": await page.evaluate(
                        "document.querySelector('#attente audio').getAttribute('src')")}
                await page.screenshot(figure("web-moderation-queue.png", tmp_path))
                # a reason typed into the third card survives three refreshes
                await page.evaluate("const f = document.querySelectorAll('#attente .raison')[2];"
                                    "f.focus(); f.value = 'Hors sujet, désolé'")
                calls = await page.evaluate("performance.getEntriesByType('resource')"
                                            ".filter((e) => e.name.includes('arrivals')).length")
                await page.until("performance.getEntriesByType('resource').filter((e) => "
                                 f"e.name.includes('arrivals')).length >= {calls} + 6", 30)
                seen["kept"] = await page.evaluate(
                    "document.activeElement.classList.contains('raison') && "
                    "document.activeElement.value")
                await page.evaluate("document.activeElement.dispatchEvent(new KeyboardEvent("
                                    "'keydown', {key: 'Enter', bubbles: true}))")
                await page.until("document.querySelectorAll('#attente > li').length === 99")
                await page.until("[...document.querySelectorAll('#arrivees > li')].some((li) "
                                 "=> li.textContent.includes('Hors sujet, désolé'))")
                # A accepts the focused card (the next one)
                await page.evaluate("document.querySelector('#attente > li').focus()")
                await page.send("Input.dispatchKeyEvent", type="keyDown", key="a", text="a")
                await page.until("document.querySelectorAll('#attente > li').length === 98")
                seen["errors"] = page.errors()
                return seen
        seen = Client.run(client, session(), seconds=240)
        rejected = [e for e in engine.journal.contributions() if e.state == "rejected"]
        assert len(rejected) == 1
        assert engine.journal.moderation_reason(rejected[0].id) == "Hors sujet, désolé"
        assert engine.journal.accepted(sound).state == "shown"  # A took the first card
        assert engine.journal.accepted(last).state == "pending"
    assert seen["count"] == "(100)"
    assert "audio" in str(seen["first"]) and seen["player"] == f"/api/moderation/media/{sound}"
    assert "Pensée numéro 0 : écouter avant de parler" in str(seen["words"])
    assert "Pensée numéro 97" in str(seen["words"]) and "confiance" in str(seen["words"])
    assert seen["kept"] == "Hors sujet, désolé"
    assert seen["errors"] == []


def a_heic(path: Path) -> Path:
    """An iPhone's kind of photo, which Chromium cannot show."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    Image.new("RGB", (320, 240), (180, 90, 40)).save(path, format="HEIF")
    return path


def test_a_phone_keeps_its_sends_across_a_reload(project: Path, tmp_path: Path) -> None:
    heic = a_heic(tmp_path / "IMG_0002.HEIC")
    with started(project) as (_, client):
        async def session() -> tuple[list[str], list[str]]:
            async with chromium(tmp_path / "profile") as page:
                await page.send("Page.navigate", url=client.base + "/")
                await page.until("document.readyState === 'complete'")
                await page.evaluate("document.querySelector('input[value=photo]').click()")
                root = await page.send("DOM.getDocument")
                node = await page.send("DOM.querySelector", nodeId=root["root"]["nodeId"],
                                       selector="#choix")
                await page.send("DOM.setFileInputFiles", files=[str(heic)],
                                nodeId=node["nodeId"])
                await page.until("document.getElementById('photo-nom').textContent"
                                 ".includes('ne sait pas')")
                assert await page.evaluate("document.getElementById('apercu').hidden")
                await page.evaluate("document.querySelector('input[value=text]').click()")
                await page.evaluate("document.getElementById('texte').value = "
                                    "'Une idée qui reste';"
                                    "document.getElementById('envoyer').click()")
                await page.until("document.querySelectorAll('#envois li').length === 1")
                await page.send("Page.reload")
                await page.until("document.readyState === 'complete' && "
                                 "document.querySelectorAll('#envois li').length === 1")
                await page.until("document.querySelector('#envois .etat').textContent"
                                 ".includes('attente')", 30)
                shown = await page.evaluate(
                    "[...document.querySelectorAll('#envois li')].map((l) => l.textContent)")
                await page.screenshot(tmp_path / "web-participant-reloaded.png")
                return shown, page.errors()
        shown, errors = Client.run(client, session(), seconds=120)
    assert len(shown) == 1 and "Une idée qui reste" in shown[0] and "attente" in shown[0]
    assert errors == []
