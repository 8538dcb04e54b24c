"""Rows per second for a full ingest into an empty graph and for an idempotent re-run, and what
the graph costs per 1,000 titles (seconds, nodes, relationships, store size on disk).

Run against the project's Neo4j (it is wiped first, and stopped at the end so the store size is
measured after a checkpoint):
    source scripts/bootstrap.sh && python bench/ingest.py
"""

from __future__ import annotations

import time
from pathlib import Path

from graph import server
from graph.driver import create_driver
from graph.ingest import ingest
from graph.maintenance import clear_graph, graph_counts
from titlegraph.config import load_settings


def store_mib(neo4j_home: Path) -> float | None:
    """Size of the database's store files (not its transaction logs), or None for a remote server."""
    store = neo4j_home / "data" / "databases" / "neo4j"
    if not store.is_dir():
        return None
    return sum(path.stat().st_size for path in store.rglob("*") if path.is_file()) / 2**20


def print_size(nodes: dict, relationships: dict, mib: float | None, clean_seconds: float) -> None:
    """The graph's size after the ingest, whole and per 1,000 titles (the scaling plan's unit)."""
    titles = nodes.get("Title", 0)
    per = 1000 / max(titles, 1)
    store = f", store {mib:,.0f} MiB ({mib * per:.1f} MiB)" if mib is not None else ""
    print(f"graph size: {titles:,} titles, {sum(nodes.values()):,} nodes "
          f"({sum(nodes.values()) * per:,.0f}), {sum(relationships.values()):,} relationships "
          f"({sum(relationships.values()) * per:,.0f}){store}; clean ingest {clean_seconds * per:.2f} s; "
          f"(per 1,000 titles in brackets)")


def main() -> None:
    """Time a clean ingest and a re-run; print rows/s, the re-run/clean ratio and the graph size."""
    settings = load_settings()
    if settings.manages_neo4j:
        server.start(settings)
    with create_driver(settings) as driver:
        clear_graph(driver)
        figures = {}
        for label in ("clean", "re-run"):
            started = time.monotonic()
            summary = ingest(driver, settings.data_dir, settings.reports_dir, progress=False,
                             echo=lambda _: None)
            seconds = time.monotonic() - started
            figures[label] = (summary.rows_written, seconds)
            print(f"{label:7s} {summary.rows_written:,} rows in {seconds:.1f}s = "
                  f"{summary.rows_written / seconds:,.0f} rows/s", flush=True)
        nodes, relationships = graph_counts(driver, settings.neo4j_database)
    mib = None
    if settings.manages_neo4j:
        # Pages reach the store files at a checkpoint; stopping the server writes one.
        server.stop(settings)
        mib = store_mib(settings.neo4j_home)
    print_size(nodes, relationships, mib, figures["clean"][1])
    ratio = figures["re-run"][1] / figures["clean"][1]
    print(f"bench ingest: clean {figures['clean'][1]:.1f}s (target < 60 s), "
          f"re-run {figures['re-run'][1]:.1f}s, re-run/clean time ratio {ratio:.2f}")


if __name__ == "__main__":
    main()
