"""Edge rows go to Neo4j one row per title (graph/ingest.py `per_title`)."""

from graph import queries
from graph.ingest import PER_TITLE, WRITE_ORDER, per_title
from graph.maintenance import EDGE_KEYS


def test_edge_rows_are_grouped_per_title_in_their_order():
    rows = [
        {"title_id": "s1", "term": "heist", "weight": 1.0},
        {"title_id": "s2", "term": "royalty", "weight": 1.0},
        {"title_id": "s1", "term": "bank", "weight": 0.5},
    ]
    assert per_title(rows) == [
        {"title_id": "s1", "links": [{"term": "heist", "weight": 1.0}, {"term": "bank", "weight": 0.5}]},
        {"title_id": "s2", "links": [{"term": "royalty", "weight": 1.0}]},
    ]
    assert per_title([]) == []


def test_every_per_title_write_reads_its_links():
    assert PER_TITLE <= set(WRITE_ORDER)
    for name in PER_TITLE:
        statement = getattr(queries, name)
        assert "UNWIND row.links AS link" in statement, name
        assert "row." not in statement.replace("row.title_id", "").replace("row.links", ""), name


def test_every_per_title_write_has_a_stale_edge_delete_keyed_by_the_field_it_merges_on():
    # A re-ingest deletes the edges the files no longer give (graph.maintenance.remove_stale_edges):
    # an edge write without its delete would leave an older copy's edges behind.
    assert set(EDGE_KEYS) == set(queries.STALE_EDGES) == PER_TITLE
    for name, field in EDGE_KEYS.items():
        assert f"link.{field}" in getattr(queries, name), name
        assert "row.keys" in queries.STALE_EDGES[name] and "DELETE r" in queries.STALE_EDGES[name], name
