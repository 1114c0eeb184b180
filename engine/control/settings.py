"""Limits of live control, beyond `[osc]` host, port and allow.

Every limit has a default sized for a venue: a few VJ surfaces and tablets on a local
network. They exist so that no sender, mistaken or hostile, can make the engine queue,
schedule, log or reply without bound.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ControlSettings:
    """How much the OSC server takes in, keeps and sends back."""

    reply_port: int = 0            # replies and feedback go here; 0: the sender's own port
    rate: float = 5000.0           # messages per second per sender host, sustained
    burst: int = 1000              # messages a sender host may send at once above the rate
    queue: int = 4096              # commands waiting for the next frame
    horizon: float = 10.0          # seconds ahead a bundle's timetag may schedule it
    scheduled: int = 1024          # messages waiting for their timetag, all senders
    max_packet: int = 16384        # bytes in one datagram
    max_text: int = 4000           # characters of a text contribution
    max_string: int = 200          # characters of any other string (names, ids, tags)
    max_tags: int = 16             # tags on one contribution
    max_stroke_points: int = 4096  # points in one stroke; a longer stroke is cut in two
    stroke_idle: float = 10.0      # seconds without points before an open stroke is closed
    reply_bytes: int = 65536       # bytes per second sent to one destination
    subscribers: int = 8           # clients receiving status and arrivals
    lease: float = 600.0           # seconds a subscription lasts unless renewed
    log_period: float = 60.0       # one log line per sender and kind of problem per period
