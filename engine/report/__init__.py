"""Giving an account of the exchanges: the event's journal as an archive for its public."""

from __future__ import annotations

from engine.report.items import ArchiveError
from engine.report.site import write_archive

__all__ = ["ArchiveError", "write_archive"]
