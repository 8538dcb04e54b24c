"""A 60-second soak at a fixed rate against gunicorn (2 workers) on loopback, with worker memory
sampled every second: no failed request, no worker restarted, RSS growth within the bound.

The figures go to stdout and var/reports/soak.json (bench/soak.py runs the same soak against the
graph and model of the environment).
"""

from __future__ import annotations

import pytest

from bench.soak import mixed_plan, soak, summary_line, write_report
from tests.reliability.conftest import REPORTS_DIR
from tests.service import seed
from tests.service.test_service_gunicorn import Gunicorn

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]

SOAK_SECONDS = 60.0
RATE = 20.0
WARMUP_SECONDS = 3.0
# Worker RSS may grow this much over the soak (caches fill, allocator arenas settle); a leak of a
# few KB per request would pass 1,200 requests well beyond it.
RSS_BOUND_MB = 50.0


def test_soak_at_a_fixed_rate_answers_everything_and_holds_memory(model_settings, trained, tmp_path):
    service = Gunicorn(model_settings.with_overrides(api_workers=2), tmp_path / "gunicorn.log")
    try:
        service.wait_ready()
        plan = mixed_plan(seed.TITLE_IDS, sorted(seed.COUNTRIES), "seoul")
        figures = soak(service.url, service.process.pid, plan, seconds=SOAK_SECONDS, rate=RATE,
                       warmup=WARMUP_SECONDS)
    finally:
        service.stop()
    figures.update(rss_bound_mb=RSS_BOUND_MB, graph="tiny seed graph (tests/service/seed.py)",
                   model_version=trained["version"], workers_count=2)
    path = write_report(figures, REPORTS_DIR / "soak.json")
    print(summary_line(figures) + f"; written to {path}")
    assert figures["failed"] == 0, figures["failed_examples"]
    assert not figures["workers_restarted"] and len(figures["workers"]) == 2
    assert figures["rps"] >= 0.95 * RATE
    assert figures["rss_samples"] >= SOAK_SECONDS - 2
    assert figures["max_growth_mb"] <= RSS_BOUND_MB, figures["workers"]
