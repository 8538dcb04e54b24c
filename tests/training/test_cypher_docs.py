"""Every Cypher block of docs/cypher_embeddings.md runs against a freshly trained tiny graph."""

from __future__ import annotations

import json
import re

import pytest
from test_writeback import _write_tiny_graph

from titlegraph.config import PROJECT_ROOT
from training.jobs.retrain import run_training

pytestmark = pytest.mark.neo4j

BLOCK = re.compile(r"```cypher\n// params: (?P<params>\{.*?\})\n(?P<query>.*?)```", re.DOTALL)


def test_documented_comps_queries_run_and_agree(clean_graph, settings, snapshot, tiny_config, tmp_path):
    _write_tiny_graph(clean_graph, snapshot)
    version = run_training(
        settings.with_overrides(models_dir=tmp_path),
        clean_graph,
        tiny_config,
        progress=False,
        echo=lambda _: None,
    ).name
    blocks = BLOCK.findall((PROJECT_ROOT / "docs" / "cypher_embeddings.md").read_text())
    assert len(blocks) == 9
    results = []
    for params, query in blocks:
        records, _, _ = clean_graph.execute_query(query, **json.loads(params))
        assert records, f"no rows from:\n{query}"
        results.append([r.data() for r in records])
    by_index, by_country, content, similar, shows, charted, versions, title_tags, top_tags = results
    facets = {"subject", "mood", "setting", "audience", "format"}
    assert {row["facet"] for row in title_tags} <= facets and sum(len(row["tags"]) for row in title_tags) >= 3
    assert {row["facet"] for row in top_tags} <= facets
    assert all(1 <= len(row["top"]) <= 3 and row["top"][0]["definition"] for row in top_tags)
    assert [r["id"] for r in by_index][:3] == [r["id"] for r in similar][:3]
    assert all(r["id"].startswith("t0-") for r in by_country)  # t0-* are the US titles
    assert all(r["why"] for r in content) and [r["rank"] for r in content] == list(range(1, len(content) + 1))
    assert all(r["id"].startswith("t2-") for r in shows)
    assert all(r["weeks"] == 1 for r in charted)
    assert [(r["current"], r["dimensions"], r["edge_version"], r["basis"], r["scope"]) for r in versions] == [
        (version, tiny_config.out, version, "audience", "netflix"),
        (version, tiny_config.out, version, "content", "all"),
        (version, tiny_config.out, version, "content", "netflix")]
    assert versions[0]["edges"] == len(snapshot.titles) * tiny_config.comps_k
    assert all(0 < row["edges"] <= len(snapshot.titles) * (len(snapshot.titles) - 1) for row in versions[1:])
