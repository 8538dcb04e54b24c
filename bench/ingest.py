"""Rows per second for a full ingest into an empty graph and for an idempotent re-run.

Run against the project's Neo4j (it is wiped first):
    source scripts/bootstrap.sh && python bench/ingest.py
"""

from __future__ import annotations

import time

from graph import server
from graph.driver import create_driver
from graph.ingest import ingest
from graph.maintenance import clear_graph
from titlegraph.config import load_settings


def main() -> None:
    """Time a clean ingest and a re-run; print rows/s and the re-run/clean ratio."""
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
    ratio = figures["re-run"][1] / figures["clean"][1]
    print(f"bench ingest: clean {figures['clean'][1]:.1f}s (target < 60 s), "
          f"re-run {figures['re-run'][1]:.1f}s, re-run/clean time ratio {ratio:.2f}")


if __name__ == "__main__":
    main()
