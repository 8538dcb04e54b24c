"""Country stats after `titlegraph train`, and every Cypher block of docs/cypher_audience.md that
states its parameters, against a freshly trained tiny graph."""

from __future__ import annotations

import json
import re

import pytest
from test_writeback import _write_tiny_graph

from graph.audience import write_predicted_audience
from graph.country_stats import refresh_country_stats
from graph.ingest import write_rows
from titlegraph.config import PROJECT_ROOT
from training.jobs.retrain import run_training

pytestmark = pytest.mark.neo4j

BLOCK = re.compile(r"```cypher\n// params: (?P<params>\{.*?\})\n(?P<query>.*?)```", re.DOTALL)
# Where each cluster of the tiny catalog charts (t0: US horror, t1: French romance, t2: Korean shows).
CHARTS = {"t0": ["US", "DE"], "t1": ["FR", "DE"], "t2": ["KR", "US"]}


def _chart_rows(snapshot) -> list[dict]:
    """Two of every three titles chart in their cluster's countries (more support than the base graph)."""
    rows = []
    for index, row in enumerate(snapshot.titles):
        if index % 3 == 2:
            continue
        for iso2 in CHARTS[row.id[:2]]:
            rows.append({"title_id": row.id, "iso2": iso2, "weeks_in_top10": 1 + index % 4, "best_rank": 3,
                         "first_week": None, "last_week": None, "points": 8, "weeks": [], "ranks": []})
    return rows


def _affinity_counts(driver) -> dict[str, int]:
    records, _, _ = driver.execute_query(
        "MATCH (:Country)-[a:AFFINITY]->() RETURN a.facet AS facet, count(*) AS edges ORDER BY facet")
    return {record["facet"]: record["edges"] for record in records}


def test_train_writes_country_stats_and_the_documented_queries_run(clean_graph, settings, snapshot,
                                                                   tiny_config, tmp_path):
    _write_tiny_graph(clean_graph, snapshot)
    write_rows(clean_graph, {"MERGE_CHARTED_IN": _chart_rows(snapshot)}, progress=False)
    trained = settings.with_overrides(models_dir=tmp_path, affinity_min_support=2)
    run_training(trained, clean_graph, tiny_config, progress=False, echo=lambda _: None)

    # Both facets exist after a train (tags: the TAGGED edges it has just written).
    counts = _affinity_counts(clean_graph)
    assert counts.get("genre", 0) > 0 and counts.get("tag", 0) > 0
    weights, _, _ = clean_graph.execute_query(
        "MATCH (c:Country) RETURN c.iso2 AS iso2, c.market_weight AS weight, c.market_weight_basis AS basis")
    charted = {r["iso2"]: r for r in weights if r["weight"] is not None}
    assert set(charted) == {"US", "DE", "FR", "KR"}
    assert sum(r["weight"] for r in charted.values()) == pytest.approx(1.0)
    assert {r["basis"] for r in charted.values()} == {"uniform"}  # the tiny graph has no global hours
    # A recompute replaces the edges rather than adding to them.
    refresh_country_stats(clean_graph, min_support=2, echo=lambda _: None)
    assert _affinity_counts(clean_graph) == counts

    write_predicted_audience(clean_graph, [("t2-00", [{"iso2": "KR", "p_chart": 0.9, "weeks": 3.0},
                                                      {"iso2": "US", "p_chart": 0.4, "weeks": 1.0}])],
                             "v-docs", progress=False)
    blocks = BLOCK.findall((PROJECT_ROOT / "docs" / "cypher_audience.md").read_text())
    assert len(blocks) == 7
    results = []
    for params, query in blocks:
        records, _, _ = clean_graph.execute_query(query, **json.loads(params))
        results.append([record.data() for record in records])
    favoured, shunned, tags, where, backlog, markets, shares = results
    assert favoured and favoured[0]["genre"] == "Korean TV Shows" and favoured[0]["low"] > 1
    assert all(row["high"] < 1 for row in shunned)
    assert tags and all(row["lift"] > 1 for row in tags)
    assert [row["country"] for row in where] == ["KR"]
    assert backlog and all(row["welcomed_genres"] for row in backlog)
    assert len(markets) == 4 and markets[0]["basis"] == "uniform"
    assert [row["country"] for row in shares] == ["KR", "US"]
    assert sum(row["share"] for row in shares) == pytest.approx(1.0, abs=0.002)
