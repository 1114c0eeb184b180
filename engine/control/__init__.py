"""Live control over OSC: one address tree under `/carte` for VJs, facilitators and
moderators. The server thread validates and queues; the frame loop drains and applies.

    server = OscServer(config.osc, model)      # model: ControlModel
    server.start()                             # OscBindError if the port is taken
    for command in server.drain(): ...         # each frame, never waits
    server.publish(Snapshot(...))              # what queries are answered from
    server.stop()
"""

from __future__ import annotations

from engine.control.commands import (
    AddKeywords,
    AddStroke,
    AddText,
    Command,
    Moderate,
    SetParam,
    StrokeProgress,
    SwitchScene,
    Transport,
)
from engine.control.docs import osc_map_markdown
from engine.control.layout import open_stage_control_session
from engine.control.model import (
    ContributionSummary,
    ControlModel,
    ParamKey,
    Snapshot,
    Status,
)
from engine.control.routes import AddressSpace, Route, build_address_space
from engine.control.server import OscBindError, OscServer
from engine.control.settings import ControlSettings
from engine.control.values import Choice

__all__ = [
    "AddKeywords", "AddStroke", "AddText", "AddressSpace", "Choice", "Command",
    "ContributionSummary", "ControlModel", "ControlSettings", "Moderate", "OscBindError",
    "OscServer", "ParamKey", "Route", "SetParam", "Snapshot", "Status", "StrokeProgress",
    "SwitchScene", "Transport", "build_address_space", "open_stage_control_session",
    "osc_map_markdown",
]
