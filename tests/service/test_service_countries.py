"""Countries and the titles expected to chart in each (tiny seeded graph, no model)."""

from __future__ import annotations

import pytest

from tests.service import seed

pytestmark = pytest.mark.neo4j


def test_countries_lists_every_country_with_counts(client, conforms):
    body = conforms(client.get("/v1/countries"), "/v1/countries")
    by_code = {country["iso2"]: country for country in body["countries"]}
    assert set(by_code) == set(seed.COUNTRIES)
    assert by_code["KR"]["name"] == "South Korea"
    assert by_code["KR"]["charted_titles"] == 4 and by_code["KR"]["produced_titles"] == 5


def test_country_titles_fall_back_to_observed_charts_with_a_warning(client, conforms):
    response = client.get("/v1/countries/br/titles?limit=2")
    body = conforms(response, "/v1/countries/{iso2}/titles")
    assert body["country"] == "BR" and body["basis"] == "observed" and body["model_version"] is None
    assert [title["id"] for title in body["titles"]] == ["svc-es1", "svc-sp1"]
    assert body["warnings"][0]["code"] == "no_audience_predictions"


def test_country_titles_filter_by_type(client, conforms):
    body = conforms(client.get("/v1/countries/US/titles?type=show"), "/v1/countries/{iso2}/titles")
    assert body["titles"] and {title["kind"] for title in body["titles"]} == {"show"}


@pytest.mark.parametrize(("code", "status", "field"), [("ZZ", 404, "iso2"), ("USA", 422, "iso2"),
                                                       ("K1", 422, "iso2")])
def test_country_titles_reject_unknown_codes(client, conforms, code, status, field):
    response = client.get(f"/v1/countries/{code}/titles")
    body = conforms(response, "/v1/countries/{iso2}/titles")
    assert response.status_code == status and body["error"]["field"] == field


def test_country_titles_reject_bad_limit(client):
    response = client.get("/v1/countries/US/titles?limit=1000")
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "limit"


def test_countries_carry_market_weights_summing_to_one(client, conforms):
    body = conforms(client.get("/v1/countries"), "/v1/countries")
    weights = {country["iso2"]: country["market_weight"] for country in body["countries"]}
    assert sum(weights.values()) == pytest.approx(1.0)  # every seed country has a chart


@pytest.fixture
def low_support(seeded_graph, settings):
    """Affinity recomputed with a support of 2 (the seed is tiny); the trained default restored after."""
    from graph.country_stats import refresh_affinity

    refresh_affinity(seeded_graph, min_support=2)
    yield seeded_graph
    refresh_affinity(seeded_graph, min_support=settings.affinity_min_support)


def test_affinity_lists_what_a_country_favours_with_lift_interval_and_support(client, conforms, low_support):
    body = conforms(client.get("/v1/countries/kr/affinity?facet=genre"), "/v1/countries/{iso2}/affinity")
    assert (body["country"], body["name"], body["facet"]) == ("KR", "South Korea", "genre")
    assert body["method"]["min_support"] == 2 and body["country_titles"] == 4 and not body["warnings"]
    favoured = {entry["name"]: entry for entry in body["over"]}
    # Every Korean seed title is a Korean crime show: 4 of 4 there against 8 of 24 everywhere.
    korean = favoured["Korean TV Shows"]
    assert korean["lift"] == pytest.approx(3.0) and korean["low"] > 1 and korean["high"] > 3
    assert (korean["titles"], korean["expected"], korean["vocabulary"]) == (4, pytest.approx(4 / 3, abs=1e-3),
                                                                            "netflix")
    assert "Crime TV Shows" in favoured and "Reality TV" not in favoured
    assert all(entry["low"] > 1 for entry in body["over"])
    assert all(entry["high"] < 1 for entry in body["under"])
    limited = client.get("/v1/countries/KR/affinity?limit=1").get_json()
    assert len(limited["over"]) == 1 and limited["facet"] == "genre"


def test_tag_affinity_comes_from_the_vocabulary_tags(client, conforms, low_support):
    body = conforms(client.get("/v1/countries/KR/affinity?facet=tag"), "/v1/countries/{iso2}/affinity")
    assert body["facet"] == "tag"
    entries = body["over"] + body["under"]
    facets = {"subject", "mood", "setting", "audience", "format"}
    assert all(entry.get("tag_facet") in facets for entry in entries)


def test_affinity_without_enough_support_is_empty_with_a_warning(client, conforms):
    body = conforms(client.get("/v1/countries/KR/affinity"), "/v1/countries/{iso2}/affinity")
    assert body["over"] == [] and body["under"] == [] and body["method"]["min_support"] == 5
    assert [(warning["code"], warning["field"]) for warning in body["warnings"]] == [("no_affinity", "facet")]


@pytest.mark.parametrize(("url", "status", "field"), [
    ("/v1/countries/ZZ/affinity", 404, "iso2"), ("/v1/countries/USA/affinity", 422, "iso2"),
    ("/v1/countries/K1/affinity", 422, "iso2"), ("/v1/countries/KR/affinity?facet=mood", 422, "facet"),
    ("/v1/countries/KR/affinity?limit=0", 422, "limit"),
    ("/v1/countries/KR/affinity?sort=lift", 422, "sort")])
def test_affinity_rejects_bad_input_naming_the_field(client, conforms, url, status, field):
    response = client.get(url)
    body = conforms(response, "/v1/countries/{iso2}/affinity")
    assert response.status_code == status and body["error"]["field"] == field
