"""PREDICTED_AUDIENCE write-back against the real test Neo4j: published by version, replaced on retrain."""

import pytest

from graph.audience import current_audience_version, predicted_audience_counts, write_predicted_audience

pytestmark = pytest.mark.neo4j


def _seed(driver):
    driver.execute_query("""
        UNWIND ['ES', 'FR', 'US'] AS iso2 MERGE (:Country {iso2: iso2})
        WITH 1 AS one UNWIND ['a', 'b'] AS id MERGE (:Title {id: id, kind: 'movie'})
    """)


def _predictions(p_es: float):
    return [
        (
            title_id,
            [{"iso2": "ES", "p_chart": p_es, "weeks": 2.0}, {"iso2": "US", "p_chart": 0.1, "weeks": 0.2}],
        )
        for title_id in ("a", "b")
    ]


def _edges(driver):
    records, _, _ = driver.execute_query("""
        MATCH (t:Title)-[p:PREDICTED_AUDIENCE]->(c:Country)
        RETURN t.id AS id, c.iso2 AS iso2, p.model_version AS version, p.p_chart AS p ORDER BY id, iso2
    """)
    return [record.data() for record in records]


def test_retrain_replaces_predicted_audience_edges(clean_graph):
    driver = clean_graph
    _seed(driver)
    first = write_predicted_audience(driver, _predictions(0.9), "v1", progress=False)
    assert first == {"written": 4, "deleted": 0}
    assert current_audience_version(driver) == "v1"

    # Rerunning the same version is idempotent...
    write_predicted_audience(driver, _predictions(0.9), "v1", progress=False)
    assert predicted_audience_counts(driver) == {"v1": 4}
    # ...and a rerun that predicts fewer countries drops the stale ones, but keeps what the
    # service saved for a new title under this version (no write_id).
    driver.execute_query("""
        MATCH (t:Title {id: 'a'}), (c:Country {iso2: 'FR'})
        CREATE (t)-[:PREDICTED_AUDIENCE {model_version: 'v1', p_chart: 0.3, weeks: 1.0}]->(c)
    """)
    fewer = [(title_id, countries[:1]) for title_id, countries in _predictions(0.9)]
    rerun = write_predicted_audience(driver, fewer, "v1", progress=False)
    assert rerun == {"written": 2, "deleted": 2}
    assert {(e["id"], e["iso2"]) for e in _edges(driver)} == {("a", "ES"), ("b", "ES"), ("a", "FR")}
    write_predicted_audience(driver, _predictions(0.9), "v1", progress=False)

    second = write_predicted_audience(driver, _predictions(0.4), "v2", progress=False)
    assert second == {"written": 4, "deleted": 5}
    assert current_audience_version(driver) == "v2"
    assert predicted_audience_counts(driver) == {"v2": 4}
    edges = _edges(driver)
    assert {edge["version"] for edge in edges} == {"v2"}
    assert [edge["p"] for edge in edges if edge["iso2"] == "ES"] == [0.4, 0.4]


def test_unknown_titles_and_countries_are_skipped_not_invented(clean_graph):
    driver = clean_graph
    _seed(driver)
    result = write_predicted_audience(
        driver,
        [
            ("missing", [{"iso2": "ES", "p_chart": 0.5, "weeks": 1.0}]),
            ("a", [{"iso2": "ZZ", "p_chart": 0.5, "weeks": 1.0}]),
        ],
        "v1",
        progress=False,
    )
    assert result["deleted"] == 0
    assert _edges(driver) == []
    records, _, _ = driver.execute_query("MATCH (n) WHERE n:Title OR n:Country RETURN count(n) AS n")
    assert records[0]["n"] == 5


def test_the_marketer_queries_of_the_docs_run(clean_graph):
    import re

    from titlegraph.config import PROJECT_ROOT

    driver = clean_graph
    _seed(driver)
    driver.execute_query("MATCH (t:Title {id: 'a'}) SET t.saved_at = datetime(), t.year = 2022")
    write_predicted_audience(driver, _predictions(0.9), "v1", progress=False)
    text = (PROJECT_ROOT / "docs" / "cypher_audience.md").read_text()
    blocks = re.findall(r"```cypher\n(.*?)```", text, re.DOTALL)
    assert len(blocks) >= 5
    params = {"country": "ES", "title_id": "a", "home": "ES"}
    for block in blocks:
        driver.execute_query(block, params)
    push, _, _ = driver.execute_query(blocks[0], params)
    assert [record["t.id"] for record in push] == ["a"]
