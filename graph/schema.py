"""Constraints and indexes, applied idempotently (every statement is `IF NOT EXISTS`)."""

from __future__ import annotations

import neo4j

from graph import queries


def apply_schema(driver: neo4j.Driver, database: str | None = None) -> None:
    """Create the constraints and indexes that do not exist yet, then wait for them to be online."""
    for statement in queries.SCHEMA:
        driver.execute_query(statement, database_=database)
    driver.execute_query(queries.AWAIT_INDEXES, timeout_seconds=300, database_=database)
