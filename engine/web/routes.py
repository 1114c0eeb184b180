"""The web door's routes: the participant page, the console, and the JSON API.

Every answer carries a Content-Security-Policy that allows only this engine's own
scripts, styles and pictures; visitor strings reach pages only through `textContent`
or `html.escape`. Refusals are JSON `{"error": "<raison>"}` in French.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
from aiohttp import web

from engine.config import Config
from engine.control.commands import Moderate, SetParam, SwitchScene
from engine.control.connections import ConnectionGate
from engine.control.routes import TRANSPORT_PARAMS
from engine.journal.cache import PayloadCache
from engine.journal.journal import Entry, Journal
from engine.web.board import Board
from engine.web.door import Door
from engine.web.french import for_moderator, for_participant
from engine.web.guard import COOKIE, CSRF_HEADER, Moderators, Pace
from engine.web.thumbnails import PICTURE, THUMB, jpeg, thumbnail
from engine.web.uploads import WebRefusal, read_upload
from engine.world.contribution import ENVELOPE_SECONDS, door_named

log = logging.getLogger(__name__)

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
       "media-src 'self' blob:; connect-src 'self'; form-action 'self'; base-uri 'none'; "
       "frame-ancestors 'none'")
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
           "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
           "Cache-Control": "no-store"}
ASSETS = {"participer.js": "text/javascript", "moderation.js": "text/javascript",
          "carte.css": "text/css", "icone.svg": "image/svg+xml"}
ID = re.compile(r"^[0-9a-f]{16}$")
STATES = {"approve": "shown", "reject": "rejected", "hide": "hidden", "show": "shown",
          "pin": "pinned", "unpin": "shown"}
LISTED = ("pending", "shown", "pinned", "hidden", "rejected", "refused", "duplicate")
PAGE, MAX_PAGE = 50, 200
PREVIEW_SIZE = 640
MEDIA = {".opus": "audio/webm", ".webm": "video/webm", ".m4a": "audio/mp4",
         ".ogg": "audio/ogg", ".oga": "audio/ogg", ".wav": "audio/wav", ".mp3": "audio/mpeg",
         ".flac": "audio/flac", ".mp4": "video/mp4", ".m4v": "video/mp4",
         ".mov": "video/quicktime", ".aif": "audio/aiff", ".aiff": "audio/aiff"}
KEPT = "private, max-age=86400"  # a contribution's media never change (named by content)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def asset(name: str) -> str:
    return resources.files("engine.web").joinpath("assets", name).read_text(encoding="utf-8")


def refusal(status: int, reason: str, retry_after: int = 0) -> web.Response:
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    return web.json_response({"error": reason}, status=status, headers=headers,
                             dumps=lambda v: json.dumps(v, ensure_ascii=False))


@web.middleware
async def guarded(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Security headers on every answer; no error ever shows a trace to a visitor."""
    try:
        response = await handler(request)
    except WebRefusal as refused:
        response = refusal(refused.status, refused.reason, refused.retry_after)
    except web.HTTPException as error:
        response = refusal(error.status, {404: "Cette page n'existe pas.",
                                          405: "Méthode non permise.",
                                          413: "C'est trop lourd pour la carte."}.get(
                                              error.status, "Requête refusée."))
    except ConnectionError as gone:  # the client went away mid-request: one line, no trace
        log.info("web: %s left during %s %s (%s)", request.remote, request.method,
                 request.path, gone or type(gone).__name__)
        raise
    except Exception:
        log.exception("web: unexpected error on %s %s", request.method, request.path)
        response = refusal(500, "Un problème est survenu ; réessayez dans un instant.")
    for key, value in HEADERS.items():
        if key != "Cache-Control" or key not in response.headers:
            response.headers[key] = value
    return response


@dataclass
class Site:
    """Everything the handlers share; built once per server."""

    config: Config
    journal: Journal
    door: Door
    board: Board
    moderators: Moderators
    pace: Pace
    logins: Pace
    cache: PayloadCache
    gate: ConnectionGate

    # -- participants ---------------------------------------------------------------------

    async def participant_page(self, request: web.Request) -> web.Response:
        event = self.config.event
        page = asset("participer.html")
        for key, words in (("themes", event.themes), ("sequences", event.sequences),
                           ("parcours", tuple(event.parcours))):
            page = page.replace("{{" + key + "}}", options(words))
        page = page.replace("{{max_mb}}", str(self.config.web.max_upload_mb))
        return web.Response(text=page, content_type="text/html")

    async def assets(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in ASSETS:
            raise web.HTTPNotFound()
        return web.Response(text=asset(name), content_type=ASSETS[name],
                            charset="utf-8")

    async def contribute(self, request: web.Request) -> web.Response:
        client = request.remote or "?"
        wait = self.pace.take(client)
        if wait:
            raise WebRefusal(429, f"Vous envoyez beaucoup : attendez {wait} s avant le "
                                  "prochain envoi.", retry_after=wait)
        name, staged = self.door.stage()
        with self.door.receiving() as budget:
            with self.gate.reading(request):
                upload = await read_upload(request, staged, self.config.web.max_upload_mb << 20,
                                           budget.spend)
            try:
                receipt = await self.door.received(name, staged, upload, f"web {client}")
            except OSError as error:
                staged.unlink(missing_ok=True)
                log.error("web: an upload from %s not received: %s", client, error)
                raise self.door.full() from error
        return web.json_response(receipt.public(self.config.web.premoderation), status=202)

    async def contribution(self, request: web.Request) -> web.Response:
        """What became of an upload: received (being read), then its state on the carte,
        or refused with the reason in French."""
        id = request.match_info["id"]
        answer = await asyncio.to_thread(self._fate, id) if ID.match(id) else None
        if answer is None:
            raise WebRefusal(404, "Aucune contribution de ce numéro.")
        return json_answer(answer)

    def _fate(self, id: str) -> dict[str, Any] | None:
        journal = self.journal
        entry = journal.accepted(id)
        if entry is not None:
            answer: dict[str, Any] = {"id": id, "state": entry.state, "kind": entry.kind,
                                      "on_carte": entry.state in ("shown", "pinned")
                                      and self.board.on_carte(id)}
            if entry.state == "rejected":
                answer["reason"] = journal.moderation_reason(id)
            return answer
        receipt = journal.receipt(id)
        if receipt is None:
            return None
        source, kind = receipt
        fate = journal.latest(source)
        if fate is None:
            return {"id": id, "state": "received", "kind": kind, "on_carte": False}
        return {"id": id, "state": "refused", "kind": fate.kind or kind, "on_carte": False,
                "reason": for_participant(fate.reason)}

    # -- moderators -----------------------------------------------------------------------

    def moderator(self, request: web.Request, changes: bool) -> None:
        """Allowed by the token, or by a console session (and its CSRF token for a change);
        401 otherwise, before anything is read or applied."""
        if self.moderators.bearer_ok(request.headers.get("Authorization", "")):
            return
        session = self.moderators.session(request.cookies.get(COOKIE))
        if session is None:
            raise WebRefusal(401, "Réservé aux modérateurs : ouvrez une session sur "
                                  "/moderation.")
        if changes and not Moderators.csrf_ok(session, request.headers.get(CSRF_HEADER, "")):
            raise WebRefusal(401, "Jeton de formulaire manquant ou périmé ; rechargez la "
                                  "console.")

    async def console(self, request: web.Request) -> web.Response:
        session = self.moderators.session(request.cookies.get(COOKIE))
        if session is None:
            return login_page("")
        page = asset("moderation.html").replace("{{csrf}}", html.escape(session.csrf))
        return web.Response(text=page, content_type="text/html")

    async def login(self, request: web.Request) -> web.Response:
        wait = self.logins.take(request.remote or "?")
        if wait:
            return login_page(f"Trop d'essais ; attendez {wait} s.", 429)
        form = await request.post()
        token = form.get("token", "")
        if not isinstance(token, str) or not self.moderators.token_ok(token):
            return login_page("Ce n'est pas le bon code.", 401)
        key, _ = self.moderators.open()
        response = back_to_console()
        response.set_cookie(COOKIE, key, httponly=True, samesite="Strict", path="/",
                            secure=request.secure)
        return response

    async def logout(self, request: web.Request) -> web.Response:
        self.moderator(request, changes=True)
        self.moderators.close(request.cookies.get(COOKIE))
        response = back_to_console()
        response.del_cookie(COOKIE, path="/")
        return response

    async def status(self, request: web.Request) -> web.Response:
        self.moderator(request, changes=False)
        path = self.config.paths.data / "status.json"
        try:
            text = await asyncio.to_thread(path.read_text, encoding="utf-8")
        except FileNotFoundError:
            text = json.dumps(self.board.status)
        return web.Response(text=text, content_type="application/json")

    async def arrivals(self, request: web.Request) -> web.Response:
        """A page of the journal for the console: `state=pending` is the queue, oldest
        first; other states (comma separated; all when absent) newest first. `next`,
        passed back as `after=`, continues the list; `count` is how many in all."""
        self.moderator(request, changes=False)
        query = request.query
        states = tuple(s for s in query.get("state", "").split(",") if s)
        after, limit = query.get("after", ""), query.get("limit", str(PAGE))
        if set(states) - set(LISTED) or not (after.isdigit() or after == "") or \
                not limit.isdigit():
            raise WebRefusal(400, "Attendu : state parmi " + ", ".join(LISTED) +
                                  ", after et limit en nombres.")
        count = min(max(int(limit), 1), MAX_PAGE)
        entries, total = await asyncio.to_thread(
            self.journal.page, states, int(after) if after else None, count + 1,
            states == ("pending",))
        listed = await asyncio.to_thread(lambda: [self._listed(e) for e in entries[:count]])
        board = self.board
        return json_answer({
            "arrivals": listed, "count": total,
            "next": str(entries[count - 1].seq) if len(entries) > count else None,
            "reading": await asyncio.to_thread(self.journal.unread),
            "scenes": list(board.scenes), "blackout": board.blackout,
            "status": {k: board.status.get(k) for k in ("fps", "frame_ms", "scene",
                                                         "contributions", "queues",
                                                         "problems", "refused")}})

    def _listed(self, entry: Entry) -> dict[str, Any]:
        """One entry as the console shows it: what it is, its words, why it is so."""
        found: dict[str, Any] = {
            "id": entry.id, "seq": entry.seq, "kind": entry.kind, "state": entry.state,
            "name": "" if door_named(entry.name) else entry.name,
            "tags": entry.tags, "at": entry.at, "on_carte": self.board.on_carte(entry.id),
            "reason": (self.journal.moderation_reason(entry.id) or "Refusée par un modérateur.")
            if entry.state == "rejected" else for_moderator(entry.state, entry.reason,
                                                            entry.id)}
        if entry.state not in ("refused", "duplicate"):
            meta = self.cache.meta(entry.id) or {}
            if entry.kind in ("text", "keywords"):
                found["text"] = meta.get("text", "")
            clip = meta.get("clip") or {}
            if clip.get("envelope"):
                found["seconds"] = round(len(clip["envelope"]) * ENVELOPE_SECONDS, 1)
        return found

    async def thumb(self, request: web.Request) -> web.Response:
        """A picture of a contribution, `?size=` 160 (default) or 480 px, as JPEG (made
        here, so a photo the browser cannot show, HEIC, shows too)."""
        self.moderator(request, changes=False)
        id = request.match_info["id"]
        size = PICTURE if request.query.get("size") == str(PICTURE) else THUMB
        data = await asyncio.to_thread(thumbnail, self.cache, id, size) \
            if ID.match(id) else None
        if data is None:
            raise WebRefusal(404, "Pas d'image pour cette contribution.")
        return web.Response(body=data, content_type="image/jpeg",
                            headers={"Cache-Control": KEPT})

    async def media(self, request: web.Request) -> web.StreamResponse:
        """A sound or a film as it was sent (from the archive), for the console's player."""
        self.moderator(request, changes=False)
        id = request.match_info["id"]
        entry = await asyncio.to_thread(self.journal.accepted, id) if ID.match(id) else None
        path = self.config.paths.data / entry.archive if entry is not None else None
        if path is None or path.suffix.lower() not in MEDIA or not path.is_file():
            raise WebRefusal(404, "Pas de son ni de film pour cette contribution.")
        return web.FileResponse(path, headers={"Content-Type": MEDIA[path.suffix.lower()],
                                               "Cache-Control": KEPT})

    async def preview(self, request: web.Request) -> web.Response:
        self.moderator(request, changes=False)
        self.board.preview_asked = time.monotonic()
        frame = self.board.preview
        if frame is None:  # the frame loop sends one within a frame or two
            frame = np.zeros((9, 16, 3), np.uint8)
        data = await asyncio.to_thread(jpeg, frame, PREVIEW_SIZE)
        return web.Response(body=data, content_type="image/jpeg")

    async def moderate(self, request: web.Request) -> web.Response:
        self.moderator(request, changes=True)
        try:
            order = await request.json()
        except ValueError as error:
            raise WebRefusal(400, "Attendu : du JSON {\"action\": …, \"id\": …}.") from error
        if not isinstance(order, dict):
            raise WebRefusal(400, "Attendu : du JSON {\"action\": …, \"id\": …}.")
        action = order.get("action")
        if action in STATES or action == "focus":
            return await self._contribution_action(action, order)
        if action == "scene":
            name = order.get("name")
            if name not in self.board.scenes:
                raise WebRefusal(404, "Aucune scène de ce nom.")
            self._queue(SwitchScene(name))
            return json_answer({"scene": name})
        if action == "blackout":
            on = order.get("on")
            if not isinstance(on, bool):
                raise WebRefusal(400, "Attendu : \"on\": true ou false.")
            spec = next(p for p in TRANSPORT_PARAMS if p.name == "blackout")
            self._queue(SetParam("transport", "", "blackout", spec, (("=", on),)))
            return json_answer({"blackout": on})
        raise WebRefusal(400, "Action inconnue ; attendu approve, reject, hide, show, pin, "
                              "unpin, focus, scene ou blackout.")

    async def _contribution_action(self, action: str, order: dict[str, Any]) -> web.Response:
        id = order.get("id")
        entry = await asyncio.to_thread(self.journal.accepted, id) \
            if isinstance(id, str) and ID.match(id) else None
        if entry is None:
            raise WebRefusal(404, "Aucune contribution de ce numéro.")
        if action == "focus":
            self._queue(Moderate("focus", id))
            return json_answer({"id": id, "state": entry.state})
        reason = order.get("reason", "")
        reason = reason.strip()[:300] if isinstance(reason, str) else ""
        state = STATES[action]
        await asyncio.to_thread(self.journal.moderate, id, state, reason)
        log.info("web moderation: %s %s (%s)", action, id, reason or "no reason")
        return json_answer({"id": id, "state": state})

    def _queue(self, command: Any) -> None:
        if self.board.commands.put([command]):
            raise WebRefusal(503, "La carte est occupée ; réessayez.", retry_after=1)


def options(words: tuple[str, ...]) -> str:
    return "".join(f'<option value="{html.escape(w)}">{html.escape(w)}</option>'
                   for w in words)


def json_answer(value: dict[str, Any]) -> web.Response:
    return web.json_response(value, dumps=lambda v: json.dumps(v, ensure_ascii=False))


def back_to_console() -> web.Response:
    return web.Response(status=303, headers={"Location": "/moderation"})


def login_page(message: str, status: int = 200) -> web.Response:
    page = asset("connexion.html").replace("{{message}}", html.escape(message))
    return web.Response(text=page, content_type="text/html", status=status)


def build_app(site: Site) -> web.Application:
    @web.middleware
    async def handling(request: web.Request, handler: Handler) -> web.StreamResponse:
        with site.gate.handling(request):
            return await handler(request)

    app = web.Application(middlewares=[handling, guarded], client_max_size=64 * 1024)
    app.add_routes([
        web.get("/", site.participant_page),
        web.get("/assets/{name}", site.assets),
        web.post("/api/contributions", site.contribute),
        web.get("/api/contributions/{id}", site.contribution),
        web.get("/api/status", site.status),
        web.post("/api/moderation", site.moderate),
        web.get("/api/moderation/arrivals", site.arrivals),
        web.get("/api/moderation/thumbnail/{id}", site.thumb),
        web.get("/api/moderation/media/{id}", site.media),
        web.get("/api/moderation/preview", site.preview),
        web.get("/moderation", site.console),
        web.post("/moderation/login", site.login),
        web.post("/moderation/logout", site.logout),
    ])
    return app
