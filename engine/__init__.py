"""Carte sensible: a generative audiovisual installation engine."""

import os

# pygame prints a banner on import; an installation's log has no use for it.
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
os.environ.setdefault("PYO_GUI_WX", "0")

__version__ = "0.1.0"
