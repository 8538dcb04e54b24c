"""Neo4j goes away under load: the reads the loaded model can answer (search, comps, audience,
predictions) keep answering 200 with a `graph_unavailable` warning, the rest and every write answer
503 with Retry-After (never 500, never a hang), /health says why, and the same workers answer from
the graph again within seconds of Neo4j's return.

The Neo4j stopped here is the private one of tests/reliability, never the shared test server.
"""

from __future__ import annotations

import shutil
import time
from collections import Counter

import neo4j
import psutil
import pytest
import requests

from bench.soak import PacedLoad
from graph import queries, server
from graph.driver import create_driver
from service.database import (
    QUERY_TIMEOUT_SECONDS,
    RECONNECT_BACKOFF_SECONDS,
    REQUEST_RETRY_SECONDS,
    GraphHandle,
)
from tests.reliability.conftest import NEW_TITLE, write_figures
from tests.service.test_service_gunicorn import Gunicorn
from titlegraph.config import Settings

pytestmark = pytest.mark.neo4j

# Endpoints that read Neo4j (answers of similar and audience kept in the answer cache until its
# version read fails, at most reload_interval later), plus /version, which never touches Neo4j.
PLAN = [
    ("title", "GET", "/v1/titles/svc-kr1", None),
    ("search", "GET", "/v1/titles?q=seoul", None),
    ("similar", "GET", "/v1/titles/svc-kr2/similar?k=3", None),
    ("audience", "GET", "/v1/titles/svc-kr1/audience", None),
    ("country_titles", "GET", "/v1/countries/KR/titles?limit=5", None),
    ("predict", "POST", "/v1/predict?k=3", NEW_TITLE),
    ("version", "GET", "/version", None),
]
# Answered from the loaded model while Neo4j is away (service/degraded.py); the others need the graph.
FROM_THE_MODEL = {"search", "similar", "audience", "predict"}
NEEDS_NEO4J = {"title", "country_titles"}
WRITE_KEY = "fault-test-write-key"
WRITES_DURING_OUTAGE = 3
RATE = 40.0
OUTAGE_SECONDS = 3.0
RECOVERY_BOUND_SECONDS = 10.0
# Two seconds of slack over the configured bound for the client and the busy 2-core box.
LATENCY_SLACK_SECONDS = 2.0


def _worker_pids(master_pid: int) -> set[int]:
    return {child.pid for child in psutil.Process(master_pid).children()}


def _database_answers(driver) -> bool:
    """One try, without the driver's retries, so the moment it first succeeds is measured."""
    try:
        with driver.session() as session:
            return session.run(queries.SERVICE_PING).single()["ok"] == 1
    except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError):
        return False


def _health(url: str) -> requests.Response:
    return requests.get(f"{url}/health", headers={"Connection": "close"}, timeout=30)


def test_driver_timeouts_and_retries_are_the_settings_not_driver_defaults(private_neo4j):
    chosen = private_neo4j.with_overrides(neo4j_connection_timeout=3.5, neo4j_acquisition_timeout=4.5,
                                          neo4j_transaction_timeout=12.0)
    # Private attributes of the pinned driver (neo4j 6.4) are the only place these values live.
    with create_driver(chosen) as driver:
        configured = (driver._pool.pool_config.connection_timeout,
                      driver._default_workspace_config.connection_acquisition_timeout,
                      driver._default_workspace_config.max_transaction_retry_time,
                      driver._pool.pool_config.liveness_check_timeout)
    assert configured == (3.5, 4.5, 12.0, 2.0)
    # The defaults of the settings differ from the driver's own, so they are a choice.
    with neo4j.GraphDatabase.driver(private_neo4j.bolt_uri, auth=neo4j.basic_auth("neo4j", "unused")) as bare:
        driver_defaults = (bare._pool.pool_config.connection_timeout,
                           bare._default_workspace_config.connection_acquisition_timeout,
                           bare._pool.pool_config.liveness_check_timeout)
    settings_defaults = (Settings().neo4j_connection_timeout, Settings().neo4j_acquisition_timeout, 2.0)
    assert all(ours != theirs for ours, theirs in zip(settings_defaults, driver_defaults, strict=True))
    # Requests retry for a short budget only; batch jobs keep the settings' longer one.
    assert GraphHandle(private_neo4j).settings.neo4j_transaction_timeout == REQUEST_RETRY_SECONDS


@pytest.fixture
def private_headed_models(tmp_path, headed_models, trained):
    """A models folder whose `current` is a copy of the tiny model with its audience head."""
    from training import registry

    folder = tmp_path / "private-headed-models"
    folder.mkdir()
    bundle = shutil.copytree(headed_models / trained["version"], folder / trained["version"])
    registry.publish(folder, bundle)
    return folder


def _save_during_outage(url: str) -> list[requests.Response]:
    """Writes while Neo4j is away: `POST /v1/predict?save=true` with the right key."""
    return [requests.post(f"{url}/v1/predict?save=true", json=NEW_TITLE, headers={"X-Write-Key": WRITE_KEY},
                          timeout=30) for _ in range(WRITES_DURING_OUTAGE)]


@pytest.mark.slow
def test_neo4j_stop_keeps_model_reads_up_and_the_service_recovers_by_itself(
        private_seed, private_neo4j, private_headed_models, tmp_path):
    driver = private_seed
    settings = private_neo4j.with_overrides(models_dir=private_headed_models, api_workers=2,
                                            write_key=WRITE_KEY)
    # The configured worst case of one request: a connect that hangs (driver connection timeout),
    # then a query that runs out its server-side timeout, within the per-request retry budget.
    latency_bound = (settings.neo4j_connection_timeout + QUERY_TIMEOUT_SECONDS + REQUEST_RETRY_SECONDS
                     + LATENCY_SLACK_SECONDS)
    service = Gunicorn(settings, tmp_path / "gunicorn.log")
    load = None
    try:
        service.wait_ready()
        workers = _worker_pids(service.process.pid)
        assert _health(service.url).status_code == 200
        # One request of each kind first: the first ones after a start are slow (JIT, caches).
        for _, method, path, body in PLAN:
            assert requests.request(method, service.url + path, json=body, timeout=60).status_code == 200
        load = PacedLoad(service.url, PLAN, rate=RATE, threads=6, timeout=60).start()
        time.sleep(2.0)

        marks = {"stop": time.monotonic() - load.started}
        server.stop(private_neo4j)
        marks["stopped"] = time.monotonic() - load.started
        time.sleep(OUTAGE_SECONDS)
        health = _health(service.url)
        writes = _save_during_outage(service.url)

        marks["restart"] = time.monotonic() - load.started
        server.start(private_neo4j)
        marks["ready"] = time.monotonic() - load.started
        # The launcher returns once Bolt logs in; the graph database may come online a little later.
        while not _database_answers(driver):
            time.sleep(0.05)
        marks["database"] = time.monotonic() - load.started
        # Wait for /health, then keep the load on so both workers show they answer again.
        deadline = time.monotonic() + RECOVERY_BOUND_SECONDS
        while _health(service.url).status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(3.0)
        outcomes = load.stop()
        load = None
        assert _worker_pids(service.process.pid) == workers, "a worker was restarted"
        assert service.process.poll() is None
    finally:
        if load is not None:
            load.stop()
        if not server.status(private_neo4j).running:
            server.start(private_neo4j)
        service.stop()

    health_body = _check_health_and_writes(health, writes)
    recovered_at = _check_outcomes(outcomes, marks, settings.reload_interval, latency_bound)
    _write_figures(outcomes, marks, recovered_at, health_body, writes, latency_bound)


def _check_health_and_writes(health: requests.Response, writes: list[requests.Response]) -> dict:
    """/health says Neo4j is unreachable; every write was a 503 neo4j_unavailable with Retry-After."""
    assert health.status_code == 503, health.text
    assert health.headers["Retry-After"].isdigit()
    health_body = health.json()
    assert health_body["status"] == "unavailable"
    assert health_body["neo4j"]["reachable"] is False
    assert "unavailable" in health_body["neo4j"]["error"]
    for write in writes:
        assert write.status_code == 503, write.text
        assert write.headers["Retry-After"].isdigit()
        assert write.json()["error"]["code"] == "neo4j_unavailable"
    return health_body


def _degraded(outcome) -> bool:
    return "graph_unavailable" in (outcome.warnings or [])


def _check_outcomes(outcomes: list, marks: dict, cache_interval: float, latency_bound: float) -> float:
    """Every phase's answers as promised; returns when the last degraded answer or 503 came back."""
    before = [o for o in outcomes if o.sent + o.seconds < marks["stop"]]  # answered before the stop
    outage = [o for o in outcomes if marks["stopped"] <= o.sent < marks["restart"]]
    after = [o for o in outcomes if o.sent >= marks["ready"]]
    assert before and outage and after
    assert {o.status for o in before} == {200}, [o for o in before if o.status != 200][:3]
    assert not [o for o in before if _degraded(o)]
    # Never a 500, a dropped connection or a non-JSON error, whatever phase.
    assert {o.status for o in outcomes} <= {200, 503}, {o.status for o in outcomes}
    assert not [o for o in outcomes if o.error], [o for o in outcomes if o.error][:3]
    unavailable = [o for o in outcomes if o.status == 503]
    assert all(o.code == "neo4j_unavailable" and o.retry_after and o.retry_after.isdigit()
               for o in unavailable), unavailable[:3]
    # The model's reads never answer 5xx, in any phase; while Neo4j is down they say so (after the
    # answer cache's version read has failed once: until then it may hold answers read before).
    model_reads = [o for o in outcomes if o.name in FROM_THE_MODEL]
    assert {o.status for o in model_reads} == {200}, [o for o in model_reads if o.status != 200][:3]
    late_outage = [o for o in outage
                   if o.name in FROM_THE_MODEL and o.sent >= marks["stopped"] + cache_interval]
    assert late_outage and all(_degraded(o) for o in late_outage), [o for o in late_outage
                                                                     if not _degraded(o)][:3]
    assert {o.name for o in late_outage} == FROM_THE_MODEL
    # What needs the graph is refused while it is down; /version still answers.
    assert {o.status for o in outage if o.name in NEEDS_NEO4J} == {503}
    assert {o.status for o in outage if o.name == "version"} == {200}
    max_latency = max(o.seconds for o in outcomes)
    assert max_latency <= latency_bound, sorted(outcomes, key=lambda o: -o.seconds)[:3]
    # Recovered when the last 503 or degraded answer after the restart began came back; negative
    # when the service answered from the graph again before the launcher's readiness check returned.
    recovered_at = max((o.sent + o.seconds for o in outcomes
                        if o.sent >= marks["restart"] and (o.status == 503 or _degraded(o))),
                       default=marks["restart"])
    assert recovered_at - marks["database"] <= RECOVERY_BOUND_SECONDS
    assert {o.status for o in outcomes if o.sent >= recovered_at} == {200}
    assert not [o for o in outcomes if o.sent >= recovered_at and _degraded(o)]
    return recovered_at


def _counts(group: list) -> dict:
    return {"requests": len(group), "200": sum(o.status == 200 for o in group),
            "200_graph_unavailable": sum(o.status == 200 and _degraded(o) for o in group),
            "503": sum(o.status == 503 for o in group)}


def _write_figures(outcomes: list, marks: dict, recovered_at: float, health_body: dict,
                   writes: list[requests.Response], latency_bound: float) -> None:
    """var/reports/reliability_neo4j_fault.json: per phase, and per endpoint while Neo4j was down."""
    outage = [o for o in outcomes if marks["stopped"] <= o.sent < marks["restart"]]
    phases = {"before_stop": [o for o in outcomes if o.sent < marks["stop"]],
              "stopping": [o for o in outcomes if marks["stop"] <= o.sent < marks["stopped"]],
              "down": outage,
              "restarting": [o for o in outcomes if marks["restart"] <= o.sent < marks["ready"]],
              "after_ready": [o for o in outcomes if o.sent >= marks["ready"]]}
    write_figures("reliability_neo4j_fault", {
        "phases": {name: {"requests": len(group), "503": sum(o.status == 503 for o in group),
                          "503_reasons": dict(Counter(o.reason for o in group if o.status == 503)),
                          "200": sum(o.status == 200 for o in group),
                          "200_graph_unavailable": sum(o.status == 200 and _degraded(o) for o in group),
                          "max_latency_s": round(max((o.seconds for o in group), default=0.0), 3),
                          "p50_latency_ms": round(1000 * sorted(o.seconds for o in group)[len(group) // 2], 1)
                          if group else None}
                   for name, group in phases.items()},
        "down_by_endpoint": {name: _counts([o for o in outage if o.name == name]) for name, _, _, _ in PLAN},
        "requests": len(outcomes), "rate_target": RATE, "workers": 2,
        "statuses": {str(s): sum(o.status == s for o in outcomes) for s in (200, 503)},
        "model_reads_5xx": sum(o.name in FROM_THE_MODEL and o.status >= 500 for o in outcomes),
        "writes_during_outage": [w.status_code for w in writes],
        "outage_requests": len(outage), "outage_503": sum(o.status == 503 for o in outage),
        "neo4j_stop_seconds": round(marks["stopped"] - marks["stop"], 2),
        "neo4j_restart_seconds": round(marks["ready"] - marks["restart"], 2),
        "max_latency_s": round(max(o.seconds for o in outcomes), 3), "latency_bound_s": latency_bound,
        "database_online_after_launcher_ready_s": round(marks["database"] - marks["ready"], 2),
        "recovery_after_database_online_s": round(recovered_at - marks["database"], 2),
        "recovery_after_restart_began_s": round(recovered_at - marks["restart"], 2),
        "reconnect_backoff_s": RECONNECT_BACKOFF_SECONDS,
        "health_during_outage": health_body["neo4j"], "workers_restarted": 0,
    })
