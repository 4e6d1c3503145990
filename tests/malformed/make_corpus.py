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
import shutil
from pathlib import Path

from tests.malformed import cases_model, cases_values, cases_yaml
from tests.malformed.edits import NETWORK, NETWORK_USER, Case, N, source

HERE = Path(__file__).resolve().parent
CASES = HERE / "cases"
CASES_LIST: list[Case] = [*cases_yaml.CASES, *cases_values.CASES, *cases_model.CASES]


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
