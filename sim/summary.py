"""The short text summary `make run` prints: per market and per mineral."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from .engine import RunResult


def text(result: RunResult, markets: pd.DataFrame, balance: pd.DataFrame) -> str:
    spec = result.scenario.spec
    end = spec.start + dt.timedelta(days=spec.horizon_days)
    lines = [
        f"scenario {spec.name}: {spec.start} to {end} ({spec.horizon_days} days, "
        f"review every {spec.step_days} days), seed {spec.seed}, "
        f"{len(result.scenario.shocks)} shock(s)",
        "",
    ]
    first = markets[markets["rep"] == 0]
    table = pd.DataFrame(
        {
            "market": first["market"],
            "demand": first["demand_units"].map("{:,.0f}".format) + " " + first["unit"],
            "delivered": first["delivered_units"].map("{:,.0f}".format),
            "shortfall": first["shortfall_units"].map("{:,.0f}".format),
            "fill rate": first["fill_rate"].map("{:.1%}".format),
            "first shortfall": first["first_shortfall_date"].map(
                lambda d: "-" if d is None or pd.isna(d) else str(d)
            ),
        }
    )
    lines.append(table.to_string(index=False))
    lines.append("")
    mass = balance[balance["rep"] == 0]
    lines.append(
        pd.DataFrame(
            {
                "mineral": mass["mineral"],
                "mined t": mass["mined_t"].map("{:,.1f}".format),
                "losses t": mass["process_losses_t"].map("{:,.1f}".format),
                "uncollected EOL t": mass["uncollected_eol_t"].map("{:,.1f}".format),
                "stock change t": (mass["final_stock_t"] - mass["initial_stock_t"]).map(
                    "{:+,.1f}".format
                ),
                "balance residual": mass["relative_residual"].map("{:.1e}".format),
            }
        ).to_string(index=False)
    )
    return "\n".join(lines)
