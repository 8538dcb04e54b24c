"""Answers from the loaded model version alone while Neo4j is unreachable (degraded mode).

Each worker holds the whole model: title embeddings and titles (titles.json), the content index
with every title's tags, genres and people, the audience head, the viewing forecast and, since
issue 14, what the heads read of each title (heads/title_metadata.json). So comps, the expected
audience of a known title, a new title's prediction and title search can still be answered when
the graph is away. Such an answer is a 200 whose `warnings` carry code `graph_unavailable`, and it
has only the fields the model can give: no chart history (`observed`, `observed_weeks`), no
aliases in search. What only the graph knows (a title saved after the model was trained, comps
that charted in a country, writes) stays a 503 with Retry-After.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from babel import Locale

from service import context
from service.catalog import Lookups
from service.errors import Neo4jUnavailable, NotFound, as_neo4j_unavailable, lost_connection
from service.localization import add_expected_hours

GRAPH_UNAVAILABLE = "graph_unavailable"

logger = logging.getLogger("titlegraph.service")


def answer_or_degrade(healthy: Callable[[], dict], degraded: Callable[[Neo4jUnavailable], dict]) -> dict:
    """`healthy()`; when Neo4j is unreachable or timed out, `degraded(the 503 it would have been)`.

    `degraded` raises that 503 itself when the model alone cannot answer.
    """
    try:
        return healthy()
    except Neo4jUnavailable as error:
        unavailable = error
    except Exception as error:
        unavailable = as_neo4j_unavailable(error)
        if unavailable is None:
            raise
        # As the error handler would: later requests skip Neo4j for a moment instead of waiting.
        if lost_connection(error):
            context.graph().mark_unavailable(unavailable.reason)
    logger.warning("neo4j unavailable; answering from the model", extra={"reason": unavailable.reason})
    return degraded(unavailable)


def graph_warning(unavailable: Neo4jUnavailable) -> dict:
    """The warning every degraded answer carries."""
    return {"code": GRAPH_UNAVAILABLE, "message": (
        f"{unavailable.message}; answered from the loaded model version alone, without the graph's "
        "data (chart history, aliases); retry later for the full answer")}


def with_graph_warning(answer: dict, unavailable: Neo4jUnavailable) -> dict:
    """The answer with the `graph_unavailable` warning first."""
    return dict(answer, warnings=[graph_warning(unavailable), *answer.get("warnings", [])])


def _model_knowing(title_id: str, unavailable: Neo4jUnavailable):
    """The loaded model if it knows the title, else the 503 (the graph may know the title)."""
    loaded = context.models().current()
    if loaded is None:
        raise unavailable
    if title_id not in loaded.model.index["title"]:
        raise Neo4jUnavailable(f"{unavailable.reason}, and the loaded model {loaded.version} does not "
                               f"know title {title_id!r}")
    return loaded


@functools.lru_cache(maxsize=512)
def country_name(iso2: str) -> str | None:
    """A country's English name from CLDR (Babel), for answers made without the graph's names."""
    return Locale("en").territories.get(iso2)


def model_lookups(model) -> Lookups:
    """The graph's lookups as last read by this worker, else what the model knows (its countries
    and genres; names from CLDR; no market weights)."""
    last = context.catalog().last()
    if last is not None:
        return last
    return Lookups(country_names={iso2: country_name(iso2) for iso2 in model.keys["country"]},
                   genres_by_lower={genre.lower(): genre for genre in model.keys["genre"]})


def model_comp_facts(model) -> Callable[[list[str]], dict[str, dict]]:
    """`comp_facts(ids)` as graph.reads.comp_facts gives them, from the model's titles and content index."""
    content = model.content

    def comp_facts(title_ids: list[str]) -> dict[str, dict]:
        facts = {}
        for title_id in title_ids:
            position = model.index["title"].get(title_id)
            if position is None:
                continue
            title = model.titles[position]
            at = content.index.position.get(title_id) if content is not None else None
            # The graph's summary terms are not in the model; the vocabulary tags stand in (a
            # new title's one-word summary terms meet them: "heist", "zombies").
            terms = [name for name, _ in content.index.titles[at].tags] if at is not None else []
            facts[title_id] = {"id": title_id, "title": title["title"], "kind": title["kind"],
                               "year": title.get("year"), "terms": terms,
                               "genres": [[genre, genre.lower()] for genre in title.get("genres") or []]}
        return facts

    return comp_facts


def similar(title_id: str, query, unavailable: Neo4jUnavailable) -> dict:
    """Comps of a known title from the model: content comps from the content index, audience comps
    as the embeddings' nearest titles (explained like the stored ones)."""
    loaded = _model_knowing(title_id, unavailable)
    model = loaded.model
    if query.country is not None:
        raise Neo4jUnavailable(f"{unavailable.reason}; comps that charted in a country need the "
                               "graph's chart history")
    if query.basis == "content":
        if model.content is None or title_id not in model.content.index.position:
            raise unavailable
        comps = model.content.similar_to_title(title_id, query.k, kind=query.type, scope=query.scope)
    else:
        audience = model.content.index.audience_of(title_id) if model.content is not None else None
        hits = model.nearest(model.embedding_of(title_id), k=query.k, kind=query.type,
                             exclude_ids=[title_id], netflix_only=query.scope == "netflix",
                             audience=audience)
        comps = [_audience_comp(model, title_id, comp_id, score, rank)
                 for rank, (comp_id, score) in enumerate(hits, start=1)]
    warnings = [graph_warning(unavailable)]
    if len(comps) < query.k:
        warnings.append({"code": "fewer_comps", "message": (
            f"only {len(comps)} comps match the filters (asked for {query.k})")})
    title = model.titles[model.index["title"][title_id]]
    return {"id": title_id, "title": title["title"], "model_version": loaded.version,
            "similar": [dict(comp, source="model") for comp in comps], "warnings": warnings}


def _audience_comp(model, title_id: str, comp_id: str, score: float, rank: int) -> dict:
    """An audience comp explained by the content index, as `titlegraph train` stores them."""
    content = model.content
    if content is not None and title_id in content.index.position and comp_id in content.index.position:
        own = content.index.titles[content.index.position[title_id]]
        return content.comp_entry(own, content.index.position[comp_id], score, rank, place=True)
    own_genres = {genre.lower() for genre in model.titles[model.index["title"][title_id]].get("genres") or []}
    comp = model.titles[model.index["title"][comp_id]]
    return {"id": comp_id, "title": comp["title"], "kind": comp["kind"], "year": comp.get("year"),
            "score": round(float(score), 6), "rank": rank, "shared_tags": [],
            "shared_genres": [genre for genre in comp.get("genres") or [] if genre.lower() in own_genres]}


def audience(title_id: str, country: str | None, unavailable: Neo4jUnavailable) -> dict:
    """Expected audience of a known title by the model's audience head and viewing forecast
    (every chart country, or `country`), without the observed chart history."""
    loaded = _model_knowing(title_id, unavailable)
    model = loaded.model
    lookups = model_lookups(model)
    if country is not None and country not in lookups.country_names:
        raise NotFound("country", country, "country")
    metadata = model.title_metadata(title_id)
    warnings = [graph_warning(unavailable)]
    entries, viewing = [], None
    if getattr(model, "audience_head", None) is None or metadata is None:
        warnings.append({"code": "no_audience_predictions", "message": (
            f"model {loaded.version} cannot forecast this title without the graph (no audience head, "
            "or a bundle without heads/title_metadata.json); `audience` is empty")})
    else:
        entries = [{"country": entry["country"], "name": lookups.country_names.get(entry["country"]),
                    "p_chart": entry["p_chart"], "expected_weeks": entry["expected_weeks"],
                    "audience_index": entry["audience_index"]}
                   for entry in model.audience(model.embedding_of(title_id), metadata)]
        viewing = model.stored_viewing(title_id, metadata)
        if viewing is not None:
            # Split over every country first, so one country's share is the same with ?country=.
            add_expected_hours(entries, viewing["hours"]["p50"], lookups.market_weights)
        entries = [entry for entry in entries if country is None or entry["country"] == country]
    title = model.titles[model.index["title"][title_id]]
    return {"id": title_id, "title": title["title"], "model_version": loaded.version if entries else None,
            "audience": entries, "viewing": viewing, "warnings": warnings}


def search(query, unavailable: Neo4jUnavailable) -> dict:
    """Title search over the loaded model version's titles."""
    loaded = context.models().current()
    if loaded is None:
        raise unavailable
    rows = context.title_search().of(loaded.model).search(query.q, kind=query.type, limit=query.limit)
    return {"query": query.q, "results": rows, "warnings": [graph_warning(unavailable)]}
