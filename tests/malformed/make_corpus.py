"""Write the malformed-scenario corpus: real scenarios with one defect each, and its manifest.

    python -m tests.malformed.make_corpus

Each case copies a scenario from `scenarios/` (or, for defects in a network file, the 2009
network `sim/data/japan_ree_2009.yaml` into `cases/networks/`, used by a copy of the 2010
backtest scenario), changes one thing in its text and records in `manifest.json` where the
message must point (file and line, worked out here from the edit, never by running the loader)
and a fragment the message must contain. `tests/test_malformed.py` runs every case through the
command line. The files are committed; rerun this script only to change the corpus, and review
the diff.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
CASES = HERE / "cases"
NETWORK = ROOT / "sim" / "data" / "japan_ree_2009.yaml"
NETWORK_USER = "backtest_2010_ree.yaml"
"""The scenario that runs on the 2009 network; network cases point its `base` at their copy."""


def source(name: str) -> str:
    return (ROOT / "scenarios" / name).read_text(encoding="utf-8")


def line_of(text: str, pattern: str, start: int = 1) -> int:
    """1-based number of the first line at or after `start` that matches `pattern`."""
    for number, line in enumerate(text.splitlines(), start=1):
        if number >= start and re.search(pattern, line):
            return number
    raise ValueError(f"no line matches {pattern!r}")


def sub(text: str, pattern: str, new: str, start: int = 1) -> tuple[str, int]:
    """Replace what `pattern` matches on its first matching line; that line's number."""
    number = line_of(text, pattern, start)
    lines = text.splitlines(keepends=True)
    lines[number - 1] = re.sub(pattern, lambda _: new, lines[number - 1], count=1)
    return "".join(lines), number


def insert_after(text: str, pattern: str, new: str, start: int = 1) -> tuple[str, int]:
    """Insert the lines `new` after the first line matching `pattern`; the first new line."""
    number = line_of(text, pattern, start)
    lines = text.splitlines(keepends=True)
    lines[number:number] = [new if new.endswith("\n") else new + "\n"]
    return "".join(lines), number + 1


def append(text: str, new: str) -> tuple[str, int]:
    if not text.endswith("\n"):
        text += "\n"
    return text + new, text.count("\n") + 1


def delete(text: str, pattern: str) -> tuple[str, int]:
    number = line_of(text, pattern)
    lines = text.splitlines(keepends=True)
    del lines[number - 1]
    return "".join(lines), number


Edit = Callable[[str], tuple[str, int]]
"""Text -> (new text, the line the message must point to)."""


@dataclass(frozen=True)
class Case:
    name: str
    kind: str
    """The class of defect (manifest `class`)."""
    base: str
    """The scenario file it starts from, or "network" for a defect in the network file."""
    edit: Edit
    fragment: str
    at: str = ""
    """The file the message must point at, when it is not the case file (in its folder)."""
    absent: str = ""
    """Text the message must not contain (a file's contents)."""
    raw: bytes | None = None
    """Bytes written instead of the edited text (encodings, invalid UTF-8)."""


def at(line: int, edit: Edit) -> Edit:
    """The edit, with the message expected at a fixed line rather than the edited one."""
    return lambda text: (edit(text)[0], line)


def points_to(pattern: str, edit: Edit) -> Edit:
    """The edit, with the message expected at the first line matching `pattern` afterwards."""

    def run(text: str) -> tuple[str, int]:
        new, _ = edit(text)
        return new, line_of(new, pattern)

    return run


def later(lines: int, edit: Edit) -> Edit:
    """The edit, with the message expected `lines` after the edited line."""

    def run(text: str) -> tuple[str, int]:
        new, line = edit(text)
        return new, line + lines

    return run


def s(pattern: str, new: str, start: int = 1) -> Edit:
    return lambda text: sub(text, pattern, new, start)


def after(pattern: str, new: str, start: int = 1) -> Edit:
    return lambda text: insert_after(text, pattern, new, start)


def add(new: str) -> Edit:
    return lambda text: append(text, new)


def whole(new: str, line: int | None = 1) -> Edit:
    return lambda text: (new, line if line is not None else 0)


B, R, U, D = (
    "baseline.yaml",
    "cn_ree_controls_2025.yaml",
    "ree_controls_risk_2025.yaml",
    "drc_cobalt_export_ban_2025.yaml",
)
A, M, N = "au_lithium_outage.yaml", "malacca_closure.yaml", "network"
NET = r"^network: \{base: india_japan_2024\}"
BOMB = "".join(
    f"{chr(97 + i)}: &{chr(97 + i)} [" + ", ".join([f"*{chr(96 + i)}"] * 10) + "]\n"
    for i in range(1, 9)
)
DEEP_BLOCK = "".join("  " * i + f"k{i}:\n" for i in range(45)) + "  " * 45 + "leaf: 1\n"

CASES_LIST: list[Case] = [
    # -- YAML syntax -----------------------------------------------------------------------
    # libyaml reports where it notices the defect (a line later, or the end of the file) and
    # the message names the line where the unclosed construct began.
    Case(
        "syntax_unclosed_flow",
        "yaml-syntax",
        B,
        later(1, s(r"\}$", "")),
        "while parsing a flow mapping (from line 11) did not find expected ',' or '}'",
    ),
    Case("syntax_bad_indent", "yaml-syntax", R, s(r"^    country: CN", "   country: CN"), "YAML"),
    Case("syntax_tab_indent", "yaml-syntax", R, s(r"^    country: CN", "\tcountry: CN"), "tab"),
    Case(
        "syntax_missing_colon",
        "yaml-syntax",
        R,
        points_to(r"^    country: CN", s(r"^    type: export_ban", "    type export_ban")),
        "could not find expected ':'",
    ),
    Case(
        "syntax_unterminated_quote",
        "yaml-syntax",
        A,
        lambda t: (sub(t, r"^name: ", 'name: "')[0], t.count("\n") + 1),
        "while scanning a quoted scalar (from line 1) found unexpected end of stream",
    ),
    Case("syntax_two_documents", "yaml-syntax", B, add("---\nname: other\n"), "a second YAML doc"),
    Case("syntax_duplicate_top_key", "yaml-syntax", B, add("seed: 7\n"), "duplicate key 'seed'"),
    Case(
        "syntax_duplicate_nested_key",
        "yaml-syntax",
        R,
        after(r"^    severity: 0.74", "    severity: 0.5"),
        "duplicate key 'severity'",
    ),
    Case(
        "syntax_duplicate_override_key",
        "yaml-syntax",
        D,
        after(r"^      cover_days: 135", "      cover_days: 10"),
        "duplicate key 'cover_days' (first at line 26)",
    ),
    Case("syntax_empty_file", "yaml-syntax", B, whole("", None), "the file holds nothing"),
    Case("syntax_only_comments", "yaml-syntax", B, whole("# nothing\n", None), "holds nothing"),
    Case("syntax_list_root", "yaml-syntax", B, whole("- name: x\n"), "the file holds a list"),
    Case("syntax_scalar_root", "yaml-syntax", B, whole("just some text\n"), "single text value"),
    Case(
        "syntax_dedented_block",
        "yaml-syntax",
        M,
        later(1, s(r"^  A closure of the Strait", "A closure of the Strait")),
        "mapping values are not allowed in this context",
    ),
    # -- bytes that are not YAML text --------------------------------------------------------
    Case("bytes_nul", "yaml-bytes", B, s(r"^name: baseline", "name: base\x00line"), "U+0000"),
    Case("bytes_bel", "yaml-bytes", A, s(r"^  Half of", "  Half\x07 of"), "U+0007"),
    Case("bytes_esc", "yaml-bytes", R, s(r"Licensing effective", "\x1b[31mLicensing"), "U+001B"),
    Case("bytes_del", "yaml-bytes", M, s(r"^seed: 42", "seed: 42\x7f"), "U+007F"),
    Case("bytes_c1", "yaml-bytes", U, s(r"^step_days: 7", "step_days: 7\x9b"), "U+009B"),
    Case("bytes_noncharacter", "yaml-bytes", D, s(r"^seed: 42", "seed: 42 \ufffe"), "U+FFFE"),
    Case(
        "bytes_backspace_in_key", "yaml-bytes", B, s(r"^horizon_days", "hori\x08zon_days"), "U+0008"
    ),
    Case(
        "bytes_invalid_utf8",
        "yaml-bytes",
        B,
        s(r"^seed: 42", "seed: 42 # \udcff"),
        "byte 0xff is not UTF-8",
    ),
    Case(
        "bytes_latin1",
        "yaml-bytes",
        A,
        s(r"^  Half of", "  Half of (caf\udce9)"),
        "byte 0xe9 is not UTF-8",
    ),
    Case(
        "bytes_utf16",
        "yaml-bytes",
        B,
        at(1, s(r"^name", "name")),
        "is not UTF-8 text",
        raw=source(B).encode("utf-16"),
    ),
    # -- YAML structure: depth, aliases, keys, tags --------------------------------------------
    Case("deep_flow", "yaml-structure", B, add("deep: " + "[" * 60 + "]" * 60 + "\n"), "40 levels"),
    Case(
        "deep_block",
        "yaml-structure",
        B,
        points_to(r"^ {80}k40:", add(DEEP_BLOCK)),
        "nested more than 40 levels",
    ),
    Case(
        "recursive_alias",
        "yaml-structure",
        B,
        s(NET, "network: &net {base: india_japan_2024, nodes: [*net]}"),
        "alias *net refers to the value that contains it",
    ),
    Case("unknown_alias", "yaml-structure", B, s(r"^seed: 42", "seed: *nope"), "alias *nope has"),
    Case(
        "alias_bomb",
        "yaml-structure",
        B,
        points_to(r"^f: &f", add("a: &a [" + ", ".join(['"lol"'] * 10) + "]\n" + BOMB)),
        "expands to more than 1,000,000 values",
    ),
    Case(
        "complex_key_list",
        "yaml-structure",
        B,
        add("? [a, b]\n: 1\n"),
        "a list used as a mapping key",
    ),
    Case(
        "complex_key_mapping",
        "yaml-structure",
        B,
        s(NET, "network: {base: india_japan_2024, overrides: {{in_ev: 1}: {cover_days: 5}}}"),
        "a mapping used as a mapping key",
    ),
    Case(
        "merge_key",
        "yaml-structure",
        R,
        after(r"^  - name: CN REE/magnet licensing -> Japan", "    <<: {severity: 0.5}"),
        "merge keys (<<) are not supported",
    ),
    Case(
        "tag_python_object",
        "yaml-structure",
        B,
        s(r"^seed: 42", "seed: !!python/object/apply:os.system ['echo hi']"),
        "refused because they can run code",
    ),
    Case(
        "tag_python_name",
        "yaml-structure",
        A,
        s(r"^name: .*", "name: !!python/name:os.system"),
        "'!!python/name:os.system' is refused",
    ),
    Case(
        "tag_binary",
        "yaml-structure",
        B,
        s(r"^description: >-", "description: !!binary aGVsbG8=\nx_description: >-"),
        "'!!binary' is refused",
    ),
    Case("tag_set", "yaml-structure", B, s(r"^shocks: \[\]", "shocks: !!set {a, b}"), "'!!set'"),
    Case("tag_int_text", "yaml-structure", B, s(r"^seed: 42", "seed: !!int forty-two"), "!!int"),
    Case(
        "tag_timestamp",
        "yaml-structure",
        B,
        s(r"^start: 2024-01-01", "start: !!timestamp 2024-01-01"),
        "'!!timestamp' is refused",
    ),
    Case(
        "tag_custom",
        "yaml-structure",
        B,
        s(NET, "network: !include other.yaml"),
        "'!include' is refused",
    ),
    Case(
        "tag_directive",
        "yaml-structure",
        B,
        points_to(
            r"^seed:",
            lambda t: (
                "%TAG ! tag:yaml.org,2002:python/\n---\n"
                + sub(t, r"^seed: 42", "seed: !object/apply:os.system [x]")[0],
                0,
            ),
        ),
        "'!!python/object/apply:os.system' is refused",
    ),
    Case(
        "document_end_then_more",
        "yaml-structure",
        B,
        points_to(r"^seed: 43", add("...\nseed: 43\n")),
        "YAML",
    ),
    # -- YAML 1.1 booleans and booleans as numbers ---------------------------------------------
    Case("yes_horizon", "yaml11-bool", B, s(r"^horizon_days: 364", "horizon_days: yes"), "'yes'"),
    Case("on_seed", "yaml11-bool", B, s(r"^seed: 42", "seed: on"), "YAML 1.1 reads yes/no/on/off"),
    Case("no_step", "yaml11-bool", B, s(r"^step_days: 7", "step_days: no"), "'no' is not a number"),
    Case("off_severity", "yaml11-bool", R, s(r"^    severity: 0.74", "    severity: off"), "'off'"),
    Case(
        "yes_transit",
        "yaml11-bool",
        N,
        s(r"^    transit_days: 30", "    transit_days: yes", start=240),
        "'yes' is not a number",
    ),
    Case(
        "yes_override",
        "yaml11-bool",
        D,
        s(r"^      cover_days: 135", "      cover_days: YES"),
        "override of 'cn_co_refinery': 'YES' is not a number",
    ),
    Case("true_seed", "yaml11-bool", B, s(r"^seed: 42", "seed: true"), "true is a boolean"),
    Case(
        "false_horizon",
        "yaml11-bool",
        B,
        s(r"^horizon_days: 364", "horizon_days: false"),
        "false is a boolean, not a number",
    ),
    Case(
        "true_in_intensity",
        "yaml11-bool",
        N,
        s(r"\{rare_earths: 1000\}", "{rare_earths: true}"),
        "true is a boolean, not a number",
    ),
    Case(
        "yes_timeseries",
        "yaml11-bool",
        B,
        add("outputs: {timeseries: yes}\n"),
        "'yes' is not a boolean",
    ),
    Case("one_timeseries", "yaml11-bool", B, add("outputs: {timeseries: 1}\n"), "1 is not a bool"),
    # -- names that are not folder names ---------------------------------------------------------
    Case("output_name_dot", "names", B, add("outputs: {name: .}\n"), "not a valid name (got '.')"),
    Case("output_name_dotdot", "names", B, add("outputs: {name: ..}\n"), "(got '..')"),
    Case("output_name_hidden", "names", B, add("outputs: {name: .hidden}\n"), "'.hidden'"),
    Case("output_name_slash", "names", B, add("outputs: {name: a/b}\n"), "no '/'"),
    Case("output_name_absolute", "names", B, add("outputs: {name: /tmp/x}\n"), "'/tmp/x'"),
    Case("scenario_name_dot", "names", A, s(r"^name: .*", "name: ."), "starting with a letter"),
    Case("scenario_name_dash", "names", A, s(r"^name: .*", "name: -x"), "not a valid name"),
    Case("scenario_name_space", "names", A, s(r"^name: .*", "name: two words"), "no '/' or spaces"),
    Case("scenario_name_long", "names", A, s(r"^name: .*", "name: " + "n" * 81), "at most 80"),
    Case("policy_name_dotdot", "names", R, s(r"name: in_magnet_reserve_90d", "name: .."), "'..'"),
    Case(
        "node_name_underscore",
        "names",
        N,
        s(r"^  - name: jp_ree_demand", "  - name: _jp_ree_demand"),
        "(got '_jp_ree_demand')",
    ),
    # -- network.base ------------------------------------------------------------------------------
    Case("base_absolute", "base-path", B, s(NET, "network: {base: /etc/passwd}"), "absolute path"),
    Case("base_home", "base-path", B, s(NET, "network: {base: ~/net.yaml}"), "absolute path"),
    Case(
        "base_parent",
        "base-path",
        B,
        s(NET, "network: {base: ../../../sim/data/india_japan_2024.yaml}"),
        "points outside the scenario's folder",
    ),
    Case(
        "base_parent_inside_path",
        "base-path",
        B,
        s(NET, "network: {base: networks/../../x.yaml}"),
        "points outside the scenario's folder",
    ),
    Case(
        "base_missing", "base-path", B, s(NET, "network: {base: networks/none.yaml}"), "not a file"
    ),
    Case("base_not_yaml", "base-path", B, s(NET, "network: {base: networks/}"), "not a .yaml file"),
    Case(
        "base_unknown_builtin",
        "base-path",
        B,
        s(NET, "network: {base: india_japan_2025}"),
        "did you mean 'india_japan_2024'",
    ),
    Case(
        "base_control_character",
        "base-path",
        B,
        s(NET, 'network: {base: "networks/a\\x01.yaml"}'),
        "contains control characters",
    ),
    Case(
        "base_text_file",
        "base-path",
        B,
        at(1, s(NET, "network: {base: networks/secret_text.yaml}")),
        "single text value, not a mapping of fields",
        at="networks/secret_text.yaml",
        absent="TOP SECRET",
    ),
    Case(
        "base_list_file",
        "base-path",
        B,
        at(1, s(NET, "network: {base: networks/a_list.yaml}")),
        "the file holds a list",
        at="networks/a_list.yaml",
        absent="TOP SECRET",
    ),
    # -- unknown fields ----------------------------------------------------------------------------
    Case(
        "unknown_top_field",
        "unknown-field",
        B,
        s(r"^horizon_days:", "horizon_day:"),
        "did you mean 'horizon_days'",
    ),
    Case(
        "unknown_network_field", "unknown-field", B, s(r"\{base:", "{bse:"), "did you mean 'base'"
    ),
    Case(
        "unknown_shock_field",
        "unknown-field",
        R,
        s(r"^    severity: 0.74", "    severty: 0.74"),
        "did you mean 'severity'",
    ),
    Case(
        "unknown_lever_field",
        "unknown-field",
        R,
        s(r"holding_cost_usd_per_t_year", "holding_cost_usd_per_t_yr"),
        "did you mean 'holding_cost_usd_per_t_year'",
    ),
    Case(
        "unknown_uncertainty_field",
        "unknown-field",
        U,
        s(r"^  outages:", "  outage:"),
        "did you mean 'outages'",
    ),
    Case(
        "unknown_distribution_field",
        "unknown-field",
        U,
        s(r"mode: 14", "mod: 14"),
        "unknown field 'mod'",
    ),
    Case(
        "unknown_metrics_field",
        "unknown-field",
        B,
        add("metrics: {fill_treshold: 0.9}\n"),
        "did you mean 'fill_threshold'",
    ),
    Case(
        "unknown_outputs_field",
        "unknown-field",
        B,
        add("outputs: {timeseris: false}\n"),
        "did you mean 'timeseries'",
    ),
    Case(
        "unknown_node_field",
        "unknown-field",
        N,
        s(r"^    capacity_tpa: 58063", "    capacty_tpa: 58063"),
        "did you mean 'capacity_tpa'",
    ),
    Case(
        "unknown_override_field",
        "unknown-field",
        D,
        s(r"^      cover_days: 135", "      cover_day: 135"),
        "unknown field 'cover_day'",
    ),
    Case(
        "unknown_selector_field",
        "unknown-field",
        A,
        s(r"\{countries:", "{country:"),
        "did you mean 'countries'",
    ),
    Case(
        "unknown_link_field",
        "unknown-field",
        N,
        s(r"^    transit_days: 3$", "    transit_dayz: 3", start=240),
        "did you mean 'transit_days'",
    ),
    # -- wrong types -------------------------------------------------------------------------
    Case(
        "horizon_text",
        "wrong-type",
        B,
        s(r"^horizon_days: 364", "horizon_days: a year"),
        "a whole number",
    ),
    Case("step_fraction", "wrong-type", B, s(r"^step_days: 7", "step_days: 7.5"), "fractional"),
    Case("shocks_mapping", "wrong-type", B, s(r"^shocks: \[\]", "shocks: {a: 1}"), "valid list"),
    Case(
        "network_list",
        "wrong-type",
        B,
        s(NET, "network: [india_japan_2024]"),
        "a mapping of fields",
    ),
    Case(
        "to_countries_text", "wrong-type", R, s(r"to_countries: \[JP\]", "to_countries: JP"), "JP"
    ),
    Case("select_list", "wrong-type", A, s(r"select: \{.*\}", "select: [AU]"), "mapping of fields"),
    Case(
        "replications_text",
        "wrong-type",
        U,
        s(r"^replications: 1000", "replications: many"),
        "'many'",
    ),
    Case(
        "capacity_text",
        "wrong-type",
        N,
        s(r"^    capacity_tpa: 58063", "    capacity_tpa: lots"),
        "(got 'lots')",
    ),
    Case("lever_days_text", "wrong-type", R, s(r"days: 90,", "days: ninety,"), "'ninety'"),
    Case("name_number", "wrong-type", A, s(r"^name: .*", "name: 42"), "valid string"),
    Case(
        "description_list",
        "wrong-type",
        R,
        s(r"description: The 90-day Indian.*", "description: [90 days, and diversified]"),
        "valid string",
    ),
    Case(
        "start_number", "wrong-type", B, s(r"^start: 2024-01-01", "start: 20240101"), "YYYY-MM-DD"
    ),
    Case(
        "recipe_list",
        "wrong-type",
        N,
        s(r"recipe: \{rare_earths: 1\}", "recipe: [rare_earths]"),
        "valid dictionary",
    ),
    # -- out of range ------------------------------------------------------------------------
    Case(
        "transit_huge",
        "out-of-range",
        N,
        s(r"^    transit_days: 30", "    transit_days: 1e9", start=240),
        "above the limit of 3650 days (no shipment takes ten years)",
    ),
    Case(
        "capacity_huge",
        "out-of-range",
        N,
        s(r"^    capacity_tpa: 58063", "    capacity_tpa: 1e12"),
        "above the limit of 1e+09 t/yr",
    ),
    Case(
        "demand_huge",
        "out-of-range",
        N,
        s(r"^    demand_units_per_year: 18300", "    demand_units_per_year: 1e15"),
        "above the limit of 1e+13 units/yr",
    ),
    Case(
        "intensity_huge",
        "out-of-range",
        N,
        s(r"\{rare_earths: 1000\}", "{rare_earths: 1e9}"),
        "above the limit of 1e+06 kg/unit",
    ),
    Case(
        "market_tonnes_huge",
        "out-of-range",
        N,
        points_to(
            r"^  - name: jp_ree_demand",
            s(r"^    demand_units_per_year: 18300", "    demand_units_per_year: 1e10"),
        ),
        "demand of 1e+10 t/yr of rare_earths",
    ),
    Case(
        "cover_huge",
        "out-of-range",
        D,
        s(r"^      cover_days: 135", "      cover_days: 1e9"),
        "above the limit of 3650 days",
    ),
    Case(
        "lifetime_huge",
        "out-of-range",
        N,
        s(r"^    lifetime_years: 10", "    lifetime_years: 1e4"),
        "above the limit of 100 years",
    ),
    Case(
        "outage_rate_huge",
        "out-of-range",
        U,
        s(r"rate_per_year: 0.5", "rate_per_year: 1e6"),
        "above the limit of 52 per year",
    ),
    Case(
        "outage_rate_negative",
        "out-of-range",
        U,
        s(r"rate_per_year: 0.5", "rate_per_year: -1"),
        ">= 0",
    ),
    Case(
        "horizon_huge",
        "out-of-range",
        B,
        s(r"^horizon_days: 364", "horizon_days: 1000000"),
        "36500",
    ),
    Case("horizon_zero", "out-of-range", B, s(r"^horizon_days: 364", "horizon_days: 0"), ">= 1"),
    Case("step_zero", "out-of-range", B, s(r"^step_days: 7", "step_days: 0"), ">= 1"),
    Case("step_too_long", "out-of-range", B, s(r"^step_days: 7", "step_days: 400"), "<= 365"),
    Case("seed_negative", "out-of-range", B, s(r"^seed: 42", "seed: -1"), ">= 0"),
    Case(
        "seed_huge",
        "out-of-range",
        B,
        s(r"^seed: 42", "seed: 18446744073709551616"),
        "9223372036854775807",
    ),
    Case(
        "seed_many_digits",
        "out-of-range",
        B,
        s(r"^seed: 42", "seed: " + "9" * 45),
        "a number of 45 digits",
    ),
    Case(
        "replications_zero", "out-of-range", U, s(r"^replications: 1000", "replications: 0"), ">= 1"
    ),
    Case(
        "share_above_one",
        "out-of-range",
        N,
        s(r"^    share: 0.5$", "    share: 1.5"),
        "less than or equal to 1",
    ),
    Case(
        "severity_two",
        "out-of-range",
        R,
        points_to(
            r"^  - name: CN REE/magnet licensing -> Japan",
            s(r"^    severity: 0.74", "    severity: 2"),
        ),
        "severity must be between 0 and 1, got 2",
    ),
    Case(
        "capacity_negative",
        "out-of-range",
        N,
        s(r"^    capacity_tpa: 58063", "    capacity_tpa: -5"),
        ">= 0",
    ),
    Case(
        "capacity_nan",
        "out-of-range",
        N,
        s(r"^    capacity_tpa: 58063", "    capacity_tpa: .nan"),
        "finite number",
    ),
    Case(
        "transit_inf",
        "out-of-range",
        N,
        s(r"^    transit_days: 30", "    transit_days: .inf", start=240),
        "finite number",
    ),
    Case(
        "distribution_param_huge",
        "out-of-range",
        U,
        s(r"high: 60\}", "high: 1e9}"),
        "above the limit of 1e+06",
    ),
    Case(
        "lognormal_sigma_huge",
        "out-of-range",
        U,
        s(r"factor: \{.*\}", "factor: {dist: lognormal, median: 1, sigma: 50}"),
        "above the limit of 5",
    ),
    Case(
        "random_transit_too_long",
        "out-of-range",
        U,
        after(
            r"^uncertainty:",
            "  transit: [{links: {from_kinds: [mine]}, "
            "transit_days: {dist: uniform, low: 10, high: 5000}}]",
        ),
        "transit_days can reach 5000 days",
    ),
    Case(
        "demand_factor_too_big",
        "out-of-range",
        U,
        s(r"factor: \{.*\}", "factor: {dist: uniform, low: 0, high: 1000}"),
        "factor can reach 1000",
    ),
    Case(
        "clip_min_above_max",
        "out-of-range",
        U,
        s(r"min: 0.0\}", "min: 2, max: 1}"),
        "min (2) is above max (1)",
    ),
    Case("fill_threshold_zero", "out-of-range", B, add("metrics: {fill_threshold: 0}\n"), "> 0"),
    Case(
        "settle_days_huge",
        "out-of-range",
        B,
        add("metrics: {settle_days: 1e6}\n"),
        "above the limit of 36500 days",
    ),
    Case(
        "stockpile_huge",
        "out-of-range",
        B,
        s(
            NET,
            "network: {base: india_japan_2024, nodes: [{name: jp_li_reserve, kind: stockpile, "
            "country: JP, mineral: lithium, initial_t: 1e20}]}",
        ),
        "above the limit of 1e+10 t",
    ),
    Case("yield_zero", "out-of-range", N, s(r"^    yield: 0.95", "    yield: 0"), "> 0"),
    Case(
        "holding_cost_absurd",
        "out-of-range",
        R,
        s(r"holding_cost_usd_per_t_year: 5500", "holding_cost_usd_per_t_year: 1e20"),
        "above the limit of 1e+15",
    ),
    # -- dates -----------------------------------------------------------------------------------
    Case("date_month_13", "dates", B, s(r"^start: .*", "start: 2024-13-01"), "month value"),
    Case("date_feb_30", "dates", B, s(r"^start: .*", "start: 2024-02-30"), "day value"),
    Case("date_year_10000", "dates", B, s(r"^start: .*", "start: 10000-01-01"), "ISO date"),
    Case(
        "date_before_1900",
        "dates",
        B,
        s(r"^start: .*", "start: 1850-01-01"),
        "date 1850-01-01 is outside 1900-01-01 to 2200-12-31",
    ),
    Case("date_after_2200", "dates", B, s(r"^start: .*", "start: 2300-01-01"), "2300-01-01"),
    Case(
        "date_run_past_2200",
        "dates",
        B,
        points_to(r"^horizon_days:", s(r"^start: .*", "start: 2200-06-01")),
        "the run would end after 2200-12-31",
    ),
    Case(
        "date_shock_end_9999",
        "dates",
        R,
        s(r"^    end: 2025-07-01", "    end: 9999-12-31"),
        "date 9999-12-31 is outside",
    ),
    Case(
        "date_shock_start_word",
        "dates",
        R,
        s(r"^    start: 2025-04-04", "    start: tomorrow"),
        "'tomorrow' has the wrong type; expected a whole number or an ISO date",
    ),
    Case(
        "date_shock_day_huge",
        "dates",
        R,
        s(r"^    start: 2025-04-04", "    start: 99999"),
        "less than or equal to 36500",
    ),
    Case(
        "date_lever_online",
        "dates",
        R,
        s(r"online: 2025-06-01", "online: 2999-01-01"),
        "date 2999-01-01 is outside",
    ),
    Case("date_with_time", "dates", B, s(r"^start: .*", "start: 2024-01-01T10:00:00"), "zero time"),
    # -- selectors ---------------------------------------------------------------------------------
    Case(
        "select_empty",
        "selectors",
        A,
        s(r"select: \{.*\}", "select: {}"),
        "select by at least one of",
    ),
    Case("select_bad_kind", "selectors", A, s(r"kinds: \[mine\]", "kinds: [mines]"), "'mine'"),
    Case(
        "select_bad_mineral",
        "selectors",
        A,
        s(r"minerals: \[lithium\]", "minerals: [lithum]"),
        "'lithium'",
    ),
    Case(
        "select_bad_country",
        "selectors",
        A,
        s(r"countries: \[AU\]", "countries: [AUS]"),
        "'AUS' is not an ISO 3166",
    ),
    Case(
        "link_selector_bad_kind",
        "selectors",
        U,
        after(
            r"^uncertainty:",
            "  transit: [{links: {from_kinds: [mines]}, "
            "transit_days: {dist: uniform, low: 10, high: 20}}]",
        ),
        "'mine'",
    ),
    Case(
        "outage_select_empty",
        "selectors",
        U,
        s(r"select: \{kinds: \[mine, refinery, plant\], minerals: \[rare_earths\]\}", "select: {}"),
        "select by at least one",
    ),
    # -- references to things that do not exist ------------------------------------------------
    Case(
        "shock_unknown_node",
        "references",
        A,
        points_to(
            r"^  - name: Australian",
            s(r"select: \{.*\}", "select: {nodes: [no_such_mine]}"),
        ),
        "selects unknown node 'no_such_mine'",
    ),
    Case(
        "ban_country_without_nodes",
        "references",
        R,
        points_to(
            r"^  - name: CN REE/magnet licensing -> Japan",
            s(r"^    country: CN", "    country: BR"),
        ),
        "no node of the network is in BR",
    ),
    Case(
        "ban_country_not_iso",
        "references",
        R,
        s(r"^    country: CN", "    country: QQ"),
        "'QQ' is not an ISO 3166",
    ),
    Case(
        "closure_unknown_chokepoint",
        "references",
        M,
        points_to(r"^  - name: Malacca closed", s(r"chokepoint: malacca", "chokepoint: malaca")),
        "did you mean 'malacca'",
    ),
    Case(
        "outage_unknown_node",
        "references",
        U,
        points_to(
            r"^    - select:",
            s(
                r"select: \{kinds: \[mine, refinery, plant\], minerals: \[rare_earths\]\}",
                "select: {nodes: [ghost_mine]}",
            ),
        ),
        "selects unknown node 'ghost_mine'",
    ),
    Case(
        "noise_selects_no_market",
        "references",
        U,
        points_to(
            r"^    - select: \{kinds: \[mine\]\}",
            s(r"select: \{kinds: \[market\], nodes: .*\}", "select: {kinds: [mine]}"),
        ),
        "selects no market",
    ),
    Case(
        "override_unknown_node",
        "references",
        D,
        s(r"^    cn_co_refinery:", "    cn_co_refinry:"),
        "did you mean 'cn_co_refinery'",
    ),
    Case(
        "override_renames_node",
        "references",
        D,
        after(r"^      cover_days: 135", "      name: other_refinery"),
        "an override cannot change a node's name",
    ),
    Case(
        "link_unknown_node",
        "references",
        N,
        points_to(r"^  - from: jp_ree_users", s(r"^    to: jp_ree_demand", "    to: jp_ree_demnd")),
        "did you mean 'jp_ree_demand'",
    ),
    Case(
        "link_wrong_commodity",
        "references",
        N,
        points_to(
            r"^  - from: cn_ree_mine", s(r"^    to: cn_ree_separation", "    to: jp_ree_demand")
        ),
        "does not use rare_earths ore",
    ),
    Case(
        "shares_do_not_sum",
        "references",
        N,
        points_to(r"^  - from: cn_ree_separation", s(r"^    share: 0.5$", "    share: 0.4")),
        "sum to 0.9",
    ),
    Case(
        "duplicate_node_name",
        "references",
        N,
        s(r"^  - name: ee_silmet", "  - name: fr_la_rochelle"),
        "node name 'fr_la_rochelle' is used twice",
    ),
    Case(
        "shock_after_horizon",
        "references",
        A,
        points_to(r"^  - name: Australian", s(r"start: 2025-01-15", "start: 2030-01-15")),
        "after the horizon",
    ),
    Case(
        "shock_ends_before_start",
        "references",
        A,
        points_to(r"^  - name: Australian", s(r"duration_days: 180", "end: 2025-01-01")),
        "before it starts",
    ),
    Case(
        "shock_end_and_duration",
        "references",
        A,
        points_to(r"^  - name: Australian", after(r"duration_days: 180", "    end: 2025-06-01")),
        "give either 'end' or 'duration_days', not both",
    ),
    Case(
        "shock_unknown_type",
        "references",
        M,
        points_to(r"^  - name: Malacca closed", s(r"type: route_closure", "type: route_closed")),
        "unknown type 'route_closed'",
    ),
    Case(
        "unknown_distribution",
        "references",
        U,
        s(r"dist: triangular, low: 3", "dist: triangle, low: 3"),
        "unknown dist 'triangle'",
    ),
    Case(
        "unbounded_random_transit",
        "references",
        U,
        points_to(
            r"^  transit:",
            after(
                r"^uncertainty:",
                "  transit: [{links: {from_kinds: [mine]}, "
                "transit_days: {dist: lognormal, median: 20, sigma: 0.5}}]",
            ),
        ),
        "has no upper bound",
    ),
    Case(
        "missing_network",
        "references",
        B,
        at(1, lambda t: delete(t, NET)),
        "network: Field required",
    ),
    Case(
        "missing_shock_start",
        "references",
        A,
        points_to(r"^  - name: Australian", lambda t: delete(t, r"start: 2025-01-15")),
        "shocks[0].start: Field required",
    ),
    Case(
        "policy_without_levers",
        "references",
        R,
        add("  - {name: empty, levers: []}\n"),
        "at least 1",
    ),
    Case(
        "policy_named_baseline",
        "references",
        R,
        add(
            "  - {name: baseline, levers: [{type: stockpile, country: JP, mineral: lithium, "
            "days: 5}]}\n"
        ),
        "'baseline' is the scenario without policies",
    ),
]

EXTRA_FILES = {
    "networks/secret_text.yaml": "TOP SECRET - the contents of a file are never echoed\n",
    "networks/a_list.yaml": "- TOP SECRET\n- another line\n",
}
"""Files in the scenario's folder that some cases point `network.base` at."""


def build() -> list[dict[str, object]]:
    """Write every case and return the manifest."""
    if CASES.exists():
        shutil.rmtree(CASES)
    (CASES / "networks").mkdir(parents=True)
    for name, text in EXTRA_FILES.items():
        (CASES / name).write_text(text, encoding="utf-8")
    network_text = NETWORK.read_text(encoding="utf-8")
    manifest = []
    for case in CASES_LIST:
        entry: dict[str, object] = {"file": f"{case.name}.yaml", "class": case.kind}
        if case.base == N:
            text, line = case.edit(network_text)
            target = f"networks/{case.name}.yaml"
            _write(CASES / target, text, case.raw)
            user = source(NETWORK_USER).replace(
                "network: {base: japan_ree_2009}", f"network: {{base: {target}}}"
            )
            _write(CASES / f"{case.name}.yaml", user, None)
            entry["at"] = target
        else:
            text, line = case.edit(source(case.base))
            _write(CASES / f"{case.name}.yaml", text, case.raw)
            if case.at:
                entry["at"] = case.at
        entry.update({"line": line or None, "fragment": case.fragment, "from": case.base})
        if case.absent:
            entry["absent"] = case.absent
        manifest.append(entry)
    names = [e["file"] for e in manifest]
    assert len(names) == len(set(names)), "case names must be unique"
    return manifest


def _write(path: Path, text: str, raw: bytes | None) -> None:
    # Lone surrogates stand for single invalid bytes (b"\xff" is written for "\udcff").
    path.write_bytes(raw if raw is not None else text.encode("utf-8", "surrogateescape"))


def main() -> None:
    manifest = build()
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    counts: dict[str, int] = {}
    for entry in manifest:
        counts[str(entry["class"])] = counts.get(str(entry["class"]), 0) + 1
    print(f"{len(manifest)} cases: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
