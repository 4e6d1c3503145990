"""The backtest episodes, one module each; EPISODES lists them in the order they are run."""

from __future__ import annotations

from ..episode import Episode
from . import cobalt_2025, gallium_2023, magnets_2025, ree_2010

EPISODES: dict[str, Episode] = {
    e.name: e
    for e in (
        ree_2010.EPISODE,
        gallium_2023.EPISODE,
        magnets_2025.EPISODE,
        cobalt_2025.EPISODE,
    )
}
