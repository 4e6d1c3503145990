"""The command line end to end: runs, validation, schema, and a message for every bad input."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sim import cli
from sim.output import writers as report
from tests.conftest import ROOT, chain

BAD = ROOT / "tests" / "bad"

# file -> (line, fragments every message for it must contain)
EXPECTED = {
    "syntax.yaml": (5, ["YAML error", "expected ',' or '}'"]),
    "unknown_field.yaml": (4, ["network.nodes[0].capacty_tpa", "did you mean 'capacity_tpa'"]),
    "wrong_type.yaml": (2, ["horizon_days", "a whole number", "'a year'"]),
    "negative.yaml": (4, ["capacity_tpa", ">= 0", "-5"]),
    "nan.yaml": (4, ["capacity_tpa", "finite number"]),
    "shares.yaml": (10, ["sourcing shares of 'r' for lithium ore sum to 0.8", "sum to 1"]),
    "unknown_node.yaml": (
        7,
        ["network.links[0].from", "unknown node 'au_mien'", "did you mean 'au_mine'"],
    ),
    "unknown_country.yaml": (4, ["'QQ' is not an ISO 3166 alpha-2 country code"]),
    "unreachable.yaml": (5, ["no supply path reaches market 'ev' for lithium component"]),
    "bad_horizon.yaml": (3, ["review period (7 days) is longer than the horizon (5 days)"]),
    "escape.yaml": (3, ["outputs.name", "'../../etc'", "no '/'"]),
    "unsafe_tag.yaml": (1, ["python/object/apply:os.system", "refused because they can run code"]),
    "shock_country.yaml": (
        13,
        [
            "no node of the network is in CD",
            "unknown node 'rr'",
            "did you mean 'r'",
            "no link passes chokepoint 'hormuz'",
            "ends (day 20) before it starts (day 50)",
        ],
    ),
    "duplicate.yaml": (2, ["duplicate key 'name' (first at line 1)"]),
    "bad_link.yaml": (7, ["'ev' (market) does not use lithium ore from 'm' (mine)"]),
    "bad_date.yaml": (2, ["start", "month value is outside expected range", "ISO date"]),
    "bad_distribution.yaml": (10, ["shocks[0].duration_days", "low <= mode <= high"]),
    "unbounded_transit.yaml": (
        14,
        [
            "uncertainty.transit[0]",
            "lognormal) has no upper bound",
            "selects no mine, refinery, plant or recycler",
        ],
    ),
    # Policies (built on india_japan_2024 as in scenarios/cn_ree_controls_2025.yaml): every lever
    # is compiled against the network when the file is loaded.
    "policy_unknown_buyer.yaml": (
        13,
        ["policies[0].levers[0].buyers.nodes[0]", "unknown node 'in_evs'", "did you mean 'in_ev'"],
    ),
    "policy_empty_buyer_country.yaml": (
        13,
        ["policies[0].levers[0].buyers", "selects no node of the network", "cn_ev"],
    ),
    "policy_buyer_not_supplied.yaml": (
        13,
        ["none of the selected nodes (jp_semi) buys ndpr from CN", "change nothing"],
    ),
    "policy_cap_not_binding.yaml": (
        16,
        ["levers[0].max_share", "CN holds at most 1 of", "a max_share below 1"],
    ),
    "policy_unknown_alternative.yaml": (
        17,
        ["levers[0].alternatives[0]", "unknown node 'jp_magnet_ev_plnt'", "'jp_magnet_ev_plant'?"],
    ),
    "policy_alternative_in_capped_country.yaml": (
        17,
        ["alternatives[0]", "'cn_magnet_ev_plant' is in CN", "a supplier outside CN"],
    ),
    "policy_duplicate_name.yaml": (
        13,
        ["policies[1].name", "'in_magnet_reserve' is used twice (first at line 10)"],
    ),
    "policy_double_contract.yaml": (
        14,
        ["policies[0].levers[1]", "same ndpr flows from CN to JP as policies[0].levers[0]"],
    ),
    "policy_partner_no_flows.yaml": (
        12,
        ["levers[0].buyer_country", "no ndpr flows from CN to KR", "IN, JP, US, XW"],
    ),
    "policy_release_during.yaml": (
        17,
        ["release_during[0]", "shock 'cn_ree_indai'", "did you mean 'cn_ree_india'"],
    ),
    "policy_stockpile_nobody.yaml": (
        12,
        ["levers[0].country", "nothing in DE uses ndpr component", "CN, IN, JP, US, XW"],
    ),
    "policy_new_node_taken.yaml": (
        14,
        ["levers[0].node.name", "'jp_magnet_ev_plant' is already a node of the network"],
    ),
    "policy_new_capacity_unknown_buyer.yaml": (
        17,
        ["levers[0].sells_to[0].node", "unknown node 'in_evv'", "did you mean 'in_ev'"],
    ),
    "policy_new_capacity_wrong_buyer.yaml": (
        17,
        ["sells_to[0]", "'in_ev' (market) does not use ndpr refined from 'in_new_refinery'"],
    ),
    "policy_new_capacity_shares.yaml": (
        12,
        ["policies[0].levers[0]", "sourcing shares of 'in_new_refinery' for ndpr ore"],
    ),
    "policy_efficiency_no_market.yaml": (
        13,
        ["levers[0].select", "selects no market that uses ndpr", "jp_ev"],
    ),
    "policy_recycling_not_market.yaml": (
        13,
        ["levers[0].market", "'jp_magnet_ev_plant' is a plant, not a market", "jp_magnet_other"],
    ),
    "policy_three_broken.yaml": (
        12,
        [
            "policies[0].levers[0].buyers.nodes[0]",
            ":17: policies[1].levers[0].release_during[0]",
            ":20: policies[2].levers[0].buyer_country",
        ],
    ),
}


def test_every_bad_file_is_covered() -> None:
    assert sorted(p.name for p in BAD.glob("*.yaml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_input_gets_a_located_message_and_exit_2(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    line, fragments = EXPECTED[name]
    assert cli.main(["validate", str(BAD / name)]) == cli.EXIT_INPUT
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert f"{BAD / name}:{line}:" in err
    for fragment in fragments:
        assert fragment in err


def test_three_broken_policies_are_reported_in_one_pass(
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = BAD / "policy_three_broken.yaml"
    assert cli.main(["validate", str(path)]) == cli.EXIT_INPUT
    err = capsys.readouterr().err
    assert "3 problem(s)" in err
    located = [line.strip().split(": ")[1] for line in err.splitlines()[1:]]
    assert located == [
        "policies[0].levers[0].buyers.nodes[0]",
        "policies[1].levers[0].release_during[0]",
        "policies[2].levers[0].buyer_country",
    ]


def test_a_broken_policy_stops_run_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`run` loads (and so checks every policy) before the baseline runs: exit 2, no results."""

    def must_not_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("an ensemble ran although a policy is broken")

    monkeypatch.setattr("sim.analysis.ensemble.run_ensemble", must_not_run)
    path = BAD / "policy_unknown_buyer.yaml"
    code = cli.main(["run", "--no-report", str(path), "--out", str(tmp_path), "--workers", "1"])
    assert code == cli.EXIT_INPUT
    assert "unknown node 'in_evs'" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["run", "--no-report", "no/such/file.yaml"]) == cli.EXIT_INPUT
    assert "file not found" in capsys.readouterr().err


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_run_writes_every_result_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ban = {"type": "export_ban", "country": "CN", "mineral": "lithium", "start": 5}
    path = _write(tmp_path, chain(horizon_days=30, shocks=[ban]))
    assert cli.main(["run", "--no-report", str(path), "--out", str(tmp_path / "results")]) == 0
    out = capsys.readouterr().out
    folder = tmp_path / "results" / "chain"
    assert sorted(p.name for p in folder.iterdir()) == sorted(report.FILES)
    assert "fill rate" in out and "balance residual" in out and str(folder) in out
    prov = json.loads((folder / "provenance.json").read_text())
    assert prov["seed"] == 0 and len(prov["input_sha256"]) == 64 and prov["wall_seconds"] > 0
    resolved = yaml.safe_load((folder / "scenario.resolved.yaml").read_text())
    assert len(resolved["network"]["nodes"]) == 4
    markets = (folder / "markets.csv").read_text()
    assert "ev" in markets and "2025-01-18" in markets  # first shortfall on day 17
    assert list(tmp_path.joinpath("results").iterdir()) == [folder]  # no partial folders left


def test_failed_write_keeps_the_previous_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path, chain(horizon_days=10))
    out = tmp_path / "results"
    assert cli.main(["run", "--no-report", str(path), "--out", str(out), "--quiet"]) == 0
    before = (out / "chain" / "provenance.json").read_text()

    def broken(result: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("sim.analysis.frames.flows", broken)
    code = cli.main(["run", "--no-report", str(path), "--out", str(out), "--quiet"])
    assert code == cli.EXIT_INTERRUPTED
    assert (out / "chain" / "provenance.json").read_text() == before
    assert [p.name for p in out.iterdir()] == ["chain"]


def test_horizon_override(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, chain(horizon_days=300))
    args = ["run", "--no-report", str(path), "--out", str(tmp_path), "--horizon-days", "14"]
    assert cli.main(args) == 0
    assert "14 days" in capsys.readouterr().out


def test_shorter_horizon_drops_later_shocks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A shock that starts after a --horizon-days shorter than the file's is valid: it does
    not happen within the shorter run."""
    late = {
        "type": "export_ban",
        "country": "CN",
        "mineral": "lithium",
        "start": 60,
        "duration_days": 30,
    }
    path = _write(tmp_path, chain(horizon_days=120, shocks=[late]))
    args = ["run", "--no-report", str(path), "--out", str(tmp_path), "--horizon-days", "30"]
    assert cli.main(args) == 0
    assert "100.0%" in capsys.readouterr().out


def test_schema_is_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert "horizon_days" in schema["properties"]
    assert "export_ban" in json.dumps(schema)


def test_docs_are_generated_from_the_current_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["schema", "--markdown"]) == 0
    assert capsys.readouterr().out == (ROOT / "docs" / "scenario-format.md").read_text(), (
        "docs/scenario-format.md is stale: run `make docs`"
    )


def test_module_entry_point_help() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sim", "--help"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0
    for command in ("run", "validate", "schema"):
        assert command in done.stdout


def test_compare_prints_no_cost_per_tonne_for_a_policy_that_avoids_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Nothing falls short, so a reserve avoids nothing: its cost per tonne is said to be
    undefined, not printed as 'inf' (issue 16)."""
    data = chain(horizon_days=40)
    data["policies"] = [
        {
            "name": "reserve",
            "levers": [{"type": "stockpile", "country": "JP", "mineral": "lithium", "days": 20}],
        }
    ]
    path = _write(tmp_path, data)
    args = ["compare", "--no-report", str(path), "--out", str(tmp_path), "--workers", "1"]
    assert cli.main(args) == 0
    out = capsys.readouterr().out
    assert "avoids nothing" in out and " inf" not in out


def test_compare_command_writes_the_comparison(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = chain(
        horizon_days=60,
        upstream_cover=10,
        shocks=[{"type": "export_ban", "country": "CN", "mineral": "lithium", "start": 5}],
    )
    data["policies"] = [
        {
            "name": "reserve",
            "levers": [{"type": "stockpile", "country": "JP", "mineral": "lithium", "days": 20}],
        }
    ]
    path = _write(tmp_path, data)
    assert (
        cli.main(["compare", "--no-report", str(path), "--out", str(tmp_path), "--workers", "1"])
        == 0
    )
    out = capsys.readouterr().out
    assert "reserve" in out and "USD per t avoided" in out
    folder = tmp_path / "chain"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        report.ONE_REPLICATION_COMPARISON_FILES
    )
    ranking = (folder / "ranking.csv").read_text()
    assert ranking.startswith("rank,policy")


def test_compare_without_policies_is_an_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, chain(horizon_days=10))
    assert cli.main(["compare", "--no-report", str(path), "--out", str(tmp_path)]) == cli.EXIT_INPUT
    assert "declares no `policies:`" in capsys.readouterr().err


def test_run_writes_charts_and_report_by_default(tmp_path: Path) -> None:
    ban = {"type": "export_ban", "country": "CN", "mineral": "lithium", "start": 5}
    path = _write(tmp_path, chain(horizon_days=30, shocks=[ban]))
    assert cli.main(["run", str(path), "--out", str(tmp_path), "--quiet"]) == 0
    folder = tmp_path / "chain"
    assert (folder / "report.html").exists() and (folder / "report.md").exists()
    assert list((folder / "charts").glob("*.png")) and list((folder / "charts").glob("*.svg"))


def test_run_help_says_a_file_with_policies_is_compared(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main(["run", "--help"])
    assert done.value.code == 0
    assert "`policies:` is compared" in " ".join(capsys.readouterr().out.split())


def test_run_on_a_file_with_policies_writes_the_comparison(tmp_path: Path) -> None:
    data = chain(horizon_days=30, upstream_cover=10)
    data["policies"] = [
        {
            "name": "reserve",
            "levers": [{"type": "stockpile", "country": "JP", "mineral": "lithium", "days": 20}],
        }
    ]
    path = _write(tmp_path, data)
    assert cli.main(["run", "--no-report", "--quiet", str(path), "--out", str(tmp_path)]) == 0
    assert (tmp_path / "chain" / "ranking.csv").read_text().startswith("rank,policy")


@pytest.mark.parametrize(
    "args",
    [
        ["run", "FILE", "--rep", "10"],
        ["compare", "FILE", "--work", "1"],
        ["stress", "FILE", "--no-rep"],
        ["sensitivity", "FILE", "--mark", "ev"],
    ],
)
def test_abbreviated_options_are_errors(
    args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, chain(horizon_days=10))
    with pytest.raises(SystemExit) as done:
        cli.main([str(path) if a == "FILE" else a for a in args])
    assert done.value.code == cli.EXIT_INPUT
    assert f"unrecognized arguments: {args[2]}" in capsys.readouterr().err


def test_seed_overrides_the_files_and_is_recorded(tmp_path: Path) -> None:
    path = _write(tmp_path, {**chain(horizon_days=10), "seed": 3})
    out = tmp_path / "results"
    assert cli.main(["run", "--no-report", "--quiet", str(path), "--out", str(out)]) == 0
    assert json.loads((out / "chain" / "provenance.json").read_text())["seed"] == 3
    argv = ["run", "--no-report", "--quiet", str(path), "--out", str(out), "--seed", "41"]
    assert cli.main(argv) == 0
    prov = json.loads((out / "chain" / "provenance.json").read_text())
    assert prov["seed"] == 41 and "--seed" in prov["command"]
    resolved = yaml.safe_load((out / "chain" / "scenario.resolved.yaml").read_text())
    assert resolved["seed"] == 41
    sub = next(a for a in cli.build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    for name in ("run", "compare", "sensitivity"):
        assert "--seed SEED" in sub.choices[name].format_help()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--seed", "-1"], "--seed: expected a seed from 0 to 2^63 - 1"),
        (["run", "--seed", "1.5"], "expected a whole number from 0 to 2^63 - 1 as the seed"),
        (["run", "--reps", "0"], "argument --reps: expected at least 1 replication, got 0"),
        (["compare", "--reps", "ten"], "expected a whole number of replications, got 'ten'"),
        (["sensitivity", "--reps", "0"], "--reps: expected at least 1 replication, got 0"),
        (["run", "--horizon-days", "0"], "--horizon-days: expected at least 1 day, got 0"),
        (["compare", "--horizon-days", "1.5"], "expected a whole number of days, got '1.5'"),
        (["run", "--workers", "0"], "--workers: expected at least 1 worker process, got 0"),
        (["run", "--batch-size", "-2"], "at least 1 replication per batch, got -2"),
        (["stress", "--top", "0"], "argument --top: expected at least 1 row, got 0"),
    ],
)
def test_integer_options_name_what_they_count(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main([*args, "x.yaml"])
    assert done.value.code == cli.EXIT_INPUT
    assert message in capsys.readouterr().err


def test_shared_options_read_the_same_in_every_subcommand() -> None:
    parser = cli.build_parser()
    (sub,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for option in ("--out", "--horizon-days", "--reps", "--workers", "--quiet", "--no-report"):
        helps = {
            name: command._option_string_actions[option].help
            for name, command in sub.choices.items()
            if option in command._option_string_actions
            and name not in ("sensitivity", "optimise")  # their --reps: per variant
        }
        assert len(helps) >= 2 and len(set(helps.values())) == 1, (option, helps)


@pytest.mark.parametrize("policies", [False, True])
def test_a_failed_mass_balance_is_exit_1_and_writes_nothing(
    policies: bool,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from sim.analysis import balance

    def off(table: object, tolerance: float = 0.0) -> None:
        raise balance.MassBalanceError("mass balance of lithium is off by 1 t")

    data = chain(horizon_days=10)
    if policies:
        lever = {"type": "stockpile", "country": "JP", "mineral": "lithium", "days": 20}
        data["policies"] = [{"name": "reserve", "levers": [lever]}]
    monkeypatch.setattr(balance, "check", off)
    out = tmp_path / "results"
    assert cli.main(["run", "--no-report", str(_write(tmp_path, data)), "--out", str(out)]) == 1
    assert "off by 1 t; no results were written" in capsys.readouterr().err
    assert not out.exists() or not any(out.iterdir())


def test_report_command_rebuilds_the_report_of_results_folders(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, chain(horizon_days=20))
    assert cli.main(["run", "--no-report", "--quiet", str(path), "--out", str(tmp_path)]) == 0
    folder = tmp_path / "chain"
    assert not (folder / "report.html").exists()
    assert cli.main(["report", str(folder), str(tmp_path / "s.yaml")]) == 0
    captured = capsys.readouterr()
    assert (folder / "report.html").exists() and (folder / "report.md").exists()
    assert list((folder / "charts").glob("*.svg"))
    assert f"report: {folder / 'report.html'}" in captured.out
    assert "not a results folder" in captured.err


def test_report_command_without_a_results_folder_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["report", str(tmp_path)]) == cli.EXIT_INPUT
    assert f"skipped {tmp_path}: not a results folder" in capsys.readouterr().err
    with pytest.raises(SystemExit) as done:
        cli.main(["report"])
    assert done.value.code == cli.EXIT_INPUT


@pytest.mark.parametrize(
    ("option", "value"),
    [("--start-day", "400"), ("--start-day", "nan"), ("--start-day", "-10"), ("--ttr", "mine=inf")],
)
def test_stress_options_out_of_range_are_input_errors(
    option: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(ROOT / "scenarios" / "baseline.yaml")
    assert cli.main(["stress", path, option, value, "--no-report", "--quiet"]) == cli.EXIT_INPUT
    err = capsys.readouterr().err
    assert option in err and "Traceback" not in err
