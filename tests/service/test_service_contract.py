"""The contract: OpenAPI document, JSON errors for every bad request, 503 without Neo4j, health, metrics."""

from __future__ import annotations

import json
import re

import pytest

from tests.service.conftest import free_port

pytestmark = pytest.mark.neo4j

VALID_BODY = {"title": "Seoul Night Shift", "type": "show", "summary": "A detective hunts a serial killer."}


def test_openapi_document_validates_and_covers_every_route(app, client):
    from openapi_spec_validator import validate

    document = client.get("/openapi.json").get_json()
    validate(document)
    documented = {path for path in document["paths"]}
    assert {"/health", "/metrics", "/v1/titles", "/v1/titles/{title_id}", "/v1/titles/{title_id}/similar",
            "/v1/titles/{title_id}/audience", "/v1/predict", "/v1/countries",
            "/v1/countries/{iso2}/titles", "/v1/admin/reload", "/openapi.json", "/docs", "/",
            "/version", "/v1/map", "/v1/countries/{iso2}/affinity",
            "/v1/titles/{title_id}/localization"} <= documented
    routes = {rule.rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    assert len(routes) == len(documented)
    predict = document["paths"]["/v1/predict"]["post"]
    assert predict["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("PredictRequest")
    assert "Retry-After" in predict["responses"]["503"]["headers"]
    assert "plan" in {parameter["name"] for parameter in predict["parameters"]}
    plan = document["components"]["schemas"]["PredictResponse"]["properties"]["plan"]
    assert any(option.get("$ref", "").endswith("LocalizationPlan") for option in plan["anyOf"])


def _keys(node) -> set[str]:
    if isinstance(node, dict):
        return set(node) | {key for value in node.values() for key in _keys(value)}
    if isinstance(node, list):
        return {key for value in node for key in _keys(value)}
    return set()


def test_openapi_states_the_bounds_the_api_enforces(client):
    """A client generating valid requests from the document is not refused (schemathesis'
    positive_data_acceptance found iso2 without its pattern and year without its bounds)."""
    document = client.get("/openapi.json").get_json()
    iso2 = document["paths"]["/v1/countries/{iso2}/titles"]["get"]["parameters"][0]
    assert iso2["name"] == "iso2" and iso2["schema"]["pattern"] == "^[A-Za-z]{2}$"
    fields = document["components"]["schemas"]["PredictRequest"]["properties"]
    assert {"minimum": 1880, "maximum": 2100}.items() <= fields["year"]["anyOf"][0].items()
    assert {"minimum": 1, "maximum": 2000}.items() <= fields["duration_minutes"]["anyOf"][0].items()
    # pydantic's own names for bounds are not JSON Schema: a validator ignores them.
    assert not _keys(document) & {"ge", "le", "gt", "lt"}


def test_docs_page_lists_the_operations(client):
    page = client.get("/docs").get_data(as_text=True)
    assert "/v1/titles/{title_id}/similar" in page and "PredictRequest" in page


@pytest.mark.parametrize(("data", "content_type", "status", "code"), [
    ("{bad json", "application/json", 400, "bad_request"),
    ("", "application/json", 400, "bad_request"),
    (b"\xff\xfe{}", "application/json", 400, "bad_request"),                   # not UTF-8
    ('{"title": NaN}', "application/json", 400, "bad_request"),               # NaN is not JSON
    ('{"year": 1e999}', "application/json", 400, "bad_request"),              # infinite number
    ("[" * 5000 + "]" * 5000, "application/json", 400, "bad_request"),       # deep nesting
    ('{"title": "\\ud800"}', "application/json", 400, "bad_request"),         # lone surrogate
    ("title=x", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
    ("[1, 2]", "application/json", 422, "validation_error"),
])
def test_malformed_bodies_get_clean_errors(client, conforms, data, content_type, status, code):
    response = client.post("/v1/predict", data=data, content_type=content_type)
    body = conforms(response, "/v1/predict", "post")
    assert response.status_code == status
    assert body["error"]["code"] == code
    assert body["error"]["field"] == "body"


# `\s` of the ECMA-262 regexes a JSON Schema pattern is written in: WhiteSpace and LineTerminator.
ECMA_SPACE = "\t\n\x0b\x0c\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"


@pytest.mark.parametrize("blank", [" ", "\x0b", "\x1c", "\x1f", "\x85", "\xa0", "\u2028", "\u3000"])
def test_text_that_strips_to_nothing_is_invalid_to_the_document_too(client, conforms, blank):
    """What the service strips to nothing, the documented pattern refuses too, read by Python's
    regex and as ECMA-262 reads it (its `\\s` leaves out U+0085 and U+001C-U+001F)."""
    pattern = client.get("/openapi.json").get_json()["components"]["schemas"]["PredictRequest"][
        "properties"]["title"]["pattern"]
    as_ecma = pattern.replace("\\S", f"[^{ECMA_SPACE}]").replace("\\s", ECMA_SPACE)
    assert re.search(pattern, blank) is None and re.search(as_ecma, blank) is None
    response = client.post("/v1/predict", json=dict(VALID_BODY, title=blank))
    assert response.status_code == 422
    assert conforms(response, "/v1/predict", "post")["error"]["field"] == "title"


@pytest.mark.parametrize(("change", "field"), [
    ({"type": "film"}, "type"), ({"title": "   "}, "title"), ({"summary": None}, "summary"),
    ({"year": "2020"}, "year"), ({"year": 2020.5}, "year"), ({"year": True}, "year"),
    ({"year": 3000}, "year"), ({"duration_minutes": -5}, "duration_minutes"),
    ({"genres": "Dramas"}, "genres"), ({"genres": ["x" * 101]}, "genres.0"),
    ({"countries": ["KOR"]}, "countries.0"), ({"genre": ["Dramas"]}, "genre"),
    ({"cast": [1]}, "cast.0"), ({"tags": ["t"] * 51}, "tags"),
])
def test_invalid_fields_are_named(client, conforms, change, field):
    body = dict(VALID_BODY, **change)
    if change.get("summary", "") is None:
        del body["summary"]
    response = client.post("/v1/predict", json=body)
    error = conforms(response, "/v1/predict", "post")["error"]
    assert response.status_code == 422, error
    assert error["field"] == field


def test_oversized_body_is_413(client, conforms, app_settings):
    body = dict(VALID_BODY, summary="x" * (app_settings.max_body_bytes + 10))
    response = client.post("/v1/predict", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 413
    assert conforms(response, "/v1/predict", "post")["error"]["code"] == "payload_too_large"


@pytest.mark.parametrize(("headers", "status"), [({}, 401), ({"X-Write-Key": "wrong"}, 403),
                                                 ({"X-Write-Key": "test-write-key-but-longer"}, 403),
                                                 ({"X-Write-Key": "tést"}, 403)])
def test_write_key_is_checked(client, conforms, headers, status):
    response = client.post("/v1/admin/reload", headers=headers)
    body = conforms(response, "/v1/admin/reload", "post")
    assert response.status_code == status and body["error"]["field"] == "X-Write-Key"
    saved = client.post("/v1/predict?save=true", json=VALID_BODY, headers=headers)
    assert saved.status_code == status


def test_writes_are_refused_when_no_key_is_configured(app_settings, seeded_graph):
    from service.app import close_app, create_app

    app = create_app(app_settings.with_overrides(write_key=None))
    try:
        response = app.test_client().post("/v1/admin/reload", headers={"X-Write-Key": "anything"})
        assert response.status_code == 403
    finally:
        close_app(app)


def test_reload_without_a_model_is_503(client, conforms):
    response = client.post("/v1/admin/reload", headers={"X-Write-Key": "test-write-key"})
    body = conforms(response, "/v1/admin/reload", "post")
    assert response.status_code == 503 and body["error"]["code"] == "model_unavailable"


def test_model_endpoints_are_503_before_any_training(bare_client, conforms):
    response = bare_client.get("/v1/titles/svc-kr1/similar")
    body = conforms(response, "/v1/titles/{title_id}/similar")
    assert response.status_code == 503 and response.headers["Retry-After"].isdigit()
    assert body["error"]["code"] == "model_unavailable"
    assert bare_client.post("/v1/predict", json=VALID_BODY).status_code == 503


def test_predict_is_503_without_a_loaded_model(client):
    response = client.post("/v1/predict", json=VALID_BODY)
    assert response.status_code == 503 and response.get_json()["error"]["code"] == "model_unavailable"


def test_wrong_method_is_json_405(client):
    response = client.delete("/v1/titles")
    assert response.status_code == 405 and response.get_json()["error"]["code"] == "method_not_allowed"


def test_request_id_is_echoed_or_made(client):
    assert client.get("/health", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"
    made = client.get("/health", headers={"X-Request-ID": "bad id <x>"}).headers["X-Request-ID"]
    assert made != "bad id <x>" and len(made) == 32


def test_health_reports_neo4j_and_model(client, conforms):
    response = client.get("/health")
    body = conforms(response, "/health")
    assert response.status_code == 200
    assert body["status"] == "degraded" and body["neo4j"]["reachable"] is True
    assert body["model"]["version"] is None and body["uptime_seconds"] >= 0


def test_metrics_count_requests_per_endpoint(client):
    client.get("/v1/titles/nope")
    client.get("/v1/titles/nope")
    text = client.get("/metrics").get_data(as_text=True)
    sample = 'titlegraph_http_requests_total{endpoint="/v1/titles/<title_id>",method="GET",status="404"}'
    assert f"{sample} 2.0" in text
    assert "titlegraph_http_request_duration_seconds_bucket" in text


@pytest.fixture
def app_without_neo4j(app_settings):
    """An app whose Neo4j is a closed port (the shared test server keeps running)."""
    from service.app import close_app, create_app

    app = create_app(app_settings.with_overrides(neo4j_uri=f"bolt://127.0.0.1:{free_port()}",
                                                 neo4j_password="unused"))
    yield app
    close_app(app)


@pytest.mark.parametrize(("method", "url"), [
    ("get", "/v1/titles?q=squid"), ("get", "/v1/titles/svc-kr1"), ("get", "/v1/titles/svc-kr1/audience"),
    ("get", "/v1/countries"), ("get", "/v1/countries/KR/titles"), ("get", "/health"),
])
def test_neo4j_down_is_503_with_retry_after(app_without_neo4j, method, url):
    response = getattr(app_without_neo4j.test_client(), method)(url)
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    body = response.get_json()
    if url == "/health":
        assert body["status"] == "unavailable" and body["neo4j"]["reachable"] is False
    else:
        assert body["error"]["code"] == "neo4j_unavailable"


def test_metrics_and_docs_work_without_neo4j(app_without_neo4j):
    client = app_without_neo4j.test_client()
    assert client.get("/version").get_json() == {"api_version": "1.0.0", "model_version": None}
    assert client.get("/metrics").status_code == 200
    assert client.get("/openapi.json").status_code == 200


@pytest.mark.parametrize("query", ["k=-1", "k=0", "k=101", "k=99999999999999999999999", "k=1e3", "k=nan",
                                   "k=%ff", "country=%00%00", "country=%ff%fe", "type=%ff", "k=1&k=2"])
def test_hostile_similar_parameters_are_422(client, conforms, query):
    response = client.get(f"/v1/titles/svc-kr1/similar?{query}")
    body = conforms(response, "/v1/titles/{title_id}/similar")
    assert response.status_code == 422
    assert body["error"]["field"] in ("k", "country", "type")


@pytest.mark.parametrize("path", ["/v1/titles/%ff%fe", "/v1/titles/%00", "/v1/countries/%ff/titles",
                                  "/v1/titles/" + "%F0%9F%8E%AC" * 50])
def test_hostile_paths_get_clean_4xx(client, path):
    response = client.get(path)
    assert 400 <= response.status_code < 500
    assert response.get_json()["error"]["code"] in ("not_found", "validation_error")
