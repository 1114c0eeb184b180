"""The engine's log: one event, one line, whatever a visitor or the network put in it.

File names, OSC strings and library messages reach log lines; a newline in one could
write a line that looks like the engine's own, and a terminal escape could repaint the
technician's screen. Every message is escaped as it is formatted, in one place, so no
call site has to remember to.
"""

from __future__ import annotations

import logging
import re
import sys

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# C0 and C1 controls, DEL, and Unicode's own line and paragraph separators.
CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\e"}


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    return NAMED.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100
                               else f"\\u{ord(char):04x}")


def escape(text: str) -> str:
    """`text` on one line: controls written as `\\n`, `\\e`, `\\x07`…, a backslash doubled
    (so an escaped name can never pass for another); accents and spaces kept."""
    return CONTROLS.sub(_escaped, text.replace("\\", "\\\\"))


class OneLine(logging.Formatter):
    """Escapes each record's message; a traceback keeps its lines, each marked as a
    continuation (`  | `) and escaped, so none can pass for a record of its own."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = escape(record.message)
        return super().formatMessage(record)

    def formatException(self, ei) -> str:
        return "\n".join(f"  | {escape(line)}"
                         for line in super().formatException(ei).splitlines())

    def formatStack(self, stack_info: str) -> str:
        return "\n".join(f"  | {escape(line)}" for line in stack_info.splitlines())


def configure(level: int) -> None:
    """The process's log on standard error (systemd's journal under the service)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(OneLine(FORMAT))
    logging.basicConfig(level=level, handlers=[handler], force=True)
