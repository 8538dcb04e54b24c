"""Degraded mode: with Neo4j unreachable, search, comps, audience and predictions answer 200 from the
loaded model with a `graph_unavailable` warning, writes answer 503 with Retry-After, /health says
Neo4j is unreachable. Each degraded answer is compared with the healthy answer of an app on the
real seeded graph serving the same model."""

from __future__ import annotations

import pytest

from tests.service import seed
from tests.service.conftest import free_port

pytestmark = pytest.mark.neo4j

NEW_TITLE = {"title": "Seoul Night Shift", "type": "show", "countries": ["KR"],
             "summary": "A detective hunts a serial killer through the police stations of Seoul.",
             "genres": ["Crime TV Shows"], "year": 2022}
WRITE_KEY = "degraded-test-key"
AUDIENCE = "/v1/titles/{title_id}/audience"


def _client(settings):
    from service.app import create_app

    application = create_app({"SETTINGS": settings, "TESTING": True})
    return application, application.test_client()


@pytest.fixture
def up_client(app_settings, headed_models):
    """The tiny model with its audience head, on the seeded graph."""
    application, client = _client(app_settings.with_overrides(models_dir=headed_models, write_key=WRITE_KEY))
    yield client
    from service.app import close_app
    close_app(application)


@pytest.fixture
def down_client(app_settings, headed_models, seeded_graph):
    """The same model, with Neo4j pointed at a port nobody listens on."""
    application, client = _client(app_settings.with_overrides(
        models_dir=headed_models, write_key=WRITE_KEY, neo4j_uri=f"bolt://127.0.0.1:{free_port()}"))
    yield client
    from service.app import close_app
    close_app(application)


def _degraded(response, conforms, path: str, method: str = "get") -> dict:
    assert response.status_code == 200, response.get_json()
    body = conforms(response, path, method)
    assert body["warnings"][0]["code"] == "graph_unavailable"
    assert "unavailable" in body["warnings"][0]["message"]
    return body


def _unavailable(response) -> dict:
    assert response.status_code == 503, response.get_json()
    assert response.headers["Retry-After"].isdigit()
    error = response.get_json()["error"]
    assert error["code"] == "neo4j_unavailable"
    return error


def test_health_still_reports_neo4j_unreachable(down_client):
    response = down_client.get("/health")
    assert response.status_code == 503 and response.headers["Retry-After"].isdigit()
    assert response.get_json()["neo4j"]["reachable"] is False


@pytest.mark.parametrize("basis", ["content", "audience"])
def test_similar_gives_the_comps_the_graph_stores(up_client, down_client, conforms, trained, basis):
    path = f"/v1/titles/svc-kr1/similar?k=4&basis={basis}"
    healthy = conforms(up_client.get(path), "/v1/titles/{title_id}/similar")
    body = _degraded(down_client.get(path), conforms, "/v1/titles/{title_id}/similar")
    assert "warnings" in healthy and not [w for w in healthy["warnings"] if w["code"] == "graph_unavailable"]
    assert body["model_version"] == trained["version"] and body["title"] == healthy["title"]
    # The stored comps were written by the same model: same titles, order and scores.
    assert [c["id"] for c in body["similar"]] == [c["id"] for c in healthy["similar"]]
    assert [c["score"] for c in body["similar"]] == pytest.approx([c["score"] for c in healthy["similar"]],
                                                                  abs=1e-4)
    assert [c["shared_genres"] for c in body["similar"]] == [c["shared_genres"] for c in healthy["similar"]]
    assert {c["source"] for c in body["similar"]} == {"model"}
    assert [c["rank"] for c in body["similar"]] == [1, 2, 3, 4]


def test_similar_kind_filter_and_what_only_the_graph_knows(down_client, conforms):
    body = _degraded(down_client.get("/v1/titles/svc-kr1/similar?k=3&type=movie"), conforms,
                     "/v1/titles/{title_id}/similar")
    assert body["similar"] and {c["kind"] for c in body["similar"]} == {"movie"}
    # Comps that charted in a country need the chart history; a chart-only title is not in the model.
    by_country = _unavailable(down_client.get("/v1/titles/svc-kr1/similar?country=KR"))
    assert "chart history" in by_country["message"]
    chart_only = _unavailable(down_client.get(f"/v1/titles/{seed.CHART_ONLY_ID}/similar"))
    assert seed.CHART_ONLY_ID in chart_only["message"]
    _unavailable(down_client.get("/v1/titles/no-such-title/audience"))


def test_audience_is_the_heads_forecast_without_chart_history(up_client, down_client, conforms, trained):
    body = _degraded(down_client.get("/v1/titles/svc-kr1/audience"), conforms, AUDIENCE)
    assert "observed" not in body and body["model_version"] == trained["version"]
    assert {entry["country"] for entry in body["audience"]} == set(seed.COUNTRIES)
    assert all("observed_weeks" not in entry for entry in body["audience"])
    # The healthy localization plan reads the title's metadata from the graph; the degraded answer
    # reads it from the bundle (heads/title_metadata.json): the same forecast.
    plan = up_client.get("/v1/titles/svc-kr1/localization").get_json()
    assert plan["source"] == "model"
    expected = {country["country"]: country["p_chart"] for country in plan["plan"]["countries"]}
    assert {entry["country"]: entry["p_chart"] for entry in body["audience"]} == pytest.approx(expected)
    one = _degraded(down_client.get("/v1/titles/svc-kr1/audience?country=kr"), conforms,
                    AUDIENCE)
    assert one["audience"] == [entry for entry in body["audience"] if entry["country"] == "KR"]
    error = down_client.get("/v1/titles/svc-kr1/audience?country=ZZ").get_json()["error"]
    assert error["field"] == "country"


def test_audience_without_a_head_is_empty_with_a_warning(app_settings, trained, seeded_graph, conforms):
    from service.app import close_app

    application, client = _client(app_settings.with_overrides(
        models_dir=trained["models_dir"], neo4j_uri=f"bolt://127.0.0.1:{free_port()}"))
    try:
        body = _degraded(client.get("/v1/titles/svc-kr1/audience"), conforms, AUDIENCE)
    finally:
        close_app(application)
    assert body["audience"] == [] and body["model_version"] is None
    assert [w["code"] for w in body["warnings"]] == ["graph_unavailable", "no_audience_predictions"]


def test_predict_answers_from_the_model_and_save_is_refused(up_client, down_client, conforms):
    healthy = conforms(up_client.post("/v1/predict?k=4", json=NEW_TITLE), "/v1/predict", "post")
    body = _degraded(down_client.post("/v1/predict?k=4", json=NEW_TITLE), conforms, "/v1/predict", "post")
    assert body["warnings"][1:] == healthy["warnings"]
    for field in ("similar", "similar_audience"):
        assert [c["id"] for c in body[field]] == [c["id"] for c in healthy[field]]
        assert [c["shared_genres"] for c in body[field]] == [c["shared_genres"] for c in healthy[field]]
    assert ([(e["country"], e["p_chart"]) for e in body["audience"]]
            == [(e["country"], pytest.approx(e["p_chart"])) for e in healthy["audience"]])
    # Names come from CLDR when the worker never read the graph's.
    assert {e["country"]: e["name"] for e in body["audience"]}["KR"] == "South Korea"
    planned = _degraded(down_client.post("/v1/predict?k=2&plan=true", json=NEW_TITLE), conforms,
                        "/v1/predict", "post")
    assert planned["plan"]["languages"][0]["language"] == "ko"
    saved = down_client.post("/v1/predict?save=true", json=NEW_TITLE, headers={"X-Write-Key": WRITE_KEY})
    _unavailable(saved)


def test_slate_rows_carry_the_warning(down_client, conforms):
    slate = {"titles": [NEW_TITLE, dict(NEW_TITLE, title="B")]}
    body = down_client.post("/v1/predict/batch?top=2", json=slate)
    assert body.status_code == 200, body.get_json()
    rows = conforms(body, "/v1/predict/batch", "post")["rows"]
    assert len(rows) == 2 and all(row["warnings"][0] == "graph_unavailable" for row in rows)


def test_search_answers_from_the_models_titles(up_client, down_client, conforms):
    for query in ("seoul detectives", "busan", "amelie", "red planet"):
        path = f"/v1/titles?q={query}"
        healthy = conforms(up_client.get(path), "/v1/titles")
        body = _degraded(down_client.get(path), conforms, "/v1/titles")
        assert "warnings" not in healthy
        assert body["results"][0]["id"] == healthy["results"][0]["id"], query
        assert body["results"][0]["score"] == healthy["results"][0]["score"], query
    body = _degraded(down_client.get("/v1/titles?q=patrol&type=movie"), conforms, "/v1/titles")
    assert body["results"] == []
    body = _degraded(down_client.get("/v1/titles?q=night patrol"), conforms, "/v1/titles")
    assert body["results"][0] == {"id": "svc-kr3", "title": "Night Patrol", "kind": "show", "year": 2019,
                                  "score": 3.0}


def test_without_a_model_reads_stay_503(app_settings, seeded_graph):
    from service.app import close_app

    application, client = _client(app_settings.with_overrides(neo4j_uri=f"bolt://127.0.0.1:{free_port()}"))
    try:
        for path in ("/v1/titles?q=seoul", "/v1/titles/svc-kr1/similar", "/v1/titles/svc-kr1/audience"):
            _unavailable(client.get(path))
    finally:
        close_app(application)
