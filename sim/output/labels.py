"""Words for codes, shared by the charts and the report: country names for ISO 3166 alpha-2
codes, aggregates (XA-XZ), mineral and unit labels. No matplotlib here."""

from __future__ import annotations

COUNTRY_NAMES = {
    "CD": "DR Congo",
    "KR": "South Korea",
    "US": "United States",
    "RU": "Russia",
    "VN": "Vietnam",
    "GB": "United Kingdom",
    "XW": "rest of world",
}
"""Short names where pycountry's would be long or absent."""


def country_name(code: str) -> str:
    """'IN' -> 'India'; aggregates (XA-XZ) other than XW -> 'aggregate XA'."""
    if code in COUNTRY_NAMES:
        return COUNTRY_NAMES[code]
    if len(code) == 2 and code.startswith("X"):
        return f"aggregate {code}"
    import pycountry

    found = pycountry.countries.get(alpha_2=code)
    if found is None:
        return code
    return str(getattr(found, "common_name", None) or found.name)


def is_aggregate(code: str) -> bool:
    """User-assigned ISO codes XA-XZ stand for aggregates such as the rest of the world."""
    return len(code) == 2 and code.startswith("X")


def mineral_label(mineral: str) -> str:
    """'rare_earths' -> 'rare earths'."""
    return mineral.replace("_", " ")


def unit_label(unit: str) -> str:
    """'vehicle' -> 'vehicles'; 't', 'kg Ga' and 'MW' stay as they are."""
    if unit.isalpha() and unit.islower() and len(unit) > 2 and not unit.endswith("s"):
        return unit + "s"
    return unit
