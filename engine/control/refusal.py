"""Why a message is not acted on: one exception, and the names of the counters."""

from __future__ import annotations

NOT_ALLOWED = "sender not allowed"
MALFORMED = "malformed packet"
OVERSIZED = "oversized"
UNKNOWN = "unknown address"
WRONG = "wrong arguments"
RANGE = "out of range"
CLAMPED = "clamped to range"
RATE = "rate limited"
QUEUE = "queue full"
AHEAD = "scheduled too far ahead"
SCHEDULE = "schedule full"
REPLY = "reply dropped"
UNANSWERED = "query without a value"
FULL = "subscribers full"
FAULT = "handler fault"
SLOW = "slow client dropped"


class Refused(Exception):
    """A message the server will not act on; `reason` names the counter it goes to."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
