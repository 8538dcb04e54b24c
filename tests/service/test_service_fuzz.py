"""Random input never makes a 500: JSON bodies for /v1/predict and query strings for the GET endpoints."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.neo4j

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: (st.lists(children, max_size=5)
                      | st.dictionaries(st.text(max_size=12), children, max_size=5)),
    max_leaves=20,
)
_body = st.fixed_dictionaries(
    {}, optional={"title": _json, "type": st.sampled_from(["movie", "show", "film"]) | _json,
                  "summary": _json, "genres": _json, "countries": _json, "cast": _json,
                  "director": _json, "year": _json, "duration_minutes": _json, "extra": _json})
_fuzz = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@_fuzz
@given(body=_body | _json)
def test_predict_bodies_never_500(client, body):
    response = client.post("/v1/predict", data=json.dumps(body), content_type="application/json")
    assert response.status_code in (400, 422, 503), response.get_json()
    assert set(response.get_json()["error"]) >= {"code", "message", "field"}


@_fuzz
@given(raw=st.binary(max_size=200))
def test_raw_bytes_never_500(client, raw):
    response = client.post("/v1/predict", data=raw, content_type="application/json")
    assert response.status_code in (400, 422, 503)


@_fuzz
@given(path=st.sampled_from(["/v1/titles", "/v1/titles/svc-kr1/similar", "/v1/titles/svc-kr1/audience",
                             "/v1/countries/KR/titles"]),
       params=st.dictionaries(st.sampled_from(["q", "k", "type", "country", "limit", "x"]),
                              st.text(max_size=20), max_size=4))
def test_query_strings_never_500(client, path, params):
    response = client.get(path, query_string=params)
    assert response.status_code in (200, 404, 422), response.get_json()
