"""Per-country figures computed from the chart history and written to Neo4j: market weights
(`Country.market_weight`, graph/market_weights.py) and genre and tag affinity
(`(:Country)-[:AFFINITY {facet, lift, low, high, titles, ...}]->(:Genre|:Tag)`, graph/affinity.py).

`titlegraph ingest` refreshes them once the charts are written; `titlegraph train` again after
it writes the vocabulary tags (`TAGGED`), which tag affinity counts. A refresh replaces each
facet's edges in one transaction, so a recompute never duplicates them.
"""

from __future__ import annotations

from collections.abc import Callable

import neo4j

from graph import queries
from graph.affinity import MIN_SUPPORT, chart_affinities
from graph.market_weights import MarketFit, TitleWeek, fit_market_weights

FACETS = ("genre", "tag")


def _week(value) -> str:
    return str(value)[:10]


def read_title_weeks(driver: neo4j.Driver, *, database: str | None = None) -> list[TitleWeek]:
    """Every title-week of the global top 10 with its hours and its rank in each country's chart."""
    records, _, _ = driver.execute_query(queries.MARKET_TITLE_WEEKS, routing_="r", database_=database)
    title_weeks = []
    for record in records:
        ranks_by_week: dict[str, dict[str, int]] = {}
        for chart in record["charts"]:
            for week, rank in zip(chart["weeks"] or [], chart["ranks"] or [], strict=True):
                ranks_by_week.setdefault(_week(week), {})[chart["iso2"]] = int(rank)
        hours = list(record["hours"] or [])
        for position, week in enumerate(record["weeks"]):
            key = _week(week)
            title_weeks.append(TitleWeek(key, float(hours[position] or 0) if position < len(hours) else 0.0,
                                         ranks_by_week.get(key, {})))
    return title_weeks


def refresh_market_weights(driver: neo4j.Driver, *, database: str | None = None) -> MarketFit:
    """Fit the chart countries' market weights and write them on their Country nodes."""
    countries, _, _ = driver.execute_query(queries.AUDIENCE_CHART_COUNTRIES, routing_="r", database_=database)
    fit = fit_market_weights(read_title_weeks(driver, database=database),
                             [record["iso2"] for record in countries])
    driver.execute_query(queries.SET_MARKET_WEIGHTS, weights=fit.weights, basis=fit.basis, database_=database)
    return fit


def read_affinity_inputs(driver: neo4j.Driver, *, database: str | None = None) -> tuple[dict, dict]:
    """(charts: title -> {country: weeks}, values: facet -> title -> names) of every charting title."""
    records, _, _ = driver.execute_query(queries.AFFINITY_CHART_TITLES, routing_="r", database_=database)
    charts = {record["id"]: {iso2: weeks for iso2, weeks in record["charts"]} for record in records}
    values = {facet: {record["id"]: record[f"{facet}s"] for record in records} for facet in FACETS}
    return charts, values


def _replace_affinity(tx: neo4j.ManagedTransaction, facet: str, rows: list[dict]) -> None:
    tx.run(queries.DELETE_AFFINITY, facet=facet).consume()
    tx.run(queries.MERGE_AFFINITY, facet=facet, rows=rows).consume()


def refresh_affinity(driver: neo4j.Driver, facets=FACETS, *, min_support: int = MIN_SUPPORT,
                     database: str | None = None) -> dict[str, int]:
    """Recompute and replace the AFFINITY edges of each facet; return edges written per facet."""
    charts, values = read_affinity_inputs(driver, database=database)
    written = {}
    with driver.session(database=database) as session:
        for facet in facets:
            rows = [{"country": row.country, "value": row.value, "props": row.properties()}
                    for row in chart_affinities(charts, values[facet], min_support=min_support)]
            session.execute_write(_replace_affinity, facet, rows)
            written[facet] = len(rows)
    return written


def refresh_country_stats(driver: neo4j.Driver, *, min_support: int = MIN_SUPPORT,
                          database: str | None = None, echo: Callable[[str], None] = print) -> dict:
    """Market weights and affinity of every facet, recomputed from the graph; one log line each."""
    fit = refresh_market_weights(driver, database=database)
    echo(fit.summary())
    written = refresh_affinity(driver, min_support=min_support, database=database)
    echo("country affinity written: "
         + ", ".join(f"{count:,} {facet} edges" for facet, count in written.items()))
    return {"market_weights": fit, "affinity": written}
