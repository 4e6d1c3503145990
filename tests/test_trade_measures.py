"""Export licensing and export quotas, hand-checked.

Licensing runs on the chain of tests/conftest.py (AU mine -> CN refinery -> JP plant -> JP EV
market, 1 t of lithium a day). The quota runs on a DRC mine exporting cobalt ore to a Chinese
and a Finnish refinery (70% and 30% of its 1 t/day) for Chinese and Finnish markets.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from sim.analysis import balance
from sim.analysis import frames as results
from sim.engine import simulate as engine
from sim.scenario import loader as scenario
from sim.scenario.errors import ScenarioError
from tests.conftest import chain, series


def run(data: dict[str, Any]) -> Any:
    result = engine.run(scenario.from_dict(data))
    balance.check(results.balance(result))
    return result


def licensing(**fields: Any) -> dict[str, Any]:
    return {"type": "export_licensing", "country": "CN", "mineral": "lithium", "start": 5,
            **fields}  # fmt: skip


def test_approval_rate_licenses_that_share_of_normal_exports() -> None:
    """Approval 0.75 from day 5: three quarters of the normal 1 t/day passes; once the market's
    10 days of cover are gone it builds 75 of its 100 vehicles a day."""
    result = run(chain(horizon_days=200, shocks=[licensing(approval_rate=0.75)]))
    np.testing.assert_allclose(series(result, "ev", "shortfall_units")[-20:], 25.0, rtol=1e-9)


def test_processing_time_delays_what_is_licensed_by_its_days() -> None:
    """Transit refinery -> plant is 5 days; a 10-day review from day 20, everything approved:
    the shipment of day 19 arrives on day 24, the next (sent day 20) on day 35, so the plant
    (no stock of its own) makes nothing on days 25-34 - as a 10-day licence delay would."""
    review = licensing(start=20, processing_days=10)
    result = run(chain(horizon_days=60, transit=(1, 5, 1), market_cover=30, shocks=[review]))
    made = series(result, "plant", "production_t", "lithium", "component")
    assert made[24] > 0.99 and made[35] > 0.99
    np.testing.assert_allclose(made[25:35], 0.0, atol=1e-12)


def test_a_general_licence_passes_in_full_and_without_review() -> None:
    """The plant holds a general licence: nothing is refused or delayed, the run is exactly
    the shock-free one."""
    shock = licensing(approval_rate=0.0, processing_days=30, general_licences=["plant"])
    held = run(chain(horizon_days=60, shocks=[shock]))
    free = run(chain(horizon_days=60))
    np.testing.assert_array_equal(held.recorder.values, free.recorder.values)


def test_a_general_licence_must_name_a_buyer_of_those_exports() -> None:
    with pytest.raises(ScenarioError, match=r"general licence for 'plnat'.*did you mean 'plant'"):
        scenario.from_dict(chain(shocks=[licensing(general_licences=["plnat"])]))


def drc(quota_tpa: float, fi_capacity_loss: float = 0.0) -> dict[str, Any]:
    """DRC mine -> CN refinery (70%) and FI refinery (30%) -> their plants -> markets.

    Daily reviews, 1-day transits, no upstream cover; markets need 0.7 and 0.3 t/day and hold
    10 days of cover. The quota starts on day 5; the FI refinery may lose capacity from day 5.
    """

    def market(name: str, country: str, units: float) -> dict[str, Any]:
        return {
            "name": name,
            "kind": "market",
            "country": country,
            "sector": "ev",
            "unit": "vehicle",
            "demand_units_per_year": units,
            "intensity_kg_per_unit": {"cobalt": 10.0},
            "cover_days": 10.0,
        }

    def node(name: str, kind: str, country: str, **more: Any) -> dict[str, Any]:
        return {
            "name": name,
            "kind": kind,
            "country": country,
            "capacity_tpa": 1e6,
            "cover_days": 0.0,
            **more,
        }

    shocks: list[dict[str, Any]] = [
        {
            "type": "export_quota",
            "country": "CD",
            "mineral": "cobalt",
            "stage": "ore",
            "start": 5,
            "tonnes_per_year": quota_tpa,
        }
    ]
    if fi_capacity_loss:
        shocks.append(
            {
                "type": "capacity_loss",
                "start": 5,
                "fraction": fi_capacity_loss,
                "select": {"nodes": ["fi_refinery"]},
            }
        )
    return {
        "name": "drc", "start": "2025-01-01", "horizon_days": 80, "step_days": 1,
        "network": {
            "nodes": [
                node("cd_mine", "mine", "CD", mineral="cobalt"),
                node("cn_refinery", "refinery", "CN", mineral="cobalt", **{"yield": 1.0}),
                {**node("fi_refinery", "refinery", "FI", mineral="cobalt", **{"yield": 1.0}),
                 "capacity_tpa": 109.5},  # exactly its 0.3 t/day
                node("cn_plant", "plant", "CN", recipe={"cobalt": 1.0}, **{"yield": 1.0}),
                node("fi_plant", "plant", "FI", recipe={"cobalt": 1.0}, **{"yield": 1.0}),
                market("cn_ev", "CN", 25550.0),  # x 10 kg = 0.7 t/day
                market("fi_ev", "FI", 10950.0),  # 0.3 t/day
            ],
            "links": [
                {"from": "cd_mine", "to": "cn_refinery", "share": 1.0, "transit_days": 1},
                {"from": "cd_mine", "to": "fi_refinery", "share": 1.0, "transit_days": 1},
                {"from": "cn_refinery", "to": "cn_plant", "transit_days": 1},
                {"from": "fi_refinery", "to": "fi_plant", "transit_days": 1},
                {"from": "cn_plant", "to": "cn_ev", "transit_days": 1},
                {"from": "fi_plant", "to": "fi_ev", "transit_days": 1},
            ],
        },
        "shocks": shocks,
    }  # fmt: skip


def exports(result: Any) -> dict[str, np.ndarray]:
    """t of ore shipped per review from the DRC to each refinery."""
    net = result.scenario.network
    return {
        k.buyer: result.recorder.shipped[:, k.index, 0]
        for k in net.links
        if k.supplier == "cd_mine"
    }


def test_a_quota_is_allotted_pro_rata_to_past_exports() -> None:
    """Quota 182.5 t/yr = 0.5 t/day, half of normal exports: China gets 0.35 and Finland 0.15
    t a day (70/30 by history), 0.5 together, at every review from day 5."""
    shipped = exports(run(drc(quota_tpa=182.5)))
    np.testing.assert_allclose(shipped["cn_refinery"][5:], 0.35, rtol=1e-12)
    np.testing.assert_allclose(shipped["fi_refinery"][5:], 0.15, rtol=1e-12)
    np.testing.assert_allclose(shipped["cn_refinery"][:5], 0.7, rtol=1e-12)


def test_a_quota_binds_in_total_not_per_link() -> None:
    """Finland's refinery (capacity exactly its 0.3 t/day) loses 80% of it from day 5. It first
    keeps taking its 0.15 t/day allotment (its plant's unfilled orders make it order more ore,
    which builds up in its stock), then settles at the 0.06 t/day it can use, less than its
    allotment: the unused part goes to China, which still asks for more, so the DRC exports
    exactly its 0.5 t/day quota in total (a cap per link would ship 0.41)."""
    shipped = exports(run(drc(quota_tpa=182.5, fi_capacity_loss=0.8)))
    total = shipped["cn_refinery"] + shipped["fi_refinery"]
    late = slice(55, None)  # once Finland's orders have settled at its lower capacity
    assert (shipped["fi_refinery"][late] < 0.15 - 1e-6).all()
    assert (shipped["cn_refinery"][late] > 0.35 + 1e-6).all()
    np.testing.assert_allclose(total[late], 0.5, rtol=1e-9)


def test_a_quota_above_normal_exports_changes_nothing() -> None:
    capped = run(drc(quota_tpa=1000.0))
    free = run({**drc(quota_tpa=1000.0), "shocks": []})
    np.testing.assert_array_equal(capped.recorder.values, free.recorder.values)


def two_chinese_refiners(**ban: Any) -> dict[str, Any]:
    """The chain with a second CN refinery sharing the plant's orders 50/50."""
    data = chain(horizon_days=40)
    data["network"]["nodes"].append(
        {"name": "refinery2", "kind": "refinery", "country": "CN", "mineral": "lithium",
         "capacity_tpa": 1e6, "yield": 1.0, "cover_days": 0.0}
    )  # fmt: skip
    data["network"]["links"][1]["share"] = 0.5
    data["network"]["links"] += [
        {"from": "mine", "to": "refinery2", "transit_days": 1},
        {"from": "refinery2", "to": "plant", "share": 0.5, "transit_days": 1},
    ]
    data["shocks"] = [{"type": "export_ban", "country": "CN", "mineral": "lithium", "start": 5,
                       **ban}]  # fmt: skip
    return data


def test_an_exempted_supplier_keeps_exporting() -> None:
    """Only `refinery` is banned: from day 5 it ships nothing to Japan, while `refinery2`
    (exempted, e.g. a maker of sub-assemblies the control does not cover) ships more than its
    normal 0.5 t/day as its own ore orders catch up (no contract limit here), and the market's
    10 days of cover bridge the gap: it is never short."""
    result = run(two_chinese_refiners(exempt_suppliers=["refinery2"]))
    net = result.scenario.network
    sent = {k.supplier: result.recorder.shipped[:, k.index, 0] for k in net.links
            if k.buyer == "plant"}  # fmt: skip
    np.testing.assert_allclose(sent["refinery"][5:], 0.0, atol=1e-12)
    assert (sent["refinery2"][8:] > 0.5 + 1e-9).all() and sent["refinery2"][-1] > 0.99
    assert series(result, "ev", "shortfall_units").sum() == 0.0


def test_an_exempted_supplier_must_be_a_node_of_the_country() -> None:
    with pytest.raises(ScenarioError, match=r"'refinery3', which is not a node in CN.*refinery"):
        scenario.from_dict(two_chinese_refiners(exempt_suppliers=["refinery3"]))


def test_quota_off_in_some_replications_allots_a_zero_history_link_without_nan() -> None:
    """A quota that is off in one replication (+inf cap) next to a link with no shock-free flow
    (history 0): inf x 0 must allot nothing first, not NaN; the link then takes what is left."""
    from sim.engine.quotas import within_quota
    from sim.shocks.base import ExportQuotaCap

    quota = ExportQuotaCap(
        links=np.array([0, 1]), history=np.array([[1.0], [0.0]]), cap_t=np.array([2.0, np.inf])
    )
    due = np.array([[3.0, 3.0], [1.0, 1.0]])  # (links, reps)
    with np.errstate(all="raise"):
        capped, _ = within_quota(quota, np.array([0, 1]), due, None)
    assert np.isfinite(capped).all()
    np.testing.assert_allclose(capped[:, 1], [3.0, 1.0])  # off: every order passes
    assert capped[:, 0].sum() == pytest.approx(2.0)  # on: the group ships its cap
