"""Backtest 2010-2024: China's share of Japan's rare-earth imports and rare-earth prices,
simulated on the price mechanism vs recorded.

Runs scenarios/backtest_2010_ree.yaml (China's export quotas 2009-2014 and the 21 Sep - 20 Nov
2010 halt of shipments to Japan; prices inside and outside China driven by scarcity; idle
non-Chinese capacity restarting, demand destruction and substitution as prices rise; Lynas as
an announced project; on the 2009 network sim/data/japan_ree_2009.yaml). It takes every
shipment into a Japanese node from abroad, dates it on arrival (Japan's customs statistics count
arrivals), and computes per calendar year the share of those tonnes that came from China. It
compares 2010-2024 with the recorded shares (2009-2014 from the reference dataset,
shared/reference/minerals-reference.csv, Japan MoF; 2018, 2020 and 2024 from outside it: see
tools/backtest_records.py), maps the simulated price to Nd, Dy and La oxide (each oxide's 2009
average x the simulated multiple of the base price) and compares it with their recorded
prices. It writes

    results/backtest_2010/backtest.csv          year, simulated_pct, recorded_pct, error_pp
    results/backtest_2010/backtest.png (.svg)   share chart with imports by origin
    results/backtest_2010/backtest_prices.csv   simulated and recorded prices, long format
    results/backtest_2010/backtest_prices.png (.svg)

into a temporary folder that is renamed into place when complete, and prints the fit.

    .venv/bin/python tools/backtest_2010.py [--sensitivity] [--horizon-days N]

`--sensitivity` also reruns the backtest with one assumption changed at a time and prints the
errors (the table in docs/data-sources.md, section 11).
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for _folder in (HERE, ROOT):  # its sibling modules, and this checkout's `sim` before any other
    if str(_folder) not in sys.path:
        sys.path.insert(0, str(_folder))

import backtest_records as records  # noqa: E402
from backtest_variants import VARIANTS, Change  # noqa: E402

from sim.engine import simulate as engine  # noqa: E402
from sim.output.store import write_atomically  # noqa: E402
from sim.scenario import loader as scenario  # noqa: E402
from sim.scenario import yamlio  # noqa: E402
from sim.scenario.network import transit_periods  # noqa: E402

SCENARIO = ROOT / "scenarios" / "backtest_2010_ree.yaml"
REFERENCE = next(
    (
        p / "shared" / "reference" / records.REFERENCE_SHARE
        for p in ROOT.parents
        if (p / "shared" / "reference" / records.REFERENCE_SHARE).is_file()
    ),
    ROOT.parent / "shared" / "reference" / records.REFERENCE_SHARE,
)
"""The reference CSV: in the first parent folder of the checkout that has shared/reference/."""
RESULTS = ROOT / "results"
FOLDER = "backtest_2010"
IMPORTER = "JP"
CHINA = "CN"
YEARS = range(2010, 2025)
BASE_YEAR = 2009
TARGET_PP = 10.0
MINERAL = "rare_earths"
OUTSIDE = "outside CN"


# -- simulation -----------------------------------------------------------------------------------


def run(path: Path = SCENARIO, horizon_days: int | None = None) -> engine.RunResult:
    return engine.run(scenario.load(path, horizon_days))


def review_days(result: engine.RunResult) -> list[dt.date]:
    """Calendar day of each review."""
    spec = result.scenario.spec
    return [spec.start + dt.timedelta(days=p * spec.step_days) for p in range(result.n_periods)]


def last_year(result: engine.RunResult) -> int:
    """The last calendar year the run covers (in part)."""
    spec = result.scenario.spec
    return (spec.start + dt.timedelta(days=spec.horizon_days - 1)).year


def imports_by_origin(result: engine.RunResult) -> pd.DataFrame:
    """Tonnes arriving in Japanese nodes from abroad, per calendar year (rows) and supplier
    country (columns). A shipment sent at review p arrives at review p + its transit periods
    (the engine's rule); it is dated on that review. Years after the run are dropped."""
    loaded = result.scenario
    net, spec = loaded.network, loaded.spec
    shipped = result.recorder.shipped[:, :, 0]
    rows: dict[tuple[int, str], float] = {}
    end = last_year(result)
    for link in net.links:
        origin = net.nodes[link.supplier].country
        if net.nodes[link.buyer].country != IMPORTER or origin == IMPORTER:
            continue
        lag = transit_periods(link.transit_days, spec.step_days)
        for period in range(shipped.shape[0]):
            year = (spec.start + dt.timedelta(days=(period + lag) * spec.step_days)).year
            if year <= end:
                rows[(year, origin)] = rows.get((year, origin), 0.0) + float(
                    shipped[period, link.index]
                )
    frame = pd.Series(rows).unstack(fill_value=0.0).sort_index()
    frame.index.name, frame.columns.name = "year", "origin"
    return frame


def china_share_pct(imports: pd.DataFrame) -> pd.Series:
    """Share of each year's imports that came from China, %."""
    china = imports.get(CHINA, 0.0)
    return (100.0 * china / imports.sum(axis=1)).rename("simulated_pct")


def china_exports(result: engine.RunResult) -> pd.DataFrame:
    """China's exports by calendar year of dispatch (rows) and destination country, t."""
    net = result.scenario.network
    shipped = result.recorder.shipped[:, :, 0]
    years = np.array([d.year for d in review_days(result)])
    out: dict[str, pd.Series] = {}
    for link in net.links:
        buyer = net.nodes[link.buyer].country
        if net.nodes[link.supplier].country == CHINA and buyer != CHINA:
            flows = pd.Series(shipped[:, link.index], index=years).groupby(level=0).sum()
            out[buyer] = out[buyer].add(flows, fill_value=0.0) if buyer in out else flows
    frame = pd.DataFrame(out)
    frame.index.name = "year"
    return frame


# -- the comparison -------------------------------------------------------------------------------


def compare(
    simulated: pd.Series, recorded: dict[int, records.ShareRecord], years: range = YEARS
) -> pd.DataFrame:
    """One row per year: simulated %, recorded % (NaN where none), error in percentage points,
    and the record's tier (blank where none)."""
    table = pd.DataFrame({"year": list(years)})
    table["simulated_pct"] = [float(simulated.get(y, np.nan)) for y in years]
    table["recorded_pct"] = [recorded[y].pct if y in recorded else np.nan for y in years]
    table["error_pp"] = table["simulated_pct"] - table["recorded_pct"]
    table["tier"] = [recorded[y].tier if y in recorded else "" for y in years]
    return table


def price_paths(result: engine.RunResult) -> pd.DataFrame:
    """The simulated rare-earth price at each review and side: date, side, multiple of the
    base price, USD/t, and the mapped Nd, Dy and La oxide prices, USD/kg."""
    book = result.prices
    if book is None:
        raise ValueError("the scenario prices nothing: no price paths to write")
    days = review_days(result)
    frames = []
    for i, (mineral, side) in enumerate(book.labels):
        if mineral != MINERAL:
            continue
        usd_per_t = book.history[: len(days), i, 0].astype(float)
        multiple = usd_per_t / float(book.base[i, 0])
        frame = pd.DataFrame(
            {"date": days, "side": side, "multiple": multiple, "usd_per_t": usd_per_t}
        )
        for oxide in records.OXIDES:
            frame[f"{oxide}_usd_per_kg"] = multiple * records.BASE_2009_USD_PER_KG[oxide]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def price_table(paths: pd.DataFrame) -> pd.DataFrame:
    """backtest_prices.csv: the simulated oxide prices (one row per review, side and oxide)
    and the recorded ones, in one long table: date, series, oxide, usd_per_kg,
    multiple_of_2009, basis, source."""
    sim = paths.melt(
        id_vars=["date", "side", "multiple"],
        value_vars=[f"{o}_usd_per_kg" for o in records.OXIDES],
        var_name="oxide",
        value_name="usd_per_kg",
    )
    sim["oxide"] = sim["oxide"].str.replace("_usd_per_kg", "")
    sim["series"] = "simulated " + sim["side"]
    sim["multiple_of_2009"] = sim["multiple"]
    sim["basis"] = "rare_earths price x the oxide's 2009 average"
    sim["source"] = "scenarios/backtest_2010_ree.yaml"
    rec = records.price_table()
    rec["series"] = "recorded"
    columns = ["date", "series", "oxide", "usd_per_kg", "multiple_of_2009", "basis", "source"]
    out = pd.concat([sim[columns], rec[columns]], ignore_index=True)
    return out.sort_values(["series", "oxide", "date"], kind="stable").reset_index(drop=True)


def price_fit(paths: pd.DataFrame) -> pd.DataFrame:
    """Each comparable recorded price (and basket multiple) against the simulated price
    outside China on its day: recorded and simulated multiples of the 2009 level."""
    outside = paths[paths["side"] == OUTSIDE].set_index("date")["multiple"]
    days = pd.to_datetime(pd.Series(outside.index))

    def at(day: dt.date) -> float:
        position = int(np.argmin(np.abs((days - pd.Timestamp(day)).dt.days.to_numpy())))
        return float(outside.iloc[position])

    rows = []
    table = records.price_table()
    for r in table.dropna(subset=["multiple_of_2009"]).itertuples(index=False):
        rows.append((r.date, r.oxide, r.what, float(r.multiple_of_2009), at(r.date)))
    for day, multiple, _ in records.BASKET:
        rows.append((day, "basket", "multiple", multiple, at(day)))
    fit = pd.DataFrame(
        rows, columns=["date", "oxide", "what", "recorded_multiple", "simulated_multiple"]
    )
    fit["ratio"] = fit["simulated_multiple"] / fit["recorded_multiple"]
    return fit.sort_values(["date", "oxide"]).reset_index(drop=True)


def backtest(
    path: Path = SCENARIO, reference: Path = REFERENCE, horizon_days: int | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, dict[int, records.ShareRecord], engine.RunResult]:
    """Run the scenario; return (comparison table, imports by origin, records, the run)."""
    result = run(path, horizon_days)
    imports = imports_by_origin(result)
    recorded = records.all_shares(reference)
    return compare(china_share_pct(imports), recorded), imports, recorded, result


# -- output ---------------------------------------------------------------------------------------


def rounded(table: pd.DataFrame) -> pd.DataFrame:
    """backtest.csv: year, simulated_pct, recorded_pct (blank where none), error_pp."""
    out = table[["year", "simulated_pct", "recorded_pct", "error_pp"]].copy()
    for column in ("simulated_pct", "recorded_pct", "error_pp"):
        out[column] = out[column].round(1)
    return out


def text_table(table: pd.DataFrame) -> str:
    lines = ["year  simulated %  recorded %  error pp  within 10 pp  record"]
    for row in table.itertuples(index=False):
        sim = f"{row.simulated_pct:11.1f}" if not np.isnan(row.simulated_pct) else f"{'-':>11}"
        if np.isnan(row.recorded_pct) or np.isnan(row.simulated_pct):
            rec = f"{row.recorded_pct:10.1f}" if not np.isnan(row.recorded_pct) else f"{'-':>10}"
            lines.append(f"{row.year}  {sim}  {rec}  {'-':>8}  {'-':>12}  {row.tier or 'none'}")
        else:
            ok = "yes" if abs(row.error_pp) <= TARGET_PP else "NO"
            lines.append(
                f"{row.year}  {sim}  {row.recorded_pct:10.1f}  {row.error_pp:+8.1f}  {ok:>12}  "
                f"{row.tier}"
            )
    return "\n".join(lines)


def fit_summary(table: pd.DataFrame) -> str:
    """How many recorded years are within the target, by tier of record."""
    scored = table.dropna(subset=["error_pp"])
    parts = []
    for label, rows in (
        ("reference records (2010-2014)", scored[scored["tier"] == "reference"]),
        ("later records (outside the reference)", scored[scored["tier"] != "reference"]),
    ):
        if len(rows):
            hits = int((rows["error_pp"].abs() <= TARGET_PP).sum())
            parts.append(
                f"{label}: {hits} of {len(rows)} within {TARGET_PP:g} pp, mean abs error "
                f"{rows['error_pp'].abs().mean():.1f} pp"
            )
    return "\n".join(parts)


def write(
    table: pd.DataFrame,
    imports: pd.DataFrame,
    recorded: dict[int, records.ShareRecord],
    paths: pd.DataFrame,
    out: Path = RESULTS,
) -> Path:
    """Write the share and price tables and charts into out/backtest_2010/, atomically."""
    import backtest_charts as charts  # matplotlib only where charts are drawn

    share_fig = charts.share_chart(table, imports, recorded)
    price_fig = charts.price_chart(paths)
    try:
        return write_atomically(
            out / FOLDER,
            {
                "backtest.csv": lambda p: rounded(table).to_csv(p, index=False),
                "backtest.png": lambda p: share_fig.savefig(p, dpi=150),
                "backtest.svg": lambda p: share_fig.savefig(p),
                "backtest_prices.csv": lambda p: price_table(paths).to_csv(
                    p, index=False, float_format="%.4g"
                ),
                "backtest_prices.png": lambda p: price_fig.savefig(p, dpi=150),
                "backtest_prices.svg": lambda p: price_fig.savefig(p),
            },
        )
    finally:
        charts.close(share_fig, price_fig)


# -- sensitivity ----------------------------------------------------------------------------------


def sensitivity(
    path: Path = SCENARIO,
    reference: Path = REFERENCE,
    variants: list[tuple[str, Change | None]] | None = None,
) -> pd.DataFrame:
    """Errors (pp) per recorded year and the peak price outside China, with one assumption
    changed at a time."""
    recorded = records.all_shares(reference)
    doc = yamlio.load_file(path).data
    network = yamlio.load_file(scenario.DATA_DIR / f"{doc['network']['base']}.yaml").data
    rows = []
    for label, change in variants if variants is not None else VARIANTS:
        d = copy.deepcopy(doc)
        d["network"] = {"nodes": network["nodes"], "links": network["links"]}
        if change:
            change(d)
        result = engine.run(scenario.from_dict(d, label))
        table = compare(china_share_pct(imports_by_origin(result)), recorded).dropna(
            subset=["error_pp"]
        )
        row: dict[str, Any] = {"variant": label}
        row.update(
            {str(y): round(e, 1) for y, e in zip(table["year"], table["error_pp"], strict=True)}
        )
        ref = table[table["tier"] == "reference"]["error_pp"].abs()
        row["max_abs_ref"] = round(float(ref.max()), 1)
        row["max_abs_all"] = round(float(table["error_pp"].abs().max()), 1)
        outside = (
            price_paths(result).query("side == @OUTSIDE")["multiple"].max()
            if result.prices is not None
            else np.nan
        )
        row["peak_x"] = round(float(outside), 2)
        rows.append(row)
    return pd.DataFrame(rows)


# -- command line ---------------------------------------------------------------------------------


def report(
    table: pd.DataFrame,
    imports: pd.DataFrame,
    recorded: dict[int, records.ShareRecord],
    result: engine.RunResult,
    paths: pd.DataFrame,
) -> str:
    """The printed fit: shares, totals, China's exports against its quota, prices."""
    share = china_share_pct(imports)
    base = recorded.get(BASE_YEAR)
    lines = [
        "China's share of Japan's rare-earth imports (% of tonnes, imports dated on arrival)",
        text_table(table),
        fit_summary(table),
        f"base year {BASE_YEAR}: simulated {share.get(BASE_YEAR, np.nan):.1f}%, recorded "
        f"{base.pct if base else np.nan:.1f}%",
        "",
        "Japan's imports by origin, simulated (t); recorded totals where known:",
    ]
    shown = imports.round(0).astype(int)
    shown["total"] = shown.sum(axis=1)
    shown["recorded total"] = [
        f"{records.RECORDED_TOTALS[y][0]:,.0f}" if y in records.RECORDED_TOTALS else "-"
        for y in shown.index
    ]
    lines.append(shown.to_string())
    exports = china_exports(result).round(0).astype(int)
    exports["total"] = exports.sum(axis=1)
    lines += ["", "China's exports by destination, simulated (t):", exports.to_string()]
    fit = price_fit(paths)
    fit["date"] = [str(d) for d in fit["date"]]
    lines += [
        "",
        "Prices outside China: recorded vs simulated multiple of the 2009 level",
        fit.round(2).to_string(index=False),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--scenario", type=Path, default=SCENARIO)
    parser.add_argument(
        "--reference",
        type=Path,
        default=REFERENCE,
        help="minerals-reference.csv (default: %(default)s)",
    )
    parser.add_argument(
        "--out", type=Path, default=RESULTS, help="results root; files go to OUT/backtest_2010/"
    )
    parser.add_argument(
        "--horizon-days", type=int, default=None, help="a shorter run (default: the file's)"
    )
    parser.add_argument(
        "--sensitivity",
        action="store_true",
        help="also print errors with one assumption changed at a time",
    )
    args = parser.parse_args(argv)
    table, imports, recorded, result = backtest(args.scenario, args.reference, args.horizon_days)
    paths = price_paths(result)
    folder = write(table, imports, recorded, paths, args.out)
    print(report(table, imports, recorded, result, paths))
    if args.sensitivity:
        print("\nsensitivity: error (pp) per recorded year, one change at a time")
        print(sensitivity(args.scenario, args.reference).to_string(index=False))
    print(f"\nresults: {folder}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
