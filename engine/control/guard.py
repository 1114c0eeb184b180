"""Who is heard, how much, and how problems are reported without flooding the log."""

from __future__ import annotations

import ipaddress
import logging
import threading
from collections import Counter
from collections.abc import Iterable

log = logging.getLogger("engine.control")

MAX_HOSTS = 1024  # bound on every per-host table; a wider spread starts them afresh


class AllowList:
    """Sender hosts allowed by `[osc] allow` (CIDR list); answers are cached per host."""

    def __init__(self, networks: Iterable[str]) -> None:
        self.networks = tuple(ipaddress.ip_network(n, strict=False) for n in networks)
        self.known: dict[str, bool] = {}

    def __contains__(self, host: str) -> bool:
        allowed = self.known.get(host)
        if allowed is None:
            allowed = self._check(host)
            if len(self.known) >= MAX_HOSTS:
                self.known.clear()
            self.known[host] = allowed
        return allowed

    def _check(self, host: str) -> bool:
        try:
            address = ipaddress.ip_address(host.split("%")[0])
        except ValueError:
            return False
        mapped = getattr(address, "ipv4_mapped", None)
        candidates = (address,) if mapped is None else (address, mapped)
        return any(a in n for a in candidates for n in self.networks if a.version == n.version)


class RateLimit:
    """A token bucket per sender host: `rate` messages per second, `burst` at once."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.buckets: dict[str, tuple[float, float]] = {}

    def take(self, host: str, now: float, count: int = 1) -> bool:
        """Spend `count` tokens of `host`'s bucket; False (nothing spent) when short."""
        tokens, last = self.buckets.get(host, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        allowed = tokens >= count
        if allowed:
            tokens -= count
        if host not in self.buckets and len(self.buckets) >= MAX_HOSTS:
            self.buckets.clear()
        self.buckets[host] = (tokens, now)
        return allowed


class Complaints:
    """Counts every problem by kind, and logs one line per sender and kind per
    `period`, saying how many were not logged in between."""

    def __init__(self, period: float, door: str = "OSC") -> None:
        self.period = period
        self.door = door
        self.counts: Counter[str] = Counter()
        self.last: dict[tuple[str, str], tuple[float, int]] = {}
        self.lock = threading.Lock()  # the frame loop reads the counts

    def __call__(self, host: str, reason: str, detail: str, now: float,
                 level: int = logging.WARNING) -> None:
        with self.lock:
            self.counts[reason] += 1
        key = (host, reason)
        logged, quiet = self.last.get(key, (-self.period, 0))
        if now - logged < self.period:
            self.last[key] = (logged, quiet + 1)
            return
        if len(self.last) >= MAX_HOSTS:
            self.last.clear()
        self.last[key] = (now, 0)
        more = f" ({quiet} more since the last report)" if quiet else ""
        log.log(level, "%s from %s: %s: %s%s", self.door, host, reason, detail, more)

    def snapshot(self) -> dict[str, int]:
        with self.lock:
            return dict(self.counts)
