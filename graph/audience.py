"""Neo4j reads for the audience labels and features, and the PREDICTED_AUDIENCE write-back.

Every function takes a driver and returns plain values (dates become `datetime.date`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import neo4j
from tqdm import tqdm

from graph import queries

WRITE_BATCH_TITLES = 500
DELETE_BATCH_SIZE = 10_000
# The chart weeks in the data (Sunday week endings); training.labels counts weeks inside them.
WINDOW_START = dt.date(2021, 7, 4)
WINDOW_END = dt.date(2021, 12, 26)


@dataclass(frozen=True)
class TitleChartRecord:
    """What the graph knows about one title's launch and chart history.

    Args:
        title_id: the Title id.
        kind: 'movie' or 'show'.
        chart_only: True for titles known only from the charts (no metadata, never labelled).
        date_added: Netflix date_added, or None (JustWatch-only titles have none).
        charts: per country ISO2, the (week, rank) pairs of its top-10 entries. Default empty.
        global_weeks: (week, hours viewed or None) pairs of the global top 10. Default empty.
        global_list: its global top-10 list ("Films (English)", ...), or None if never on one.
    """

    title_id: str
    kind: str
    chart_only: bool = False
    date_added: dt.date | None = None
    charts: dict[str, list[tuple[dt.date, int]]] = field(default_factory=dict)
    global_weeks: list[tuple[dt.date, int | None]] = field(default_factory=list)
    global_list: str | None = None


def _date(value) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    return value.to_native() if hasattr(value, "to_native") else value


def chart_countries(driver: neo4j.Driver, *, database: str | None = None) -> list[tuple[str, str]]:
    """(ISO2, name) of every country with a chart, sorted by ISO2."""
    records, _, _ = driver.execute_query(queries.AUDIENCE_CHART_COUNTRIES, routing_="r", database_=database)
    return [(record["iso2"], record["name"]) for record in records]


def chart_records(driver: neo4j.Driver, *, database: str | None = None) -> list[TitleChartRecord]:
    """Launch and chart history of every title that charted or was added from the window on."""
    # A title added in the week ending on the first chart week belongs to that week: from its Monday.
    added_since = (WINDOW_START - dt.timedelta(days=WINDOW_START.weekday())).isoformat()
    records, _, _ = driver.execute_query(
        queries.AUDIENCE_CHART_RECORDS, added_since=added_since, routing_="r", database_=database
    )
    return [_chart_record(record) for record in records]


def _chart_record(record) -> TitleChartRecord:
    charts = {
        entry["iso2"]: [
            (_date(week), int(rank))
            for week, rank in zip(entry["weeks"] or [], entry["ranks"] or [], strict=True)
        ]
        for entry in record["charts"]
    }
    hours = list(record["global_hours"]) + [None] * len(record["global_weeks"])
    return TitleChartRecord(
        title_id=record["id"],
        kind=record["kind"],
        chart_only=bool(record["chart_only"]),
        date_added=_date(record["date_added"]),
        charts=charts,
        global_weeks=[(_date(week), hours[index]) for index, week in enumerate(record["global_weeks"])],
        global_list=record["global_list"],
    )


def title_metadata(
    driver: neo4j.Driver, title_ids: Sequence[str], *, database: str | None = None
) -> dict[str, dict]:
    """Metadata a new title would come with (summary, genres, countries, people, year, kind), by id."""
    records, _, _ = driver.execute_query(
        queries.AUDIENCE_TITLE_METADATA, ids=list(title_ids), routing_="r", database_=database
    )
    return {record["id"]: record.data() for record in records}


def metadata_title_ids(driver: neo4j.Driver, *, database: str | None = None) -> list[str]:
    """Ids of every title with metadata (not chart-only), sorted."""
    records, _, _ = driver.execute_query(
        queries.AUDIENCE_METADATA_TITLE_IDS, routing_="r", database_=database
    )
    return [record["id"] for record in records]


def write_predicted_audience(
    driver: neo4j.Driver,
    predictions: Iterable[tuple[str, list[dict]]],
    version: str,
    *,
    total: int | None = None,
    database: str | None = None,
    progress: bool = True,
) -> dict[str, int]:
    """Stage one version's PREDICTED_AUDIENCE edges, flip the pointer, delete other versions'.

    `predictions` yields (title_id, [{iso2, p_chart, weeks}, ...]). Same protocol as the
    embeddings (graph/embeddings.py): the new edges are invisible while staged because readers
    filter on the `(:ModelVersion {area: 'audience'})` pointer; one transaction moves it; old
    edges are deleted after the flip (a crash there leaves edges readers ignore). Each call has
    its own `write_id`, so rewriting the same version also drops that version's stale edges.
    """
    driver.execute_query(queries.MODEL_VERSION_CONSTRAINT, database_=database)
    write_id = uuid.uuid4().hex
    written = 0
    batch: list[dict] = []
    with (
        driver.session(database=database) as session,
        tqdm(
            total=total, desc="PREDICTED_AUDIENCE", unit="title", disable=not progress, mininterval=1.0
        ) as bar,
    ):
        for title_id, countries in predictions:
            batch.append({"title_id": title_id, "countries": countries})
            written += len(countries)
            if len(batch) >= WRITE_BATCH_TITLES:
                session.execute_write(
                    _run, queries.MERGE_PREDICTED_AUDIENCE, rows=batch, version=version, write_id=write_id
                )
                bar.update(len(batch))
                batch = []
        if batch:
            session.execute_write(
                _run, queries.MERGE_PREDICTED_AUDIENCE, rows=batch, version=version, write_id=write_id
            )
            bar.update(len(batch))
        session.execute_write(_run, queries.PUBLISH_PREDICTED_AUDIENCE, version=version)
        deleted = 0
        while True:
            removed = session.execute_write(_delete_batch, version, write_id)
            deleted += removed
            if removed == 0:
                break
    return {"written": written, "deleted": deleted}


def _run(tx: neo4j.ManagedTransaction, statement: str, **params) -> None:
    tx.run(statement, **params).consume()


def _delete_batch(tx: neo4j.ManagedTransaction, version: str, write_id: str) -> int:
    return tx.run(
        queries.DELETE_OTHER_PREDICTED_AUDIENCE,
        version=version,
        write_id=write_id,
        batch_size=DELETE_BATCH_SIZE,
    ).single()["deleted"]


def current_audience_version(driver: neo4j.Driver, *, database: str | None = None) -> str | None:
    """The audience version in force (the ModelVersion pointer), or None."""
    records, _, _ = driver.execute_query(queries.CURRENT_AUDIENCE_VERSION, routing_="r", database_=database)
    return records[0]["version"] if records else None


def predicted_audience_counts(driver: neo4j.Driver, *, database: str | None = None) -> dict[str, int]:
    """PREDICTED_AUDIENCE edge count per model version."""
    records, _, _ = driver.execute_query(queries.COUNT_PREDICTED_AUDIENCE, routing_="r", database_=database)
    return {record["model_version"]: record["edges"] for record in records}
