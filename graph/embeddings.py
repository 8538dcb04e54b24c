"""Neo4j reads for training (titles, vocabularies, chart countries) and the embedding write-back.

Functions take a driver and return plain values; all Cypher is in graph.queries ("embeddings").

Write-back protocol (`write_embeddings`), so that readers never see a mix of two versions and an
interrupted write leaves the previous version in force:
1. stage: each title's new vector goes to `embedding_staged` and its top-k comps become
   `SIMILAR_TO {model_version: <new>}` edges, batch by batch (readers filter SIMILAR_TO on the
   current version and the vector index covers `embedding` only, so staging is invisible);
2. flip: one transaction moves the `(:ModelVersion {area: 'embeddings'})` pointer and copies
   the staged vectors into `embedding` (the vector index follows inside that transaction);
3. clean: other versions' SIMILAR_TO edges are deleted in batches. A crash here leaves stale
   edges that readers ignore and that the next write deletes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import neo4j
import numpy as np

from graph import queries

INDEX_NAME = "title_embedding"
READ_BATCH = 2000
WRITE_BATCH = 1000


@dataclass
class TitleRow:
    """One title as the training reads it (no chart data)."""

    id: str
    title: str
    kind: str
    year: int | None
    summary: str | None
    rating: str | None
    duration_minutes: int | None
    tags: list[str]
    genres: list[str]
    countries: list[str]
    directors: list[str]
    cast: list[str]
    services: list[str] = field(default_factory=list)
    # Each catalog's own summary when both have one (`summary` is the longer): tagging reads the
    # keywords of both ("sci-fi anthology" is only in Netflix's Black Mirror summary).
    summaries: list[str] = field(default_factory=list)
    imdb_votes: float | None = None  # JustWatch's IMDb votes: how widely known (content comps' prominence)


def _read_batches(
    driver: neo4j.Driver, statement: str, batch_size: int, database: str | None
) -> Iterator[list[neo4j.Record]]:
    """Keyset-paginated reads: each batch is one read transaction, ordered by title id."""
    after = ""
    while True:
        records, _, _ = driver.execute_query(
            statement, after=after, batch_size=batch_size, database_=database, routing_="r"
        )
        if not records:
            return
        yield records
        after = records[-1]["id"]


def iter_title_batches(
    driver: neo4j.Driver, *, batch_size: int = READ_BATCH, database: str | None = None
) -> Iterator[list[TitleRow]]:
    """Yield the titles that have metadata (not chart-only), with their neighbours, in batches."""
    for records in _read_batches(driver, queries.EMBEDDING_TITLES_BATCH, batch_size, database):
        yield [TitleRow(**record.data()) for record in records]


def read_vocabularies(driver: neo4j.Driver, database: str | None = None) -> dict:
    """Summary terms (the embedding graph's `tag` nodes) with title counts, genre names and country
    codes present in the graph."""
    tags, _, _ = driver.execute_query(queries.EMBEDDING_TERMS, database_=database, routing_="r")
    genres, _, _ = driver.execute_query(queries.EMBEDDING_GENRES, database_=database, routing_="r")
    countries, _, _ = driver.execute_query(queries.EMBEDDING_COUNTRIES, database_=database, routing_="r")
    return {
        "tags": {r["name"]: r["title_count"] for r in tags},
        "genres": [r["name"] for r in genres],
        "countries": [r["iso2"] for r in countries],
    }


def read_chart_countries(
    driver: neo4j.Driver, *, batch_size: int = READ_BATCH, database: str | None = None
) -> dict[str, set[str]]:
    """The CHARTED_IN country set of every title with chart history (evaluation labels)."""
    charted: dict[str, set[str]] = {}
    for records in _read_batches(driver, queries.CHART_COUNTRIES_BATCH, batch_size, database):
        charted.update({r["id"]: set(r["countries"]) for r in records if r["countries"]})
    return charted


def vector_index_dimensions(driver: neo4j.Driver, database: str | None = None) -> int | None:
    """The dimension of the `title_embedding` vector index, or None if it does not exist."""
    records, _, _ = driver.execute_query(
        queries.VECTOR_INDEX_INFO, name=INDEX_NAME, database_=database, routing_="r"
    )
    return records[0]["dimensions"] if records else None


def ensure_vector_index(
    driver: neo4j.Driver, dimensions: int, database: str | None = None, timeout_seconds: int = 300
) -> bool:
    """Create the cosine index for `dimensions`, dropping one of another size; True if (re)built."""
    existing = vector_index_dimensions(driver, database)
    if existing == dimensions:
        return False
    if existing is not None:
        driver.execute_query(queries.DROP_VECTOR_INDEX, database_=database)
    driver.execute_query(queries.CREATE_VECTOR_INDEX, dimensions=dimensions, database_=database)
    driver.execute_query(queries.AWAIT_INDEXES, timeout_seconds=timeout_seconds, database_=database)
    return True


def current_version(driver: neo4j.Driver, database: str | None = None) -> str | None:
    """The model version whose embeddings and SIMILAR_TO edges are in force, or None."""
    records, _, _ = driver.execute_query(queries.CURRENT_EMBEDDING_VERSION, database_=database, routing_="r")
    return records[0]["version"] if records else None


def similar_to_counts(driver: neo4j.Driver, database: str | None = None,
                      basis: str | None = None) -> dict[str, int]:
    """SIMILAR_TO edge counts per model version (of one basis, or all)."""
    records, _, _ = driver.execute_query(
        queries.COUNT_SIMILAR_TO_BY_VERSION, basis=basis, database_=database, routing_="r"
    )
    return {r["version"]: r["count"] for r in records}


def similar_titles(
    driver: neo4j.Driver, title_id: str, k: int = 10, database: str | None = None, basis: str = "audience"
) -> list[dict]:
    """The current version's comps of one title through SIMILAR_TO of one basis, best first."""
    records, _, _ = driver.execute_query(
        queries.SIMILAR_TITLES, title_id=title_id, k=k, basis=basis, database_=database, routing_="r"
    )
    return [r.data() for r in records]


def _delete_in_batches(driver: neo4j.Driver, statement: str, database: str | None, **params) -> int:
    total = 0
    while True:
        records, _, _ = driver.execute_query(
            statement, batch_size=WRITE_BATCH * 10, database_=database, **params
        )
        count = records[0][0]
        total += count
        if count == 0:
            return total


def _run_rows(tx: neo4j.ManagedTransaction, statement: str, rows: list[dict], version: str) -> None:
    tx.run(statement, rows=rows, version=version).consume()


def write_vocabulary_tags(
    driver: neo4j.Driver,
    version: str,
    tags: Sequence[dict],
    title_tags: dict[str, Sequence[tuple[str, float]]],
    *,
    batch_size: int = WRITE_BATCH,
    database: str | None = None,
) -> dict:
    """Write the vocabulary's Tag nodes ({name, facet, definition}) and each title's TAGGED
    edges, then delete TAGGED edges of other vocabulary versions; return counts."""
    driver.execute_query(queries.MERGE_VOCABULARY_TAGS, rows=list(tags), version=version, database_=database)
    rows = [{"id": title_id, "tags": [{"name": name, "weight": float(weight)} for name, weight in entries]}
            for title_id, entries in title_tags.items()]
    with driver.session(database=database) as session:
        for start in range(0, len(rows), batch_size):
            session.execute_write(_run_rows, queries.MERGE_TAGGED, rows[start : start + batch_size], version)
    deleted = _delete_in_batches(driver, queries.DELETE_OTHER_TAGGED_BATCH, database, version=version)
    return {"tags": len(tags), "tagged": sum(len(r["tags"]) for r in rows), "old_tagged_deleted": deleted}


def _comp_row(comp: tuple[str, float] | dict, rank: int, basis: str, scope: str) -> dict:
    """A SIMILAR_TO row: (id, score) pairs carry no explanation, dicts carry what they have."""
    if not isinstance(comp, dict):
        comp = {"id": comp[0], "score": comp[1]}
    by_facet = comp.get("shared_tags_by_facet")
    explained = by_facet is not None
    return {"id": comp["id"], "score": float(comp["score"]), "rank": rank, "basis": basis, "scope": scope,
            "shared_tags": [tag for tags in by_facet.values() for tag in tags] if explained else None,
            "shared_facets": ([facet for facet, tags in by_facet.items() for _ in tags]
                              if explained else None),
            "shared_genres": comp.get("shared_genres"), "shared_people": comp.get("shared_people"),
            "why": comp.get("why")}


def write_embeddings(
    driver: neo4j.Driver,
    version: str,
    title_ids: Sequence[str],
    embeddings: np.ndarray,
    comps: Sequence[Sequence[tuple[str, float] | dict]],
    *,
    content_comps: dict[str, Sequence[Sequence[dict]]] | None = None,
    batch_size: int = WRITE_BATCH,
    database: str | None = None,
    progress=None,
) -> dict:
    """Stage, flip and clean (module docstring); return counts of what was written and removed."""
    if len(title_ids) != len(embeddings) or len(title_ids) != len(comps):
        raise ValueError("title_ids, embeddings and comps must have the same length")
    content_comps = content_comps or {}
    if any(len(lists) != len(title_ids) for lists in content_comps.values()):
        raise ValueError("content_comps must have one list per title in each scope")
    dimensions = int(embeddings.shape[1])
    driver.execute_query(queries.MODEL_VERSION_CONSTRAINT, database_=database)
    # Staging left by an interrupted earlier write must not be published with this version.
    _delete_in_batches(driver, queries.CLEAR_STALE_STAGING_BATCH, database)
    with driver.session(database=database) as session:
        for start in range(0, len(title_ids), batch_size):
            stop = start + batch_size
            vector_rows = [
                {"id": tid, "embedding": [float(v) for v in vector]}
                for tid, vector in zip(title_ids[start:stop], embeddings[start:stop], strict=True)
            ]
            comp_rows = [
                {"id": tid,
                 "comps": [_comp_row(comp, rank, "audience", "netflix")
                           for rank, comp in enumerate(comps[at], 1)]
                 + [_comp_row(comp, comp["rank"], "content", scope)
                    for scope, lists in content_comps.items() for comp in lists[at]]}
                for at, tid in enumerate(title_ids[start:stop], start=start)
            ]
            session.execute_write(_run_rows, queries.STAGE_EMBEDDINGS, vector_rows, version)
            session.execute_write(_run_rows, queries.MERGE_SIMILAR_TO, comp_rows, version)
            if progress is not None:
                progress(len(vector_rows))
    records, _, _ = driver.execute_query(
        queries.PUBLISH_EMBEDDINGS, version=version, dimensions=dimensions, database_=database
    )
    published, dropped = records[0]["published"], records[0]["dropped"]
    # After the flip: a dimension change rebuilds the index (vector queries see a short gap).
    rebuilt = ensure_vector_index(driver, dimensions, database)
    deleted = _delete_in_batches(driver, queries.DELETE_OTHER_SIMILAR_TO_BATCH, database, version=version)
    return {
        "version": version,
        "published": published,
        "unembedded": dropped,
        "old_similar_to_deleted": deleted,
        "index_rebuilt": rebuilt,
    }
