"""Who may steer the show: the moderator token, console sessions and their CSRF tokens,
and how often one phone may send.

The token is compared in constant time. A console session lives in an HttpOnly,
SameSite=Strict cookie; every state change made with it also carries the session's
CSRF token in a header, which another site's page cannot read.
"""

from __future__ import annotations

import hmac
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from engine.control.guard import RateLimit

SESSION_SECONDS = 12 * 3600
MAX_SESSIONS = 64
COOKIE = "carte_console"
CSRF_HEADER = "X-CSRF-Token"


@dataclass(frozen=True)
class Session:
    csrf: str
    until: float


class Moderators:
    """The moderator token and the console sessions opened with it."""

    def __init__(self, token: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.token = token.encode("utf-8")
        self.clock = clock
        self.sessions: dict[str, Session] = {}

    def token_ok(self, offered: str) -> bool:
        return bool(self.token) and hmac.compare_digest(offered.encode("utf-8"), self.token)

    def bearer_ok(self, header: str) -> bool:
        scheme, _, offered = header.partition(" ")
        return scheme.lower() == "bearer" and self.token_ok(offered.strip())

    def open(self) -> tuple[str, Session]:
        """A new session (the oldest goes when there are too many)."""
        now = self.clock()
        self.sessions = {k: s for k, s in self.sessions.items() if s.until > now}
        if len(self.sessions) >= MAX_SESSIONS:
            del self.sessions[min(self.sessions, key=lambda k: self.sessions[k].until)]
        key = secrets.token_urlsafe(32)
        session = Session(secrets.token_urlsafe(24), now + SESSION_SECONDS)
        self.sessions[key] = session
        return key, session

    def session(self, cookie: str | None) -> Session | None:
        session = self.sessions.get(cookie or "")
        if session is None or session.until <= self.clock():
            return None
        return session

    def close(self, cookie: str | None) -> None:
        self.sessions.pop(cookie or "", None)

    @staticmethod
    def csrf_ok(session: Session, offered: str) -> bool:
        return hmac.compare_digest(offered.encode("utf-8"), session.csrf.encode("utf-8"))


class Pace:
    """Contributions per client: a token bucket, and how long to wait when empty."""

    def __init__(self, per_minute: float, burst: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = per_minute / 60.0
        self.buckets = RateLimit(self.rate, burst)
        self.clock = clock

    def take(self, client: str) -> int:
        """0 when `client` may send now, else the seconds to wait."""
        if self.buckets.take(client, self.clock()):
            return 0
        tokens, _ = self.buckets.buckets[client]
        return max(1, math.ceil((1.0 - tokens) / self.rate))
