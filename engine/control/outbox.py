"""Sending replies and feedback: never blocking, never more than a byte budget per host.

Replies go only to the host that asked (or subscribed), never to a third address,
and each host gets at most `rate` bytes per second, so the server cannot be turned
into an amplifier. Both the server thread (replies) and the frame loop (feedback)
send through here, so its state is behind a lock held only for bookkeeping.
"""

from __future__ import annotations

import logging
import socket
import threading

from engine.control.guard import MAX_HOSTS, Complaints, RateLimit
from engine.control.refusal import REPLY

Destination = tuple[str, int]


class Outbox:
    """Sends datagrams on the server's own non-blocking socket."""

    def __init__(self, sock: socket.socket, rate: int, complaints: Complaints) -> None:
        self.sock = sock
        self.budget = RateLimit(rate, rate)
        self.complaints = complaints
        self.lock = threading.Lock()

    def send(self, destination: Destination, datagrams: list[bytes], now: float) -> int:
        """Send in order until the budget runs out; returns how many were sent."""
        sent = 0
        with self.lock:
            for datagram in datagrams:
                if not self.budget.take(destination[0], now, len(datagram)):
                    self.complaints(destination[0], REPLY, "reply budget spent", now)
                    break
                try:
                    self.sock.sendto(datagram, destination)
                except OSError as error:
                    self.complaints(destination[0], REPLY, str(error), now, logging.INFO)
                    break
                sent += 1
        return sent


class Subscribers:
    """Destinations receiving status and arrivals, each until its lease runs out."""

    def __init__(self, capacity: int, lease: float) -> None:
        self.capacity = min(capacity, MAX_HOSTS)
        self.lease = lease
        self.until: dict[Destination, float] = {}
        self.lock = threading.Lock()

    def add(self, destination: Destination, now: float) -> bool:
        """Subscribe or renew; False when every place is taken."""
        with self.lock:
            self._expire(now)
            if destination not in self.until and len(self.until) >= self.capacity:
                return False
            self.until[destination] = now + self.lease
            return True

    def remove(self, destination: Destination) -> None:
        with self.lock:
            self.until.pop(destination, None)

    def current(self, now: float) -> list[Destination]:
        with self.lock:
            self._expire(now)
            return list(self.until)

    def _expire(self, now: float) -> None:
        for destination in [d for d, until in self.until.items() if until <= now]:
            del self.until[destination]
