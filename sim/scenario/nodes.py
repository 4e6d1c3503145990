"""Node kinds of a network and what each makes and uses (definition only; no behaviour).

Units: every mass is tonnes (t) of *contained* mineral; rates are tonnes per year (tpa); times
are days. A commodity is a (mineral, stage) pair and the stage a node makes follows from its
kind (mine -> ore, refinery and recycler -> refined, plant -> component, market -> scrap,
stockpile -> the stage it holds); refineries and plants may also send process scrap to
recyclers (`scrap_recovery`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from sim.scenario.lifetimes import FixedLifetime, Lifetime, WeibullLifetime, weibull_mean_years
from sim.scenario.spec import (
    MINERALS,
    Country,
    CoverDays,
    Fraction,
    KgPerUnit,
    Name,
    PositiveFraction,
    Spec,
    Tonnes,
    TonnesPerDay,
    TonnesPerYear,
    UnitsPerYear,
    Years,
)
from sim.vocabulary import COMPONENT, ORE, REFINED, SCRAP

Mineral = Literal[MINERALS]  # type: ignore[valid-type]
MAX_DEMAND_TPA = 1e9
"""A market's yearly use of a mineral, t: the capacity limit (`TonnesPerYear`)."""
Commodity = tuple[str, str]
"""(mineral, stage)."""


def _one_line(text: str) -> str:
    if not text[:1].isalnum() or any(ord(c) < 32 for c in text):
        raise ValueError(
            f"a label is one line of text starting with a letter or digit (got {text!r}); "
            "e.g. 'India EVs'"
        )
    return text


Label = Annotated[str, Field(min_length=1, max_length=80), AfterValidator(_one_line)]
"""A node's name for people (charts, report): one line of at most 80 characters."""


ScrapRecovery = Annotated[
    Fraction,
    Field(
        description="Share of its process losses (input - output) collected as new scrap and "
        "sent to recyclers over its scrap links (links to a recycler, split by their shares, "
        "one set per mineral); the rest stays a loss. Default 0: ASSUMPTION, no process scrap "
        "reaches a recycler unless a file says so (IEA via Kallanish expects manufacturing "
        "scrap to be 2/3 of battery-recycling feed in 2030, reference section 7.1)."
    ),
]
"""A refinery's or plant's share of process losses sent to recyclers as new scrap."""


class Owner(Spec):
    """Who owns a node: the company, its home country and the share it holds."""

    company: str = Field(min_length=1, max_length=120, description="The owning company.")
    country: Country = Field(description="The company's home country, ISO alpha-2.")
    share: Fraction = Field(1.0, description="Share of the node the company owns, [0-1].")
    source: str | None = Field(None, description="Where the ownership comes from.")


class NodeSpec(Spec):
    """Fields every node has."""

    name: Name = Field(
        description="Unique node name (letters, digits, `_`, `-`, `.`; starting with a letter "
        "or digit)."
    )
    kind: str = Field(
        description="Node kind: mine, refinery, plant, recycler, market or stockpile."
    )
    country: Country = Field(
        description="ISO 3166 alpha-2 code of the country the node is in "
        "(XA-XZ for aggregates such as the rest of the world)."
    )
    label: Label | None = Field(
        None,
        description="How charts and the report name the node, e.g. `India EVs` (default: one "
        "made from the name and the country, e.g. `xw_co_other` -> `Cobalt, other uses (rest "
        "of world)`).",
    )
    region: str | None = Field(None, description="State or province, e.g. `Odisha`.")
    owner: Owner | None = Field(
        None,
        description="Who owns the node (company, home country, share): selectors and origin "
        "rules may act by ownership (`origin.country_of: owner`).",
    )
    cover_days: CoverDays = Field(
        30.0,
        description="Target inventory, in days of the node's expected use (buyers: of its "
        "input; producers: of its expected shipments). The engine starts every node at this "
        "cover, with pipelines full, so that a run without shocks starts at steady state.",
    )
    source: str | None = Field(None, description="Where the node's numbers come from.")


COPRODUCTS_DOC = (
    "Co-production instead of one `mineral`: the mass share of each mineral in the output "
    "(sums to 1), e.g. {example}: they are made together at these ratios, so cutting one frees "
    "none of the others and more of one comes only with more of the rest (output follows the "
    "most-needed one; the others build up in stock)."
)


def _check_products(node: MineSpec | RefinerySpec) -> None:
    """Exactly one of `mineral` and `coproducts`; co-product shares sum to 1."""
    if (node.mineral is None) == (node.coproducts is None):
        raise ValueError("give either `mineral` or `coproducts` (one of them)")
    if node.coproducts is not None:
        _shares_sum_to_one(node.coproducts, "{ndpr: 0.2, dytb: 0.02, lace: 0.78}")


def _shares_sum_to_one(shares: dict[str, float], example: str) -> dict[str, float]:
    if not shares:
        raise ValueError(f"needs at least one mineral, e.g. {example}")
    total = sum(shares.values())
    if abs(total - 1.0) > 1e-6:
        raise ValueError(f"shares must sum to 1, they sum to {total:g}")
    return shares


class MineSpec(NodeSpec):
    """A mine: draws ore from outside the system boundary, up to its capacity."""

    kind: Literal["mine"]
    mineral: Mineral | None = Field(None, description="The mineral mined (or `coproducts`).")
    coproducts: dict[Mineral, PositiveFraction] | None = Field(
        None, description=COPRODUCTS_DOC.format(example="a rare-earth deposit's basket")
    )
    capacity_tpa: TonnesPerYear = Field(
        description="Output capacity, t contained mineral per year (sum over co-products)."
    )
    availability: Fraction = Field(1.0, description="Share of capacity usable without shocks.")

    @model_validator(mode="after")
    def _one_product(self) -> MineSpec:
        _check_products(self)
        return self


class RefinerySpec(NodeSpec):
    """A refinery: ore -> refined, with a recovery yield; the rest is a process loss."""

    kind: Literal["refinery"]
    mineral: Mineral | None = Field(None, description="The mineral refined (or `coproducts`).")
    coproducts: dict[Mineral, PositiveFraction] | None = Field(
        None,
        description=COPRODUCTS_DOC.format(example="a separation plant's output")
        + " Its ore feed is used in the same proportions; feed of one element beyond them "
        "waits in its input stock.",
    )
    capacity_tpa: TonnesPerYear = Field(
        description="Output capacity, t refined (contained) per year (sum over co-products)."
    )

    @model_validator(mode="after")
    def _one_product(self) -> RefinerySpec:
        _check_products(self)
        return self

    yield_: PositiveFraction = Field(
        0.95,
        alias="yield",
        description="Recovery yield: t refined out per t contained in ore in (0-1].",
    )
    availability: Fraction = Field(1.0, description="Share of capacity usable without shocks.")
    scrap_recovery: ScrapRecovery = 0.0


class PlantSpec(NodeSpec):
    """A component plant: refined minerals -> component in fixed proportions (a recipe)."""

    kind: Literal["plant"]
    product: str = Field("component", description="What it makes, e.g. `NdFeB magnet`.")
    recipe: dict[Mineral, PositiveFraction] = Field(
        description="Mass share of each mineral in the contained-mineral content of the output "
        "(sums to 1). A magnet plant: `{rare_earths: 1.0}`."
    )
    capacity_tpa: TonnesPerYear = Field(
        description="Output capacity, t contained minerals per year (sum over the recipe)."
    )
    yield_: PositiveFraction = Field(
        0.95,
        alias="yield",
        description="Share of refined input that "
        "ends in the component; the rest is a process loss.",
    )
    availability: Fraction = Field(1.0, description="Share of capacity usable without shocks.")
    scrap_recovery: ScrapRecovery = 0.0

    @field_validator("recipe")
    @classmethod
    def _recipe_sums_to_one(cls, recipe: dict[str, float]) -> dict[str, float]:
        return _shares_sum_to_one(recipe, "{rare_earths: 1.0}")


class RecyclerSpec(NodeSpec):
    """A recycler: collected end-of-life scrap and process scrap -> refined, with a recovery
    yield."""

    kind: Literal["recycler"]
    mineral: Mineral = Field(description="The mineral recovered.")
    capacity_tpa: TonnesPerYear = Field(description="Output capacity, t refined per year.")
    yield_: PositiveFraction = Field(
        0.9, alias="yield", description="t refined out per t scrap in."
    )
    availability: Fraction = Field(1.0, description="Share of capacity usable without shocks.")
    recycled_first: bool = Field(
        True,
        description="Its buyers take what it offers (its stock above its own target plus what "
        "it can make by the next review from the scrap on hand and arriving) before they order "
        "from their other suppliers, who share the rest of the order by their shares, "
        "renormalised; the shares on its own links are then not used. `false`: its links' "
        "shares split its buyers' orders like any other supplier's.",
    )


class MarketSpec(NodeSpec):
    """A demand sector in a country, e.g. EVs in Japan. Demand is in product units."""

    kind: Literal["market"]
    sector: str = Field(description="Demand sector, e.g. `ev`, `semiconductor`, `wind`.")
    unit: str = Field("unit", description="Product unit, e.g. `vehicle`, `wafer`, `MW`.")
    demand_units_per_year: UnitsPerYear = Field(description="Product units demanded per year.")
    intensity_kg_per_unit: dict[Mineral, KgPerUnit] = Field(
        description="kg of each contained mineral (in components) per product unit."
    )
    unmet: Literal["lost", "backlog"] = Field(
        "lost", description="`lost`: unmet demand is a lost sale; `backlog`: it waits."
    )
    lifetime_years: Years = Field(
        12.0,
        description="Product lifetime in years: every product's (fixed), or the mean of "
        "`lifetime`'s distribution. Material returns as end-of-life flow after it.",
    )
    lifetime: Lifetime | None = Field(
        None,
        description="How lifetimes spread around `lifetime_years`: `{dist: weibull, shape: "
        "2.5}` (or with `scale_years` instead of `lifetime_years`), `{dist: lognormal, "
        "sd_years: 4}`, `{dist: normal, sd_years: 3}` (truncated at 0) or `{dist: fixed}`. "
        "Material put in use at a review returns over later reviews by the discretised "
        "distribution (each product at the review nearest to its end of life, never the same "
        "review). Default: fixed.",
    )
    collection_rate: Fraction = Field(
        0.0,
        description="Share of end-of-life material collected "
        "and sent to recyclers; the rest leaves the system.",
    )
    eol_history_share: Fraction = Field(
        0.0,
        description="End-of-life flow from products sold before the start, as a share of "
        "today's consumption (0: no legacy products return within the horizon).",
    )

    @field_validator("intensity_kg_per_unit")
    @classmethod
    def _not_empty(cls, value: dict[str, float]) -> dict[str, float]:
        if not value:
            raise ValueError("needs at least one mineral, e.g. {rare_earths: 0.5}")
        return value

    @model_validator(mode="before")
    @classmethod
    def _mean_from_scale(cls, data: Any) -> Any:
        """A Weibull lifetime given by its scale: `lifetime_years` is the mean it implies."""
        if isinstance(data, dict) and "lifetime_years" not in data:
            implied = weibull_mean_years(data.get("lifetime"))
            if implied is not None:
                data = {**data, "lifetime_years": implied}
        return data

    @model_validator(mode="after")
    def _one_mean(self) -> MarketSpec:
        implied = self.lifetime.mean_years() if isinstance(self.lifetime, WeibullLifetime) else None
        if implied is not None and abs(implied - self.lifetime_years) > 1e-9 * implied:
            raise ValueError(
                f"lifetime_years ({self.lifetime_years:g}) is not the mean of the Weibull "
                f"lifetime with scale_years {self.lifetime.scale_years:g} "  # type: ignore[union-attr]
                f"({implied:g}): give the mean as lifetime_years or the scale as "
                "lifetime.scale_years, not both"
            )
        return self

    @property
    def spread_lifetime(self) -> bool:
        """Whether lifetimes follow a distribution (not one fixed lifetime)."""
        return self.lifetime is not None and not isinstance(self.lifetime, FixedLifetime)

    @model_validator(mode="after")
    def _demand_in_range(self) -> MarketSpec:
        for mineral, kg in self.intensity_kg_per_unit.items():
            tpa = self.demand_units_per_year * kg / 1e3
            if tpa > MAX_DEMAND_TPA:
                raise ValueError(
                    f"demand of {tpa:.3g} t/yr of {mineral} (demand_units_per_year x "
                    f"intensity_kg_per_unit / 1000) is above the limit of {MAX_DEMAND_TPA:g} "
                    "t/yr, the most any capacity can be"
                )
        return self


class StockpileSpec(NodeSpec):
    """A strategic reserve owned by a country; it ships only when a buyer it serves runs low."""

    kind: Literal["stockpile"]
    mineral: Mineral = Field(description="The mineral held.")
    stage: Literal["refined", "component"] = Field("refined", description="The stage held.")
    initial_t: Tonnes = Field(description="Stock at the start, t contained.")
    target_t: Tonnes | None = Field(
        None, description="Level it refills to from its suppliers (default: `initial_t`)."
    )
    release_below_cover_days: CoverDays = Field(
        15.0, description="Releases to a buyer whose on-hand cover falls below this many days."
    )
    max_release_tpd: TonnesPerDay | None = Field(
        None, description="Most it can release per day, t/day (default: no limit)."
    )
    release_during: tuple[str, ...] = Field(
        (),
        description="Names of shocks during which it also releases, to keep its buyers "
        "at their normal cover (whatever their cover).",
    )


Producer = MineSpec | RefinerySpec | RecyclerSpec | PlantSpec
"""Nodes with a capacity that make something."""

NodeUnion = Annotated[
    MineSpec | RefinerySpec | PlantSpec | RecyclerSpec | MarketSpec | StockpileSpec,
    Field(discriminator="kind"),
]
KINDS = ("mine", "refinery", "plant", "recycler", "market", "stockpile")
Kind = Literal[KINDS]  # type: ignore[valid-type]


OUTPUT_STAGE = {
    "mine": ORE,
    "refinery": REFINED,
    "recycler": REFINED,
    "plant": COMPONENT,
    "market": SCRAP,
}
INPUT_STAGE = {"refinery": ORE, "recycler": SCRAP, "plant": REFINED, "market": COMPONENT}


def outputs(node: NodeSpec) -> list[Commodity]:
    """Commodities a node can ship."""
    if isinstance(node, StockpileSpec):
        return [(node.mineral, node.stage)]
    if isinstance(node, PlantSpec):
        return [(m, COMPONENT) for m in node.recipe]
    if isinstance(node, MarketSpec):
        return [(m, SCRAP) for m in node.intensity_kg_per_unit]
    assert isinstance(node, MineSpec | RefinerySpec | RecyclerSpec)
    return [(m, OUTPUT_STAGE[node.kind]) for m in basket(node)]


def inputs(node: NodeSpec) -> list[Commodity]:
    """Commodities a node can receive."""
    if isinstance(node, StockpileSpec):
        return [(node.mineral, node.stage)]
    if isinstance(node, PlantSpec):
        return [(m, REFINED) for m in node.recipe]
    if isinstance(node, MarketSpec):
        return [(m, COMPONENT) for m in node.intensity_kg_per_unit]
    if isinstance(node, MineSpec):
        return []
    assert isinstance(node, RefinerySpec | RecyclerSpec)
    return [(m, INPUT_STAGE[node.kind]) for m in basket(node)]


def basket(node: NodeSpec) -> dict[str, float]:
    """Mass share of each mineral in what a producing node makes: a plant's recipe, a mine's
    or refinery's co-products, else its one mineral with share 1."""
    if isinstance(node, PlantSpec):
        return dict(node.recipe)
    coproducts = getattr(node, "coproducts", None)
    if coproducts:
        return dict(coproducts)
    mineral = getattr(node, "mineral", None)
    return {mineral: 1.0} if mineral is not None else {}


def is_joint(node: NodeSpec) -> bool:
    """Whether a node makes several minerals together (a plant, or a co-producing mine or
    refinery): its output follows the most-needed one and its inputs are used in proportion."""
    return isinstance(node, PlantSpec) or bool(getattr(node, "coproducts", None))


def scrap_outputs(node: NodeSpec) -> list[Commodity]:
    """Process (new) scrap a refinery or plant can send to recyclers: one per mineral it makes."""
    if isinstance(node, RefinerySpec | PlantSpec):
        return [(m, SCRAP) for m in basket(node)]
    return []


def link_commodity(supplier: NodeSpec, buyer: NodeSpec, mineral: str) -> Commodity | None:
    """What a link of `mineral` from `supplier` to `buyer` carries: process scrap from a
    refinery or plant to a recycler, else the supplier's output of that mineral (None: it makes
    none)."""
    if isinstance(buyer, RecyclerSpec) and (mineral, SCRAP) in scrap_outputs(supplier):
        return (mineral, SCRAP)
    return next((c for c in outputs(supplier) if c[0] == mineral), None)
