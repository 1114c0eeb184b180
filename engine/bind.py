"""Listening on a port that may still be held for a moment (the show restarted while
its previous run was closing): the start is retried for a while, then the error, which
names the port and its setting, stops it."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

log = logging.getLogger(__name__)
PAUSE = 0.5  # seconds between two tries


def listen(start: Callable[[], None], taken: type[Exception], seconds: float) -> None:
    """Call `start` until it no longer raises `taken`, for up to `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            start()
            return
        except taken as error:
            if time.monotonic() >= deadline:
                raise
            log.warning("%s; retrying for up to %g s", error, seconds)
            time.sleep(PAUSE)
