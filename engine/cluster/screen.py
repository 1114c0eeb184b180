"""What one node's screen shows (`[cluster] shows`): the whole carte, or a parcours, a
theme or a sequence. Places are the same everywhere; a room's screen only leaves the
others' contributions undrawn (and unheard), so its map is the plenary's, its part lit."""

from __future__ import annotations

from collections.abc import Callable

from engine.config import Config, shown_part
from engine.world.contribution import Contribution


def shown(config: Config) -> Callable[[Contribution], bool] | None:
    """A test of what this screen draws; None for the whole carte."""
    part = shown_part(config.cluster.shows, config.event) if config.cluster.enabled else None
    if part is None:
        return None
    field, name = part
    if field == "parcours":
        # a parcours crosses each sequence with one theme: what is tagged with the
        # parcours, or with one of its crossings, is the room's
        crossings = set(config.event.parcours[name].items())

        def of_parcours(contribution: Contribution) -> bool:
            tags = contribution.tags
            return tags.parcours == name or (tags.sequence, tags.theme) in crossings
        return of_parcours
    return lambda contribution: getattr(contribution.tags, field) == name
