"""The one-at-a-time sensitivity (sensitivity.csv) as a table, largest swing first: per
uncertain input its P5/P50/P95 and the market's mean cumulative shortfall (in the market's
unit) with the input fixed at its P5 and at its P95, and the swing between them."""

from __future__ import annotations

from sim.output.folder import Results
from sim.output.report.document import Block, Table
from sim.output.report.formats import qty
from sim.vocabulary import GLOBAL_NOISE_NOTE, NOISE_NOTE


def sensitivity_table(results: Results) -> list[Block]:
    """A 'Sensitivity' section: every input of sensitivity.csv in its order (largest swing
    first), or nothing for other results."""
    table = results.get("sensitivity")
    if table is None or table.empty:
        return global_table(results)
    market, unit = str(table["market"].iloc[0]), str(table["unit"].iloc[0])
    reps = int(table["replications"].iloc[0])
    rows = [
        [
            str(r["input"]),
            f"{qty(float(r['p5']))} / {qty(float(r['p50']))} / {qty(float(r['p95']))}",
            qty(float(r["shortfall_at_p5"])),
            qty(float(r["shortfall_at_p95"])),
            qty(float(r["swing"])),
        ]
        for r in table.to_dict("records")
    ]
    declared = float(table["shortfall_as_declared"].iloc[0])
    return [
        Block("h2", f"Sensitivity of {market}'s shortfall"),
        Block(
            "p",
            f"Mean cumulative shortfall of {market} with every input as declared: "
            f"{qty(declared)} (unit: {unit}; {reps:,} replications per variant, the same draws for "
            "every variant).",
        ),
        Block(
            "table",
            table=Table(
                [
                    "input",
                    "input P5 / P50 / P95",
                    f"shortfall, input at P5 ({unit})",
                    f"shortfall, input at P95 ({unit})",
                    f"swing ({unit})",
                ],
                rows,
                numeric={2, 3, 4},
                note="Each input is fixed in turn at its 5th and 95th percentile while the "
                "others keep their distributions; swing = |shortfall at P95 - shortfall at P5|, "
                "largest first." + (f" {NOISE_NOTE}" if _noise(results) else ""),
            ),
        ),
    ]


INDEX_NAMES = {
    "S1": "first-order S1",
    "ST": "total ST",
    "mu_star": "mu* (mean |effect|)",
    "sigma": "sigma (spread of effects)",
}


def global_table(results: Results) -> list[Block]:
    """A 'Global sensitivity' section from sensitivity_indices.csv (Morris or Sobol): the method,
    its cost and, per input (largest total index or mu* first), each index with its 95%
    interval; nothing for other results."""
    table = results.get("sensitivity_indices")
    if table is None or table.empty:
        return []
    first = table.iloc[0]
    method, market, unit = str(first["method"]), str(first["market"]), str(first["unit"])
    indices = list(dict.fromkeys(table["index"]))
    cell = table.set_index(["input", "index"])
    ranked = table[table["index"] == (indices[-1] if method == "sobol" else indices[0])]
    rows = []
    for name in ranked.sort_values("value", ascending=False, kind="stable")["input"]:
        cells = [str(name)]
        for index in indices:
            value, conf = (float(cell.loc[(name, index), c]) for c in ("value", "conf"))
            half = "" if conf != conf else f" +- {qty(conf)}"  # NaN: SALib gives none
            cells.append(f"{qty(value)}{half}")
        rows.append(cells)
    how = (
        "Sobol indices (Saltelli sampling): S1 is the share of the variance of the output due "
        "to the input alone, ST with all its interactions"
        if method == "sobol"
        else f"Morris elementary effects: mu* in {unit} per unit of quantile scale, sigma the "
        "spread of the effects (interactions or non-linearity)"
    )
    return [
        Block("h2", f"Global sensitivity of {market}'s shortfall ({method})"),
        Block(
            "p",
            f"{how}. Output: the mean cumulative shortfall of {market} ({unit}) over "
            f"{int(first['replications']):,} replications, the same at every one of the "
            f"{int(first['evaluations']):,} sample points (N = {int(first['samples']):,}). Each "
            "input varies over its declared distribution from P0.5 to P99.5, on its quantile "
            "scale.",
        ),
        Block(
            "table",
            table=Table(
                ["input", *(INDEX_NAMES.get(i, i) for i in indices)],
                rows,
                numeric=set(range(1, len(indices) + 1)),
                note="+- : half-width of SALib's 95% bootstrap confidence interval."
                + (f" {GLOBAL_NOISE_NOTE}" if _noise(results) else ""),
            ),
        ),
    ]


def _noise(results: Results) -> bool:
    """Whether the scenario has demand noise (not varied in the tornado)."""
    return bool((results.scenario.get("uncertainty") or {}).get("demand"))
