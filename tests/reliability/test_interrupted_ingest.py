"""`titlegraph ingest` SIGKILLed at several points, then run again, ends in exactly the graph of a
clean ingest: same node and relationship counts, same checksum over every property.
"""

from __future__ import annotations

import time

import pytest

from graph.maintenance import clear_graph, graph_checksum, graph_counts
from tests.reliability.conftest import sigkill, titlegraph, wait_for_text, write_figures
from tests.reliability.sample import write_sample

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]

# Small batches make a sample ingest span a few seconds of transactions, so kills land mid-way.
BATCH_SIZE = 100
# Where to kill: a moment after the progress bar names the write that started (its postfix is
# printed at once when a write begins): mid node writes, between node and relationship writes,
# mid relationship writes. Each killed run starts again from the beginning. The last kill comes
# 0.05 s into ACTED_IN: at 0.3 s one CI run found the whole sample already written.
KILL_POINTS = ((", titles]", 0.3), (", has_term]", 0.0), (", acted_in]", 0.05))


def _totals(driver) -> tuple[int, int]:
    nodes, rels = graph_counts(driver)
    return sum(nodes.values()), sum(rels.values())


def test_killed_ingests_then_a_rerun_equal_a_clean_ingest(private_neo4j, private_driver, data_dir, tmp_path):
    sample = tmp_path / "data"
    write_sample(data_dir, sample)
    args = ("ingest", "--data", str(sample))
    batch = {"TITLEGRAPH_INGEST_BATCH_SIZE": str(BATCH_SIZE)}

    clear_graph(private_driver)
    log = tmp_path / "clean.log"
    clean_run = titlegraph(private_neo4j, *args, log_path=log, **batch)
    started = time.monotonic()
    assert clean_run.wait(timeout=300) == 0, log.read_text()[-3000:]
    clean_seconds = time.monotonic() - started
    clean_counts = graph_counts(private_driver)
    clean_print = graph_checksum(private_driver)
    assert clean_counts[0]["Title"] > 100 and sum(clean_counts[1].values()) > 1000

    clear_graph(private_driver)
    partial = []
    for index, (marker, delay) in enumerate(KILL_POINTS):
        log = tmp_path / f"killed-{index}.log"
        run = titlegraph(private_neo4j, *args, log_path=log, **batch)
        wait_for_text(run, log, marker)
        time.sleep(delay)
        assert sigkill(run), f"the ingest finished before the kill at {marker!r}"
        partial.append(_totals(private_driver))
    # The kills interrupted the writes (some, not all, of the graph was there).
    clean_total = sum(clean_counts[0].values()) + sum(clean_counts[1].values())
    assert all(sum(counts) < clean_total for counts in partial), (partial, clean_total)
    assert sum(partial[-1]) > 0

    log = tmp_path / "rerun.log"
    rerun = titlegraph(private_neo4j, *args, log_path=log, **batch)
    assert rerun.wait(timeout=300) == 0, log.read_text()[-3000:]
    assert graph_counts(private_driver) == clean_counts
    assert graph_checksum(private_driver) == clean_print

    write_figures("reliability_ingest_kill", {
        "batch_size": BATCH_SIZE, "clean_ingest_seconds": round(clean_seconds, 2),
        "kill_points": [f"{delay}s after the write{marker.rstrip(']')} began"
                        for marker, delay in KILL_POINTS],
        "partial_nodes_relationships_after_kill": partial,
        "clean_nodes": sum(clean_counts[0].values()), "clean_relationships": sum(clean_counts[1].values()),
        "checksum": clean_print, "rerun_equal": True,
    })
