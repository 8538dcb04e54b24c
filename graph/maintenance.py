"""Whole-graph housekeeping: counts, a checksum of everything, and a batched wipe."""

from __future__ import annotations

import hashlib
import json

import neo4j

from graph import queries


def clear_graph(driver: neo4j.Driver, database: str | None = None, batch_size: int = 10_000) -> int:
    """Delete every relationship, then every node, in transactions of `batch_size` rows; return
    the nodes deleted. One transaction for a big graph would need a heap the size of the graph."""
    deleted = 0
    # CALL { ... } IN TRANSACTIONS runs only in an auto-commit transaction (session.run).
    with driver.session(database=database) as session:
        for statement in (queries.DELETE_RELATIONSHIPS_IN_TRANSACTIONS, queries.DELETE_NODES_IN_TRANSACTIONS):
            summary = session.run(statement, batch_size=batch_size).consume()
            deleted += summary.counters.nodes_deleted
    return deleted


def retire_summary_word_tags(driver: neo4j.Driver, database: str | None = None,
                             batch_size: int = 10_000) -> int:
    """Move a graph ingested before the Term label to the present form (queries.py
    RETIRE_SUMMARY_WORD_TAGS); return the Tag nodes deleted (0 on a present-day graph)."""
    deleted = 0
    with driver.session(database=database) as session:
        for statement in queries.RETIRE_SUMMARY_WORD_TAGS:
            deleted += session.run(statement, batch_size=batch_size).consume().counters.nodes_deleted
    return deleted


def remove_stale_titles(driver: neo4j.Driver, title_ids: set[str], database: str | None = None,
                        batch_size: int = 2_000) -> list[str]:
    """Delete the catalog titles (with their edges) that are not in `title_ids`, the titles the
    data files give now; return their ids. Titles saved through the API stay."""
    records, _, _ = driver.execute_query(queries.CATALOG_TITLE_IDS, database_=database, routing_="r")
    stale = sorted(record["id"] for record in records if record["id"] not in title_ids)
    for start in range(0, len(stale), batch_size):
        driver.execute_query(queries.DELETE_TITLES, ids=stale[start:start + batch_size], database_=database)
    return stale


# The field of an edge row (graph/ingest.py build_rows) that names the node at its other end.
EDGE_KEYS = {
    "MERGE_AVAILABLE_ON": "service", "MERGE_HAS_TERM": "term", "MERGE_IN_GENRE": "genre",
    "MERGE_PRODUCED_IN": "iso2", "MERGE_DIRECTED": "person_key", "MERGE_ACTED_IN": "person_key",
    "MERGE_CHARTED_IN": "iso2",
}


def remove_stale_edges(driver: neo4j.Driver, rows: dict[str, list[dict]], title_ids: set[str],
                       database: str | None = None, batch_size: int = 2_000) -> tuple[int, int]:
    """Delete the catalog edges of the files' titles that the edge `rows` of this ingest no longer
    give (queries.STALE_EDGES), then the people and terms left without any edge; return (edges,
    nodes) deleted. Titles saved through the API are not among `title_ids` and keep theirs."""
    edges = 0
    for name, field in EDGE_KEYS.items():
        keys: dict[str, list[str]] = {title_id: [] for title_id in title_ids}
        for row in rows.get(name, []):
            keys[row["title_id"]].append(row[field])
        todo = [{"title_id": title_id, "keys": given} for title_id, given in sorted(keys.items())]
        for start in range(0, len(todo), batch_size):
            summary = driver.execute_query(queries.STALE_EDGES[name], rows=todo[start:start + batch_size],
                                           database_=database).summary
            edges += summary.counters.relationships_deleted
    nodes = sum(driver.execute_query(statement, database_=database).summary.counters.nodes_deleted
                for statement in queries.DELETE_ORPHANS)
    return edges, nodes


def title_count(driver: neo4j.Driver, database: str | None = None) -> int:
    """How many titles the graph holds (0: an empty store, where nothing can be stale)."""
    records, _, _ = driver.execute_query(queries.COUNT_TITLES, database_=database, routing_="r")
    return records[0]["count"]


def link_saved_title_terms(driver: neo4j.Driver, database: str | None = None) -> int:
    """HAS_TERM edges of API-saved titles that have none (saved before the Term label)."""
    records, _, _ = driver.execute_query(queries.LINK_SAVED_TITLE_TERMS, database_=database)
    return records[0]["linked"]


def graph_counts(driver: neo4j.Driver, database: str | None = None) -> tuple[dict[str, int], dict[str, int]]:
    """Node counts per label and relationship counts per type."""
    nodes, _, _ = driver.execute_query(queries.COUNT_NODES, database_=database, routing_="r")
    rels, _, _ = driver.execute_query(queries.COUNT_RELATIONSHIPS, database_=database, routing_="r")
    return ({r["label"]: r["count"] for r in nodes}, {r["type"]: r["count"] for r in rels})


def graph_checksum(driver: neo4j.Driver, database: str | None = None) -> str:
    """SHA-256 over every node and relationship with all their properties, independent of order
    and of internal ids (so a graph and its restored dump, or two clean ingests, compare equal)."""
    with driver.session(database=database, default_access_mode=neo4j.READ_ACCESS) as session:
        digests = session.execute_read(_digests, queries.FINGERPRINT_NODES, _node_line)
        digests += session.execute_read(_digests, queries.FINGERPRINT_RELATIONSHIPS, _relationship_line)
    digests.sort()
    return hashlib.sha256(b"".join(digests)).hexdigest()


def _digests(tx: neo4j.ManagedTransaction, statement: str, line) -> list[bytes]:
    # One digest per record, not one text of the whole graph: memory stays 32 bytes per record.
    return [hashlib.sha256(line(record).encode()).digest() for record in tx.run(statement)]


def _node_line(record) -> str:
    return json.dumps([sorted(record["labels"]), record["props"]], sort_keys=True, default=str)


def _relationship_line(record) -> str:
    return json.dumps([record["type"], record["start"], record["end"], record["props"]], sort_keys=True,
                      default=str)
