"""The one parameter set all backtest episodes share (tools/backtest/parameters.yaml): read,
validate and write it over an episode's scenario document.

Only behaviours are shared (how prices move, how fast responses and licence reviews are); each
episode keeps its own facts (dates, terms, base prices, substitution ceilings, the network).
`apply` returns one line per value it replaced, which the harness prints with the results, so a
reader sees what each episode ran with.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, ValidationError

from sim.scenario import yamlio
from sim.scenario.errors import ScenarioError, from_validation_error
from sim.scenario.spec import Spec

FILE = Path(__file__).resolve().parent / "parameters.yaml"

Days = Annotated[float, Field(ge=0, le=3650)]


class PriceParameters(Spec):
    flexibility: Annotated[float, Field(ge=0, le=10)] = Field(
        description="P* = base x cover ratio^-flexibility (dimensionless)."
    )
    lag_days: Days = Field(description="Mean lag of the price behind its target, days.")
    max_multiple: Annotated[float, Field(ge=1, le=1000)] = Field(
        description="Cap of the target price, multiple of the base."
    )


class DemandParameters(Spec):
    elasticity: Annotated[float, Field(ge=-5, le=0)] = Field(
        description="Elasticity of product demand to the mineral price (negative)."
    )
    lag_days: Days


class LagParameters(Spec):
    lag_days: Days


class RestartParameters(Spec):
    start_multiple: Annotated[float, Field(ge=1)]
    full_multiple: Annotated[float, Field(ge=1)]
    lag_days: Days


class RecyclingParameters(Spec):
    elasticity: Annotated[float, Field(ge=0, le=5)]
    lag_days: Days


class LicensingParameters(Spec):
    review_days: Days = Field(description="Licence review, calendar days.")


class Parameters(Spec):
    """The shared set; every block is required (nothing falls back to a scenario's value)."""

    prices: PriceParameters
    demand: DemandParameters
    substitution: LagParameters
    restart: RestartParameters
    recycling: RecyclingParameters
    licensing: LicensingParameters


def load(path: Path = FILE) -> Parameters:
    """The parameter set in `path`; a bad field raises ScenarioError naming file, line and field."""
    doc = yamlio.load_file(path)
    try:
        return Parameters.model_validate(doc.data)
    except ValidationError as error:
        raise ScenarioError(from_validation_error(error, doc)) from None


def _set(item: dict[str, Any], key: str, value: float, where: str, changes: list[str]) -> None:
    old = item.get(key)
    if old != value:
        changes.append(f"{where}.{key}: {old if old is not None else 'default'} -> {value:g}")
    item[key] = value


def apply(doc: dict[str, Any], params: Parameters) -> list[str]:
    """Write the shared values over the scenario document `doc` (edited in place): every priced
    commodity, every price response the scenario lists, every licensing delay. Returns what
    changed, as 'where.field: old -> new' lines."""
    changes: list[str] = []
    prices = doc.get("prices") or {}
    for i, item in enumerate(prices.get("commodities", [])):
        where = f"prices.commodities[{i}]({item['mineral']})"
        for key in ("flexibility", "lag_days", "max_multiple"):
            _set(item, key, getattr(params.prices, key), where, changes)
    blocks: dict[str, Spec] = {
        "demand": params.demand,
        "substitution": params.substitution,
        "restart": params.restart,
        "recycling": params.recycling,
    }
    for block, values in blocks.items():
        for i, item in enumerate(prices.get(block, [])):
            for key, value in values.model_dump().items():
                _set(item, key, value, f"prices.{block}[{i}]", changes)
    for shock in doc.get("shocks", []):
        where = f"shocks[{shock['name']}]"
        if shock["type"] == "export_ban" and shock.get("licence_delay_days"):
            _set(shock, "licence_delay_days", params.licensing.review_days, where, changes)
        elif shock["type"] == "export_licensing":
            _set(shock, "processing_days", params.licensing.review_days, where, changes)
    return changes


def describe(params: Parameters) -> str:
    """The set as printed with the results: one 'block.field = value' per line."""
    lines = []
    for block, values in params.model_dump().items():
        lines += [f"{block}.{key} = {value:g}" for key, value in values.items()]
    return "\n".join(lines)
