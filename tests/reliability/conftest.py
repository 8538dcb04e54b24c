"""Fixtures of the reliability tests: a Neo4j of their own that they may stop and wipe, and helpers
to run `titlegraph` commands as real processes (which a test can SIGKILL).

The private Neo4j lives in a temporary home on free ports, so stopping it never disturbs the
shared test server the other test files use.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.service import conftest as service_fixtures
from tests.service import seed
from tests.service.test_service_gunicorn import settings_env
from titlegraph.config import PROJECT_ROOT

# The service tests' fixtures (tiny trained model, seeded graph, apps), shared with this folder.
trained = service_fixtures.trained
seeded_graph = service_fixtures.seeded_graph
models_dir = service_fixtures.models_dir
app_settings = service_fixtures.app_settings
model_settings = service_fixtures.model_settings
model_app = service_fixtures.model_app
model_client = service_fixtures.model_client
openapi = service_fixtures.openapi
conforms = service_fixtures.conforms
headed_models = service_fixtures.headed_models
free_port = service_fixtures.free_port

# The new title the load tests send to POST /v1/predict (matches the seed graph's Korean crime titles).
NEW_TITLE = {"title": "Seoul Night Shift", "type": "show",
             "summary": "A detective hunts a serial killer in Seoul.", "genres": ["Crime TV Shows"]}

# Figures the lead quotes (soak, faults) go here, beside the other reports of the repo.
REPORTS_DIR = PROJECT_ROOT / "var" / "reports"


@pytest.fixture(scope="session")
def private_neo4j(settings, tmp_path_factory):
    """Settings of a Neo4j started for these tests only (temporary home, free loopback ports)."""
    from graph import server

    own = settings.with_overrides(
        home=tmp_path_factory.mktemp("private-neo4j"), neo4j_uri=None, neo4j_password=None,
        bolt_port=free_port(), http_port=free_port(), neo4j_heap="512m", neo4j_pagecache="128m",
        models_dir=None)
    server.start(own)
    try:
        yield own
    finally:
        server.stop(own)


@pytest.fixture(scope="session")
def private_driver(private_neo4j):
    """A driver to the private Neo4j (it reconnects by itself after the fault test restarts it)."""
    from graph.driver import create_driver

    with create_driver(private_neo4j) as driver:
        yield driver


@pytest.fixture
def private_seed(private_driver, private_neo4j, trained, seeded_graph):
    """The private Neo4j holding the tiny seed graph with the session model's embeddings and comps."""
    seed.seed_graph(private_driver)
    seed.republish(private_driver, trained["bundle"], private_neo4j)
    return private_driver


@pytest.fixture
def private_models(tmp_path, trained):
    """A models folder whose `current` is a copy of the session's tiny model."""
    from training import registry

    folder = tmp_path / "private-models"
    folder.mkdir()
    bundle = shutil.copytree(trained["bundle"], folder / trained["version"])
    registry.publish(folder, bundle)
    return folder


def command_env(settings, **extra: str) -> dict[str, str]:
    """Environment that makes a `titlegraph` process (or gunicorn) use these settings."""
    env = settings_env(settings)
    env.update(PYTHONPATH=str(PROJECT_ROOT), PYTHONUNBUFFERED="1", HF_HUB_OFFLINE="1",
               TITLEGRAPH_CACHE=str(settings.cache_dir))
    env.update(extra)
    return env


def titlegraph(settings, *args: str, log_path: Path, **extra: str) -> subprocess.Popen:
    """Start `python -m titlegraph <args>` for these settings, stdout and stderr into `log_path`."""
    log = log_path.open("ab")
    try:
        return subprocess.Popen([sys.executable, "-m", "titlegraph", *args], cwd=PROJECT_ROOT,
                                env=command_env(settings, **extra), stdout=log, stderr=subprocess.STDOUT)
    finally:
        log.close()  # the child holds its own copy of the descriptor


def wait_for_text(process: subprocess.Popen, log_path: Path, marker: str, timeout: float = 120.0) -> float:
    """Poll the log until `marker` shows up; return when. Fails if the process ends first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if marker in log_path.read_text(errors="replace"):
            return time.monotonic()
        if process.poll() is not None:
            raise AssertionError(f"process ended ({process.returncode}) before {marker!r}:\n"
                                 f"{log_path.read_text(errors='replace')[-3000:]}")
        time.sleep(0.02)
    raise AssertionError(f"{marker!r} not seen in {timeout:.0f}s:\n{log_path.read_text()[-3000:]}")


def sigkill(process: subprocess.Popen) -> bool:
    """SIGKILL the process; True if it was still running (so the kill really interrupted it)."""
    alive = process.poll() is None
    if alive:
        os.kill(process.pid, 9)
    process.wait(timeout=30)
    return alive


def write_figures(name: str, figures: dict) -> Path:
    """Write a test's measured figures to var/reports/<name>.json and print them."""
    REPORTS_DIR.mkdir(parents=True, exist_ok=True)
    path = REPORTS_DIR / f"{name}.json"
    path.write_text(json.dumps(figures, indent=1, default=str))
    print(f"{name}: {json.dumps(figures, default=str)}")
    return path
