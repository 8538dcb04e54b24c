"""All Cypher of titlegraph, as named constants that take only `$parameters`.

Label and relationship names are fixed here; values always travel as parameters.
"""

from textwrap import dedent


def _q(text: str) -> str:
    return dedent(text).strip()


# --- schema ---------------------------------------------------------------------------------
# Schema commands cannot take parameters for names; these are fixed strings, run idempotently.
SCHEMA = [
    _q("CREATE CONSTRAINT title_id IF NOT EXISTS FOR (t:Title) REQUIRE t.id IS UNIQUE"),
    _q("CREATE CONSTRAINT tag_name IF NOT EXISTS FOR (t:Tag) REQUIRE t.name IS UNIQUE"),
    _q("CREATE CONSTRAINT genre_name IF NOT EXISTS FOR (g:Genre) REQUIRE g.name IS UNIQUE"),
    _q("CREATE CONSTRAINT country_iso2 IF NOT EXISTS FOR (c:Country) REQUIRE c.iso2 IS UNIQUE"),
    _q("CREATE CONSTRAINT person_key IF NOT EXISTS FOR (p:Person) REQUIRE p.key IS UNIQUE"),
    _q("CREATE INDEX title_norm IF NOT EXISTS FOR (t:Title) ON (t.norm_title)"),
    _q("CREATE INDEX title_kind IF NOT EXISTS FOR (t:Title) ON (t.kind)"),
    _q("CREATE INDEX genre_lower IF NOT EXISTS FOR (g:Genre) ON (g.name_lower)"),
    _q("CREATE INDEX person_name IF NOT EXISTS FOR (p:Person) ON (p.name)"),
    _q("CREATE FULLTEXT INDEX title_search IF NOT EXISTS FOR (t:Title) ON EACH [t.search_text]"),
]

AWAIT_INDEXES = "CALL db.awaitIndexes($timeout_seconds)"
SHOW_CONSTRAINTS = "SHOW CONSTRAINTS YIELD name RETURN collect(name) AS names"
SHOW_INDEXES = "SHOW INDEXES YIELD name, type, state RETURN name, type, state"

# --- ingest (batched UNWIND writes) -----------------------------------------------------------
MERGE_COUNTRIES = _q("""
    UNWIND $rows AS row
    MERGE (c:Country {iso2: row.iso2})
    SET c.name = row.name
""")

MERGE_GENRES = _q("""
    UNWIND $rows AS row
    MERGE (g:Genre {name: row.name})
    SET g.vocabulary = row.vocabulary, g.name_lower = toLower(row.name)
""")

MERGE_TAGS = _q("""
    UNWIND $rows AS row
    MERGE (t:Tag {name: row.name})
    SET t.title_count = row.title_count
""")

MERGE_TITLES = _q("""
    UNWIND $rows AS row
    MERGE (t:Title {id: row.id})
    SET t += row.props
""")

MERGE_PEOPLE = _q("""
    UNWIND $rows AS row
    MERGE (p:Person {key: row.key})
    SET p.name = row.name, p.justwatch_id = row.justwatch_id
""")

MERGE_HAS_TAG = _q("""
    UNWIND $rows AS row
    MATCH (t:Title {id: row.title_id}), (tag:Tag {name: row.tag})
    MERGE (t)-[r:HAS_TAG]->(tag)
    SET r.weight = row.weight
""")

MERGE_IN_GENRE = _q("""
    UNWIND $rows AS row
    MATCH (t:Title {id: row.title_id}), (g:Genre {name: row.genre})
    MERGE (t)-[:IN_GENRE]->(g)
""")

MERGE_PRODUCED_IN = _q("""
    UNWIND $rows AS row
    MATCH (t:Title {id: row.title_id}), (c:Country {iso2: row.iso2})
    MERGE (t)-[:PRODUCED_IN]->(c)
""")

MERGE_DIRECTED = _q("""
    UNWIND $rows AS row
    MATCH (t:Title {id: row.title_id}), (p:Person {key: row.person_key})
    MERGE (p)-[:DIRECTED]->(t)
""")

MERGE_ACTED_IN = _q("""
    UNWIND $rows AS row
    MATCH (t:Title {id: row.title_id}), (p:Person {key: row.person_key})
    MERGE (p)-[r:ACTED_IN]->(t)
    SET r.order = row.order
""")

MERGE_CHARTED_IN = _q("""
    UNWIND $rows AS row
    MATCH (t:Title {id: row.title_id}), (c:Country {iso2: row.iso2})
    MERGE (t)-[r:CHARTED_IN]->(c)
    SET r.weeks_in_top10 = row.weeks_in_top10, r.best_rank = row.best_rank,
        r.first_week = row.first_week, r.last_week = row.last_week, r.points = row.points,
        r.weeks = row.weeks, r.ranks = row.ranks
""")

# --- counts -------------------------------------------------------------------------------------
COUNT_NODES = "MATCH (n) UNWIND labels(n) AS label RETURN label, count(*) AS count ORDER BY label"
COUNT_RELATIONSHIPS = "MATCH ()-[r]->() RETURN type(r) AS type, count(*) AS count ORDER BY type"
DELETE_ALL_BATCH = _q("""
    MATCH (n) WITH n LIMIT $batch_size
    DETACH DELETE n RETURN count(*) AS deleted
""")
