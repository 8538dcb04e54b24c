"""Edge rows go to Neo4j one row per title (graph/ingest.py `per_title`)."""

from graph import queries
from graph.ingest import PER_TITLE, WRITE_ORDER, per_title


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
