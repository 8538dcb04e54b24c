"""`titlegraph ingest`: the public Netflix files into Neo4j, batched, parameterised, idempotent.

Reading, merging and matching happen in plain Python (graph.sources, graph.catalog,
graph.tags); this module turns the result into rows for the `UNWIND` writes of
graph.queries and runs them batch by batch. Every write is a MERGE keyed by a unique
property, so a second run (or a run after an interrupted one) ends in the same graph; catalog
titles the files no longer give are removed, and so are the edges of a title the files no longer
give it and the people and terms left with none (graph.maintenance).
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import neo4j
from tqdm import tqdm

from graph import queries
from graph.affinity import MIN_SUPPORT
from graph.catalog import (
    NETFLIX,
    MatchReport,
    Title,
    add_chart_aliases,
    chart_only_titles,
    chart_title_id,
    match_chart_titles,
    merge_catalogs,
    merge_other_services,
)
from graph.country_stats import refresh_country_stats
from graph.maintenance import (
    graph_counts,
    link_saved_title_terms,
    remove_stale_edges,
    remove_stale_titles,
    retire_summary_word_tags,
    title_count,
)
from graph.normalize import CountryResolver, normalize_name, normalize_title
from graph.schema import apply_schema
from graph.sources import (
    OTHER_SERVICES,
    BadRow,
    CatalogTitle,
    ChartRow,
    GlobalChartRow,
    read_country_charts,
    read_global_chart,
    read_justwatch,
    read_netflix_titles,
    read_other_service,
)
from graph.tags import extract_tags, title_summaries
from titlegraph.errors import UserError

DATA_FILES = {
    "netflix": "netflix_titles.csv",
    "justwatch_titles": "titles.csv",
    "justwatch_credits": "credits.csv",
    "country_charts": "top10_countries_2021.tsv",
    "global_chart": "top10_global_2021.tsv",
}
OTHER_SERVICES_DIR = "other_services"
BATCH_SIZE = 2000


@dataclass
class SourceData:
    """Everything read from the files, merged and matched, ready to be written."""

    titles: list[Title]
    chart_rows: list[ChartRow]
    global_rows: list[GlobalChartRow]
    match_report: MatchReport
    terms: dict[str, list[str]]  # summary terms per title id (graph/tags.py)
    bad_rows: list[BadRow]
    country_names: dict[str, str]


@dataclass
class IngestSummary:
    """What one ingest wrote; `line()` is the closing summary line."""

    rows_written: int
    seconds: float
    nodes: dict[str, int]
    relationships: dict[str, int]
    bad_rows: int
    match: dict[str, int]
    reports: dict[str, str] = field(default_factory=dict)

    def line(self) -> str:
        nodes = ", ".join(f"{count:,} {label}" for label, count in sorted(self.nodes.items()))
        rels = sum(self.relationships.values())
        return (f"ingest done in {self.seconds:.1f}s: {self.rows_written:,} rows written "
                f"({self.rows_written / max(self.seconds, 1e-9):,.0f}/s); nodes: {nodes}; "
                f"{rels:,} relationships; {self.bad_rows} bad rows skipped; chart titles matched "
                f"{self.match['matched']:,}, unmatched {self.match['unmatched']:,}, "
                f"ambiguous {self.match['ambiguous']:,}")


class MissingDataError(UserError, FileNotFoundError):
    """The data folder lacks some of the files; the message names them and says what to do."""


def missing_files(data_dir: Path) -> list[str]:
    """Names of the expected data files that are not in `data_dir`."""
    return [name for name in DATA_FILES.values() if not (data_dir / name).is_file()]


def require_data_files(data_dir: Path) -> None:
    """Raise MissingDataError naming what `data_dir` lacks (checked before anything starts)."""
    todo = ("point TITLEGRAPH_DATA (or `ingest --data`) at a folder with the public Netflix files "
            "(README, 'Your own copy of the data')")
    if not data_dir.is_dir():
        raise MissingDataError(f"data folder {data_dir} does not exist; {todo}")
    missing = missing_files(data_dir)
    if missing:
        raise MissingDataError(f"data folder {data_dir} lacks {', '.join(missing)}; {todo}")


def read_other_services(folder: Path) -> tuple[dict[str, list[CatalogTitle]], list[BadRow]]:
    """The other services' catalogs that are present in `folder` (optional: without them the
    graph holds Netflix's titles only)."""
    others: dict[str, list[CatalogTitle]] = {}
    bad_rows: list[BadRow] = []
    for prefix, (service, file_name) in OTHER_SERVICES.items():
        if (folder / file_name).is_file():
            others[service], bad = read_other_service(folder / file_name, prefix)
            bad_rows += bad
    return others, bad_rows


def read_sources(data_dir: Path) -> SourceData:
    """Read, merge and match the data files; bad rows are collected, not raised."""
    require_data_files(data_dir)
    netflix, bad_netflix = read_netflix_titles(data_dir / DATA_FILES["netflix"])
    justwatch, bad_justwatch = read_justwatch(
        data_dir / DATA_FILES["justwatch_titles"], data_dir / DATA_FILES["justwatch_credits"])
    chart_rows, bad_charts = read_country_charts(data_dir / DATA_FILES["country_charts"])
    global_rows, bad_global = read_global_chart(data_dir / DATA_FILES["global_chart"])
    catalog = merge_catalogs(netflix, justwatch)
    chart_keys = {(row.kind, row.show_title) for row in chart_rows}
    chart_keys |= {(row.kind, row.show_title) for row in global_rows}
    report = match_chart_titles(catalog, sorted(chart_keys))
    others, bad_others = read_other_services(data_dir / OTHER_SERVICES_DIR)
    titles = merge_other_services(add_chart_aliases(catalog, report), others)
    titles += chart_only_titles(report)
    summaries = {tid: text for tid, text in title_summaries(titles).items() if text}
    # The Netflix files' titles keep the terms of their own corpus (the other catalogs would shift
    # every term's document frequency, and so the audience model's inputs); the other services'
    # titles take theirs from the whole corpus.
    terms = extract_tags(summaries)
    others = {title.id: title.summary for title in titles if not title.netflix_id and not title.justwatch_id
              and not title.chart_only and title.summary}
    terms |= {tid: found for tid, found in extract_tags(summaries | others).items() if tid in others}
    country_names = {row.country_iso2: row.country_name for row in chart_rows}
    return SourceData(
        titles=titles, chart_rows=chart_rows, global_rows=global_rows, match_report=report,
        terms=terms, bad_rows=bad_netflix + bad_justwatch + bad_charts + bad_global + bad_others,
        country_names=country_names,
    )


def _title_id_for_chart(report: MatchReport, kind: str, show_title: str) -> str:
    return report.matched.get((kind, show_title)) or chart_title_id(kind, show_title)


def chart_history(rows: Iterable[ChartRow], report: MatchReport) -> dict[tuple[str, str], dict]:
    """Per (title id, country): weeks in the top 10, best rank, first/last week, points."""
    # A show can chart with two seasons in one week; the week counts once, at its best rank.
    best_by_week: dict[tuple[str, str], dict] = defaultdict(dict)
    for row in rows:
        title_id = _title_id_for_chart(report, row.kind, row.show_title)
        weeks = best_by_week[(title_id, row.country_iso2)]
        weeks[row.week] = min(row.rank, weeks.get(row.week, 99))
    history = {}
    for key, weeks in best_by_week.items():
        ordered = sorted(weeks)
        ranks = [weeks[week] for week in ordered]
        history[key] = {
            "weeks_in_top10": len(ordered), "best_rank": min(ranks),
            "first_week": ordered[0], "last_week": ordered[-1],
            "points": sum(11 - rank for rank in ranks), "weeks": ordered, "ranks": ranks,
        }
    return history


def global_history(rows: Iterable[GlobalChartRow], report: MatchReport) -> dict[str, dict]:
    """Per title id: the global chart weeks, ranks and hours viewed (seasons summed per week)."""
    by_title: dict[str, dict] = defaultdict(dict)
    lists: dict[str, str] = {}
    for row in rows:
        title_id = _title_id_for_chart(report, row.kind, row.show_title)
        week = by_title[title_id].setdefault(row.week, {"rank": 99, "hours": 0})
        week["rank"] = min(week["rank"], row.rank)
        week["hours"] += row.hours_viewed or 0
        lists[title_id] = f"{'Films' if row.kind == 'movie' else 'TV'} ({row.language})"
    history = {}
    for title_id, weeks in by_title.items():
        ordered = sorted(weeks)
        history[title_id] = {
            "global_list": lists[title_id],
            "global_weeks": ordered,
            "global_ranks": [weeks[w]["rank"] for w in ordered],
            "global_hours": [weeks[w]["hours"] for w in ordered],
            "global_hours_total": sum(weeks[w]["hours"] for w in ordered),
        }
    return history


def _title_props(title: Title, terms: list[str], first_week, global_props: dict) -> dict:
    names = [title.title] + [alias for alias in title.aliases if alias != title.title]
    props = {
        "title": title.title, "aliases": names, "search_text": " | ".join(names),
        "norm_title": normalize_title(title.title), "kind": title.kind, "year": title.year,
        "summary": title.summary or None, "summary_netflix": title.summary_netflix or None,
        "summary_justwatch": title.summary_justwatch or None, "rating": title.rating,
        "duration_minutes": title.duration_minutes, "seasons": title.seasons,
        "date_added": title.date_added, "imdb_id": title.imdb_id, "imdb_score": title.imdb_score,
        "imdb_votes": title.imdb_votes, "tmdb_popularity": title.tmdb_popularity,
        "tmdb_score": title.tmdb_score, "netflix_id": title.netflix_id,
        "justwatch_id": title.justwatch_id, "chart_only": title.chart_only,
        "first_chart_week": first_week, "terms": terms, "services": list(title.services),
        "on_netflix": NETFLIX in title.services,
    }
    props.update(global_props)
    return props


def build_rows(source: SourceData, resolver: CountryResolver) -> dict[str, list[dict]]:
    """The rows of each UNWIND write, keyed by the name of the query in graph.queries."""
    history = chart_history(source.chart_rows, source.match_report)
    globals_ = global_history(source.global_rows, source.match_report)
    first_week: dict[str, object] = {}
    for (title_id, _), entry in history.items():
        first_week[title_id] = min(entry["first_week"], first_week.get(title_id, entry["first_week"]))
    for title_id, entry in globals_.items():
        week = entry["global_weeks"][0]
        first_week[title_id] = min(week, first_week.get(title_id, week))

    countries = dict(source.country_names)
    genres: dict[str, str] = {}
    people: dict[str, dict] = {}
    rows: dict[str, list[dict]] = defaultdict(list)
    for title in source.titles:
        terms = source.terms.get(title.id, [])
        rows["MERGE_TITLES"].append({"id": title.id, "props": _title_props(
            title, terms, first_week.get(title.id), globals_.get(title.id, {}))})
        for genre in title.genres:
            # Netflix labels are capitalised ("Dramas"), JustWatch's are lower case ("drama").
            genres.setdefault(genre, "justwatch" if genre.islower() else "netflix")
            rows["MERGE_IN_GENRE"].append({"title_id": title.id, "genre": genre})
        for service in title.services:
            rows["MERGE_AVAILABLE_ON"].append({"title_id": title.id, "service": service})
        for iso2 in title.countries:
            countries.setdefault(iso2, resolver.name(iso2))
            rows["MERGE_PRODUCED_IN"].append({"title_id": title.id, "iso2": iso2})
        for rank, term in enumerate(terms):
            rows["MERGE_HAS_TERM"].append({"title_id": title.id, "term": term, "weight": 1.0 / (1 + rank)})
        for query, names in (("MERGE_DIRECTED", title.directors), ("MERGE_ACTED_IN", title.cast)):
            seen: set[str] = set()
            for order, name in enumerate(names):
                key = normalize_name(name)
                if not key or key in seen:
                    continue
                seen.add(key)
                person = people.setdefault(key, {"key": key, "name": name, "justwatch_id": None})
                person["justwatch_id"] = person["justwatch_id"] or title.person_ids.get(name)
                row = {"title_id": title.id, "person_key": key}
                if query == "MERGE_ACTED_IN":
                    row["order"] = order
                rows[query].append(row)
    term_counts: dict[str, int] = defaultdict(int)
    for title_terms in source.terms.values():
        for term in title_terms:
            term_counts[term] += 1
    services = sorted({service for title in source.titles for service in title.services})
    rows["MERGE_SERVICES"] = [{"name": name} for name in services]
    rows["MERGE_COUNTRIES"] = [{"iso2": iso2, "name": name} for iso2, name in sorted(countries.items())]
    rows["MERGE_GENRES"] = [{"name": n, "vocabulary": v} for n, v in sorted(genres.items())]
    rows["MERGE_TERMS"] = [{"name": t, "title_count": c} for t, c in sorted(term_counts.items())]
    rows["MERGE_PEOPLE"] = [people[key] for key in sorted(people)]
    rows["MERGE_CHARTED_IN"] = [
        {"title_id": title_id, "iso2": iso2, **entry}
        for (title_id, iso2), entry in sorted(history.items())
    ]
    return rows


# Nodes first, then relationships (which MATCH their end nodes).
WRITE_ORDER = [
    "MERGE_SERVICES", "MERGE_COUNTRIES", "MERGE_GENRES", "MERGE_TERMS", "MERGE_TITLES", "MERGE_PEOPLE",
    "MERGE_AVAILABLE_ON", "MERGE_HAS_TERM", "MERGE_IN_GENRE", "MERGE_PRODUCED_IN", "MERGE_DIRECTED",
    "MERGE_ACTED_IN", "MERGE_CHARTED_IN",
]


# Relationship writes whose Cypher takes one row per title with its `links` (graph/queries.py).
PER_TITLE = frozenset({
    "MERGE_AVAILABLE_ON", "MERGE_HAS_TERM", "MERGE_IN_GENRE", "MERGE_PRODUCED_IN", "MERGE_DIRECTED",
    "MERGE_ACTED_IN", "MERGE_CHARTED_IN",
})


def _batches(rows: list[dict], size: int) -> Iterator[list[dict]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def per_title(rows: Iterable[dict]) -> list[dict]:
    """Edge rows ({"title_id", ...}) as one row per title, {"title_id", "links": [the rest, in order]}."""
    links: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        links[row["title_id"]].append({key: value for key, value in row.items() if key != "title_id"})
    return [{"title_id": title_id, "links": title_links} for title_id, title_links in links.items()]


def write_rows(driver: neo4j.Driver, rows: dict[str, list[dict]], *, database: str | None = None,
               batch_size: int = BATCH_SIZE, progress: bool = True) -> int:
    """Run every UNWIND write in batches, each batch its own transaction; return rows written.
    Edge rows from a title go per title (`per_title`), `batch_size` titles to a batch."""
    total = sum(len(rows.get(name, [])) for name in WRITE_ORDER)
    written = 0
    with tqdm(total=total, desc="ingest", unit="row", disable=not progress, mininterval=1.0) as bar:
        with driver.session(database=database) as session:
            for name in WRITE_ORDER:
                statement = getattr(queries, name)
                bar.set_postfix_str(name.removeprefix("MERGE_").lower())
                grouped = name in PER_TITLE
                todo = per_title(rows.get(name, [])) if grouped else rows.get(name, [])
                for batch in _batches(todo, batch_size):
                    session.execute_write(_run_batch, statement, batch)
                    count = sum(len(row["links"]) for row in batch) if grouped else len(batch)
                    written += count
                    bar.update(count)
    return written


def _run_batch(tx: neo4j.ManagedTransaction, statement: str, batch: list[dict]) -> None:
    tx.run(statement, rows=batch).consume()


def save_reports(source: SourceData, reports_dir: Path) -> dict[str, str]:
    """Write the match report and the bad rows as JSON; return their paths."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    match_path = reports_dir / "match_report.json"
    match_path.write_text(source.match_report.to_json())
    bad_path = reports_dir / "bad_rows.json"
    bad_path.write_text(json.dumps([asdict(row) for row in source.bad_rows], indent=1))
    return {"match_report": str(match_path), "bad_rows": str(bad_path)}


def ingest(driver: neo4j.Driver, data_dir: Path, reports_dir: Path, *, database: str | None = None,
           progress: bool = True, echo: Callable[[str], None] = print,
           batch_size: int = BATCH_SIZE, affinity_min_support: int = MIN_SUPPORT) -> IngestSummary:
    """Read `data_dir`, apply the schema and write the graph; print and return a summary."""
    started = time.monotonic()
    source = read_sources(data_dir)
    echo(f"read {len(source.titles):,} titles, {len(source.chart_rows):,} country chart rows, "
         f"{len(source.global_rows):,} global chart rows from {data_dir} "
         f"in {time.monotonic() - started:.1f}s")
    for bad in source.bad_rows[:20]:
        echo(f"bad row skipped: {bad.file}:{bad.line}: {bad.reason}")
    if len(source.bad_rows) > 20:
        echo(f"... and {len(source.bad_rows) - 20} more bad rows (see the bad_rows report)")
    match = source.match_report.summary()
    echo(f"chart title match: {match['chart_keys']:,} chart titles, {match['matched']:,} matched "
         f"({match['ambiguous']:,} of them ambiguous), {match['unmatched']:,} unmatched kept as "
         f"chart-only titles")
    apply_schema(driver, database)
    retired = retire_summary_word_tags(driver, database)
    if retired:
        echo(f"retired {retired:,} summary-word Tag nodes of an older graph (written again as Term nodes)")
    rows = build_rows(source, CountryResolver())
    # Into an empty store (the first ingest, `--fresh`) nothing can be stale: the check is skipped.
    fresh = title_count(driver, database) == 0
    written = write_rows(driver, rows, database=database, batch_size=batch_size, progress=progress)
    title_ids = {title.id for title in source.titles}
    stale = remove_stale_titles(driver, title_ids, database)
    if stale:
        echo(f"removed {len(stale):,} titles the data files no longer give "
             f"({', '.join(stale[:5])}{', ...' if len(stale) > 5 else ''})")
    link_saved_title_terms(driver, database)
    if not fresh:
        edges, orphans = remove_stale_edges(driver, rows, title_ids, database)
        if edges or orphans:
            echo(f"removed {edges:,} edges and {orphans:,} people or terms the data files no longer give")
    # Market weights and genre affinity come from the charts just written (tags: after train).
    refresh_country_stats(driver, min_support=affinity_min_support, database=database, echo=echo)
    nodes, relationships = graph_counts(driver, database)
    summary = IngestSummary(
        rows_written=written, seconds=time.monotonic() - started, nodes=nodes,
        relationships=relationships, bad_rows=len(source.bad_rows), match=match,
        reports=save_reports(source, reports_dir),
    )
    echo(summary.line())
    return summary
