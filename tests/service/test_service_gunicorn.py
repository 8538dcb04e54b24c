"""The real thing: gunicorn with service/gunicorn.conf.py, several workers, on a free loopback port."""

from __future__ import annotations

import os
import subprocess
import time

import pytest
import requests

from service.commands import gunicorn_command, stop_gunicorn
from tests.service.conftest import free_port

pytestmark = pytest.mark.neo4j


def settings_env(settings) -> dict[str, str]:
    """Environment that makes `load_settings()` in the workers give these settings."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("NEO4J_", "TITLEGRAPH_", "PROMETHEUS_"))}
    env.update(TITLEGRAPH_HOME=str(settings.home), TITLEGRAPH_MODELS=str(settings.models_path),
               TITLEGRAPH_DATA=str(settings.data_dir), NEO4J_BOLT_PORT=str(settings.bolt_port),
               NEO4J_HTTP_PORT=str(settings.http_port), TITLEGRAPH_WRITE_KEY=settings.write_key or "",
               TITLEGRAPH_API_HOST="127.0.0.1", TITLEGRAPH_API_PORT=str(settings.api_port),
               TITLEGRAPH_API_WORKERS=str(settings.api_workers))
    if settings.neo4j_uri:
        env.update(NEO4J_URI=settings.neo4j_uri, NEO4J_PASSWORD=settings.neo4j_password or "")
    return env


class Gunicorn:
    """A gunicorn run of the service; `url` is its base URL."""

    def __init__(self, settings, log_path) -> None:
        self.settings = settings.with_overrides(api_port=free_port())
        self.url = f"http://127.0.0.1:{self.settings.api_port}"
        self.log_path = log_path
        self._log = open(log_path, "w")
        self.process = subprocess.Popen(gunicorn_command(self.settings), env=settings_env(self.settings),
                                        stdout=self._log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log_path.read_text()[-3000:]
            try:
                if requests.get(f"{self.url}/version", timeout=2).ok:
                    return
            except requests.RequestException:  # booting workers may not answer yet
                pass
            time.sleep(0.2)
        raise AssertionError(f"gunicorn not ready:\n{self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        stop_gunicorn(self.process)
        self._log.close()


@pytest.fixture
def gunicorn(app_settings, seeded_graph, tmp_path):
    """gunicorn with 2 workers on the seeded graph."""
    server = Gunicorn(app_settings.with_overrides(api_workers=2), tmp_path / "gunicorn.log")
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def test_gunicorn_serves_with_json_logs_and_metrics_of_all_workers(gunicorn):
    for _ in range(40):
        # A new connection each time, so both workers get some of the requests.
        response = requests.get(f"{gunicorn.url}/v1/titles/svc-kr1", headers={"Connection": "close"})
        assert response.status_code == 200
    metrics = requests.get(f"{gunicorn.url}/metrics").text
    sample = 'titlegraph_http_requests_total{endpoint="/v1/titles/<title_id>",method="GET",status="200"}'
    line = next(row for row in metrics.splitlines() if row.startswith(sample))
    assert float(line.split()[-1]) == 40.0  # summed over both workers
    gunicorn.stop()
    log_lines = [row for row in gunicorn.log_path.read_text().splitlines() if row.startswith("{")]
    assert any('"request_id"' in row and '"/v1/titles/svc-kr1"' in row for row in log_lines)
    assert "Booting worker" in gunicorn.log_path.read_text()


def test_gunicorn_refuses_oversized_bodies(gunicorn, app_settings):
    body = b"{" + b" " * (app_settings.max_body_bytes * 4)
    response = requests.post(f"{gunicorn.url}/v1/predict", data=body,
                             headers={"Content-Type": "application/json"}, timeout=10)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
