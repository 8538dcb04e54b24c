"""Two service instances behind HAProxy (deploy/haproxy/local.cfg), the same Neo4j and the same
models folder, on the tiny test graph: requests through the balancer reach both instances (counted
by each instance's own /metrics), and a new model version published into the shared folder is
served by both within seconds, with no failed request meanwhile. bench/scale_lb.py measures the
same on the full graph.
"""

from __future__ import annotations

import shutil

import pytest
import requests

from bench import scale_lb
from bench.soak import PacedLoad
from tests.reliability.conftest import command_env, write_figures

pytestmark = [
    pytest.mark.neo4j, pytest.mark.slow,
    pytest.mark.skipif(shutil.which("haproxy") is None,
                       reason="haproxy is not installed (apt-get install -y haproxy): this test runs "
                              "two service instances behind it"),
]

REQUESTS = 40
# Each worker looks at `current` every 2 s (settings.reload_interval) and loads the tiny model in
# well under a second; the bound leaves room for a loaded machine.
SWAP_BOUND_SECONDS = 20.0
PLAN = [("similar", "GET", "/v1/titles/svc-kr1/similar?k=3", None), ("version", "GET", "/version", None)]


def test_requests_spread_over_two_instances_and_a_new_model_reaches_both(
        app_settings, seeded_graph, private_models, tmp_path):
    env = command_env(app_settings.with_overrides(models_dir=private_models, api_workers=1))
    first_version = scale_lb.registry.current_model_dir(private_models).name
    instances, balancer = [], None
    try:
        instances = [scale_lb.start_instance(f"api{n}", env, 1, tmp_path / f"api{n}.log") for n in (1, 2)]
        scale_lb.wait_ready(instances, workers=1)
        balancer, url = scale_lb.start_haproxy(instances, tmp_path / "haproxy.log")
        before = [scale_lb.answered(instance) for instance in instances]
        # One keep-alive connection from the client: the balancer still picks an instance per request.
        with requests.Session() as session:
            statuses = [session.get(f"{url}{PLAN[0][2]}", timeout=10).status_code for _ in range(REQUESTS)]
        counts = [scale_lb.answered(instance) - start
                  for instance, start in zip(instances, before, strict=True)]
        # The fixed part of a worker's memory (the tiny model holds a few titles); docs/scaling.md.
        memory = {instance.name: scale_lb.worker_memory(instance) for instance in instances}

        load = PacedLoad(url, PLAN, rate=20.0, threads=2).start()
        new_version = scale_lb.publish_copy(private_models)
        reached = scale_lb.wait_for_version(instances, new_version, workers=1, timeout=SWAP_BOUND_SECONDS)
        through_balancer = {requests.get(f"{url}/version", timeout=10).json()["model_version"]
                            for _ in range(6)}
        outcomes = load.stop()
    finally:
        scale_lb.stop_all(balancer, instances)

    assert statuses == [200] * REQUESTS
    assert sum(counts) == REQUESTS, counts
    assert min(counts) >= REQUESTS // 4, f"requests did not spread: {counts}"
    assert new_version != first_version
    assert None not in reached.values(), f"an instance still serves the old model: {reached}"
    assert through_balancer == {new_version}
    failed = [outcome for outcome in outcomes if outcome.status is None or outcome.status >= 500]
    assert outcomes and not failed, failed[:5]
    write_figures("load_balancer", {"requests": REQUESTS, "per_instance": counts,
                                    "seconds_to_serve_new_model": reached,
                                    "requests_during_swap": len(outcomes), "failed_during_swap": len(failed),
                                    "worker_memory": memory})
