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
    _q("CREATE CONSTRAINT term_name IF NOT EXISTS FOR (t:Term) REQUIRE t.name IS UNIQUE"),
    _q("CREATE CONSTRAINT genre_name IF NOT EXISTS FOR (g:Genre) REQUIRE g.name IS UNIQUE"),
    _q("CREATE CONSTRAINT country_iso2 IF NOT EXISTS FOR (c:Country) REQUIRE c.iso2 IS UNIQUE"),
    _q("CREATE CONSTRAINT person_key IF NOT EXISTS FOR (p:Person) REQUIRE p.key IS UNIQUE"),
    _q("CREATE CONSTRAINT service_name IF NOT EXISTS FOR (s:Service) REQUIRE s.name IS UNIQUE"),
    _q("CREATE INDEX title_norm IF NOT EXISTS FOR (t:Title) ON (t.norm_title)"),
    _q("CREATE INDEX title_kind IF NOT EXISTS FOR (t:Title) ON (t.kind)"),
    _q("CREATE INDEX genre_lower IF NOT EXISTS FOR (g:Genre) ON (g.name_lower)"),
    _q("CREATE INDEX person_name IF NOT EXISTS FOR (p:Person) ON (p.name)"),
    _q("CREATE FULLTEXT INDEX title_search IF NOT EXISTS FOR (t:Title) ON EACH [t.search_text]"),
]

AWAIT_INDEXES = "CALL db.awaitIndexes($timeout_seconds)"

# --- ingest (batched UNWIND writes) -----------------------------------------------------------
MERGE_COUNTRIES = _q("""
    UNWIND $rows AS row
    MERGE (c:Country {iso2: row.iso2})
    SET c.name = row.name
""")

MERGE_SERVICES = _q("""
    UNWIND $rows AS row
    MERGE (:Service {name: row.name})
""")

# Where a title streams: Netflix for the Netflix files' titles, Prime Video, Disney+, Hulu for
# the other catalogs (one work listed by several services is one Title with several edges).
MERGE_AVAILABLE_ON = _q("""
    UNWIND $rows AS row
    MATCH (t:Title {id: row.title_id})
    UNWIND row.links AS link
    MATCH (s:Service {name: link.service})
    MERGE (t)-[:AVAILABLE_ON]->(s)
""")

MERGE_GENRES = _q("""
    UNWIND $rows AS row
    MERGE (g:Genre {name: row.name})
    SET g.vocabulary = row.vocabulary, g.name_lower = toLower(row.name)
""")

# Summary terms (graph/tags.py: the distinctive words and phrases of each summary) are `Term`
# nodes, the graph embedding's input; `Tag` is kept for the curated vocabulary (MERGE_VOCABULARY_TAGS),
# so a Browser user who asks for tags gets facets and definitions, not "powerful drug".
MERGE_TERMS = _q("""
    UNWIND $rows AS row
    MERGE (x:Term {name: row.name})
    SET x.title_count = row.title_count
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

# The relationship writes from a title take one row per title with its `links` (graph/ingest.py
# `write_rows` groups them): the title is looked up once, not once per edge, and a clean ingest
# of these edges took a third less time (HAS_TERM 13.2 s -> 7.7 s, ACTED_IN 11.0 s -> 7.4 s).
MERGE_HAS_TERM = _q("""
    UNWIND $rows AS row
    MATCH (t:Title {id: row.title_id})
    UNWIND row.links AS link
    MATCH (x:Term {name: link.term})
    MERGE (t)-[r:HAS_TERM]->(x)
    SET r.weight = link.weight
""")

MERGE_IN_GENRE = _q("""
    UNWIND $rows AS row
    MATCH (t:Title {id: row.title_id})
    UNWIND row.links AS link
    MATCH (g:Genre {name: link.genre})
    MERGE (t)-[:IN_GENRE]->(g)
""")

MERGE_PRODUCED_IN = _q("""
    UNWIND $rows AS row
    MATCH (t:Title {id: row.title_id})
    UNWIND row.links AS link
    MATCH (c:Country {iso2: link.iso2})
    MERGE (t)-[:PRODUCED_IN]->(c)
""")

MERGE_DIRECTED = _q("""
    UNWIND $rows AS row
    MATCH (t:Title {id: row.title_id})
    UNWIND row.links AS link
    MATCH (p:Person {key: link.person_key})
    MERGE (p)-[:DIRECTED]->(t)
""")

MERGE_ACTED_IN = _q("""
    UNWIND $rows AS row
    MATCH (t:Title {id: row.title_id})
    UNWIND row.links AS link
    MATCH (p:Person {key: link.person_key})
    MERGE (p)-[r:ACTED_IN]->(t)
    SET r.order = link.order
""")

MERGE_CHARTED_IN = _q("""
    UNWIND $rows AS row
    MATCH (t:Title {id: row.title_id})
    UNWIND row.links AS link
    MATCH (c:Country {iso2: link.iso2})
    MERGE (t)-[r:CHARTED_IN]->(c)
    SET r.weeks_in_top10 = link.weeks_in_top10, r.best_rank = link.best_rank,
        r.first_week = link.first_week, r.last_week = link.last_week, r.points = link.points,
        r.weeks = link.weeks, r.ranks = link.ranks
""")


# A plain ingest makes each file title's catalog edges what the files say now. Per edge write
# (graph/ingest.py WRITE_ORDER), the Cypher that deletes a title's edges of that type to nodes
# whose key is not among `row.keys`: a genre, service, country, person, summary term or chart
# country an older copy of the files gave. Rows come for every title of the files, with empty
# keys where a title now has none.
def _stale_edges(pattern: str, key: str) -> str:
    # Fixed labels and types from the table below; the values travel as parameters.
    return _q(f"""
        UNWIND $rows AS row
        MATCH {pattern} WHERE NOT x.{key} IN row.keys
        DELETE r
    """)


_TITLE = "(:Title {id: row.title_id})"
STALE_EDGES = {
    "MERGE_AVAILABLE_ON": _stale_edges(f"{_TITLE}-[r:AVAILABLE_ON]->(x:Service)", "name"),
    "MERGE_HAS_TERM": _stale_edges(f"{_TITLE}-[r:HAS_TERM]->(x:Term)", "name"),
    "MERGE_IN_GENRE": _stale_edges(f"{_TITLE}-[r:IN_GENRE]->(x:Genre)", "name"),
    "MERGE_PRODUCED_IN": _stale_edges(f"{_TITLE}-[r:PRODUCED_IN]->(x:Country)", "iso2"),
    "MERGE_DIRECTED": _stale_edges(f"(x:Person)-[r:DIRECTED]->{_TITLE}", "key"),
    "MERGE_ACTED_IN": _stale_edges(f"(x:Person)-[r:ACTED_IN]->{_TITLE}", "key"),
    "MERGE_CHARTED_IN": _stale_edges(f"{_TITLE}-[r:CHARTED_IN]->(x:Country)", "iso2"),
}
# People and summary terms no title links to any more (after the deletes above).
DELETE_ORPHANS = [
    _q("MATCH (x:Person) WHERE NOT (x)--() DELETE x"),
    _q("MATCH (x:Term) WHERE NOT (x)--() DELETE x"),
]
COUNT_TITLES = "MATCH (t:Title) RETURN count(t) AS count"


# --- counts -------------------------------------------------------------------------------------
COUNT_NODES = "MATCH (n) UNWIND labels(n) AS label RETURN label, count(*) AS count ORDER BY label"
COUNT_RELATIONSHIPS = "MATCH ()-[r]->() RETURN type(r) AS type, count(*) AS count ORDER BY type"
# The wipe of `ingest --fresh` and the tests, in transactions of $batch_size rows (auto-commit only):
# relationships first, so no inner transaction detaches a country's or a tag's every edge at once.
DELETE_RELATIONSHIPS_IN_TRANSACTIONS = _q("""
    MATCH ()-[r]->()
    CALL (r) { DELETE r } IN TRANSACTIONS OF $batch_size ROWS
""")
DELETE_NODES_IN_TRANSACTIONS = _q("""
    MATCH (n)
    CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF $batch_size ROWS
""")

# Catalog titles the data files no longer give (a title gone from the user's newer copy, or an
# entry a newer merge rule joins to another): a plain ingest removes them, so it ends where
# `ingest --fresh` would. Titles saved through the API (source 'api') are not the files' to remove.
CATALOG_TITLE_IDS = _q("""
    MATCH (t:Title) WHERE coalesce(t.source, '') <> 'api'
    RETURN t.id AS id
""")
DELETE_TITLES = _q("""
    UNWIND $ids AS id
    MATCH (t:Title {id: id}) WHERE coalesce(t.source, '') <> 'api'
    DETACH DELETE t
""")

# Graphs ingested before summary terms had their own label held them as Tag nodes without a
# facet (HAS_TAG edges, the title's `tags` property). A plain ingest writes them again as Term
# nodes; these retire the old form first, so Tag holds the vocabulary alone.
RETIRE_SUMMARY_WORD_TAGS = [
    _q("""
        MATCH ()-[r:HAS_TAG]->()
        CALL (r) { DELETE r } IN TRANSACTIONS OF $batch_size ROWS
    """),
    _q("""
        MATCH (x:Tag) WHERE x.facet IS NULL
        CALL (x) { DETACH DELETE x } IN TRANSACTIONS OF $batch_size ROWS
    """),
    _q("""
        MATCH (x:Tag) WHERE x.title_count IS NOT NULL
        CALL (x) { REMOVE x.title_count } IN TRANSACTIONS OF $batch_size ROWS
    """),
    _q("""
        MATCH (t:Title) WHERE t.tags IS NOT NULL
        CALL (t) { SET t.terms = coalesce(t.terms, t.tags) REMOVE t.tags } IN TRANSACTIONS OF $batch_size ROWS
    """),
]

# Titles saved through the API keep their terms as a property; after a plain ingest has written
# the Term nodes, those without HAS_TERM edges (saved before the label) get them back.
LINK_SAVED_TITLE_TERMS = _q("""
    MATCH (t:Title {source: 'api'}) WHERE t.terms IS NOT NULL AND NOT EXISTS { (t)-[:HAS_TERM]->() }
    UNWIND range(0, size(t.terms) - 1) AS position
    MATCH (x:Term {name: t.terms[position]})
    MERGE (t)-[r:HAS_TERM]->(x) SET r.weight = 1.0 / (1 + position)
    RETURN count(r) AS linked
""")

# --- service ------------------------------------------------------------------------------------
# Reads of the REST service (graph/reads.py). `$kind`, `$country` and `$version` may be null.
SERVICE_PING = "RETURN 1 AS ok"

# Candidates of a title search, ranked in graph/reads.py (exact title or alias, then prefix, then
# fulltext): titles whose normalized title equals or starts with $norm (title_norm index), and
# the fulltext index over title and aliases, queried with the text as one phrase (an alias typed as
# written matches it) and as prefix and fuzzy terms (both built in graph/reads.py).
SEARCH_TITLE_CANDIDATES = _q("""
    CALL () {
        MATCH (t:Title) WHERE t.norm_title = $norm
        RETURN t, 0.0 AS score
        UNION ALL
        MATCH (t:Title) WHERE t.norm_title STARTS WITH $norm AND ($kind IS NULL OR t.kind = $kind)
        RETURN t, 0.0 AS score LIMIT $candidates
        UNION ALL
        CALL db.index.fulltext.queryNodes('title_search', $phrase, {limit: $candidates})
        YIELD node, score
        RETURN node AS t, score
        UNION ALL
        CALL db.index.fulltext.queryNodes('title_search', $lucene, {limit: $candidates})
        YIELD node, score
        RETURN node AS t, score
    }
    WITH t, max(score) AS score
    WHERE $kind IS NULL OR t.kind = $kind
    RETURN t.id AS id, t.title AS title, t.kind AS kind, t.year AS year,
           t.chart_only AS chart_only, t.aliases AS aliases, score / (score + 1.0) AS fulltext
""")

GET_TITLE = _q("""
    MATCH (t:Title {id: $id})
    RETURN t {.id, .title, .kind, .year, .summary, .rating, .duration_minutes, .seasons,
              .date_added, .imdb_id, .imdb_score, .imdb_votes, .tmdb_score, .tmdb_popularity,
              .chart_only, .terms, .aliases, .first_chart_week, .global_hours_total,
              .source} AS title,
           COLLECT { MATCH (t)-[r:TAGGED]->(x:Tag) RETURN x.name ORDER BY r.weight DESC, x.name } AS tags,
           COLLECT { MATCH (t)-[:IN_GENRE]->(g:Genre) RETURN g.name ORDER BY g.name } AS genres,
           COLLECT { MATCH (t)-[:PRODUCED_IN]->(c:Country) RETURN c.iso2 ORDER BY c.iso2 } AS countries,
           COLLECT { MATCH (p:Person)-[:DIRECTED]->(t) RETURN p.name ORDER BY p.name } AS directors,
           COLLECT { MATCH (p:Person)-[r:ACTED_IN]->(t) RETURN p.name ORDER BY r.order LIMIT $cast_limit }
               AS cast,
           COUNT { (t)-[:CHARTED_IN]->() } AS chart_countries
""")

# Comps stored by `titlegraph train` for the version in force (the ModelVersion pointer of
# graph/embeddings.py), best first, with the tags and genres that explain them (stored at
# write-back; computed here only for edges written before MERGE_SIMILAR_TO stored them).
SIMILAR_FROM_EDGES = _q("""
    MATCH (t:Title {id: $id})
    OPTIONAL MATCH (m:ModelVersion {area: 'embeddings'})
    WITH t, m.version AS version
    CALL (t, version) {
        MATCH (t)-[s:SIMILAR_TO]->(c:Title)
        WHERE s.model_version = version AND coalesce(s.basis, 'audience') = $basis
          AND coalesce(s.scope, 'netflix') = $scope
          AND ($kind IS NULL OR c.kind = $kind)
          AND ($country IS NULL OR EXISTS { (c)-[:CHARTED_IN]->(:Country {iso2: $country}) })
        WITH t, s, c ORDER BY s.rank ASC LIMIT $k
        RETURN collect({
            id: c.id, title: c.title, kind: c.kind, year: c.year, score: s.score,
            shared_tags: coalesce(s.shared_tags,
                COLLECT { MATCH (t)-[:TAGGED]->(x:Tag)<-[:TAGGED]-(c) RETURN x.name ORDER BY x.name }),
            shared_facets: coalesce(s.shared_facets, []),
            shared_genres: coalesce(s.shared_genres,
                COLLECT { MATCH (t)-[:IN_GENRE]->(g:Genre)<-[:IN_GENRE]-(c) RETURN g.name }),
            shared_people: coalesce(s.shared_people, []), why: s.why
        }) AS comps
    }
    // Only audience comps fill up from the vector index; content reads skip loading the vector.
    RETURN t.id AS id, t.title AS title, t.kind AS kind, version, comps,
           CASE WHEN $basis = 'audience' THEN t.embedding IS NOT NULL ELSE false END AS embedded
""")

# More comps than were stored (filters leave too few): candidates from the vector index, whose
# scores are approximate (quantized), re-ranked by the exact cosine like SIMILAR_TO.score
# (vector.similarity.cosine gives (1 + cos) / 2).
SIMILAR_FROM_INDEX = _q("""
    MATCH (t:Title {id: $id}) WHERE t.embedding IS NOT NULL
    CALL db.index.vector.queryNodes('title_embedding', $candidates, t.embedding) YIELD node
    WITH t, node AS c
    WHERE c <> t AND NOT c.id IN $exclude AND ($kind IS NULL OR c.kind = $kind)
      AND ($scope = 'all' OR coalesce(c.on_netflix, true))
      AND ($country IS NULL OR EXISTS { (c)-[:CHARTED_IN]->(:Country {iso2: $country}) })
    WITH t, c, 2 * vector.similarity.cosine(t.embedding, c.embedding) - 1 AS score
    ORDER BY score DESC LIMIT $k
    RETURN c.id AS id, c.title AS title, c.kind AS kind, c.year AS year, score,
           COLLECT { MATCH (t)-[:TAGGED]->(x:Tag)<-[:TAGGED]-(c) RETURN x.name ORDER BY x.name }
               AS shared_tags,
           COLLECT { MATCH (t)-[:IN_GENRE]->(g:Genre)<-[:IN_GENRE]-(c) RETURN g.name } AS shared_genres
""")

# Titles by id with their summary terms and genres, which explain a new title's comps (the service
# keeps them per title in its answer cache and intersects them with the new title's terms).
COMP_FACTS = _q("""
    UNWIND $ids AS id
    MATCH (c:Title {id: id})
    RETURN c.id AS id, c.title AS title, c.kind AS kind, c.year AS year, coalesce(c.terms, []) AS terms,
           COLLECT { MATCH (c)-[:IN_GENRE]->(g:Genre) RETURN [g.name, g.name_lower] } AS genres
""")

# Predictions of the audience version in force: the (:ModelVersion {area: 'audience'}) pointer
# when the audience write-back sets one, else `$version` (the model the service has loaded).
# A show on Netflix long before its first chart week launched a later season then (a returning
# season); one expression for the audience metadata and the title audience read.
RETURNING_SEASON = (
    "(t.kind = 'show' AND t.date_added IS NOT NULL AND t.first_chart_week IS NOT NULL"
    " AND date(t.date_added) + duration({weeks: 8}) < t.first_chart_week)"
)
# The year a graph title launched (reached Netflix, else first charted, else its release year):
# what the viewing forecast reads for it, in both reads that feed the forecast.
LAUNCH_YEAR = "coalesce(date(t.date_added).year, t.first_chart_week.year, t.year)"

TITLE_AUDIENCE = _q("""
    MATCH (t:Title {id: $id})
    OPTIONAL MATCH (m:ModelVersion {area: 'audience'})
    WITH t, coalesce(m.version, $version) AS version
    RETURN t.id AS id, t.title AS title, t.kind AS kind, version, t.year AS year, t.seasons AS seasons,
           t.duration_minutes AS duration_minutes,
           """ + RETURNING_SEASON + """ AS returning, """ + LAUNCH_YEAR + """ AS launch_year,
           COLLECT { MATCH (t)-[:PRODUCED_IN]->(c:Country) RETURN c.iso2 ORDER BY c.iso2 } AS countries,
           COLLECT {
               MATCH (t)-[p:PREDICTED_AUDIENCE]->(c:Country)
               WHERE p.model_version = version AND ($country IS NULL OR c.iso2 = $country)
               RETURN {country: c.iso2, name: c.name, p_chart: p.p_chart, expected_weeks: p.weeks}
               ORDER BY p.p_chart DESC
           } AS predicted,
           COLLECT {
               MATCH (t)-[h:CHARTED_IN]->(c:Country) WHERE $country IS NULL OR c.iso2 = $country
               RETURN {country: c.iso2, name: c.name, weeks_in_top10: h.weeks_in_top10,
                       best_rank: h.best_rank, first_week: h.first_week, last_week: h.last_week,
                       points: h.points,
                       // The weekly detail only for one country: 94 x 26 dates cost more than the rest.
                       weeks: CASE WHEN $country IS NULL THEN null ELSE h.weeks END,
                       ranks: CASE WHEN $country IS NULL THEN null ELSE h.ranks END}
               ORDER BY h.points DESC, c.iso2 ASC
           } AS observed
""")

LIST_COUNTRIES = _q("""
    MATCH (c:Country)
    RETURN c.iso2 AS iso2, c.name AS name, c.market_weight AS market_weight,
           COUNT { (c)<-[:CHARTED_IN]-(:Title) } AS charted_titles,
           COUNT { (c)<-[:PRODUCED_IN]-(:Title) } AS produced_titles
    ORDER BY iso2
""")

# A country's stored AFFINITY of one facet (`genre` or `tag`), highest lift first.
COUNTRY_AFFINITY = _q("""
    MATCH (c:Country {iso2: $iso2})-[a:AFFINITY {facet: $facet}]->(n)
    RETURN n.name AS name, CASE WHEN n:Tag THEN n.facet END AS tag_facet,
           CASE WHEN n:Genre THEN n.vocabulary END AS vocabulary,
           a.lift AS lift, a.log_lift AS log_lift, a.low AS low, a.high AS high, a.titles AS titles,
           a.expected AS expected, a.country_titles AS country_titles, a.share AS share,
           a.global_share AS global_share, a.weeks AS weeks, a.min_support AS min_support
    ORDER BY a.log_lift DESC, name ASC
""")

LIST_GENRES = "MATCH (g:Genre) RETURN g.name AS name, g.vocabulary AS vocabulary ORDER BY name"

COUNTRY_TITLES_PREDICTED = _q("""
    OPTIONAL MATCH (m:ModelVersion {area: 'audience'})
    WITH coalesce(m.version, $version) AS version
    MATCH (c:Country {iso2: $iso2})<-[p:PREDICTED_AUDIENCE]-(t:Title)
    WHERE p.model_version = version AND ($kind IS NULL OR t.kind = $kind)
    WITH version, c, p, t ORDER BY p.p_chart DESC, t.id ASC LIMIT $limit
    OPTIONAL MATCH (t)-[h:CHARTED_IN]->(c)
    RETURN t.id AS id, t.title AS title, t.kind AS kind, t.year AS year, p.p_chart AS p_chart,
           p.weeks AS expected_weeks, h.weeks_in_top10 AS observed_weeks, version
""")

COUNTRY_TITLES_OBSERVED = _q("""
    MATCH (c:Country {iso2: $iso2})<-[h:CHARTED_IN]-(t:Title)
    WHERE $kind IS NULL OR t.kind = $kind
    RETURN t.id AS id, t.title AS title, t.kind AS kind, t.year AS year,
           h.weeks_in_top10 AS observed_weeks, h.best_rank AS best_rank, h.points AS points
    ORDER BY h.points DESC, t.id ASC LIMIT $limit
""")

# The service's one write (`POST /v1/predict?save=true`): a new title, its links, and the comps
# and audience predicted for it, idempotent per id and model version.
SAVE_PREDICTED_TITLE = _q("""
    MERGE (t:Title {id: $id})
    SET t += $props, t.saved_at = datetime()
    WITH t
    CALL (t) { UNWIND $genres AS name MATCH (g:Genre {name: name}) MERGE (t)-[:IN_GENRE]->(g) }
    CALL (t) { UNWIND $countries AS iso2 MATCH (c:Country {iso2: iso2}) MERGE (t)-[:PRODUCED_IN]->(c) }
    CALL (t) {
        UNWIND range(0, size($terms) - 1) AS position
        MATCH (x:Term {name: $terms[position]})
        MERGE (t)-[r:HAS_TERM]->(x) SET r.weight = 1.0 / (1 + position)
    }
    CALL (t) {
        UNWIND $people AS person
        MERGE (p:Person {key: person.key}) ON CREATE SET p.name = person.name
        FOREACH (_ IN CASE WHEN person.role = 'director' THEN [1] ELSE [] END |
            MERGE (p)-[:DIRECTED]->(t))
        FOREACH (_ IN CASE WHEN person.role = 'cast' THEN [1] ELSE [] END |
            MERGE (p)-[r:ACTED_IN]->(t) SET r.order = person.order)
    }
    CALL (t) {
        UNWIND $similar AS comp MATCH (c:Title {id: comp.id})
        MERGE (t)-[s:SIMILAR_TO {model_version: $version, basis: comp.basis, scope: comp.scope}]->(c)
        SET s.score = comp.score, s.rank = comp.rank, s.why = comp.why, s.shared_tags = comp.shared_tags,
            s.shared_facets = comp.shared_facets, s.shared_genres = comp.shared_genres,
            s.shared_people = comp.shared_people
    }
    CALL (t) {
        UNWIND $audience AS entry MATCH (c:Country {iso2: entry.country})
        MERGE (t)-[p:PREDICTED_AUDIENCE {model_version: $version}]->(c)
        SET p.p_chart = entry.p_chart, p.weeks = entry.expected_weeks
    }
    RETURN t.id AS id
""")

# Titles saved through the API (marked `source: 'api'` by SAVE_PREDICTED_TITLE) with what the save
# wrote around them, kept across `ingest --fresh` (graph/saved_titles.py): read before the wipe,
# written back after the ingest, links matched to the new graph's nodes by their unique keys.
SAVED_TITLES_EXPORT = _q("""
    MATCH (t:Title {source: 'api'})
    RETURN t.id AS id, t {.*, saved_at: toString(t.saved_at)} AS props,
           COLLECT { MATCH (t)-[:IN_GENRE]->(g:Genre) RETURN g.name ORDER BY g.name } AS genres,
           COLLECT { MATCH (t)-[:PRODUCED_IN]->(c:Country) RETURN c.iso2 ORDER BY c.iso2 } AS countries,
           COLLECT { MATCH (t)-[r:HAS_TERM]->(x:Term) RETURN {name: x.name, weight: r.weight}
                     ORDER BY x.name } AS terms,
           COLLECT { MATCH (p:Person)-[r:DIRECTED|ACTED_IN]->(t)
                     RETURN {key: p.key, name: p.name, role: type(r), order: r.order}
                     ORDER BY p.key, type(r) } AS people,
           COLLECT { MATCH (t)-[r:SIMILAR_TO]->(c:Title) RETURN {id: c.id, props: properties(r)}
                     ORDER BY c.id, r.model_version, r.basis, r.scope } AS similar,
           COLLECT { MATCH (t)-[r:PREDICTED_AUDIENCE]->(c:Country) RETURN {iso2: c.iso2, props: properties(r)}
                     ORDER BY c.iso2, r.model_version } AS audience
    ORDER BY id
""")

RESTORE_SAVED_TITLES = _q("""
    UNWIND $titles AS saved
    MERGE (t:Title {id: saved.id})
    SET t += saved.props, t.saved_at = datetime(saved.props.saved_at)
""")

# Returns the links written; a link whose other end is not in the new graph is left out.
RESTORE_SAVED_TITLE_LINKS = _q("""
    UNWIND $titles AS saved
    MATCH (t:Title {id: saved.id})
    CALL (t, saved) {
        UNWIND saved.genres AS name MATCH (g:Genre {name: name}) MERGE (t)-[:IN_GENRE]->(g)
        RETURN count(*) AS genres
    }
    CALL (t, saved) {
        UNWIND saved.countries AS iso2 MATCH (c:Country {iso2: iso2}) MERGE (t)-[:PRODUCED_IN]->(c)
        RETURN count(*) AS countries
    }
    CALL (t, saved) {
        UNWIND saved.terms AS term MATCH (x:Term {name: term.name})
        MERGE (t)-[r:HAS_TERM]->(x) SET r.weight = term.weight
        RETURN count(*) AS terms
    }
    CALL (t, saved) {
        UNWIND saved.people AS person
        MERGE (p:Person {key: person.key}) ON CREATE SET p.name = person.name
        FOREACH (_ IN CASE WHEN person.role = 'DIRECTED' THEN [1] ELSE [] END |
            MERGE (p)-[:DIRECTED]->(t))
        FOREACH (_ IN CASE WHEN person.role = 'ACTED_IN' THEN [1] ELSE [] END |
            MERGE (p)-[r:ACTED_IN]->(t) SET r.order = person.order)
        RETURN count(*) AS people
    }
    CALL (t, saved) {
        UNWIND saved.similar AS comp MATCH (c:Title {id: comp.id})
        MERGE (t)-[s:SIMILAR_TO {model_version: comp.props.model_version, basis: comp.props.basis,
                                 scope: comp.props.scope}]->(c)
        SET s = comp.props
        RETURN count(*) AS similar
    }
    CALL (t, saved) {
        UNWIND saved.audience AS entry MATCH (c:Country {iso2: entry.iso2})
        MERGE (t)-[p:PREDICTED_AUDIENCE {model_version: entry.props.model_version}]->(c)
        SET p = entry.props
        RETURN count(*) AS audience
    }
    RETURN sum(genres + countries + terms + people + similar + audience) AS links
""")

# --- audience -----------------------------------------------------------------------------------
# Reads for the audience labels and features (graph/audience.py) and the PREDICTED_AUDIENCE
# write-back. Chart history is read per title so labels can be cut at any `as_of` week.
AUDIENCE_CHART_COUNTRIES = _q("""
    MATCH (c:Country) WHERE EXISTS { (:Title)-[:CHARTED_IN]->(c) }
    RETURN c.iso2 AS iso2, c.name AS name ORDER BY iso2
""")

AUDIENCE_CHART_RECORDS = _q("""
    MATCH (t:Title)
    WHERE t.first_chart_week IS NOT NULL OR t.date_added >= $added_since
    RETURN t.id AS id, t.kind AS kind, coalesce(t.chart_only, false) AS chart_only,
           t.date_added AS date_added, coalesce(t.global_weeks, []) AS global_weeks,
           coalesce(t.global_hours, []) AS global_hours, t.global_list AS global_list,
           COLLECT { MATCH (t)-[r:CHARTED_IN]->(c:Country)
                     RETURN {iso2: c.iso2, weeks: r.weeks, ranks: r.ranks} } AS charts
    ORDER BY id
""")

# `tags` here are the summary terms, as training/new_title.py reads them (the graph embedding's
# `tag` nodes).
AUDIENCE_TITLE_METADATA = _q("""
    UNWIND $ids AS id
    MATCH (t:Title {id: id})
    RETURN t.id AS id, t.title AS title, t.kind AS kind, t.year AS year, t.summary AS summary,
           t.duration_minutes AS duration_minutes, t.seasons AS seasons, coalesce(t.terms, []) AS tags,
           """ + RETURNING_SEASON + """ AS returning, """ + LAUNCH_YEAR + """ AS launch_year,
           COLLECT { MATCH (t)-[:IN_GENRE]->(g:Genre) RETURN g.name ORDER BY g.name } AS genres,
           COLLECT { MATCH (t)-[:PRODUCED_IN]->(c:Country) RETURN c.iso2 ORDER BY c.iso2 } AS countries,
           COLLECT { MATCH (p:Person)-[:DIRECTED]->(t) RETURN p.name ORDER BY p.name } AS directors,
           COLLECT { MATCH (p:Person)-[r:ACTED_IN]->(t) RETURN p.name ORDER BY r.order } AS cast
""")

AUDIENCE_METADATA_TITLE_IDS = _q("""
    MATCH (t:Title) WHERE NOT coalesce(t.chart_only, false) RETURN t.id AS id ORDER BY id
""")

# One batch of a model version's predictions; MERGE keyed by version so a rerun is idempotent.
MERGE_PREDICTED_AUDIENCE = _q("""
    UNWIND $rows AS row
    MATCH (t:Title {id: row.title_id})
    UNWIND row.countries AS entry
    MATCH (c:Country {iso2: entry.iso2})
    MERGE (t)-[p:PREDICTED_AUDIENCE {model_version: $version}]->(c)
    SET p.p_chart = entry.p_chart, p.weeks = entry.weeks, p.write_id = $write_id
""")

# The flip, one transaction: readers (TITLE_AUDIENCE, COUNTRY_TITLES_PREDICTED) filter on the
# (:ModelVersion {area: 'audience'}) pointer, the same pointer scheme as the embeddings.
PUBLISH_PREDICTED_AUDIENCE = _q("""
    MERGE (m:ModelVersion {area: 'audience'})
    SET m.version = $version, m.updated_at = datetime()
    RETURN m.version AS version
""")

CURRENT_AUDIENCE_VERSION = _q("""
    OPTIONAL MATCH (m:ModelVersion {area: 'audience'}) RETURN m.version AS version
""")

# Old versions are removed only after the flip, a batch per transaction; so are edges of this
# version left by an earlier write-back of it (another write_id). Edges the service saved for
# new titles (no write_id) of this version stay.
DELETE_OTHER_PREDICTED_AUDIENCE = _q("""
    MATCH ()-[p:PREDICTED_AUDIENCE]->()
    WHERE p.model_version <> $version OR (p.write_id IS NOT NULL AND p.write_id <> $write_id)
    WITH p LIMIT $batch_size
    DELETE p RETURN count(*) AS deleted
""")

COUNT_PREDICTED_AUDIENCE = _q("""
    MATCH ()-[p:PREDICTED_AUDIENCE]->()
    RETURN p.model_version AS model_version, count(*) AS edges ORDER BY model_version
""")

# --- country stats (market weights, affinity; graph/country_stats.py) --------------------------
# Every title-week of the global top 10 with its hours, and each country chart it was in.
MARKET_TITLE_WEEKS = _q("""
    MATCH (t:Title) WHERE size(coalesce(t.global_weeks, [])) > 0
    RETURN t.id AS id, t.global_weeks AS weeks, t.global_hours AS hours,
           COLLECT { MATCH (t)-[h:CHARTED_IN]->(c:Country)
                     RETURN {iso2: c.iso2, weeks: h.weeks, ranks: h.ranks} ORDER BY c.iso2 } AS charts
    ORDER BY id
""")

# Weights of the chart countries; other countries lose theirs (a null SET removes the property).
SET_MARKET_WEIGHTS = _q("""
    MATCH (c:Country)
    SET c.market_weight = $weights[c.iso2],
        c.market_weight_basis = CASE WHEN $weights[c.iso2] IS NULL THEN null ELSE $basis END
""")

# Every charting title with its genres, its vocabulary tags and its weeks in each country's chart.
AFFINITY_CHART_TITLES = _q("""
    MATCH (t:Title) WHERE EXISTS { (t)-[:CHARTED_IN]->() }
    RETURN t.id AS id,
           COLLECT { MATCH (t)-[:IN_GENRE]->(g:Genre) RETURN g.name } AS genres,
           COLLECT { MATCH (t)-[:TAGGED]->(x:Tag) RETURN x.name } AS tags,
           COLLECT { MATCH (t)-[h:CHARTED_IN]->(c:Country) RETURN [c.iso2, h.weeks_in_top10] } AS charts
    ORDER BY id
""")

# A facet's AFFINITY edges are replaced in one transaction: DELETE_AFFINITY then MERGE_AFFINITY,
# so readers see the old set or the new one, never both or neither.
DELETE_AFFINITY = _q("""
    MATCH (:Country)-[a:AFFINITY {facet: $facet}]->() DELETE a
""")

MERGE_AFFINITY = _q("""
    UNWIND $rows AS row
    MATCH (c:Country {iso2: row.country})
    CALL (row) {
        MATCH (n:Genre {name: row.value}) WHERE $facet = 'genre' RETURN n
        UNION
        MATCH (n:Tag {name: row.value}) WHERE $facet = 'tag' RETURN n
    }
    MERGE (c)-[a:AFFINITY {facet: $facet}]->(n)
    SET a += row.props
""")

# --- embeddings -------------------------------------------------------------------------------
# Reads for training stream titles in id order (keyset pagination on the unique title id), one
# batch per transaction; chart-only titles carry no metadata and stay out of the embedding graph.
EMBEDDING_TITLES_BATCH = _q("""
    MATCH (t:Title)
    WHERE t.id > $after AND NOT coalesce(t.chart_only, false)
    WITH t ORDER BY t.id LIMIT $batch_size
    RETURN t.id AS id, t.title AS title, t.kind AS kind, t.year AS year, t.summary AS summary,
           t.rating AS rating, t.duration_minutes AS duration_minutes,
           [(t)-[:HAS_TERM]->(x:Term) | x.name] AS tags,
           [(t)-[:IN_GENRE]->(x:Genre) | x.name] AS genres,
           [(t)-[:PRODUCED_IN]->(x:Country) | x.iso2] AS countries,
           [(p:Person)-[:DIRECTED]->(t) | p.key] AS directors,
           [(p:Person)-[:ACTED_IN]->(t) | p.key] AS cast,
           [(t)-[:AVAILABLE_ON]->(s:Service) | s.name] AS services,
           [text IN [t.summary_netflix, t.summary_justwatch] WHERE text IS NOT NULL] AS summaries,
           t.imdb_votes AS imdb_votes
    ORDER BY id
""")

# The graph embedding's `tag` nodes are the summary terms (training/data.py keeps the name its
# saved models were trained with); the vocabulary's Tag nodes are not part of that graph.
EMBEDDING_TERMS = _q("""
    MATCH (x:Term)
    RETURN x.name AS name, coalesce(x.title_count, 0) AS title_count ORDER BY name
""")
EMBEDDING_GENRES = "MATCH (x:Genre) RETURN x.name AS name ORDER BY name"
EMBEDDING_COUNTRIES = "MATCH (x:Country) RETURN x.iso2 AS iso2 ORDER BY iso2"

# Chart countries per title: the audience labels, read only for evaluation (never trained on).
CHART_COUNTRIES_BATCH = _q("""
    MATCH (t:Title)
    WHERE t.id > $after
    WITH t ORDER BY t.id LIMIT $batch_size
    RETURN t.id AS id, [(t)-[:CHARTED_IN]->(c:Country) | c.iso2] AS countries
    ORDER BY id
""")

# Write-back. Embeddings and SIMILAR_TO edges of a new version are staged in batches, then one
# transaction flips the (:ModelVersion {area: 'embeddings'}) pointer and moves the staged
# vectors into `embedding`; readers filter SIMILAR_TO on the pointer's version, so they see
# either the old or the new version, never a mix. Old edges are deleted after the flip.
MODEL_VERSION_CONSTRAINT = _q("""
    CREATE CONSTRAINT model_version_area IF NOT EXISTS
    FOR (m:ModelVersion) REQUIRE m.area IS UNIQUE
""")

VECTOR_INDEX_INFO = _q("""
    SHOW INDEXES YIELD name, type, options WHERE name = $name
    RETURN type, options.indexConfig.`vector.dimensions` AS dimensions,
           options.indexConfig.`vector.similarity_function` AS similarity
""")

DROP_VECTOR_INDEX = "DROP INDEX title_embedding IF EXISTS"

CREATE_VECTOR_INDEX = _q("""
    CREATE VECTOR INDEX title_embedding IF NOT EXISTS
    FOR (t:Title) ON t.embedding
    OPTIONS {indexConfig: {`vector.dimensions`: $dimensions, `vector.similarity_function`: 'cosine'}}
""")

STAGE_EMBEDDINGS = _q("""
    UNWIND $rows AS row
    MATCH (t:Title {id: row.id})
    SET t.embedding_staged = row.embedding, t.embedding_staged_version = $version
""")

# Two maps: `basis: 'content'` (what a title is about) and `basis: 'audience'` (who watches it).
# The explanation (shared tags by facet, genres, people, a sentence) is computed at write-back;
# comps that come without one (the audience map's) get their shared tags and genres here, so
# SIMILAR_FROM_EDGES reads them instead of computing them on every request.
MERGE_SIMILAR_TO = _q("""
    UNWIND $rows AS row
    MATCH (a:Title {id: row.id})
    UNWIND row.comps AS comp
    MATCH (b:Title {id: comp.id})
    MERGE (a)-[r:SIMILAR_TO {model_version: $version, basis: comp.basis, scope: comp.scope}]->(b)
    SET r.score = comp.score, r.rank = comp.rank,
        r.shared_tags = coalesce(comp.shared_tags,
            COLLECT { MATCH (a)-[:TAGGED]->(x:Tag)<-[:TAGGED]-(b) RETURN x.name ORDER BY x.name }),
        r.shared_facets = comp.shared_facets,
        r.shared_genres = coalesce(comp.shared_genres,
            COLLECT { MATCH (a)-[:IN_GENRE]->(g:Genre)<-[:IN_GENRE]-(b) RETURN g.name }),
        r.shared_people = comp.shared_people, r.why = comp.why
""")

# The curated vocabulary's tags (training/resources/tag_vocabulary.csv) with their facets, and
# each title's weighted tags from it: TAGGED (the summary terms the graph embedding reads are Term
# nodes, HAS_TERM). A new vocabulary version replaces the edges of the old one.
MERGE_VOCABULARY_TAGS = _q("""
    UNWIND $rows AS row
    MERGE (tag:Tag {name: row.name})
    SET tag.facet = row.facet, tag.definition = row.definition, tag.vocabulary = $version
""")

MERGE_TAGGED = _q("""
    UNWIND $rows AS row
    MATCH (t:Title {id: row.id})
    UNWIND row.tags AS entry
    MATCH (tag:Tag {name: entry.name})
    MERGE (t)-[r:TAGGED]->(tag)
    SET r.weight = entry.weight, r.vocabulary = $version
""")

DELETE_OTHER_TAGGED_BATCH = _q("""
    MATCH ()-[r:TAGGED]->() WHERE r.vocabulary <> $version
    WITH r LIMIT $batch_size
    DELETE r RETURN count(*) AS deleted
""")

CURRENT_EMBEDDING_VERSION = _q("""
    OPTIONAL MATCH (m:ModelVersion {area: 'embeddings'})
    RETURN m.version AS version, m.dimensions AS dimensions, m.updated_at AS updated_at
""")

# The flip: one transaction. Titles staged for $version get their new vector; titles that were
# embedded by an older version but are not in the new one lose their vector (and so leave the
# vector index) in the same transaction.
PUBLISH_EMBEDDINGS = _q("""
    MERGE (m:ModelVersion {area: 'embeddings'})
    SET m.version = $version, m.dimensions = $dimensions, m.updated_at = datetime()
    WITH m
    CALL (m) {
        MATCH (t:Title) WHERE t.embedding_staged_version = $version
        SET t.embedding = t.embedding_staged, t.embedding_version = $version
        REMOVE t.embedding_staged, t.embedding_staged_version
        RETURN count(t) AS published
    }
    CALL (m) {
        MATCH (t:Title) WHERE t.embedding_version IS NOT NULL AND t.embedding_version <> $version
        REMOVE t.embedding, t.embedding_version
        RETURN count(t) AS dropped
    }
    RETURN published, dropped
""")

DELETE_OTHER_SIMILAR_TO_BATCH = _q("""
    MATCH ()-[r:SIMILAR_TO]->() WHERE r.model_version <> $version
    WITH r LIMIT $batch_size
    DELETE r RETURN count(*) AS deleted
""")

# Left-over staging of an interrupted write (a version that never became current).
CLEAR_STALE_STAGING_BATCH = _q("""
    MATCH (t:Title) WHERE t.embedding_staged_version IS NOT NULL
    WITH t LIMIT $batch_size
    REMOVE t.embedding_staged, t.embedding_staged_version
    RETURN count(*) AS cleared
""")

COUNT_SIMILAR_TO_BY_VERSION = _q("""
    MATCH ()-[r:SIMILAR_TO]->()
    WHERE $basis IS NULL OR coalesce(r.basis, 'audience') = $basis
    RETURN r.model_version AS version, count(*) AS count ORDER BY version
""")

# Comps of one title through SIMILAR_TO of the current version (same text as docs/cypher_embeddings.md).
SIMILAR_TITLES = _q("""
    MATCH (m:ModelVersion {area: 'embeddings'})
    MATCH (t:Title {id: $title_id})-[r:SIMILAR_TO]->(comp:Title)
    WHERE r.model_version = m.version AND coalesce(r.basis, 'audience') = $basis
    RETURN comp.id AS id, comp.title AS title, r.score AS score, r.rank AS rank
    ORDER BY r.rank LIMIT $k
""")

# --- service (continued) ------------------------------------------------------------------------
# Versions in force of every model area (embeddings, audience): one cheap read the service's
# answer cache keys on, so a retrain makes cached answers stale at once.
SERVICE_MODEL_VERSIONS = "MATCH (m:ModelVersion) RETURN m.area AS area, m.version AS version ORDER BY area"

# --- reliability --------------------------------------------------------------------------------
# Every node and relationship with all its properties, for a checksum of the whole graph
# (graph/maintenance.graph_checksum: a backup's manifest against the restored graph, an
# interrupted-then-resumed ingest against a clean one). Nodes are named by their unique key.
FINGERPRINT_NODES = "MATCH (n) RETURN labels(n) AS labels, properties(n) AS props"
FINGERPRINT_RELATIONSHIPS = _q("""
    MATCH (a)-[r]->(b)
    RETURN type(r) AS type, coalesce(a.id, a.key, a.iso2, a.name, a.area) AS start,
           coalesce(b.id, b.key, b.iso2, b.name, b.area) AS end, properties(r) AS props
""")
