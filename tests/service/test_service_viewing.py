"""`viewing` in POST /v1/predict and GET /v1/titles/{id}/audience, and the launch inputs."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from graph.audience import write_predicted_audience
from training.bundle import load_bundle, viewing_dir
from training.viewing import LaunchFacts, ViewingTargets
from training.viewing_fit import ViewingData, fit_viewing

pytestmark = pytest.mark.neo4j

BODY = {"title": "Harbour Lights", "type": "show", "summary": "A detective returns to her island home.",
        "genres": ["Crime TV Shows"], "countries": ["GB"]}


def _viewing_head(dimensions: int, folder) -> None:
    """A viewing forecast fitted on synthetic launches where returning seasons draw more hours."""
    rng = np.random.default_rng(0)
    n = 300
    shows = rng.random(n) < 0.5
    returning = shows & (rng.random(n) < 0.5)
    new = rng.random(n) < 0.7
    hours = np.exp(14 + shows + 1.5 * returning + 0.8 * new + rng.normal(0, 0.5, n))
    reached = hours > 2e6
    targets = ViewingTargets([f"t{i}" for i in range(n)], np.where(reached, hours, 0.0),
                             np.where(reached, hours, 2e6))
    facts = [LaunchFacts("show" if s else "movie", ("GB",), 2021 if w else 2005, 2021, season=2 if r else 1)
             for s, r, w in zip(shows, returning, new, strict=True)]
    data = ViewingData(targets, facts, rng.normal(size=(n, dimensions)).astype(np.float32))
    fit_viewing(data, np.arange(n) >= 240, runtime_minutes={"movie": 100.0, "episode": 45.0}).save(folder)


@pytest.fixture
def viewing_client(model_settings, trained, tmp_path):
    from service.app import close_app, create_app

    models = tmp_path / "viewing-models"
    shutil.copytree(trained["models_dir"], models, symlinks=True)
    bundle = models / trained["version"]
    dimensions = load_bundle(bundle).title_embeddings.shape[1]
    _viewing_head(dimensions, viewing_dir(bundle))
    application = create_app({"SETTINGS": model_settings.with_overrides(models_dir=models), "TESTING": True})
    yield application.test_client()
    close_app(application)


def test_predict_gives_a_viewing_forecast_in_hours_and_views(viewing_client, conforms):
    response = viewing_client.post("/v1/predict", json=BODY | {"duration_minutes": 50})
    body = conforms(response, "/v1/predict", "post")
    assert response.status_code == 200, body
    viewing = body["viewing"]
    assert viewing["horizon_weeks"] == 4
    for measure in ("hours", "views"):
        values = viewing[measure]
        assert set(values) == {"p10", "p50", "p90"}
        assert all(isinstance(value, float) for value in values.values())
        assert 0 < values["p10"] < values["p50"] < values["p90"]
    # A show's view is a season: 8 episodes of 50 minutes.
    assert viewing["views"]["p50"] == pytest.approx(viewing["hours"]["p50"] / (8 * 50 / 60), rel=0.01)
    assert "no_viewing_model" not in {warning["code"] for warning in body["warnings"]}


def test_a_returning_season_is_forecast_above_a_new_series(viewing_client):
    new = viewing_client.post("/v1/predict", json=BODY | {"season": 1}).get_json()
    returning = viewing_client.post("/v1/predict", json=BODY | {"season": 3}).get_json()
    assert returning["viewing"]["hours"]["p50"] > new["viewing"]["hours"]["p50"]


def test_launch_inputs_are_validated_with_the_field_named(viewing_client):
    for field, value in (("launch_date", "2022-02-30"), ("launch_date", "next week"), ("season", 0),
                         ("season", 1.5), ("season", "2")):
        response = viewing_client.post("/v1/predict", json=BODY | {field: value})
        assert response.status_code == 422, (field, value)
        assert field in response.get_data(as_text=True)
    ok = viewing_client.post("/v1/predict", json=BODY | {"launch_date": "2022-03-18", "season": 2.0,
                                                          "year": 2022.0})
    assert ok.status_code == 200, ok.get_json()


def test_a_missing_year_is_a_launch_now_not_an_old_title(viewing_client):
    # Only the year differs; the viewing head's "new release" feature must read "no year" as new.
    old = viewing_client.post("/v1/predict", json=BODY | {"year": 1995}).get_json()
    now = viewing_client.post("/v1/predict", json=BODY).get_json()
    launched = viewing_client.post("/v1/predict", json=BODY | {"launch_date": "2022-03-18",
                                                               "year": 2022}).get_json()
    assert now["viewing"] == launched["viewing"] != old["viewing"]


def test_a_graph_title_has_its_viewing_forecast_too(viewing_client, trained, conforms):
    title_id = load_bundle(trained["bundle"]).title_ids[0]
    response = viewing_client.get(f"/v1/titles/{title_id}/audience")
    body = conforms(response, "/v1/titles/{title_id}/audience")
    assert response.status_code == 200, body
    assert body["viewing"]["hours"]["p50"] > 0


def test_one_countrys_expected_hours_are_its_share_not_the_whole(viewing_client, trained, seeded_graph):
    # Predictions of the served version, written by the write-back's own function.
    write_predicted_audience(seeded_graph, [("svc-es1", [
        {"iso2": "ES", "p_chart": 0.9, "weeks": 4.0}, {"iso2": "BR", "p_chart": 0.6, "weeks": 2.0},
        {"iso2": "FR", "p_chart": 0.3, "weeks": 1.0}])], trained["version"], progress=False)
    try:
        everywhere = viewing_client.get("/v1/titles/svc-es1/audience").get_json()
        one = viewing_client.get("/v1/titles/svc-es1/audience?country=BR").get_json()
    finally:
        seeded_graph.execute_query("MATCH ()-[p:PREDICTED_AUDIENCE]->() DELETE p")
        seeded_graph.execute_query("MATCH (m:ModelVersion {area: 'audience'}) DELETE m")
    hours = {entry["country"]: entry["expected_hours"] for entry in everywhere["audience"]}
    assert set(hours) == {"ES", "BR", "FR"} and hours["ES"] > hours["BR"] > hours["FR"] > 0
    assert [entry["country"] for entry in one["audience"]] == ["BR"]
    # The split runs over every chart country whatever the filter: BR keeps its share, not the whole.
    assert one["audience"][0]["expected_hours"] == hours["BR"] < one["viewing"]["hours"]["p50"]
    assert all(entry["country"] == "BR" for entry in one["observed"])


def test_without_a_viewing_head_predict_says_so(model_client):
    body = model_client.post("/v1/predict", json=BODY).get_json()
    assert body["viewing"] is None
    assert "no_viewing_model" in {warning["code"] for warning in body["warnings"]}
