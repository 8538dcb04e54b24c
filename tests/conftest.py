"""Fixtures: a real Neo4j (the project's own test server), a driver, and graphs to test on.

The test server lives in var/test (Bolt 7688, HTTP 7475) so tests never touch the demo graph.
If `.ci/run` or a developer already started it, the fixture reuses it; otherwise it starts
it and stops it at the end of the session. Set TITLEGRAPH_TEST_NEO4J_URI to test against a
server of your own instead (its database is wiped).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from titlegraph.config import PROJECT_ROOT, Settings, load_settings

TEST_HOME = PROJECT_ROOT / "var" / "test"


def _test_settings() -> Settings:
    base = load_settings()
    external = os.environ.get("TITLEGRAPH_TEST_NEO4J_URI")
    return base.with_overrides(
        home=Path(os.environ.get("TITLEGRAPH_TEST_HOME", TEST_HOME)),
        models_dir=None,
        neo4j_uri=external or None,
        neo4j_password=os.environ.get("TITLEGRAPH_TEST_NEO4J_PASSWORD") if external else None,
        bolt_port=int(os.environ.get("TITLEGRAPH_TEST_BOLT_PORT", "7688")),
        http_port=int(os.environ.get("TITLEGRAPH_TEST_HTTP_PORT", "7475")),
        neo4j_heap="1g",
        neo4j_pagecache="512m",
        api_port=int(os.environ.get("TITLEGRAPH_TEST_API_PORT", "8765")),
        write_key="test-write-key",
    )


@pytest.fixture(scope="session")
def settings() -> Settings:
    """Settings of the test run (test home, test ports, a known write key)."""
    return _test_settings()


@pytest.fixture(scope="session")
def neo4j_server(settings):
    """The project's test Neo4j, started if it is not running, stopped if this session started it."""
    if not settings.manages_neo4j:
        yield settings
        return
    from graph import server

    was_running = server.status(settings).running
    if not was_running:
        server.start(settings)
    yield settings
    if not was_running:
        server.stop(settings)


@pytest.fixture(scope="session")
def driver(neo4j_server):
    """A session-wide driver to the test Neo4j."""
    from graph.driver import create_driver

    with create_driver(neo4j_server) as test_driver:
        yield test_driver


@pytest.fixture(scope="session")
def data_dir(settings) -> Path:
    """The shared public data (TITLEGRAPH_DATA or ../shared/data)."""
    if not settings.data_dir.is_dir():
        pytest.fail(f"data folder {settings.data_dir} is missing; set TITLEGRAPH_DATA")
    return settings.data_dir


class GraphState:
    """What the test database holds now, so the full ingest runs once unless a test wiped it."""

    def __init__(self) -> None:
        self.full_ingest = None


@pytest.fixture(scope="session")
def graph_state() -> GraphState:
    return GraphState()


@pytest.fixture
def full_graph(driver, data_dir, settings, graph_state):
    """The test database holding a full ingest of the shared data; returns the IngestSummary."""
    if graph_state.full_ingest is None:
        from graph.ingest import ingest
        from graph.maintenance import clear_graph

        clear_graph(driver)
        graph_state.full_ingest = ingest(driver, data_dir, settings.reports_dir, progress=False,
                                         echo=lambda _: None)
    return graph_state.full_ingest


@pytest.fixture
def clean_graph(driver, graph_state):
    """An empty test database with the schema applied; the next full_graph user re-ingests."""
    from graph.maintenance import clear_graph
    from graph.schema import apply_schema

    graph_state.full_ingest = None
    clear_graph(driver)
    apply_schema(driver)
    return driver
