"""The lazy per-process driver: 503 while Neo4j cannot be reached, connected by itself afterwards."""

from __future__ import annotations

import neo4j.exceptions
import pytest

from graph.driver import create_driver
from service.database import RECONNECT_BACKOFF_SECONDS, GraphHandle
from service.errors import Neo4jUnavailable

pytestmark = pytest.mark.neo4j


def test_handle_backs_off_then_connects_when_neo4j_is_back(neo4j_server):
    clock = [0.0]
    attempts = []

    def factory(settings):
        attempts.append(clock[0])
        if len(attempts) == 1:
            raise neo4j.exceptions.ServiceUnavailable("connection refused")
        return create_driver(settings)

    handle = GraphHandle(neo4j_server, factory=factory, clock=lambda: clock[0])
    with pytest.raises(Neo4jUnavailable, match="ServiceUnavailable"):
        handle.driver()
    with pytest.raises(Neo4jUnavailable):  # inside the back-off: no new attempt
        handle.driver()
    assert attempts == [0.0]
    assert handle.check() == (False, "the graph database is unavailable: ServiceUnavailable")
    clock[0] = RECONNECT_BACKOFF_SECONDS + 0.1
    assert handle.check() == (True, None)
    assert len(attempts) == 2
    handle.mark_unavailable("lost")
    with pytest.raises(Neo4jUnavailable, match="lost"):
        handle.driver()
    clock[0] += RECONNECT_BACKOFF_SECONDS + 0.1
    assert handle.driver() is handle.driver()  # one driver, reused
    handle.close()
    handle.close()


def test_service_driver_fails_fast(neo4j_server):
    handle = GraphHandle(neo4j_server)
    # Requests retry transient errors briefly; batch jobs keep the long budget.
    assert handle.settings.neo4j_transaction_timeout <= 1.0 < neo4j_server.neo4j_transaction_timeout
