"""GET /v1/titles/{id}/localization and POST /v1/predict?plan=true on the tiny seeded graph, served by
the session's tiny model with an audience head fitted on the seed charts (and without one)."""

from __future__ import annotations

import pytest

from graph.audience import write_predicted_audience
from tests.service import seed

pytestmark = pytest.mark.neo4j

PATH = "/v1/titles/{title_id}/localization"
KOREAN_CRIME = {"title": "Seoul Night Shift", "type": "show", "countries": ["KR"],
                "summary": "A detective hunts a serial killer through the police stations of Seoul.",
                "genres": ["Crime TV Shows"], "year": 2022}


@pytest.fixture
def headed_client(app_settings, headed_models):
    """A test client of an app serving the tiny model with its audience head."""
    from service.app import close_app, create_app

    application = create_app({"SETTINGS": app_settings.with_overrides(models_dir=headed_models),
                              "TESTING": True})
    yield application.test_client()
    close_app(application)


@pytest.fixture
def stored_predictions(seeded_graph):
    """PREDICTED_AUDIENCE of one seed title written by the write-back's own function; removed after."""
    write_predicted_audience(seeded_graph, [("svc-es1", [
        {"iso2": "ES", "p_chart": 0.9, "weeks": 4.0}, {"iso2": "BR", "p_chart": 0.6, "weeks": 2.0},
        {"iso2": "FR", "p_chart": 0.3, "weeks": 1.0}])], "v-stored", progress=False)
    yield seeded_graph
    seeded_graph.execute_query("MATCH ()-[p:PREDICTED_AUDIENCE]->() DELETE p")
    seeded_graph.execute_query("MATCH (m:ModelVersion {area: 'audience'}) DELETE m")


def _check_plan(plan: dict) -> None:
    """Invariants of every non-empty plan."""
    shares = [step["cumulative_share"] for step in plan["languages"]]
    assert shares == sorted(shares) and 0 < shares[-1] <= 1
    assert plan["unreached_share"] == pytest.approx(1 - shares[-1])
    audiences = [country["audience"] for country in plan["countries"]]
    assert audiences == sorted(audiences, reverse=True)
    assert sum(country["share"] for country in plan["countries"]) == pytest.approx(1.0)


def test_localization_of_a_known_title_comes_from_the_model_with_comps(headed_client, conforms, trained):
    body = conforms(headed_client.get("/v1/titles/svc-kr1/localization"), PATH)
    assert body["source"] == "model" and body["model_version"] == trained["version"] and not body["warnings"]
    plan = body["plan"]
    _check_plan(plan)
    assert {country["country"] for country in plan["countries"]} == set(seed.COUNTRIES)
    # Before any global hours the seed's market weights are uniform: weeks x weight ranks the countries.
    assert plan["audience_basis"] == "expected_weeks_x_market_weight"
    uniform = [1 / len(seed.COUNTRIES)] * len(seed.COUNTRIES)
    assert [country["market_weight"] for country in plan["countries"]] == pytest.approx(uniform)
    assert plan["original_languages"] == ["ko"]
    assert (plan["languages"][0]["language"], plan["languages"][0]["treatment"]) == ("ko", "original")
    assert any(country["comps"] for country in plan["countries"])
    korea = next(country for country in plan["countries"] if country["country"] == "KR")
    assert korea["languages"][0]["language"] == "ko" and korea["name"] == "South Korea"


def test_predict_with_plan_adds_the_plan_of_the_predicted_audience(headed_client, conforms):
    body = conforms(headed_client.post("/v1/predict?plan=true&k=3", json=KOREAN_CRIME), "/v1/predict", "post")
    assert body["audience"] and body["plan"]["original_languages"] == ["ko"]
    _check_plan(body["plan"])
    assert [c["country"] for c in body["plan"]["countries"]][0] == max(
        body["audience"], key=lambda entry: entry["expected_weeks"])["country"]
    assert "plan" not in headed_client.post("/v1/predict?k=3", json=KOREAN_CRIME).get_json()


def test_predict_plan_without_an_audience_head_is_empty(model_client, conforms):
    body = conforms(model_client.post("/v1/predict?plan=true", json=KOREAN_CRIME), "/v1/predict", "post")
    assert body["audience"] == [] and body["plan"]["languages"] == [] and body["plan"]["countries"] == []


def test_a_title_the_model_does_not_know_uses_stored_predictions(client, conforms, stored_predictions):
    body = conforms(client.get("/v1/titles/svc-es1/localization"), PATH)
    assert body["source"] == "stored" and body["model_version"] == "v-stored"
    plan = body["plan"]
    _check_plan(plan)
    assert [country["country"] for country in plan["countries"]] == ["ES", "BR", "FR"]
    assert plan["languages"][0]["language"] == "es" and plan["languages"][0]["treatment"] == "original"
    assert "pt" in [step["language"] for step in plan["languages"]]


def test_no_predictions_give_an_empty_plan_and_a_warning(client, conforms):
    body = conforms(client.get(f"/v1/titles/{seed.CHART_ONLY_ID}/localization"), PATH)
    assert body["source"] == "none" and body["model_version"] is None and body["plan"]["countries"] == []
    assert [warning["code"] for warning in body["warnings"]] == ["no_audience_predictions"]


def test_unknown_titles_and_bad_flags_are_named(client, model_client, conforms):
    response = client.get("/v1/titles/nope/localization")
    assert response.status_code == 404 and conforms(response, PATH)["error"]["field"] == "title_id"
    response = model_client.post("/v1/predict?plan=maybe", json=KOREAN_CRIME)
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "plan"
