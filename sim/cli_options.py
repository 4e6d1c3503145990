"""The command line's shared option types and parent parsers: each option that several
subcommands share is declared once here (`shared_options`), and every integer option says in
its error what it counts (`Count`)."""

from __future__ import annotations

import argparse
import importlib.util
from argparse import ArgumentParser
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Count:
    """An argparse `type`: a whole number, at least 1, of `plural` (days, replications ...);
    its error messages name what is counted."""

    singular: str
    plural: str

    def __call__(self, text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected a whole number of {self.plural}, got '{text}'"
            ) from None
        if value < 1:
            raise argparse.ArgumentTypeError(f"expected at least 1 {self.singular}, got {value}")
        return value


DAYS = Count("day", "days")
REPLICATIONS = Count("replication", "replications")
WORKERS = Count("worker process", "worker processes")
BATCH = Count("replication per batch", "replications per batch")
ROWS = Count("row", "rows")
SAMPLES = Count("sample", "samples")
TRIALS = Count("trial", "trials")


def master_seed(text: str) -> int:
    """An argparse `type`: a master random seed, a whole number from 0 to 2^63 - 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number from 0 to 2^63 - 1 as the seed, got '{text}'"
        ) from None
    if not 0 <= value <= 2**63 - 1:
        raise argparse.ArgumentTypeError(
            f"expected a seed from 0 to 2^63 - 1 (9223372036854775807), got {value}"
        )
    return value


def table_format(text: str) -> str:
    """An argparse `type`: 'csv' or 'parquet', refused (before anything runs) when Parquet is
    asked for and pyarrow, its optional extra, is not installed."""
    if text not in ("csv", "parquet"):
        raise argparse.ArgumentTypeError(f"expected csv or parquet, got '{text}'")
    if text == "parquet" and importlib.util.find_spec("pyarrow") is None:
        raise argparse.ArgumentTypeError(
            "parquet needs pyarrow, which is not installed: pip install 'sim[parquet]' (or pip "
            "install pyarrow); nothing was run or written"
        )
    return text


def parent(*flags: str, **options: Any) -> ArgumentParser:
    """A parent parser holding one option, for the subcommands that share it."""
    parent = ArgumentParser(add_help=False, allow_abbrev=False)
    parent.add_argument(*flags, **options)
    return parent


def shared_options() -> dict[str, ArgumentParser]:
    """The options several subcommands share, each declared once here (by name)."""
    return {
        "file": parent("file", type=Path, help="scenario YAML file"),
        "--out": parent(
            "--out",
            type=Path,
            default=Path("results"),
            help="results root folder (default: results)",
        ),
        "--format": parent(
            "--format",
            type=table_format,
            default="csv",
            metavar="{csv,parquet}",
            help="how the tables are written: csv (default) or parquet (needs pip install "
            "'sim[parquet]')",
        ),
        "--horizon-days": parent(
            "--horizon-days", type=DAYS, help="override the scenario's horizon, days"
        ),
        "--reps": parent(
            "--reps",
            type=REPLICATIONS,
            help="replications (default: the scenario's `replications`, else 1)",
        ),
        "--seed": parent(
            "--seed",
            type=master_seed,
            help="master random seed, overriding the scenario's `seed` (0 to 2^63 - 1; "
            "recorded in provenance.json)",
        ),
        "--workers": parent(
            "--workers",
            type=WORKERS,
            help="local worker processes for replications (default: all cores)",
        ),
        "--quiet": parent(
            "--quiet",
            action="store_true",
            help="print only where results went (no summary, table or progress bar)",
        ),
        "--no-report": parent(
            "--no-report",
            dest="report",
            action="store_false",
            help="skip the charts and the report page (they take a few seconds)",
        ),
    }


def side_by_side_options(report: ArgumentParser) -> None:
    """`sim report --compare A B ... [--out ROOT]`: the runs side by side in
    ROOT/compare_<names>/ (`sim.output.report.runs`); --out reads as in every subcommand."""
    report.add_argument(
        "--compare",
        action="store_true",
        help="put the runs side by side (runs.csv, report.html) in OUT/compare_<names>/ instead",
    )
    report.add_argument(
        "--out", type=Path, default=Path("results"), help="results root folder (default: results)"
    )
