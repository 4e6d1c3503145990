"""Shared building blocks of the input schema: a strict base model and validated field types.

Every scenario or network field is declared once with its type, unit and description (the
description is what ``python -m sim schema`` and ``docs/scenario-format.md`` show).
"""

from __future__ import annotations

import datetime as dt
import difflib
from typing import Annotated, Any

import pycountry
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

# STAGES and country_name are defined once, in sim/vocabulary.py; the schema re-exports them.
from sim.vocabulary import STAGES as STAGES
from sim.vocabulary import country_name as country_name
from sim.vocabulary import is_aggregate

MINERALS = (
    "rare_earths",
    "ndpr",
    "dytb",
    "lace",
    "lithium",
    "cobalt",
    "nickel",
    "graphite",
    "gallium",
    "germanium",
    "manganese",
    "copper",
)
"""Minerals the simulator knows. Each is counted in one mass unit of contained mineral.
`rare_earths` is all rare-earth oxide (REO) as one mineral; a network that tells the elements
apart uses `ndpr` (Nd+Pr oxide), `dytb` (Dy+Tb oxide, the heavy rare earths of magnets) and
`lace` (La, Ce and the other REO), each conserved on its own."""


class Spec(BaseModel):
    """Base of every input model: frozen, and unknown fields are errors with a did-you-mean."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False
    )

    @model_validator(mode="before")
    @classmethod
    def _reject_unknown_fields(cls, data: Any) -> Any:
        if isinstance(data, dict):
            known = set(cls.model_fields) | {f.alias for f in cls.model_fields.values() if f.alias}
            for key in data:
                if key not in known:
                    close = difflib.get_close_matches(str(key), sorted(known), n=1)
                    hint = (
                        f"did you mean '{close[0]}'?"
                        if close
                        else ("expected one of " + ", ".join(sorted(known)))
                    )
                    raise PydanticCustomError(
                        "unknown_field",
                        "unknown field '{field}' ({hint})",
                        {"field": str(key), "hint": hint},
                    )
        return data


def _country(code: str) -> str:
    code = code.upper()
    if is_aggregate(code):
        return code  # ISO 3166 user-assigned range, used for aggregates such as rest of world
    if pycountry.countries.get(alpha_2=code) is None:
        raise ValueError(
            f"'{code}' is not an ISO 3166 alpha-2 country code (e.g. IN, JP, CN, AU, CD); "
            "use a code from XA to XZ for an aggregate such as the rest of the world"
        )
    return code


# Spec models refuse NaN and infinities (allow_inf_nan=False), so every float is finite.
Finite = float
NonNegative = Annotated[float, Field(ge=0)]
Positive = Annotated[float, Field(gt=0)]
Fraction = Annotated[float, Field(ge=0, le=1)]
PositiveFraction = Annotated[float, Field(gt=0, le=1)]
Country = Annotated[str, AfterValidator(_country)]
Name = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.\-]+$")]
Day = int | dt.date
"""A moment: days from the scenario start (integer) or an ISO date (YYYY-MM-DD)."""


def to_day(value: Day, start_date: dt.date) -> float:
    """Days from the scenario start for a day number or an ISO date."""
    if isinstance(value, dt.date):
        return float((value - start_date).days)
    return float(value)
