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


WORDS = {
    "ree": "rare earths",
    "li": "lithium",
    "co": "cobalt",
    "ni": "nickel",
    "ga": "gallium",
    "ge": "germanium",
    "mn": "manganese",
    "cu": "copper",
    "ndpr": "NdPr",
    "dytb": "DyTb",
    "lace": "LaCe",
    "ev": "EVs",
    "hev": "hybrids",
    "ice": "ICE vehicles",
    "e2w": "electric two-wheelers",
    "e3w": "electric three-wheelers",
    "semi": "semiconductors",
    "pv": "PV",
    "std": "standard",
    "magnet": "magnets",
}
"""Name parts that are codes, as words (`xw_ree_mine` -> 'Rare earths mine (rest of world)');
other parts are kept as they are, `_` read as a space."""


def generated_label(name: str, country: str) -> str:
    """A node's name for people when it declares no `label`: its name without the leading
    country code, code words spelled out (`WORDS`), a trailing 'other' read as 'other uses',
    followed by the country's name: ('xw_co_other', 'XW') -> 'Cobalt, other uses (rest of
    world)'; ('in_ev', 'IN') -> 'EVs (India)'."""
    parts = [p for p in name.replace("-", "_").split("_") if p]
    if len(parts) > 1 and parts[0].upper() == country.upper():
        parts = parts[1:]
    other = len(parts) > 1 and parts[-1] == "other"
    words = " ".join(WORDS.get(p, p) for p in (parts[:-1] if other else parts))
    if other:
        words += ", other uses"
    text = words[:1].upper() + words[1:] if words[:1].islower() else words
    return f"{text} ({country_name(country)})"
