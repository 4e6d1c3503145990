"""Words for codes, shared by the charts and the report: country names for ISO 3166 alpha-2
codes, aggregates (XA-XZ), mineral and unit labels. No matplotlib here."""

from __future__ import annotations

# Country names and aggregates have one home, the vocabulary; re-exported for the output side.
from sim.vocabulary import COUNTRY_NAMES as COUNTRY_NAMES
from sim.vocabulary import country_name as country_name
from sim.vocabulary import is_aggregate as is_aggregate


def mineral_label(mineral: str) -> str:
    """'rare_earths' -> 'rare earths'."""
    return mineral.replace("_", " ")


def unit_label(unit: str) -> str:
    """'vehicle' -> 'vehicles'; 't', 'kg Ga' and 'MW' stay as they are."""
    if unit.isalpha() and unit.islower() and len(unit) > 2 and not unit.endswith("s"):
        return unit + "s"
    return unit
