"""The Neo4j driver, built once from the settings and handed to everything that needs it."""

from __future__ import annotations

import neo4j

from titlegraph.config import Settings


def create_driver(settings: Settings) -> neo4j.Driver:
    """A driver with chosen timeouts whose connectivity has been verified."""
    driver = neo4j.GraphDatabase.driver(
        settings.bolt_uri,
        auth=(settings.neo4j_user, settings.password()),
        connection_timeout=settings.neo4j_connection_timeout,
        connection_acquisition_timeout=settings.neo4j_acquisition_timeout,
        max_transaction_retry_time=settings.neo4j_transaction_timeout,
        # Stale pooled connections after a Neo4j restart are dropped rather than reused.
        liveness_check_timeout=2.0,
        notifications_min_severity="OFF",
    )
    try:
        driver.verify_connectivity()
    except Exception:
        driver.close()
        raise
    return driver
