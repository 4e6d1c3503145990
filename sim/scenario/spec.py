"""Shared building blocks of the input schema: a strict base model and validated field types.

Every scenario or network field is declared once with its type, unit and description (the
description is what ``python -m sim schema`` and ``docs/scenario-format.md`` show). Every
quantity has a physical upper bound (`AtMost`) whose reason is part of its error message: an
absurd number is a typo or a unit mistake, and letting it through ends in an out-of-memory
error or infinite results long after validation said yes.
"""

from __future__ import annotations

import datetime as dt
import difflib
import types
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import pycountry
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    model_validator,
)
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

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
    """Base of every input model: frozen; unknown fields are errors with a did-you-mean; a
    boolean is never a number and a switch takes only `true` or `false`."""

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
                        {"field": _short(key), "key": key, "hint": hint},
                    )
            _check_booleans(cls, data)
        return data


def _short(value: Any, width: int = 40) -> str:
    """A value as text for a message, cut to `width` characters (never a whole file)."""
    text = str(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def _kinds(annotation: Any) -> set[str]:
    """What a type annotation accepts, coarsely: 'bool', 'number', 'none' and/or 'other'."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _kinds(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        return set().union(*(_kinds(a) for a in get_args(annotation)))
    if annotation is Any:
        return {"bool", "number", "other"}
    if annotation is bool:
        return {"bool"}
    if annotation in (int, float):
        return {"number"}
    if annotation is type(None):
        return {"none"}
    if origin is Literal:
        return {"bool" if isinstance(a, bool) else "other" for a in get_args(annotation)}
    return {"other"}


def _misplaced(annotation: Any, value: Any) -> str | None:
    """The error type when `value` is a boolean where a number is expected, or anything but a
    boolean where only a boolean is accepted; None when it is for pydantic to judge."""
    if value is None:
        return None
    kinds = _kinds(annotation) - {"none"}
    if isinstance(value, bool):
        return "bool_not_number" if "number" in kinds and "bool" not in kinds else None
    return "not_a_bool" if kinds == {"bool"} else None


def _check_booleans(model: type[BaseModel], data: dict[Any, Any]) -> None:
    """Pydantic would read `true` as 1 in a number field and 'yes', 'on' or 1 as true in a
    boolean field; both are refused, also inside mappings and lists of numbers."""
    for name, info in model.model_fields.items():
        key = info.alias if info.alias in data else name
        if key not in data:
            continue
        value, annotation = data[key], _strip(info.annotation)
        found: list[tuple[tuple[Any, ...], Any, Any]] = [((key,), value, annotation)]
        origin, args = get_origin(annotation), get_args(annotation)
        if origin is dict and len(args) == 2 and isinstance(value, dict):
            found += [((key, k), v, args[1]) for k, v in value.items()]
        elif origin in (list, tuple) and args and isinstance(value, list | tuple):
            found += [((key, i), v, args[0]) for i, v in enumerate(value)]
        for path, item, expected in found:
            error = _misplaced(expected, item)
            if error == "bool_not_number":
                raise PydanticCustomError(
                    error,
                    "{value} is a boolean, not a number",
                    {"path": path, "value": str(item).lower()},
                )
            if error == "not_a_bool":
                raise PydanticCustomError(
                    error,
                    "{value} is not a boolean",
                    {"path": path, "value": repr(_short(item) if isinstance(item, str) else item)},
                )


def _strip(annotation: Any) -> Any:
    """The annotation without `Optional`, so that containers can be looked into."""
    if get_origin(annotation) is Union or get_origin(annotation) is types.UnionType:
        rest = [a for a in get_args(annotation) if a is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return annotation


@dataclass(frozen=True)
class AtMost:
    """An upper bound with its unit and the reason for it; the reason is part of the error
    message and the bound appears as `maximum` in the JSON schema (and the docs)."""

    limit: float
    unit: str
    why: str

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        json_schema = handler(schema)
        integral = float(self.limit).is_integer()
        json_schema["maximum"] = int(self.limit) if integral else self.limit
        return json_schema

    def _check(self, value: float) -> float:
        if value > self.limit:
            unit = f" {self.unit}" if self.unit else ""
            raise PydanticCustomError(
                "above_limit",
                "{value}{unit} is above the limit of {limit}{unit} ({why})",
                {"value": f"{value:g}", "limit": f"{self.limit:g}", "unit": unit, "why": self.why},
            )
        return value


def _country(code: str) -> str:
    code = code.upper()
    if is_aggregate(code):
        return code  # ISO 3166 user-assigned range, used for aggregates such as rest of world
    if pycountry.countries.get(alpha_2=code) is None:
        raise ValueError(
            f"'{_short(code)}' is not an ISO 3166 alpha-2 country code (e.g. IN, JP, CN, AU, CD); "
            "use a code from XA to XZ for an aggregate such as the rest of the world"
        )
    return code


MAX_HORIZON_DAYS = 36_500
"""100 years: the longest horizon a scenario may simulate."""
DATE_MIN, DATE_MAX = dt.date(1900, 1, 1), dt.date(2200, 12, 31)
"""Dates a scenario may name: the industrial era of these minerals, with two centuries ahead."""
SANITY_LIMIT = 1e15
"""Ceiling of the unit-less `NonNegative` and `Positive`: no quantity here needs more."""

_TYPO = "no quantity in this model needs more; a larger number is a typo or a unit mistake"

# Spec models refuse NaN and infinities (allow_inf_nan=False), so every float is finite.
Finite = float
NonNegative = Annotated[float, Field(ge=0), AtMost(SANITY_LIMIT, "", _TYPO)]
Positive = Annotated[float, Field(gt=0), AtMost(SANITY_LIMIT, "", _TYPO)]
Fraction = Annotated[float, Field(ge=0, le=1)]
PositiveFraction = Annotated[float, Field(gt=0, le=1)]
Country = Annotated[str, AfterValidator(_country)]
Name = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")]
"""A name that is also a folder or file name: letters, digits, `_`, `-`, `.`, starting with a
letter or digit (so never `.`, `..` or a hidden file)."""

# Bounded quantities, each with its unit and why nothing larger makes sense.
DayCount = Annotated[
    float, Field(ge=0), AtMost(MAX_HORIZON_DAYS, "days", "100 years, the longest horizon")
]
"""A duration in days (settling windows, ramp-ups, phase-ins, durations of shocks)."""
TransitDays = Annotated[float, Field(ge=0), AtMost(3_650, "days", "no shipment takes ten years")]
"""Days in transit, or days a shock adds to a shipment (licence reviews, detours)."""
CoverDays = Annotated[
    float, Field(ge=0), AtMost(3_650, "days", "ten years of use: no buyer or reserve holds more")
]
"""Days of cover: an inventory expressed in days of expected use."""
Years = Annotated[float, Field(gt=0), AtMost(100, "years", "no product stays in use a century")]
"""A product lifetime in years."""
Tonnes = Annotated[
    float,
    Field(ge=0),
    AtMost(1e10, "t", "400 years of world copper mining, the largest flow of any mineral here"),
]
"""A stock in tonnes of contained mineral."""
TonnesPerYear = Annotated[
    float,
    Field(ge=0),
    AtMost(1e9, "t/yr", "40 times world copper production (~23 Mt/yr), the largest here"),
]
"""A capacity or contracted flow in tonnes of contained mineral per year."""
TonnesPerDay = Annotated[
    float, Field(gt=0), AtMost(2.75e6, "t/day", "1e9 t/yr, the capacity limit, as a daily rate")
]
"""A positive rate in tonnes of contained mineral per day."""
UnitsPerYear = Annotated[
    float, Field(ge=0), AtMost(1e13, "units/yr", "ten times world chip output (~1e12 a year)")
]
"""Product units demanded per year."""
KgPerUnit = Annotated[
    float,
    Field(gt=0),
    AtMost(1e6, "kg/unit", "1,000 t per unit; a GW of offshore wind holds ~600 t of magnets"),
]
"""kg of contained mineral per product unit (more than zero)."""
UsdAmount = Annotated[
    float, Field(ge=0), AtMost(1e13, "USD", "ten trillion dollars, about a tenth of world GDP")
]
"""An amount of money, US dollars (capital, programme costs)."""
UsdPerTonne = Annotated[
    float,
    Field(ge=0),
    AtMost(1e9, "USD/t", "300 times the price of germanium (~3e6 USD/t), the dearest here"),
]
"""A price, premium or holding cost per tonne (per tonne-year for holding), US dollars."""
RatePerYear = Annotated[
    float,
    Field(ge=0),
    AtMost(52, "per year", "weekly; more frequent disruptions are a lower availability"),
]
"""Expected events per year (random outages)."""
Multiplier = Annotated[
    float, Field(ge=0), AtMost(100, "x", "a hundred times normal is another world, not a shock")
]
"""A factor on a normal quantity (demand shocks, demand noise)."""
PositiveTonnesPerYear = Annotated[
    float, Field(gt=0), AtMost(1e9, "t/yr", "40 times world copper production (~23 Mt/yr)")
]
"""A contracted volume, t/yr (more than zero)."""
PositiveCoverDays = Annotated[
    float, Field(gt=0), AtMost(3_650, "days", "ten years of use: no reserve holds more")
]
"""A reserve's size in days of use (more than zero)."""
PositiveMultiplier = Annotated[
    float, Field(gt=0), AtMost(100, "x", "a hundred times normal is another world")
]
"""A positive factor on a normal quantity (a reserve's release rate as a share of use)."""
Seed = Annotated[int, Field(ge=0, le=2**63 - 1)]
"""A random seed: a non-negative 64-bit signed integer (it is stored in int64 columns)."""
Year = Annotated[int, Field(ge=DATE_MIN.year, le=DATE_MAX.year)]
"""A calendar year inside the date range."""


def _iso_date(value: Any) -> Any:
    """Dates are ISO text (or date objects from Python); a number is not a date (pydantic
    would read it as seconds since 1970)."""
    if isinstance(value, dt.datetime):
        if value.time() != dt.time():
            raise PydanticCustomError("date_type", "a date has no time of day")
        return value.date()
    if isinstance(value, dt.date | str):
        return value
    raise PydanticCustomError("date_type", "a date must be written YYYY-MM-DD")


def _date_in_range(value: dt.date) -> dt.date:
    if not DATE_MIN <= value <= DATE_MAX:
        raise PydanticCustomError(
            "date_range",
            "date {value} is outside {low} to {high}",
            {"value": value.isoformat(), "low": DATE_MIN.isoformat(), "high": DATE_MAX.isoformat()},
        )
    return value


Date = Annotated[dt.date, BeforeValidator(_iso_date), AfterValidator(_date_in_range)]
"""An ISO date (YYYY-MM-DD) between 1900-01-01 and 2200-12-31."""
DayNumber = Annotated[int, Field(ge=-MAX_HORIZON_DAYS, le=MAX_HORIZON_DAYS)]
"""Days from the scenario start, within 100 years either way (the longest horizon)."""
Day = DayNumber | Date
"""A moment: days from the scenario start (integer) or an ISO date (YYYY-MM-DD)."""


def to_day(value: Day, start_date: dt.date) -> float:
    """Days from the scenario start for a day number or an ISO date."""
    if isinstance(value, dt.date):
        return float((value - start_date).days)
    return float(value)
