"""One chart of a results object by name, for notebooks and the Python API (`sim.charts`).

A chart's name is its file name under `charts/` (`supply_demand_in_ev`), or the name of its
family in the catalogue (`supply_demand`: the first subject that has one, unless `subject` says
which), or the start of a single family's name (`fill_rate` for `fill_rate_overview`).
"""

from __future__ import annotations

from matplotlib.figure import Figure

from sim.output.charts.catalogue import CATALOGUE, Entry
from sim.output.charts.scene import Scene, Subject
from sim.output.folder import Results


def family(entry: Entry) -> str:
    """The name of a catalogue row without its subject: 'supply_demand' for 'supply_demand_{}'."""
    return entry.name.split("_{}", 1)[0]


def _subjects(entry: Entry, scene: Scene) -> list[Subject]:
    return [()] if entry.each is None else entry.each(scene)


def names(results: Results) -> list[str]:
    """The chart names `results` may have (the file names `draw_all` would use, in reading
    order; a chart whose data the folder lacks is still listed, and `draw` then says so)."""
    scene = Scene(results)
    found: list[str] = []
    for entry in CATALOGUE:
        if results.kind in entry.kinds:
            found += [entry.name.format(*s) for s in _subjects(entry, scene)]
    return list(dict.fromkeys(found))


def draw(results: Results, name: str, subject: Subject | str | None = None) -> Figure:
    """The chart `name` of `results` as a matplotlib Figure (nothing is written to disk).

    `subject` picks the market ('in_ev'), the (country, mineral) pair or the mineral of a family
    drawn once per subject. Raises KeyError naming the charts there are when `name` is not one
    of them, or when the results lack what it needs."""
    scene = Scene(results)
    wanted = (subject,) if isinstance(subject, str) else subject
    rows = [
        (entry, each)
        for entry in CATALOGUE
        if results.kind in entry.kinds
        for each in _subjects(entry, scene)
    ]
    families = {family(entry) for entry, _ in rows}
    starting = [f for f in families if f.startswith(name)]
    if name not in families and len(starting) == 1:
        name = starting[0]  # 'fill_rate' for 'fill_rate_overview'
    for entry, each in rows:
        matches = entry.name.format(*each) == name or (
            family(entry) == name and (wanted is None or tuple(wanted) == each)
        )
        if matches and (figure := entry.draw(scene, each)) is not None:
            return figure
    about = f" about {'/'.join(wanted)}" if wanted else ""
    raise KeyError(
        f"no chart '{name}'{about} for these {results.kind} results ({results.folder}); "
        f"charts there are: {', '.join(names(results)) or 'none'}"
    )
