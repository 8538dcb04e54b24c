"""Ingest against the real Neo4j: counts match the files, re-runs change nothing, bad rows skip."""

from __future__ import annotations

import csv
import hashlib
import shutil

import neo4j
import pytest

from graph.embeddings import iter_title_batches
from graph.ingest import DATA_FILES, OTHER_SERVICES_DIR, ingest
from graph.maintenance import graph_counts, retire_summary_word_tags
from graph.normalize import normalize_name, normalize_title
from graph.sources import OTHER_SERVICES

pytestmark = pytest.mark.neo4j


def _rows(path, delimiter=","):
    with open(path, newline="", encoding="utf-8") as handle:
        quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
        return list(csv.DictReader(handle, delimiter=delimiter, quoting=quoting))


def _scalar(driver, query: str, **params):
    records, _, _ = driver.execute_query(query, params)
    return records[0][0]


def test_every_catalog_id_becomes_a_title(full_graph, driver, data_dir):
    netflix_ids = {row["show_id"] for row in _rows(data_dir / DATA_FILES["netflix"])}
    justwatch_rows = _rows(data_dir / DATA_FILES["justwatch_titles"])
    # The JustWatch row without a title and two Prime Video rows naming Kosovo (no ISO 3166-1
    # code) are the shared data's bad rows.
    justwatch_ids = {row["id"] for row in justwatch_rows if row["title"].strip()}
    assert full_graph.bad_rows == 3
    in_graph = _scalar(driver, "MATCH (t:Title) WHERE t.netflix_id IS NOT NULL RETURN collect(t.netflix_id)")
    assert set(in_graph) == netflix_ids
    in_graph = _scalar(
        driver, "MATCH (t:Title) WHERE t.justwatch_id IS NOT NULL RETURN collect(t.justwatch_id)"
    )
    assert set(in_graph) == justwatch_ids


def test_every_other_service_row_is_a_title_or_joins_one(full_graph, driver, data_dir):
    records, _, _ = driver.execute_query(
        "MATCH (t:Title)-[:AVAILABLE_ON]->(s:Service) RETURN t.id AS id, t.kind AS kind, "
        "t.aliases AS aliases, collect(s.name) AS services"
    )
    by_id = {r["id"]: r for r in records}
    by_name = {}
    for r in records:
        for alias in r["aliases"]:
            by_name.setdefault((r["kind"], normalize_title(alias)), []).append(r)
    kinds = {"Movie": "movie", "TV Show": "show"}
    for prefix, (service, file_name) in OTHER_SERVICES.items():
        rows = _rows(data_dir / OTHER_SERVICES_DIR / file_name)
        kept = [row for row in rows if "Kosovo" not in row["country"]]
        assert len(rows) - len(kept) == (2 if prefix == "prime" else 0)
        for row in kept:
            own = by_id.get(f"{prefix}-{row['show_id']}")
            joined = by_name.get((kinds[row["type"]], normalize_title(row["title"])), [])
            assert (own and own["services"][0] == service) or any(service in r["services"] for r in joined), (
                row
            )
    netflix = _scalar(
        driver,
        "MATCH (t:Title)-[:AVAILABLE_ON]->(:Service {name: 'Netflix'}) "
        "WHERE NOT t.chart_only RETURN count(t)",
    )
    assert netflix == _scalar(
        driver, "MATCH (t:Title) WHERE t.netflix_id IS NOT NULL OR t.justwatch_id IS NOT NULL RETURN count(t)"
    )


def test_chart_weeks_match_the_chart_file(full_graph, driver, data_dir):
    rows = _rows(data_dir / DATA_FILES["country_charts"], delimiter="\t")
    # Two seasons of a show in one country's list in one week count as one chart week.
    chart_weeks = {(r["category"], r["show_title"], r["country_iso2"], r["week"]) for r in rows}
    stored = _scalar(driver, "MATCH ()-[r:CHARTED_IN]->() RETURN sum(size(r.weeks))")
    assert stored == len(chart_weeks)
    countries = {r["country_iso2"] for r in rows}
    charted = _scalar(driver, "MATCH ()-[:CHARTED_IN]->(c:Country) RETURN collect(DISTINCT c.iso2)")
    assert set(charted) == countries and len(countries) == 94
    points = _scalar(driver, "MATCH ()-[r:CHARTED_IN]->() RETURN sum(r.points)")
    assert 0 < points <= sum(11 - int(r["weekly_rank"]) for r in rows)


def test_people_are_the_distinct_names_of_both_catalogs(full_graph, driver, data_dir):
    names = set()
    for row in _rows(data_dir / DATA_FILES["netflix"]):
        for column in ("director", "cast"):
            names.update(normalize_name(n) for n in row[column].split(",") if n.strip())
    credited_titles = {
        row["id"] for row in _rows(data_dir / DATA_FILES["justwatch_titles"]) if row["title"].strip()
    }
    for row in _rows(data_dir / DATA_FILES["justwatch_credits"]):
        if row["id"] in credited_titles:
            names.add(normalize_name(row["name"]))
    names.discard("")
    # The other services add people of the titles that are theirs alone.
    other_names = set()
    for _, file_name in OTHER_SERVICES.values():
        for row in _rows(data_dir / OTHER_SERVICES_DIR / file_name):
            for column in ("director", "cast"):
                other_names.update(normalize_name(n) for n in row[column].split(",") if n.strip())
    in_graph = set(_scalar(driver, "MATCH (p:Person) RETURN collect(p.key)"))
    assert names <= in_graph <= names | other_names
    assert full_graph.nodes["Person"] == len(in_graph) > len(names)


def test_unmatched_chart_titles_are_kept_as_chart_only(full_graph, driver):
    chart_only = _scalar(driver, "MATCH (t:Title {chart_only: true}) RETURN count(t)")
    assert chart_only > 0
    lost = _scalar(
        driver,
        "MATCH (t:Title {chart_only: true}) WHERE NOT (t)-[:CHARTED_IN]->() "
        "AND t.global_weeks IS NULL RETURN count(t)",
    )
    assert lost == 0
    assert full_graph.match["unmatched"] >= chart_only


def _checksum(driver) -> str:
    records, _, _ = driver.execute_query(
        "MATCH (t:Title) OPTIONAL MATCH (t)-[r]-() "
        "WITH t, count(r) AS degree ORDER BY t.id "
        "RETURN collect([t.id, t.title, t.kind, t.year, t.terms, degree]) AS rows"
    )
    return hashlib.sha256(repr(records[0]["rows"]).encode()).hexdigest()


def test_summary_terms_are_term_nodes_and_tag_is_left_to_the_vocabulary(full_graph, driver):
    assert _scalar(driver, "MATCH (x:Tag) RETURN count(x)") == 0  # vocabulary tags come with `train`
    assert _scalar(driver, "MATCH ()-[r:HAS_TAG]->() RETURN count(r)") == 0
    assert _scalar(driver, "MATCH (x:Term) RETURN count(x)") > 1000
    # Each title's `terms` are the Term nodes it links to, heaviest first.
    mismatched = _scalar(driver, """
        MATCH (t:Title) WHERE size(coalesce(t.terms, [])) > 0
        WITH t, COLLECT { MATCH (t)-[r:HAS_TERM]->(x:Term) RETURN x.name ORDER BY r.weight DESC } AS linked
        WHERE linked <> t.terms RETURN count(t)""")
    assert mismatched == 0
    assert _scalar(driver, "MATCH (t:Title) WHERE t.tags IS NOT NULL RETURN count(t)") == 0


def test_an_older_graphs_summary_word_tags_are_retired(full_graph, driver):
    """Graphs ingested before the Term label held summary terms as facet-less Tag nodes (HAS_TAG,
    the title's `tags`); a plain ingest retires that form before it writes the terms again."""
    title_id, terms = driver.execute_query(
        "MATCH (t:Title) WHERE size(coalesce(t.terms, [])) > 1 RETURN t.id, t.terms ORDER BY t.id LIMIT 1"
    ).records[0]
    driver.execute_query("""
        MATCH (t:Title {id: $id}) SET t.tags = t.terms REMOVE t.terms
        MERGE (old:Tag {name: 'an older summary word'}) SET old.title_count = 1
        MERGE (t)-[:HAS_TAG]->(old)
        MERGE (both:Tag {name: 'an older vocabulary tag'}) SET both.facet = 'mood', both.title_count = 3
        MERGE (t)-[:HAS_TAG]->(both)""", id=title_id)
    try:
        assert retire_summary_word_tags(driver) == 1
        assert _scalar(driver, "MATCH (x:Tag) WHERE x.facet IS NULL RETURN count(x)") == 0
        assert _scalar(driver, "MATCH ()-[r:HAS_TAG]->() RETURN count(r)") == 0
        assert _scalar(driver, "MATCH (x:Tag {name: 'an older vocabulary tag'}) RETURN x.title_count") is None
        moved = _scalar(driver, "MATCH (t:Title {id: $id}) RETURN [t.terms, t.tags]", id=title_id)
        assert moved == [terms, None]
        assert retire_summary_word_tags(driver) == 0  # a present-day graph is left as it is
    finally:
        driver.execute_query("MATCH (x:Tag {name: 'an older vocabulary tag'}) DETACH DELETE x")


def test_second_ingest_changes_nothing_but_removes_titles_and_edges_the_files_no_longer_give(
        full_graph, driver, data_dir, settings):
    before = graph_counts(driver), _checksum(driver)
    # A title an older copy of the files (or an older merge rule) gave, and one saved through the API;
    # a genre and a cast member that an older copy gave a title the files still give, and a chart
    # country it no longer charted in.
    driver.execute_query("""
        MATCH (g:Genre) WITH g ORDER BY g.name LIMIT 1
        CREATE (:Title {id: 'tm-gone', title: 'Gone'})-[:IN_GENRE]->(g)
        CREATE (kept:Title {id: 'api-kept', title: 'Kept', source: 'api'})-[:IN_GENRE]->(g)
        WITH g, kept
        MATCH (t:Title)-[:CHARTED_IN]->() WHERE NOT (t)-[:IN_GENRE]->(g)
        WITH g, kept, t ORDER BY t.id LIMIT 1
        MATCH (c:Country) WHERE NOT (t)-[:CHARTED_IN]->(c)
        WITH g, kept, t, c ORDER BY c.iso2 LIMIT 1
        CREATE (t)-[:IN_GENRE]->(g)
        CREATE (t)-[:CHARTED_IN {weeks_in_top10: 1}]->(c)
        CREATE (:Person {key: 'an older cast member', name: 'An Older Cast Member'})-[:ACTED_IN]->(t)""")
    lines = []
    try:
        summary = ingest(driver, data_dir, settings.reports_dir, progress=False, echo=lines.append)
        assert "removed 1 titles the data files no longer give (tm-gone)" in lines
        assert "removed 3 edges and 1 people or terms the data files no longer give" in lines
        # The saved title keeps its edge.
        assert _scalar(driver, "MATCH (:Title {id: 'api-kept'})-[r:IN_GENRE]->() RETURN count(r)") == 1
        left = _scalar(driver, "MATCH (t:Title) WHERE t.id IN ['tm-gone', 'api-kept'] RETURN collect(t.id)")
        assert left == ["api-kept"]
    finally:
        driver.execute_query("MATCH (t:Title {id: 'api-kept'}) DETACH DELETE t")
    # The summary counted the saved title and its edge.
    nodes = dict(summary.nodes, Title=summary.nodes["Title"] - 1)
    relationships = dict(summary.relationships, IN_GENRE=summary.relationships["IN_GENRE"] - 1)
    assert (nodes, relationships) == before[0]
    assert _checksum(driver) == before[1]


def test_constraint_violation_is_rejected(full_graph, driver):
    existing = _scalar(driver, "MATCH (t:Title) RETURN t.id LIMIT 1")
    with pytest.raises(neo4j.exceptions.ConstraintError):
        driver.execute_query("CREATE (:Title {id: $id})", id=existing)
    assert _scalar(driver, "MATCH (t:Title {id: $id}) RETURN count(t)", id=existing) == 1


def _small_copy(data_dir, target, lines: int = 60) -> None:
    """The first `lines` records of every data file, so an ingest takes a second."""
    for name in DATA_FILES.values():
        with open(data_dir / name, newline="", encoding="utf-8") as source:
            rows = list(
                csv.reader(
                    source,
                    delimiter="\t" if name.endswith(".tsv") else ",",
                    quoting=csv.QUOTE_NONE if name.endswith(".tsv") else csv.QUOTE_MINIMAL,
                )
            )
        with open(target / name, "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(
                out,
                delimiter="\t" if name.endswith(".tsv") else ",",
                quoting=csv.QUOTE_NONE if name.endswith(".tsv") else csv.QUOTE_MINIMAL,
                lineterminator="\n",
                escapechar="\\" if name.endswith(".tsv") else None,
            )
            writer.writerows(rows[: lines + 1])


def test_broken_rows_are_reported_and_the_rest_loads(clean_graph, data_dir, tmp_path, settings):
    _small_copy(data_dir, tmp_path)
    netflix = tmp_path / DATA_FILES["netflix"]
    good_rows = len(_rows(netflix))
    with open(netflix, "a", encoding="utf-8") as handle:
        handle.write(',Movie,No Id,,,United States,"May 1, 2020",2020,PG,90 min,Dramas,Missing id.\n')
        handle.write('s9001,Movie,Bad Year,,,United States,"May 1, 2020",20x0,PG,90 min,Dramas,Bad year.\n')
        handle.write('s9002,Movie,Nowhere,,,Atlantis,"May 1, 2020",2020,PG,90 min,Dramas,Bad country.\n')
        handle.write('s9003,Movie,Good Late Row,,,France,"May 1, 2020",2019,PG,95 min,Dramas,Fine row.\n')
    charts = tmp_path / DATA_FILES["country_charts"]
    with open(charts, "a", encoding="utf-8") as handle:
        handle.write("Atlantis\tZQ\t2021-12-26\tFilms\t1\tGood Late Row\tN/A\t1\n")

    summary = ingest(clean_graph, tmp_path, tmp_path / "reports", progress=False, echo=lambda _: None)

    bad = (tmp_path / "reports" / "bad_rows.json").read_text()
    first_bad_line = good_rows + 2  # header is line 1
    for line in (first_bad_line, first_bad_line + 1, first_bad_line + 2):
        assert f'"line": {line}' in bad
    assert "ZQ" in bad and summary.bad_rows == 4
    netflix_titles = _scalar(clean_graph, "MATCH (t:Title) WHERE t.netflix_id IS NOT NULL RETURN count(t)")
    assert netflix_titles == good_rows + 1
    assert _scalar(clean_graph, "MATCH (t:Title {netflix_id: 's9003'}) RETURN t.title") == "Good Late Row"
    assert (
        _scalar(clean_graph, "MATCH (t:Title) WHERE t.netflix_id IN ['s9001', 's9002'] RETURN count(t)") == 0
    )


def test_missing_data_folder_names_the_files(clean_graph, tmp_path, settings):
    shutil.copy(__file__, tmp_path / "unrelated.py")
    with pytest.raises(FileNotFoundError, match="TITLEGRAPH_DATA"):
        ingest(clean_graph, tmp_path, tmp_path / "reports", progress=False, echo=lambda _: None)


def test_the_training_read_carries_each_titles_imdb_votes(full_graph, driver, data_dir):
    # Content comps weigh a candidate's prominence by these votes (training/comp_prior.py); a read
    # without them would leave every title at the same prominence, silently.
    votes = {row["title"]: float(row["imdb_votes"]) for row in _rows(data_dir / "titles.csv")
             if row["imdb_votes"]}
    rows = {row.title: row for batch in iter_title_batches(driver) for row in batch}
    assert rows["Stranger Things"].imdb_votes == votes["Stranger Things"]
    read = [row.imdb_votes for row in rows.values() if row.imdb_votes is not None]
    assert len(read) > 4000
