"""/v1/titles: search, one title, its comps, its audience by country."""

from __future__ import annotations

from flask import Blueprint

from graph import reads
from service import context, degraded, schemas
from service.contract import endpoint
from service.errors import ModelUnavailable, NotFound
from service.localization import add_expected_hours

# Vector-index comps asked for beyond the k wanted, for those the list rules leave out (as
# training.content.SPARE_PLACES; the service imports no training module but the bundle's).
SPARE_COMPS = 50

bp = Blueprint("titles", __name__, url_prefix="/v1/titles")

_ID = {"title_id": "a title id as returned by search (e.g. `s34`)"}


def check_country(iso2: str | None) -> None:
    """404 naming `country` when the code is well-formed but not a country of the graph."""
    if iso2 is not None and iso2 not in context.catalog().get().country_names:
        raise NotFound("country", iso2, "country")


@bp.get("")
@endpoint("Search titles", query=schemas.TitleSearchQuery, response=schemas.SearchResponse,
          errors=(422, 503), tags=("titles",), description=(
              "Accent- and case-insensitive: a title or alias (e.g. a chart name) equal to the "
              "words ranks first (score 3), then titles or aliases that start with them (score 2), "
              "then fulltext matches over titles and aliases (every word as prefix, words of 4+ "
              "letters also with one typo; score below 1). Ties: shorter title first. While Neo4j "
              "is unreachable: the loaded model version's titles (no aliases, no typos), with a "
              "`graph_unavailable` warning."))
def search(query: schemas.TitleSearchQuery):
    return degraded.answer_or_degrade(lambda: _search(query),
                                      lambda unavailable: degraded.search(query, unavailable))


def _search(query: schemas.TitleSearchQuery) -> dict:
    handle = context.graph()
    rows = reads.search_titles(handle.driver(), query.q, kind=query.type, limit=query.limit,
                               **handle.read_options)
    return {"query": query.q, "results": rows}


@bp.get("/<title_id>")
@endpoint("One title", response=schemas.TitleDetail, errors=(404, 503), tags=("titles",),
          path_params=_ID)
def get_title(title_id: str):
    handle = context.graph()
    title = reads.get_title(handle.driver(), title_id, **handle.read_options)
    if title is None:
        raise NotFound("title", title_id, "title_id")
    return title


@bp.get("/<title_id>/similar")
@endpoint("Comps of a title", query=schemas.SimilarQuery, response=schemas.SimilarResponse,
          errors=(404, 422, 503), tags=("titles",), path_params=_ID, description=(
              "The comps `titlegraph train` stored for the title (model version in force in the "
              "graph), best first, each saying why: the tags (by facet), genres and people it "
              "shares with the title. `basis=content` (default) compares what titles are about; "
              "`basis=audience` who watches them. When filters leave fewer than k stored audience "
              "comps, nearer titles come from the vector index. "
              "503 while no model has been trained. While Neo4j is unreachable: comps computed by "
              "the loaded model version (`source: model`) with a `graph_unavailable` warning; "
              "`country` then answers 503."))
def similar(title_id: str, query: schemas.SimilarQuery):
    key = ("similar", title_id, query.k, query.type, query.country, query.basis, query.scope)

    def from_graph() -> dict:
        check_country(query.country)
        return context.answers().get_or_compute(key, lambda: _similar(title_id, query))

    return degraded.answer_or_degrade(
        from_graph, lambda unavailable: degraded.similar(title_id, query, unavailable))


def _similar(title_id: str, query: schemas.SimilarQuery) -> dict:
    handle = context.graph()
    driver = handle.driver()
    row = reads.similar_from_edges(driver, title_id, k=query.k, kind=query.type, country=query.country,
                                   basis=query.basis, scope=query.scope, **handle.read_options)
    if row is None:
        raise NotFound("title", title_id, "title_id")
    if row["version"] is None:
        raise ModelUnavailable("no model has written comps to the graph yet; run `titlegraph train`")
    comps = [_with_facets(dict(comp, source="stored")) for comp in row["comps"]]
    # The vector index holds the audience embeddings: it may fill up audience comps only (all of
    # them for scope `all`: audience comps are stored among Netflix's titles).
    if len(comps) < query.k and row["embedded"] and query.basis == "audience":
        extra = reads.similar_from_index(
            driver, title_id, k=query.k - len(comps) + SPARE_COMPS, kind=query.type, country=query.country,
            exclude=[comp["id"] for comp in comps], candidates=min(1000, max(100, query.k * 50)),
            scope=query.scope,
            **handle.read_options)
        comps = _by_list_rules(title_id, comps + [dict(comp, source="vector_index") for comp in extra],
                              query.k)
    warnings = []
    if len(comps) < query.k:
        warnings.append({"code": "fewer_comps", "message": (
            f"only {len(comps)} comps match the filters (asked for {query.k})")})
    return {"id": row["id"], "title": row["title"], "model_version": row["version"],
            "similar": [dict(comp, rank=rank) for rank, comp in enumerate(comps, start=1)],
            "warnings": warnings}


def _by_list_rules(title_id: str, comps: list[dict], k: int) -> list[dict]:
    """The first k comps that pass the list rules the stored lists were written with (the loaded
    model's ContentIndex.by_list_rules: one entry per work, no children's title beside an adult
    one); the first k as they come when no content model is loaded."""
    loaded = context.models().current()
    content = getattr(loaded.model, "content", None) if loaded is not None else None
    if content is None:
        return comps[:k]
    kept = {comp_id for comp_id, _ in content.index.by_list_rules(
        [(comp["id"], comp["score"]) for comp in comps], k, seen=[title_id],
        audience=content.index.audience_of(title_id))}
    return [comp for comp in comps if comp["id"] in kept]


def _with_facets(comp: dict) -> dict:
    """Group a stored comp's shared tags by facet (Neo4j keeps them as two parallel lists)."""
    by_facet: dict[str, list[str]] = {}
    for tag, facet in zip(comp["shared_tags"], comp.pop("shared_facets", None) or [], strict=False):
        by_facet.setdefault(facet, []).append(tag)
    return dict(comp, shared_tags_by_facet=by_facet)


def _history(entry: dict) -> dict:
    return {key: value for key, value in entry.items() if value is not None}


@bp.get("/<title_id>/audience")
@endpoint("Expected audience of a title by country", query=schemas.AudienceQuery,
          response=schemas.AudienceResponse, errors=(404, 422, 503), tags=("titles",),
          path_params=_ID, description=(
              "Predicted p_chart and expected weeks in each country's top 10 (current model), "
              "with the observed chart history beside it. Until an audience model has written "
              "predictions, `audience` is empty and a warning with code `no_audience_predictions` "
              "says so; `observed` is always the real chart history. While Neo4j is unreachable: "
              "the loaded model's forecast for every chart country, without `observed`, with a "
              "`graph_unavailable` warning."))
def audience(title_id: str, query: schemas.AudienceQuery):
    loaded = context.models().current()
    version = loaded.version if loaded else None
    key = ("audience", title_id, query.country, version)

    def from_graph() -> dict:
        check_country(query.country)
        return context.answers().get_or_compute(key, lambda: _audience(title_id, query.country, version))

    return degraded.answer_or_degrade(
        from_graph, lambda unavailable: degraded.audience(title_id, query.country, unavailable))


def _audience(title_id: str, country: str | None, version: str | None) -> dict:
    handle = context.graph()
    row = reads.title_audience(handle.driver(), title_id, version=version, country=country,
                               **handle.read_options)
    if row is None:
        raise NotFound("title", title_id, "title_id")
    observed_weeks = {entry["country"]: entry["weeks_in_top10"] for entry in row["observed"]}
    loaded = context.models().current()
    model = loaded.model if loaded is not None and loaded.version == version else None
    head = getattr(model, "audience_head", None)
    predicted = [dict(entry, observed_weeks=observed_weeks.get(entry["country"]),
                      audience_index=head.audience_index(entry["country"], entry["expected_weeks"])
                      if head is not None else None)
                 for entry in row["predicted"]]
    viewing = _viewing(model, row)
    if viewing is not None and predicted:
        # The hours are split over every chart country, so with `country` the split needs the
        # others' predictions too (one more read); splitting over the one country gave it every hour.
        every = predicted if country is None else reads.title_audience(
            handle.driver(), title_id, version=version, **handle.read_options)["predicted"]
        shares = [dict(entry) for entry in every]
        add_expected_hours(shares, viewing["hours"]["p50"], context.catalog().get().market_weights)
        hours = {entry["country"]: entry.get("expected_hours") for entry in shares}
        for entry in predicted:
            entry["expected_hours"] = hours.get(entry["country"])
    warnings = []
    if not predicted:
        reason = (f"audience model {row['version']} has no predictions for this title" if row["version"]
                  else "no audience model has written predictions yet")
        warnings.append({"code": "no_audience_predictions", "message": (
            f"{reason}; `audience` is empty and only the observed chart history is given")})
    return {"id": row["id"], "title": row["title"], "model_version": row["version"] if predicted else None,
            "audience": predicted, "observed": [_history(entry) for entry in row["observed"]],
            "viewing": viewing, "warnings": warnings}


def _viewing(model, row: dict) -> dict | None:
    """The viewing forecast of a graph title, as if launched when it reached Netflix (or charted)."""
    if model is None or row["id"] not in model.index["title"]:
        return None
    return model.stored_viewing(row["id"], row)
