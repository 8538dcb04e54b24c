"""Market weights and genre affinity written by `titlegraph ingest` (a sample of the shared data)."""

from __future__ import annotations

import pytest

from graph.country_stats import refresh_affinity
from graph.ingest import ingest
from tests.reliability.sample import SAMPLE_COUNTRIES, write_sample

pytestmark = pytest.mark.neo4j


def _weights(driver) -> dict[str, tuple[float, str]]:
    records, _, _ = driver.execute_query(
        "MATCH (c:Country) WHERE c.market_weight IS NOT NULL "
        "RETURN c.iso2 AS iso2, c.market_weight AS weight, c.market_weight_basis AS basis")
    return {record["iso2"]: (record["weight"], record["basis"]) for record in records}


def _affinity(driver) -> list[tuple]:
    records, _, _ = driver.execute_query(
        "MATCH (c:Country)-[a:AFFINITY]->(n) RETURN c.iso2 AS iso2, a.facet AS facet, n.name AS name, "
        "a.lift AS lift, a.min_support AS support ORDER BY iso2, facet, name")
    return [tuple(record.values()) for record in records]


def test_ingest_writes_market_weights_and_genre_affinity_and_a_rerun_replaces_them(
        clean_graph, data_dir, tmp_path):
    sample = tmp_path / "data"
    write_sample(data_dir, sample)
    lines: list[str] = []
    ingest(clean_graph, sample, tmp_path / "reports", progress=False, echo=lines.append,
           affinity_min_support=2)
    weights = _weights(clean_graph)
    assert set(weights) == set(SAMPLE_COUNTRIES)
    assert sum(weight for weight, _ in weights.values()) == pytest.approx(1.0)
    assert all(weight > 0 and basis in ("global_hours", "uniform") for weight, basis in weights.values())
    assert any(line.startswith("market weights") for line in lines)
    edges = _affinity(clean_graph)
    assert edges and {facet for _, facet, *_ in edges} == {"genre"}  # no vocabulary tags before train
    assert all(support == 2 for *_, support in edges)

    ingest(clean_graph, sample, tmp_path / "reports", progress=False, echo=lines.append,
           affinity_min_support=2)
    assert _affinity(clean_graph) == edges and _weights(clean_graph) == weights

    # A stricter recompute drops the edges that no longer have the support (none left over).
    refresh_affinity(clean_graph, min_support=6)
    stricter = _affinity(clean_graph)
    assert len(stricter) < len(edges) and all(support == 6 for *_, support in stricter)
