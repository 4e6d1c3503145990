"""The report page: one self-contained HTML file that embeds every chart and loads nothing,
a Markdown twin that references the chart files, the key findings of the run, atomic writes."""

from __future__ import annotations

import base64
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

from sim.engine import simulate
from sim.output import charts, writers
from sim.output import folder as folder_reader
from sim.output import report as report_page
from sim.output.charts import saving
from sim.output.folder import load
from sim.output.report import Block, Table
from sim.output.report.shocks import shock_table
from sim.output.store import write_file_atomically
from sim.scenario import loader
from tests.conftest import ROOT
from tests.test_charts import (  # noqa: F401  (fixtures)
    compared,
    ensemble,
    no_pyplot_figures,
    single,
)


@pytest.fixture(scope="module")
def written(single: Path) -> tuple[Path, Path]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(saving, "DPI", 40)  # the page embeds the SVGs; PNG resolution is not used
        return report_page.write_report(single)


@pytest.fixture(scope="module")
def page(written: tuple[Path, Path]) -> str:
    return written[0].read_text(encoding="utf-8")


def test_both_files_are_written_beside_the_results(
    written: tuple[Path, Path], single: Path
) -> None:
    assert written == (single / "report.html", single / "report.md")
    assert not [p for p in single.iterdir() if p.name.startswith(".")]  # no temporary files


def test_the_page_embeds_every_chart_as_valid_svg(page: str, single: Path) -> None:
    saved = sorted(p.stem for p in (single / "charts").glob("*.svg"))
    assert saved  # the charts of the run were drawn and saved
    ids = re.findall(
        r'<figure id="([^"]+)"><img alt="[^"]+" src="data:image/svg\+xml;base64,'
        r'([A-Za-z0-9+/=]+)"',
        page,
    )
    assert sorted(name for name, _ in ids) == saved
    for _, data in ids:
        assert ET.fromstring(base64.b64decode(data)).tag.endswith("svg")


def test_the_page_loads_nothing(page: str) -> None:
    assert "http://" not in page and "https://" not in page
    assert "<script" not in page and "<link" not in page and "@import" not in page
    assert "url(" not in page
    sources = re.findall(r'src="([^"]*)"', page)
    assert sources and all(s.startswith("data:image/svg+xml;base64,") for s in sources)


def test_the_page_has_the_scenario_findings_and_provenance(page: str, single: Path) -> None:
    assert "<h1>chain: single run</h1>" in page
    assert "<td>ban</td><td>export_ban</td>" in page
    # the hand-computed answer: 100 vehicles a day short from day 17 to day 29 (ban ends day 30)
    markets = pd.read_csv(single / "markets.csv")
    shortfall = float(markets.loc[0, "shortfall_units"])
    assert f'<td class="num">{shortfall:,.0f}</td>' in page
    assert "first shortfall on 2025-01-18" in page
    assert "Time to survive and time to recover" in page
    sha = load(single).provenance["input_sha256"]
    assert sha in page
    assert "<summary>scenario.resolved.yaml" in page
    assert "Mass balance (balance.csv)" in page


def test_the_markdown_references_chart_files_and_has_tables(
    written: tuple[Path, Path], single: Path
) -> None:
    text = written[1].read_text(encoding="utf-8")
    for svg in (single / "charts").glob("*.svg"):
        assert f"](charts/{svg.stem}.png)" in text
    assert "| market | country | sector | unit | demand |" in text
    assert "|---|---|---|---|---:|" in text
    assert "data:image" not in text


def test_ensemble_findings_report_the_odds_and_the_tail(ensemble: Path) -> None:
    results = load(ensemble)
    title, blocks = report_page.document(results, [])
    assert title == "chain: ensemble of 12 replications"
    tables = [b.table for b in blocks if b.table is not None]
    findings = next(t for t in tables if "P(shortfall) (95% CI)" in t.columns)
    assert findings.columns[3:8] == [
        "mean fill rate",
        "P(shortfall) (95% CI)",
        "mean shortfall",
        "P95 shortfall (95% CI)",
        "CVaR95 shortfall (95% CI)",
    ]
    summary = results.get("summary")
    assert summary is not None
    row = summary[(summary["metric"] == "shortfall_units") & (summary["market"] == "ev")]
    assert findings.rows[0][0] == "EVs (Japan) [ev]"
    low, high = (report_page.qty(float(row[f"cvar95_ci_{s}"].iloc[0])) for s in ("low", "high"))
    assert findings.rows[0][7] == (
        f"{report_page.qty(float(row['cvar95'].iloc[0]))} ({low}\u2013{high})"
    )
    timing = next(t for t in tables if "time to survive (days)" in t.columns)
    assert timing.rows[0][:2] == ["EVs (Japan) [ev]", "ban"]
    markdown = report_page.render_markdown(title, blocks)
    assert "| market | country | unit | mean fill rate | P(shortfall) (95% CI) |" in markdown
    # 12 replications: the tail statistics rest on one replication, and the page says so
    assert (
        "Warning: P95 and CVaR95 rest on the worst 5% of the 12 replications (1 replication)"
        in (markdown)
    )


def test_addresses_in_text_are_shown_but_cannot_be_fetched() -> None:
    blocks = [
        Block("p", "Source: https://example.org/data and http://x.test"),
        Block("table", table=Table(["source"], [["see https://example.org"]])),
    ]
    page = report_page.render_html("t", blocks, {})
    assert "https://" not in page and "http://" not in page
    assert "https&#58;//example.org/data" in page


def test_numbers_never_round_a_shortfall_away() -> None:
    assert report_page.share(0.99996) == ">99.9%"
    assert report_page.share(1.0) == "100.0%"
    assert report_page.qty(18258.4) == "18,258" and report_page.qty(0.01234) == "0.0123"
    assert report_page.days(float("inf"), "never") == "never"


def test_main_rebuilds_results_folders_and_skips_others(
    ensemble: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(charts, "draw_all", lambda results: [])  # the charts are tested above
    assert report_page.main([str(ensemble), str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert f"report: {ensemble / 'report.html'}" in out
    assert f"skipped {tmp_path}: not a results folder" in err
    assert (ensemble / "report.md").is_file()
    assert report_page.main([str(tmp_path)]) == 2


def test_a_policy_comparison_reports_the_ranking_and_the_effects(compared: Path) -> None:
    results = load(compared)
    title, blocks = report_page.document(results, [])
    assert title == "chain: baseline and 2 policies, 3 replications each"
    headings = [b.text for b in blocks if b.kind in ("h2", "h3")]
    assert "Key findings without a policy (baseline)" in headings
    assert {"Policies", "Ranking", "Effect on the markets under stress"} <= set(headings)
    tables = [b.table for b in blocks if b.table is not None]
    ranking = next(t for t in tables if "USD per t avoided" in t.columns)
    assert [row[1] for row in ranking.rows] == list(results.get("ranking")["policy"])
    effects = next(t for t in tables if "change" in t.columns)
    ev = "EVs (Japan) [ev]"
    assert [row[:2] for row in effects.rows] == [[ev, "pile"], [ev, "thrift"]]
    page = report_page.render_html(title, blocks, {})
    assert "stockpile (country: JP, mineral: lithium" in page


def test_a_page_is_replaced_whole_or_not_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.md"
    assert write_file_atomically(target, "first ü") == target
    assert target.read_bytes() == "first ü".encode()
    assert target.stat().st_mode & 0o777 == 0o666 & ~_umask()
    write_file_atomically(target, b"second")
    assert target.read_text() == "second"

    def fail(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        write_file_atomically(target, "third")
    assert target.read_text() == "second"
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]  # no partial file left


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


def test_the_shock_table_says_how_big_each_shock_is(tmp_path: Path) -> None:
    # Route closures have no `severity`: the table used to look up a `delay_days` key that
    # they do not have, so a detour showed an empty size. Each type now describes itself.
    loaded = loader.load(ROOT / "scenarios" / "malacca_closure.yaml", horizon_days=28)
    folder = writers.write_results(simulate.run(loaded), tmp_path, ["test"])
    rows = {row[0]: row for row in shock_table(folder_reader.load(folder))[1].table.rows}
    assert rows["Malacca detour via Lombok/Sunda"][4] == "detour +4 days"
    assert rows["Malacca closed, ships wait"][4] == "shipments wait for reopening"
    assert "malacca" in rows["Malacca detour via Lombok/Sunda"][2]
