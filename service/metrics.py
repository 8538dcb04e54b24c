"""Prometheus metrics: request counts and latencies per endpoint, model reloads.

Under gunicorn every worker is its own process. service/gunicorn.conf.py gives each run a
fresh `PROMETHEUS_MULTIPROC_DIR` (settings.metrics_dir) before workers start, so
prometheus-client writes every worker's samples there and `/metrics` adds them up across
workers. Without that directory (tests, `flask run`) the metrics are this process's own.
"""

from __future__ import annotations

import time
from pathlib import Path

from flask import Flask, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

# Latency buckets (seconds) around the targets: similar p99 < 25 ms, predict p99 < 150 ms.
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The service's metrics, registered in their own registry (one per app, so tests can build many).

    Args:
        multiprocess_dir: prometheus-client's multi-process folder, or None for one process.
    """

    def __init__(self, multiprocess_dir: Path | None = None) -> None:
        self.multiprocess_dir = multiprocess_dir
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "titlegraph_http_requests_total", "HTTP requests answered",
            ["method", "endpoint", "status"], registry=self.registry)
        self.latency = Histogram(
            "titlegraph_http_request_duration_seconds", "Time to answer a request",
            ["method", "endpoint"], buckets=_BUCKETS, registry=self.registry)
        self.reloads = Counter(
            "titlegraph_model_reloads_total", "Model loads by the hot-reload holder",
            ["result"], registry=self.registry)

    def render(self) -> tuple[bytes, str]:
        """The exposition text of all workers (multi-process) or of this process."""
        if self.multiprocess_dir is not None:
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry, path=str(self.multiprocess_dir))
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST

    def init_app(self, app: Flask) -> None:
        """Time every request and count it by method, endpoint (the URL rule) and status."""

        @app.before_request
        def start_timer() -> None:
            g.metrics_started = time.perf_counter()

        @app.after_request
        def record(response):
            endpoint = request.url_rule.rule if request.url_rule else "unmatched"
            elapsed = time.perf_counter() - g.get("metrics_started", time.perf_counter())
            self.requests.labels(request.method, endpoint, str(response.status_code)).inc()
            self.latency.labels(request.method, endpoint).observe(elapsed)
            return response
