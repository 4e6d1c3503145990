"""Corpus cases for dates, selectors and references to things that do not exist (nodes,
countries, chokepoints, shocks), mostly caught by the consistency checks."""

from __future__ import annotations

from tests.malformed.edits import (
    NET,
    A,
    B,
    Case,
    D,
    M,
    N,
    R,
    U,
    add,
    after,
    at,
    delete,
    points_to,
    s,
)

CASES: list[Case] = [
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
