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
