"""Write-back against the real test Neo4j: vector index, SIMILAR_TO, atomic replacement, `current`."""

from __future__ import annotations

import pytest

from graph import embeddings as graph_embeddings
from graph.ingest import write_rows
from training import registry
from training.jobs.retrain import run_training

pytestmark = pytest.mark.neo4j

COUNT_EMBEDDED = (
    "MATCH (t:Title) WHERE t.embedding IS NOT NULL "
    "RETURN count(t) AS n, collect(DISTINCT t.embedding_version) AS versions"
)


def _write_tiny_graph(driver, snapshot) -> None:
    """The synthetic snapshot as Title/Term/Genre/Country/Person nodes and their relationships."""
    rows = {
        "MERGE_COUNTRIES": [{"iso2": c, "name": c} for c in snapshot.countries],
        "MERGE_GENRES": [{"name": g, "vocabulary": "netflix"} for g in snapshot.genres],
        "MERGE_TERMS": [{"name": t, "title_count": n} for t, n in snapshot.tag_counts.items()],
    }
    people = sorted({key for row in snapshot.titles for key in row.cast + row.directors})
    rows["MERGE_PEOPLE"] = [{"key": key, "name": key, "justwatch_id": None} for key in people]
    rows["MERGE_TITLES"] = [
        {
            "id": r.id,
            "props": {
                "title": r.title,
                "kind": r.kind,
                "year": r.year,
                "summary": r.summary,
                "rating": r.rating,
                "duration_minutes": r.duration_minutes,
                "chart_only": False,
                "terms": r.tags,
            },
        }
        for r in snapshot.titles
    ]
    # A chart-only title: it must stay out of the embedding graph.
    rows["MERGE_TITLES"].append(
        {"id": "chart-only-1", "props": {"title": "Only Charts", "kind": "movie", "chart_only": True}}
    )
    for name, attribute, key in (
        ("MERGE_HAS_TERM", "tags", "term"),
        ("MERGE_IN_GENRE", "genres", "genre"),
        ("MERGE_PRODUCED_IN", "countries", "iso2"),
        ("MERGE_DIRECTED", "directors", "person_key"),
        ("MERGE_ACTED_IN", "cast", "person_key"),
    ):
        rows[name] = [
            {"title_id": r.id, key: value, "weight": 1.0, "order": 0}
            for r in snapshot.titles
            for value in getattr(r, attribute)
        ]
    rows["MERGE_CHARTED_IN"] = [
        {
            "title_id": r.id,
            "iso2": "US" if r.id.startswith("t0") else "KR",
            "weeks_in_top10": 1,
            "best_rank": 1,
            "first_week": None,
            "last_week": None,
            "points": 10,
            "weeks": [],
            "ranks": [],
        }
        for r in snapshot.titles[::3]
    ]
    write_rows(driver, rows, progress=False)


@pytest.fixture
def tiny_graph(clean_graph, snapshot):
    _write_tiny_graph(clean_graph, snapshot)
    return clean_graph


def test_retrain_replaces_embeddings_index_and_similar_to(
    tiny_graph, settings, snapshot, tiny_config, tmp_path
):
    driver = tiny_graph
    local = settings.with_overrides(models_dir=tmp_path / "models")
    first = run_training(local, driver, tiny_config, progress=False, echo=lambda _: None)
    titles = len(snapshot.titles)
    assert graph_embeddings.vector_index_dimensions(driver) == tiny_config.out
    assert graph_embeddings.current_version(driver) == first.name
    audience_edges = graph_embeddings.similar_to_counts(driver, basis="audience")
    assert audience_edges == {first.name: titles * tiny_config.comps_k}
    assert set(graph_embeddings.similar_to_counts(driver)) == {first.name}
    records, _, _ = driver.execute_query(COUNT_EMBEDDED)
    assert records[0]["n"] == titles and records[0]["versions"] == [first.name]
    comps = graph_embeddings.similar_titles(driver, "t0-00", k=10)
    assert [c["rank"] for c in comps] == list(range(1, 11))
    assert "chart-only-1" not in {c["id"] for c in comps}
    # The vector index answers with the same top comp as SIMILAR_TO.
    records, _, _ = driver.execute_query(
        "MATCH (t:Title {id: 't0-00'}) CALL db.index.vector.queryNodes('title_embedding', 2, t.embedding) "
        "YIELD node, score WHERE node <> t RETURN node.id AS id"
    )
    assert records[0]["id"] == comps[0]["id"]

    # A second retrain, with another embedding width: replaced, never duplicated.
    wider = type(tiny_config)(**{**tiny_config.to_dict(), "out": 12, "seed": 5})
    second = run_training(local, driver, wider, progress=False, echo=lambda _: None)
    assert second.name != first.name
    assert graph_embeddings.current_version(driver) == second.name
    audience_edges = graph_embeddings.similar_to_counts(driver, basis="audience")
    assert audience_edges == {second.name: titles * tiny_config.comps_k}
    assert set(graph_embeddings.similar_to_counts(driver)) == {second.name}
    assert graph_embeddings.vector_index_dimensions(driver) == 12
    records, _, _ = driver.execute_query(COUNT_EMBEDDED)
    assert records[0]["n"] == titles and records[0]["versions"] == [second.name]
    assert registry.current_model_dir(local.models_path) == second
    assert registry.list_versions(local.models_path) == sorted([first.name, second.name])


def test_interrupted_write_leaves_the_previous_version_in_force(tiny_graph, settings, tiny_config, tmp_path):
    driver = tiny_graph
    local = settings.with_overrides(models_dir=tmp_path / "models")
    first = run_training(local, driver, tiny_config, progress=False, echo=lambda _: None)
    before = graph_embeddings.similar_titles(driver, "t1-03")
    from training.bundle import load_bundle

    model = load_bundle(first)
    ids = model.title_ids
    comps = [[(other, 0.5) for other in ids[:3] if other != tid] for tid in ids]

    def crash(_batch):
        raise RuntimeError("killed mid-write")

    with pytest.raises(RuntimeError, match="killed"):
        graph_embeddings.write_embeddings(
            driver,
            "broken-version",
            ids,
            model.title_embeddings[:, ::-1].copy(),
            comps,
            batch_size=10,
            progress=crash,
        )
    # Staged edges exist but readers still see the first version, unchanged.
    assert "broken-version" in graph_embeddings.similar_to_counts(driver)
    assert graph_embeddings.current_version(driver) == first.name
    assert graph_embeddings.similar_titles(driver, "t1-03") == before
    records, _, _ = driver.execute_query(COUNT_EMBEDDED)
    assert records[0]["versions"] == [first.name]
    # The next complete write removes the stale staging and edges.
    second = run_training(local, driver, tiny_config, progress=False, echo=lambda _: None)
    audience_edges = graph_embeddings.similar_to_counts(driver, basis="audience")
    assert audience_edges == {second.name: len(ids) * tiny_config.comps_k}
    assert set(graph_embeddings.similar_to_counts(driver)) == {second.name}
    records, _, _ = driver.execute_query(
        "MATCH (t:Title) WHERE t.embedding_staged IS NOT NULL RETURN count(t) AS n"
    )
    assert records[0]["n"] == 0
