"""Whole-graph housekeeping: counts and a batched wipe (tests and `ingest --fresh` use it)."""

from __future__ import annotations

import neo4j

from graph import queries


def clear_graph(driver: neo4j.Driver, database: str | None = None, batch_size: int = 10_000) -> int:
    """Delete every node and relationship in batches (a single huge transaction would need a big heap)."""
    deleted = 0
    while True:
        records, _, _ = driver.execute_query(queries.DELETE_ALL_BATCH, batch_size=batch_size,
                                             database_=database)
        count = records[0]["deleted"]
        deleted += count
        if count == 0:
            return deleted


def graph_counts(driver: neo4j.Driver, database: str | None = None) -> tuple[dict[str, int], dict[str, int]]:
    """Node counts per label and relationship counts per type."""
    nodes, _, _ = driver.execute_query(queries.COUNT_NODES, database_=database, routing_="r")
    rels, _, _ = driver.execute_query(queries.COUNT_RELATIONSHIPS, database_=database, routing_="r")
    return ({r["label"]: r["count"] for r in nodes}, {r["type"]: r["count"] for r in rels})
