"""Hostile input: schemathesis fuzzes every operation of /openapi.json (bounded), and explicit nasty
cases get clean 4xx JSON errors naming the field; nothing reaches the graph.

schemathesis runs through its Python API against the Flask app over WSGI (its pytest plugin's
fixture loader does not work with pytest 9).
"""

from __future__ import annotations

import functools
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from graph.maintenance import graph_counts
from tests.reliability.conftest import write_figures

pytestmark = pytest.mark.neo4j

# No 500; status, content type, headers and body as the OpenAPI document says; and a request the
# document calls valid is not refused (what `schemathesis run --checks all` adds).
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance, positive_data_acceptance]
EXAMPLES_WITH_INPUT = 25
EXAMPLES_WITHOUT_INPUT = 2
KNOWN_IDS = {"title_id": "svc-kr1", "iso2": "KR"}
VALID = {"title": "A new show", "type": "show", "summary": "A detective in Seoul."}


def _closing(app):
    """The app as a WSGI callable that reads and closes every response (the static file views
    answer with open files, which the WSGI server closes in production but schemathesis does not)."""

    def wsgi(environ, start_response):
        result = app(environ, start_response)
        try:
            return [b"".join(result)]
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()

    return wsgi


def _count(counter: Counter, operation: str, label: str, status: int) -> None:
    counter[(operation, label, status)] += 1


def _fuzz(strategy, examples: int, record) -> None:
    """Run `examples` cases of the strategy through every check; `record(status)` after each."""

    @given(case=strategy)
    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def fuzz(case):
        record(case.call_and_validate(checks=CHECKS).status_code)

    fuzz()


@pytest.mark.slow
def test_schemathesis_finds_no_500_and_no_schema_violation(model_app, seeded_graph):
    schema = schemathesis.openapi.from_wsgi("/openapi.json", _closing(model_app))
    operations = [result.ok() for result in schema.get_all_operations()]
    paths = model_app.test_client().get("/openapi.json").json["paths"]
    documented = {(method, path) for path, item in paths.items() for method in item}
    # Every operation but the schema's own endpoint, which schemathesis leaves out.
    assert {(op.method.lower(), op.path) for op in operations} == documented - {("get", "/openapi.json")}
    before = graph_counts(seeded_graph)
    statuses: Counter = Counter()
    for operation in operations:
        has_input = bool(len(operation.query) or len(operation.path_parameters) or len(operation.body))
        # Schema-violating (negative) input needs a constrained parameter: a bare string path
        # parameter has no invalid value, iso2's pattern has.
        negatable = bool(len(operation.query) or len(operation.body)
                         or any("pattern" in str(param.definition) for param in operation.path_parameters))
        modes = [GenerationMode.POSITIVE] + ([GenerationMode.NEGATIVE] if negatable else [])
        runs = [(mode.value, operation.as_strategy(generation_mode=mode)) for mode in modes]
        # Random ids are all unknown (404); a known id gets fuzzed query strings 200 answers to check.
        known = {name: KNOWN_IDS[name] for name in KNOWN_IDS if name in operation.path_parameters}
        if known:
            runs.append(("positive-known-id", operation.as_strategy(path_parameters=known)))
        for label, strategy in runs:
            _fuzz(strategy, EXAMPLES_WITH_INPUT if has_input else EXAMPLES_WITHOUT_INPUT,
                  functools.partial(_count, statuses, operation.label, label))
    assert graph_counts(seeded_graph) == before  # no fuzzed request wrote anything
    assert not [key for key in statuses if key[2] >= 500]
    by_status: Counter = Counter()
    for (_, _, status), count in statuses.items():
        by_status[str(status)] += count
    write_figures("reliability_schemathesis", {
        "schemathesis": schemathesis.SCHEMATHESIS_VERSION, "operations": len(operations),
        "cases": sum(statuses.values()),
        "by_status": dict(by_status),
        "by_operation": {f"{op} {label} {status}": count
                         for (op, label, status), count in sorted(statuses.items())},
    })


# (method, path, JSON body or raw bytes, expected status, field the error names)
INJECTION = "' OR 1=1 WITH 1 AS x MATCH (n) DETACH DELETE n RETURN 'x"
CASES = [
    # Cypher injection travels as a parameter: an id is just an unknown id.
    ("get", "/v1/titles/svc-kr1' OR '1'='1", None, 404, "title_id"),
    ("get", "/v1/titles/x'}) DETACH DELETE t WITH 1 AS x MATCH (t {id: 'svc-kr1", None, 404, "title_id"),
    ("get", "/v1/titles/svc-kr1/similar?country=K'", None, 422, "country"),
    # Huge strings.
    ("get", "/v1/titles?q=" + "a" * 10_000, None, 422, "q"),
    ("get", "/v1/titles/" + "a" * 5000, None, 404, "title_id"),
    ("post", "/v1/predict", {**VALID, "title": "x" * 1000}, 422, "title"),
    ("post", "/v1/predict", {**VALID, "genres": ["g" * 101]}, 422, "genres.0"),
    # Deep JSON (inside the body limit) and invalid UTF-8.
    ("post", "/v1/predict", b"[" * 8000 + b"]" * 8000, 400, "body"),
    ("post", "/v1/predict", b'{"a":' * 2500 + b"1" + b"}" * 2500, 400, "body"),
    ("post", "/v1/predict", b'{"title": "\xff\xfe", "type": "show", "summary": "y"}', 400, "body"),
    ("post", "/v1/predict", b'{"title": "\\ud800", "type": "show", "summary": "y"}', 400, "body"),
    # Negative, zero, huge and non-integer k.
    ("get", "/v1/titles/svc-kr1/similar?k=-1", None, 422, "k"),
    ("get", "/v1/titles/svc-kr1/similar?k=0", None, 422, "k"),
    ("get", "/v1/titles/svc-kr1/similar?k=" + "9" * 40, None, 422, "k"),
    ("get", "/v1/titles/svc-kr1/similar?k=1e3", None, 422, "k"),
    ("post", "/v1/predict?k=-5", VALID, 422, "k"),
    ("post", "/v1/predict?k=1000", VALID, 422, "k"),
    ("get", "/v1/countries/KR/titles?limit=-3", None, 422, "limit"),
    # Unknown and malformed country codes.
    ("get", "/v1/titles/svc-kr1/similar?country=ZZ", None, 404, "country"),
    ("get", "/v1/titles/svc-kr1/similar?country=ZZZ", None, 422, "country"),
    ("get", "/v1/titles/svc-kr1/audience?country=QQ", None, 404, "country"),
    ("get", "/v1/countries/ZZ/titles", None, 404, "iso2"),
    ("get", "/v1/countries/Z1/titles", None, 422, "iso2"),
    ("post", "/v1/predict", {**VALID, "countries": ["ZZZ"]}, 422, "countries.0"),
    # NaN and Infinity in numbers.
    ("get", "/v1/titles/svc-kr1/similar?k=NaN", None, 422, "k"),
    ("post", "/v1/predict?k=Infinity", VALID, 422, "k"),
    ("post", "/v1/predict", b'{"title": "x", "type": "show", "summary": "y", "year": NaN}', 400, "body"),
    ("post", "/v1/predict", b'{"title": "x", "type": "show", "summary": "y", "year": Infinity}', 400, "body"),
    ("post", "/v1/predict", b'{"title": "x", "type": "show", "summary": "y", "year": 1e999}', 400, "body"),
    ("post", "/v1/predict", b'{"title": "x", "type": "show", "summary": "y", "year": 1e300}', 422, "year"),
    # Past the model's bound (1..2000): was a 500 until the API schema matched it.
    ("post", "/v1/predict", {**VALID, "duration_minutes": 5000}, 422, "duration_minutes"),
    ("post", "/v1/predict", b'{"title": "x", "type": "show", "summary": "y", "duration_minutes": -Infinity}',
     400, "body"),
    # Over the body limit (16 KiB in these tests).
    ("post", "/v1/predict", b'{"title": "' + b"x" * 17_000 + b'"}', 413, "body"),
]


@pytest.mark.parametrize(("method", "path", "body", "status", "field"), CASES,
                         ids=[f"{case[3]}-{case[4]}-{index}" for index, case in enumerate(CASES)])
def test_hostile_request_gets_a_clean_4xx_naming_the_field(model_client, method, path, body, status, field):
    if isinstance(body, bytes):
        response = model_client.post(path, data=body, content_type="application/json")
    else:
        response = model_client.open(path, method=method.upper(), json=body)
    assert response.status_code == status, response.get_json()
    error = response.get_json()["error"]
    assert error["field"] == field
    assert error["code"] and error["message"]


def test_injection_in_free_text_is_data_and_changes_nothing(model_client, seeded_graph):
    before = graph_counts(seeded_graph)
    search = model_client.get("/v1/titles", query_string={"q": INJECTION})
    assert search.status_code == 200 and search.get_json()["query"] == INJECTION
    predicted = model_client.post("/v1/predict", json={
        **VALID, "title": INJECTION, "summary": "MATCH (n) DETACH DELETE n",
        "genres": ["}) DETACH DELETE n //"], "cast": ["$id"], "tags": ["`backtick`"]})
    assert predicted.status_code == 200
    assert {warning.get("field") for warning in predicted.get_json()["warnings"]} >= {"genres", "cast"}
    # An unknown but well-formed production country is a warning naming the field, not an error.
    warned = model_client.post("/v1/predict", json={**VALID, "countries": ["ZZ"]})
    assert warned.status_code == 200
    first_warning = warned.get_json()["warnings"][0]
    assert {"code": "unknown_country", "field": "countries"}.items() <= first_warning.items()
    assert graph_counts(seeded_graph) == before
