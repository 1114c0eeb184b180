"""`carte osc-map`: the address table as Markdown, generated from the routing table."""

from __future__ import annotations

from engine.control.routes import SECTIONS, AddressSpace
from engine.control.settings import ControlSettings

INTRO = """\
# OSC address map

Generated from the table that routes messages, for the scenes, layers and shaders
loaded now. Send OSC over UDP to `{host}:{port}` (`[osc] host`, `port`); only
senders in `[osc] allow` are heard.

## Values

- **Absolute**: `/carte/layers/champ/opacity 0.5`. A number outside the declared
  range is clamped to it (counted as `clamped to range`); a wrong type, a non-finite
  number or an unknown name is refused.
- **Relative**, as in Resolume: a leading string `"+" 0.1`, `"-" 0.1` or `"*" 2`, or
  the single string `"+0.1"`, `"-0.1"`, `"*2"`. Applied at the next frame to the value
  then current, clamped after each step.
- **Query**: `"?"` as the only argument; the reply `ADDRESS value...` goes to the
  sender's host, on {reply}.
- **On/off**: `0`/`1`, or `T`/`F`; any non-zero number is on.
- **Triggers** fire with no argument or a non-zero number; a `0` (a push button's
  release) is ignored.
- Within one frame the latest value per address wins; relative steps add up.
- Bundles with a timetag run at that time, at most {horizon:g} s ahead (further is
  refused); a waiting bundle never delays other messages.

## Limits

Each sender host: {rate:g} messages/s (bursts of {burst}); datagrams up to
{packet} bytes; texts up to {text} characters, other strings {string}; replies up to
{reply_bytes} bytes/s per host, sent only for a query, a request or a subscription.
Every refused message is counted and logged, once per sender and kind per
{period:g} s.

## Open Stage Control

`carte osc-map --open-stage-control carte.json` writes a ready surface: faders for
every parameter, buttons for transport. Run
`open-stage-control --load carte.json --send {host}:{port} --osc-port 9001` (the
`--send` port must be 1024 or above); replies come back to port 9001.
"""


def osc_map_markdown(space: AddressSpace, host: str = "127.0.0.1", port: int = 9000,
                     settings: ControlSettings | None = None) -> str:
    """Every address with its arguments, range and effect, one table per section."""
    limits = settings or ControlSettings()
    reply = f"port {limits.reply_port} (`reply_port`)" if limits.reply_port else \
        "the port the query came from"
    parts = [INTRO.format(host=host, port=port, reply=reply, horizon=limits.horizon,
                          rate=limits.rate, burst=limits.burst, packet=limits.max_packet,
                          text=limits.max_text, string=limits.max_string,
                          reply_bytes=limits.reply_bytes, period=limits.log_period)]
    for section in SECTIONS:
        routes = space.section(section)
        parts.append(f"## {section}\n")
        if not routes:
            parts.append("None loaded.\n")
            continue
        parts.append("| address | arguments | range | what it does |\n|---|---|---|---|")
        parts += [f"| `{r.address}` | {_cell(r.arguments)} | {_cell(r.range)} | "
                  f"{_cell(r.doc)} |" for r in routes]
        parts.append("")
    return "\n".join(parts)


def _cell(text: str) -> str:
    return text.replace("|", "\\|") if text else "—"
