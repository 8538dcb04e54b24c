"""Every query of docs/cypher.md runs against the full ingest and returns rows."""

from __future__ import annotations

import json
import re

import pytest

from titlegraph.config import PROJECT_ROOT

pytestmark = pytest.mark.neo4j

BLOCK = re.compile(r"```cypher\n// params: (?P<params>\{.*?\})\n(?P<query>.*?)```", re.DOTALL)
QUERIES = BLOCK.findall((PROJECT_ROOT / "docs" / "cypher.md").read_text())


def test_the_doc_has_at_least_ten_queries():
    assert len(QUERIES) >= 10


@pytest.mark.parametrize(("params", "query"), QUERIES, ids=[f"q{i + 1}" for i in range(len(QUERIES))])
def test_documented_query_returns_rows(full_graph, driver, params, query):
    records, _, _ = driver.execute_query(query, json.loads(params))
    assert records, f"no rows from:\n{query}"
