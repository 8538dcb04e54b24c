"""Country affinity lifts and intervals (graph/affinity.py): tiny hand-made charts, no database."""

from __future__ import annotations

import math

import pytest

from graph.affinity import chart_affinities, log_lift_interval


def _charts(spec: dict[str, dict[str, int]]) -> tuple[dict, dict]:
    """spec: country -> {genre: titles}; each title charts one week in that country only."""
    charts, values = {}, {}
    for iso2, counts in spec.items():
        for genre, count in counts.items():
            for index in range(count):
                title = f"{iso2}-{genre}-{index}"
                charts[title] = {iso2: 2}
                values[title] = [genre]
    return charts, values


def test_the_interval_is_the_wald_interval_of_the_log_ratio():
    log_lift, low, high = log_lift_interval(20, 100, 100, 1000)
    se = math.sqrt(1 / 20 - 1 / 100 + 1 / 100 - 1 / 1000)
    assert log_lift == pytest.approx(math.log(2))
    assert (low, high) == pytest.approx((math.log(2) - 1.959964 * se, math.log(2) + 1.959964 * se))


def test_a_genre_common_in_one_country_over_performs_there_and_under_performs_elsewhere():
    charts, values = _charts({"ES": {"drama": 30, "anime": 0, "comedy": 30},
                              "JP": {"drama": 10, "anime": 40, "comedy": 10}})
    rows = {(row.country, row.value): row for row in chart_affinities(charts, values)}
    anime_jp, anime_es = rows[("JP", "anime")], rows[("ES", "anime")]
    assert anime_jp.lift == pytest.approx((40 / 60) / (40 / 120)) and anime_jp.low > 1
    assert anime_es.titles == 0 and anime_es.lift == 0 and anime_es.high < 1
    assert math.isfinite(anime_es.log_lift) and anime_es.expected == pytest.approx(60 * 40 / 120)
    drama_es = rows[("ES", "drama")]
    assert drama_es.low < drama_es.lift < drama_es.high
    assert drama_es.share == pytest.approx(0.5) and drama_es.global_share == pytest.approx(40 / 120)
    assert drama_es.weeks == 60 and drama_es.country_titles == 60


def test_values_below_the_minimum_support_are_left_out():
    charts, values = _charts({"ES": {"drama": 20, "rare": 1}, "FR": {"drama": 20, "rare": 2}})
    pairs = {(row.country, row.value) for row in chart_affinities(charts, values, min_support=5)}
    assert pairs == {("ES", "drama"), ("FR", "drama")}
    # Expected support counts too: absent from ES but common elsewhere, it is reported there.
    charts, values = _charts({"ES": {"drama": 20}, "FR": {"drama": 5, "anime": 15}})
    pairs = {(row.country, row.value) for row in chart_affinities(charts, values, min_support=5)}
    assert ("ES", "anime") in pairs


def test_titles_without_a_value_of_the_facet_are_not_counted():
    charts, values = _charts({"ES": {"drama": 10}, "FR": {"drama": 10, "comedy": 10}})
    charts["untagged"] = {"ES": 5, "FR": 5}
    values["untagged"] = []
    rows = {(row.country, row.value): row for row in chart_affinities(charts, values)}
    assert rows[("ES", "drama")].country_titles == 10
    assert rows[("ES", "drama")].global_share == pytest.approx(20 / 30)


def test_a_title_charting_in_several_countries_counts_once_in_each():
    charts = {f"t{i}": {"ES": 1, "FR": 3} for i in range(6)} | {f"u{i}": {"FR": 1} for i in range(6)}
    values = {f"t{i}": ["drama"] for i in range(6)} | {f"u{i}": ["comedy"] for i in range(6)}
    rows = {(row.country, row.value): row for row in chart_affinities(charts, values)}
    assert rows[("FR", "drama")].titles == 6 and rows[("FR", "drama")].weeks == 18
    assert rows[("ES", "drama")].lift == pytest.approx(1 / (12 / 18))
