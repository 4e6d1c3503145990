"""Reading one tidy table of a results folder, written as CSV (the default) or as Parquet
(`--format parquet`): both read into the same frame, so that the charts and the report work
from either. Text and key columns stay text, '' where empty (never NaN)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import pandas as pd


def read_csv(path: Path, text_columns: Sequence[str]) -> pd.DataFrame:
    """A CSV table; the `text_columns` it has are read as text ('' where empty), the others
    as numbers where they are (NaN where empty)."""
    return _parse(path, list(pd.read_csv(path, nrows=0).columns), text_columns)


def _parse(
    source: Path | io.StringIO, header: list[str], text_columns: Sequence[str]
) -> pd.DataFrame:
    keys = [c for c in text_columns if c in header]
    return pd.read_csv(
        source,
        dtype=dict.fromkeys(keys, str),
        keep_default_na=False,
        na_values={c: ["", "nan", "NaN"] for c in header if c not in keys},
    )


def read_parquet(path: Path, text_columns: Sequence[str]) -> pd.DataFrame:
    """A Parquet table, read as its CSV would be (`read_csv`): numbers and booleans as stored,
    every other column (text, keys, dates) as `read_csv` reads the text CSV holds for it
    (through an in-memory CSV of those columns only). ImportError names the extra to install
    when pyarrow is missing."""
    try:
        frame = pd.read_parquet(path)
    except ImportError as error:
        raise ImportError(
            f"{path} is Parquet, which needs pyarrow: pip install 'sim[parquet]'"
        ) from error
    other = [
        str(c)
        for c in frame.columns
        if c in text_columns
        or not (pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c]))
    ]
    if other:
        buffer = io.StringIO(frame[other].to_csv(index=False))
        again = _parse(buffer, other, text_columns)
        for column in other:
            frame[column] = again[column].to_numpy()
    return frame
