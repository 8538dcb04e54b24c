"""The localization plan (service/localization.py): audiences, language reach, greedy order, CLDR data."""

from __future__ import annotations

import pytest

from service.localization import (
    NON_OFFICIAL_WEIGHT,
    TerritoryLanguage,
    add_expected_hours,
    build_plan,
    country_audiences,
    language_name,
    original_languages,
    territory_languages,
)

# Made-up territories: AA speaks xx; BB speaks yy, and xx as a second language; CC speaks zz and
# yy; in EE 60% speak ee and 80% xx, not official there.
LANGUAGES = {
    "EE": (TerritoryLanguage("ee", "Ee", 0.6, "official"), TerritoryLanguage("xx", "Ex", 0.8, None)),
    "AA": (TerritoryLanguage("xx", "Ex", 1.0, "official"),),
    "BB": (TerritoryLanguage("yy", "Why", 1.0, "official"), TerritoryLanguage("xx", "Ex", 0.4, None)),
    "CC": (TerritoryLanguage("zz", "Zed", 0.7, "official"), TerritoryLanguage("yy", "Why", 0.5, "official")),
}


def _entry(iso2: str, weeks: float, **extra) -> dict:
    return {"country": iso2, "name": iso2.title(), "p_chart": 0.5, "expected_weeks": weeks, **extra}


def _plan(entries, weights=None, **options) -> dict:
    return build_plan(entries, weights or {}, languages_of=lambda iso2: LANGUAGES.get(iso2, ()), **options)


def test_audience_is_expected_hours_when_every_entry_has_them():
    entries = [_entry("AA", 2, expected_hours=100.0), _entry("BB", 4, expected_hours=300.0)]
    expected = ("expected_hours", {"AA": 100.0, "BB": 300.0})
    assert country_audiences(entries, {"AA": 0.9, "BB": 0.1}) == expected


def test_else_audience_is_expected_weeks_times_market_weight():
    entries = [_entry("AA", 2, expected_hours=100.0), _entry("BB", 4), _entry("CC", 1)]
    basis, audiences = country_audiences(entries, {"AA": 0.5, "BB": 0.1})
    assert basis == "expected_weeks_x_market_weight"
    assert audiences == pytest.approx({"AA": 1.0, "BB": 0.4, "CC": 0.3})  # CC: the mean weight
    assert country_audiences(entries, {})[0] == "expected_weeks"


def test_languages_come_greedily_with_cumulative_shares_of_the_audience():
    plan = _plan([_entry("AA", 6), _entry("BB", 4)])
    assert plan["audience_basis"] == "expected_weeks" and plan["total_audience"] == 10
    first, second = plan["languages"]
    # xx reaches all of AA (6) and a second-language share of BB (4 x 0.4 x NON_OFFICIAL_WEIGHT).
    assert first["language"] == "xx" and first["audience"] == pytest.approx(6 + 4 * 0.4 * NON_OFFICIAL_WEIGHT)
    assert first["treatment"] == "dub" and [c["country"] for c in first["countries"]] == ["AA", "BB"]
    assert second["language"] == "yy"
    assert second["audience"] == pytest.approx(4 * (1 - 0.4 * NON_OFFICIAL_WEIGHT))
    assert second["cumulative_share"] == pytest.approx(1.0) and plan["unreached_share"] == pytest.approx(0.0)
    assert [country["country"] for country in plan["countries"]] == ["AA", "BB"]


def test_a_language_reaching_people_mostly_as_a_second_language_is_for_subtitles():
    plan = _plan([_entry("AA", 1), _entry("BB", 9)], production_countries=["BB"])
    assert plan["original_languages"] == ["yy"]
    assert [(step["language"], step["treatment"]) for step in plan["languages"]] == [
        ("yy", "original"), ("xx", "dub")]
    plan = _plan([_entry("AA", 0.1), _entry("EE", 10)], production_countries=["EE"])
    own, second = plan["languages"]
    assert (own["language"], own["audience"]) == ("ee", pytest.approx(6.0))
    # xx adds 0.1 in AA (official) and 10 x 0.4 x 0.8 x NON_OFFICIAL_WEIGHT in EE (a second language).
    assert second["language"] == "xx" and second["treatment"] == "subtitles"
    assert second["audience"] == pytest.approx(0.1 + 10 * 0.4 * 0.8 * NON_OFFICIAL_WEIGHT)


def test_speakers_of_two_official_languages_are_not_counted_twice():
    plan = _plan([_entry("CC", 10)])
    zed, why = plan["languages"]
    assert (zed["language"], zed["audience"]) == ("zz", pytest.approx(7.0))
    assert why["audience"] == pytest.approx(10 * 0.3 * 0.5)  # the half of the rest that speaks yy
    assert plan["unreached_share"] == pytest.approx(0.15)


def test_languages_adding_too_little_are_not_listed_and_the_count_is_capped():
    plan = _plan([_entry("AA", 1000), _entry("CC", 1)])
    assert [step["language"] for step in plan["languages"]] == ["xx"]
    assert len(_plan([_entry("AA", 5), _entry("BB", 5), _entry("CC", 5)], max_languages=2)["languages"]) == 2


def test_each_country_carries_its_comps_languages_and_market_weight():
    comps = [{"id": "s1", "title": "Comp", "score": 0.9, "weeks": 3}]
    plan = _plan([_entry("BB", 2, comps=comps), _entry("AA", 1)], {"AA": 0.25, "BB": 0.75})
    bb = plan["countries"][0]
    assert bb["country"] == "BB" and bb["comps"] == comps and bb["market_weight"] == 0.75
    assert bb["share"] == pytest.approx(1.5 / 1.75)
    assert [(language["language"], language["reach"]) for language in bb["languages"]] == [
        ("yy", 1.0), ("xx", pytest.approx(0.4 * NON_OFFICIAL_WEIGHT))]


def test_no_audience_gives_an_empty_plan():
    plan = _plan([])
    assert plan["languages"] == [] and plan["countries"] == [] and plan["total_audience"] == 0


def test_territory_languages_come_from_cldr():
    spain = {language.code: language for language in territory_languages("ES")}
    assert spain["es"].official and spain["es"].population_share > 0.9
    assert not spain["en"].official and spain["en"].reach == pytest.approx(spain["en"].population_share / 2)
    assert territory_languages("ZZ") == ()
    assert language_name("zh_Hant") == "Chinese (Traditional)" and language_name("ko") == "Korean"
    assert original_languages(["KR", "ES", "US", "MX"]) == ["ko", "es", "en"]


def test_a_real_plan_starts_with_the_title_s_own_language():
    entries = [_entry("ES", 3), _entry("MX", 2), _entry("US", 1), _entry("BR", 2)]
    plan = build_plan(entries, {"ES": 0.2, "MX": 0.3, "US": 0.4, "BR": 0.1}, production_countries=["ES"])
    codes = [step["language"] for step in plan["languages"]]
    assert codes[0] == "es" and plan["languages"][0]["treatment"] == "original"
    assert "en" in codes and "pt" in codes
    shares = [step["cumulative_share"] for step in plan["languages"]]
    assert shares == sorted(shares) and 0.9 < shares[-1] <= 1.0


def test_expected_hours_split_the_worldwide_median_by_weeks_and_market_weight():
    entries = [{"country": "US", "expected_weeks": 2.0}, {"country": "ES", "expected_weeks": 2.0},
               {"country": "KR", "expected_weeks": 0.0}]
    add_expected_hours(entries, 1_000_000.0, {"US": 0.3, "ES": 0.1, "KR": 0.2})
    hours = {entry["country"]: entry["expected_hours"] for entry in entries}
    assert hours == {"US": 750_000.0, "ES": 250_000.0, "KR": 0.0}
    # With no weights every country counts alike; with no weeks anywhere nothing is invented.
    flat = [{"country": "US", "expected_weeks": 1.0}, {"country": "ES", "expected_weeks": 3.0}]
    add_expected_hours(flat, 400.0, {})
    assert [entry["expected_hours"] for entry in flat] == [100.0, 300.0]
    empty = [{"country": "US", "expected_weeks": 0.0}]
    add_expected_hours(empty, 400.0, {"US": 1.0})
    assert "expected_hours" not in empty[0]


def test_the_lazy_greedy_takes_the_largest_gain_at_every_step():
    import random

    from service.localization import _Greedy

    random.seed(3)
    countries = ["US", "GB", "BR", "MX", "ES", "FR", "DE", "IN", "JP", "KR", "CH", "BE", "CA", "SG", "ZA"]
    entries = [{"country": iso2, "expected_weeks": random.random() * 3, "p_chart": 0.5} for iso2 in countries]
    weights = {iso2: random.random() for iso2 in countries}
    plan = build_plan(entries, weights, production_countries=["GB"])
    _, audiences = country_audiences(entries, weights)
    reaches = {iso2: {language.code: language.reach for language in territory_languages(iso2)}
               for iso2 in countries}
    greedy = _Greedy(audiences, reaches)
    chosen: set[str] = set()
    for step in plan["languages"]:
        if step["treatment"] != "original":
            best = max(sum(greedy.gains(code).values()) for code in set(greedy.by_language) - chosen)
            assert step["audience"] == pytest.approx(best)
        greedy.add(step["language"])
        chosen.add(step["language"])
