"""systemd's notify protocol, spoken directly (no dependency): readiness and heartbeat.

The frame loop calls `beat()` every frame; a heartbeat is sent at most twice per watchdog
period, so a loop that hangs (not only one that crashes) is restarted by systemd.
Without `NOTIFY_SOCKET` (not under systemd) every call is a no-op.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time


class Notifier:
    def __init__(self) -> None:
        address = os.environ.get("NOTIFY_SOCKET", "")
        self.address = "\0" + address[1:] if address.startswith("@") else address
        self.socket: socket.socket | None = None
        if self.address:
            self.socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        watchdog_usec = int(os.environ.get("WATCHDOG_USEC", "0") or 0)
        self.period = watchdog_usec / 2e6 if watchdog_usec else 0.0
        self.last_beat = 0.0

    def send(self, message: str) -> None:
        if self.socket is None:
            return
        # A supervisor that went away is nothing for the show to act on.
        with contextlib.suppress(OSError):
            self.socket.sendto(message.encode(), self.address)

    def ready(self, status: str = "") -> None:
        self.send("READY=1" + (f"\nSTATUS={status}" if status else ""))

    def beat(self) -> None:
        now = time.monotonic()
        if self.period and now - self.last_beat >= self.period:
            self.last_beat = now
            self.send("WATCHDOG=1")

    def stopping(self) -> None:
        self.send("STOPPING=1")

    def close(self) -> None:
        if self.socket is not None:
            self.socket.close()
            self.socket = None
