"""Reads of the REST service: each takes a driver, runs one parameterised query, returns plain values.

Neo4j temporal values become ISO strings here, so callers serialise nothing driver-specific.
Each read is one auto-commit query in a read session with a server-side timeout, so a slow query
ends as a driver error rather than a hung request. Auto-commit is one network round trip (RUN and
PULL sent together); a managed transaction (`execute_query`) is two (BEGIN, RUN, PULL, then
COMMIT) and cost a request about a quarter of its driver time. A read is retried once at once
when the driver calls its error retryable (a pooled connection that died with a Neo4j restart).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import neo4j

from graph import queries
from graph.normalize import normalize_name, normalize_title

# Characters with a meaning in the Lucene query syntax; user text is escaped before it is
# combined with our own prefix (*) and fuzzy (~) operators.
_LUCENE_SPECIAL = re.compile(r'([+\-!(){}\[\]^"~*?:\\/&|])')
_WORD = re.compile(r"\w+")
# Fuzzy terms on very short words match almost anything; they get only exact and prefix terms.
_MIN_FUZZY_LENGTH = 4
_MAX_QUERY_TERMS = 8
# Search scores: a title or alias equal to the query, one starting with it; fulltext scores are < 1.
EXACT_SCORE = 3.0
PREFIX_SCORE = 2.0


def escape_lucene(text: str) -> str:
    """Escape every Lucene query-syntax character in `text`."""
    return _LUCENE_SPECIAL.sub(r"\\\1", text)


def lucene_title_query(text: str) -> str:
    """A fulltext query for a title: each word as exact, prefix and fuzzy term, all words required."""
    words = [word.lower() for word in _WORD.findall(text)][:_MAX_QUERY_TERMS]
    clauses = []
    for word in words:
        term = escape_lucene(word)
        options = [f"{term}^3", f"{term}*"]
        if len(word) >= _MIN_FUZZY_LENGTH:
            options.append(f"{term}~1")
        clauses.append("(" + " OR ".join(options) + ")")
    return " AND ".join(clauses)


def lucene_phrase_query(text: str) -> str:
    """A fulltext query for `text` as one phrase (analyzed like the indexed titles and aliases)."""
    return '"' + escape_lucene(text) + '"'


def match_score(norm: str, names: list[str], fulltext: float) -> float:
    """EXACT_SCORE if a name normalizes to `norm`, PREFIX_SCORE if one starts with it, else `fulltext`."""
    keys = [normalize_title(name) for name in names]
    if norm in keys:
        return EXACT_SCORE
    if any(key.startswith(norm) for key in keys):
        return PREFIX_SCORE
    return fulltext


def rank_search_hits(norm: str, candidates: list[dict], limit: int) -> list[dict]:
    """The best `limit` candidates by match_score over title and aliases; ties: shorter title, title, id."""
    hits = []
    for row in candidates:
        hit = {key: value for key, value in row.items() if key != "fulltext"}
        hit["score"] = match_score(norm, [row["title"], *(row["aliases"] or [])], row["fulltext"])
        hits.append(hit)
    hits.sort(key=lambda hit: (-hit["score"], len(hit["title"]), hit["title"], hit["id"]))
    return hits[:limit]


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _plain(value: Any) -> Any:
    """Driver values as JSON-ready Python values (dates and times become ISO strings, nodes and
    relationships their property maps); one walk over the record, scalars first (most values)."""
    if type(value) in _SCALARS:
        return value
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, neo4j.graph.Entity):
        return {key: _plain(item) for key, item in value.items()}
    if hasattr(value, "iso_format"):
        return value.iso_format()
    return value


def _run_read(driver: neo4j.Driver, query: neo4j.Query, params: dict, database: str | None) -> list[dict]:
    # No bookmark manager: on one server a read sees every committed write without one.
    with driver.session(database=database, default_access_mode=neo4j.READ_ACCESS,
                        bookmark_manager=None) as session:
        return [{key: _plain(value) for key, value in record.items()}
                for record in session.run(query, params)]


def _read(driver: neo4j.Driver, text: str, params: dict, *, database: str | None,
          timeout: float | None) -> list[dict]:
    query = neo4j.Query(text, timeout=timeout)
    try:
        return _run_read(driver, query, params, database)
    except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError) as error:
        if not error.is_retryable():
            raise
    return _run_read(driver, query, params, database)


def ping(driver: neo4j.Driver, *, database: str | None = None, timeout: float | None = None) -> bool:
    """True when Neo4j answers a trivial read."""
    return _read(driver, queries.SERVICE_PING, {}, database=database, timeout=timeout)[0]["ok"] == 1


def model_versions(driver: neo4j.Driver, *, database: str | None = None,
                   timeout: float | None = None) -> dict[str, str]:
    """The model version in force per area ("embeddings", "audience") in the graph."""
    rows = _read(driver, queries.SERVICE_MODEL_VERSIONS, {}, database=database, timeout=timeout)
    return {row["area"]: row["version"] for row in rows}


def search_titles(driver: neo4j.Driver, text: str, *, kind: str | None = None, limit: int = 10,
                  database: str | None = None, timeout: float | None = None) -> list[dict]:
    """Titles matching `text`, best first: equal title or alias, then title or alias prefix, then fulltext."""
    norm = normalize_title(text)
    lucene = lucene_title_query(text)
    if not norm or not lucene:
        return []
    params = {"norm": norm, "phrase": lucene_phrase_query(text), "lucene": lucene, "kind": kind,
              "candidates": max(limit * 5, 50)}
    candidates = _read(driver, queries.SEARCH_TITLE_CANDIDATES, params, database=database, timeout=timeout)
    return rank_search_hits(norm, candidates, limit)


def get_title(driver: neo4j.Driver, title_id: str, *, cast_limit: int = 20, database: str | None = None,
              timeout: float | None = None) -> dict | None:
    """One title with its genres, production countries, people and chart reach; None if unknown."""
    rows = _read(driver, queries.GET_TITLE, {"id": title_id, "cast_limit": cast_limit},
                 database=database, timeout=timeout)
    if not rows:
        return None
    row = rows[0]
    title = {key: value for key, value in row["title"].items() if value is not None}
    title.update(tags=row["tags"], genres=row["genres"], countries=row["countries"],
                 directors=row["directors"], cast=row["cast"], chart_countries=row["chart_countries"])
    return title


def similar_from_edges(driver: neo4j.Driver, title_id: str, *, k: int = 10, kind: str | None = None,
                       country: str | None = None, basis: str = "content", scope: str = "netflix",
                       database: str | None = None, timeout: float | None = None) -> dict | None:
    """Stored comps of a title for the model version in force, best first.

    Returns {id, title, kind, version, comps, embedded} (version None: no model in force), or
    None if the title is unknown.
    """
    params = {"id": title_id, "k": k, "kind": kind, "country": country, "basis": basis, "scope": scope}
    rows = _read(driver, queries.SIMILAR_FROM_EDGES, params, database=database, timeout=timeout)
    return rows[0] if rows else None


def similar_from_index(driver: neo4j.Driver, title_id: str, *, k: int = 10, kind: str | None = None,
                       country: str | None = None, exclude: list[str] = (), candidates: int = 500,
                       scope: str = "netflix", database: str | None = None,
                       timeout: float | None = None) -> list[dict]:
    """Nearest titles by the vector index (cosine), filtered, best first; [] if not embedded."""
    params = {"id": title_id, "k": k, "kind": kind, "country": country, "exclude": list(exclude),
              "candidates": candidates, "scope": scope}
    return _read(driver, queries.SIMILAR_FROM_INDEX, params, database=database, timeout=timeout)


def comp_facts(driver: neo4j.Driver, comp_ids: list[str], *, database: str | None = None,
               timeout: float | None = None) -> dict[str, dict]:
    """Title, kind, year, summary terms and [name, lower-case name] genres of each known id, by id."""
    if not comp_ids:
        return {}
    rows = _read(driver, queries.COMP_FACTS, {"ids": list(comp_ids)}, database=database, timeout=timeout)
    return {row["id"]: row for row in rows}


def explain_comp(facts: dict, *, terms: set[str], genres: set[str]) -> dict:
    """A comp with the summary terms in `terms` and the genres (lower-case names in `genres`) it carries
    (the API calls both kinds of shared words `shared_tags`)."""
    return {
        "id": facts["id"], "title": facts["title"], "kind": facts["kind"], "year": facts["year"],
        "shared_tags": [term for term in facts["terms"] if term in terms],
        "shared_genres": [name for name, lower in facts["genres"] if lower in genres],
    }


def title_audience(driver: neo4j.Driver, title_id: str, *, version: str | None,
                   country: str | None = None, database: str | None = None,
                   timeout: float | None = None) -> dict | None:
    """Predicted audience and observed chart history of a title; None if unknown.

    The predictions are those of the audience version in force (graph pointer, else `version`);
    the row's `version` says which.
    """
    params = {"id": title_id, "version": version, "country": country}
    rows = _read(driver, queries.TITLE_AUDIENCE, params, database=database, timeout=timeout)
    return rows[0] if rows else None


def list_countries(driver: neo4j.Driver, *, database: str | None = None,
                   timeout: float | None = None) -> list[dict]:
    """Every country with the number of titles charted in it and produced in it."""
    return _read(driver, queries.LIST_COUNTRIES, {}, database=database, timeout=timeout)


def country_affinity(driver: neo4j.Driver, iso2: str, facet: str, *, database: str | None = None,
                     timeout: float | None = None) -> list[dict]:
    """A country's stored AFFINITY rows of one facet (`genre` or `tag`), highest lift first."""
    return _read(driver, queries.COUNTRY_AFFINITY, {"iso2": iso2, "facet": facet}, database=database,
                 timeout=timeout)


def audience_metadata(driver: neo4j.Driver, title_id: str, *, database: str | None = None,
                      timeout: float | None = None) -> dict | None:
    """What the audience head reads of a title (kind, year, genres, production countries, summary);
    None if unknown."""
    rows = _read(driver, queries.AUDIENCE_TITLE_METADATA, {"ids": [title_id]}, database=database,
                 timeout=timeout)
    return rows[0] if rows else None


def list_genres(driver: neo4j.Driver, *, database: str | None = None,
                timeout: float | None = None) -> list[dict]:
    """Every genre of both catalog vocabularies."""
    return _read(driver, queries.LIST_GENRES, {}, database=database, timeout=timeout)


def country_titles(driver: neo4j.Driver, iso2: str, *, version: str | None, limit: int = 20,
                   kind: str | None = None, database: str | None = None,
                   timeout: float | None = None) -> tuple[str | None, list[dict]]:
    """Titles with the highest predicted audience in a country, or (no predictions) the most charted.

    Returns `(version, rows)`: the audience version the ranking comes from, or None when the
    rows are ranked by observed chart points because no predictions exist.
    """
    params = {"iso2": iso2, "version": version, "limit": limit, "kind": kind}
    rows = _read(driver, queries.COUNTRY_TITLES_PREDICTED, params, database=database, timeout=timeout)
    if rows:
        used = rows[0]["version"]
        return used, [{key: value for key, value in row.items() if key != "version"} for row in rows]
    return None, _read(driver, queries.COUNTRY_TITLES_OBSERVED, params, database=database,
                       timeout=timeout)


def new_title_id(kind: str, title: str, year: int | None) -> str:
    """The id a saved new title gets: stable per kind, normalized title and year."""
    key = f"{kind}|{normalize_title(title)}|{year or ''}"
    return "api-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]


def save_predicted_title(driver: neo4j.Driver, *, title: dict, similar: list[dict], audience: list[dict],
                         version: str, database: str | None = None) -> str:
    """Write a new title, its links, comps and audience (the service's one write); return its id.

    `title` holds id, title, kind, summary, year, duration_minutes, genres (graph names),
    countries (alpha-2), tags (its summary terms and the words given as tags: Term nodes), cast,
    directors and optionally embedding.
    """
    names = [title["title"]]
    props = {
        "title": title["title"], "kind": title["kind"], "summary": title["summary"],
        "year": title.get("year"), "duration_minutes": title.get("duration_minutes"),
        "terms": list(title.get("tags", [])), "aliases": names, "search_text": " | ".join(names),
        "norm_title": normalize_title(title["title"]), "chart_only": False, "source": "api",
        "embedding": title.get("embedding"), "embedding_version": version,
    }
    people = [{"key": normalize_name(name), "name": name, "role": "director", "order": None}
              for name in title.get("directors", []) if normalize_name(name)]
    people += [{"key": normalize_name(name), "name": name, "role": "cast", "order": order}
               for order, name in enumerate(title.get("cast", [])) if normalize_name(name)]
    params = {
        "id": title["id"], "props": props, "genres": list(title.get("genres", [])),
        "countries": list(title.get("countries", [])), "terms": list(title.get("tags", [])),
        "people": people, "similar": similar, "audience": audience, "version": version,
    }
    records, _, _ = driver.execute_query(queries.SAVE_PREDICTED_TITLE, parameters_=params,
                                         database_=database)
    return records[0]["id"]
