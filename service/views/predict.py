"""POST /v1/predict: comps and expected audience of a new title described by its metadata."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

from flask import Blueprint, current_app, request

from graph import reads
from graph.normalize import normalize_name, normalize_title
from service import context, degraded, schemas
from service.catalog import Lookups
from service.contract import endpoint
from service.localization import add_expected_hours, build_plan
from service.slate import slate_row
from training.new_title import new_title_from

bp = Blueprint("predict", __name__, url_prefix="/v1")
# A slate carries up to 100 titles: its body may be this many times the single-request limit.
BATCH_BODY_FACTOR = 16


@bp.before_request
def _slate_body_limit() -> None:
    if request.endpoint == "predict.predict_batch":
        request.max_content_length = current_app.config["MAX_CONTENT_LENGTH"] * BATCH_BODY_FACTOR


def summary_terms(text: str) -> set[str]:
    """Words and adjacent word pairs of a text, normalized like graph tags (plurals also singular)."""
    words = normalize_title(text).split()
    terms = set(words) | {f"{first} {second}" for first, second in pairwise(words)}
    terms |= {word[:-1] for word in words if len(word) > 3 and word.endswith("s")}
    return terms


_MODEL_WARNING = re.compile(r"^unknown (genre|tag|country|person)\b")
_WARNING_FIELDS = {"genre": "genres", "tag": "tags", "country": "countries", "person": None}


def model_warning(message: str) -> dict:
    """A warning of the model ("unknown person 'X' ...") with a code and, where clear, the field."""
    match = _MODEL_WARNING.match(message)
    if match is None:
        return {"code": "model", "message": message}
    what = match.group(1)
    field = _WARNING_FIELDS[what] or ("director" if "(directors" in message else "cast")
    return {"code": f"unknown_{what}", "field": field, "message": message}


def match_metadata(body: schemas.PredictRequest, lookups: Lookups) -> tuple[list[str], list[str], list[dict]]:
    """Genres in the graph's spelling and known production countries, with a warning per unknown one."""
    warnings = []
    genres = []
    for name in body.genres:
        canonical = lookups.genres_by_lower.get(name.lower())
        if canonical is None:
            warnings.append({"code": "unknown_genre", "field": "genres",
                             "message": f"genre {name!r} is in neither catalog's vocabulary; ignored"})
        elif canonical not in genres:
            genres.append(canonical)
    countries = []
    for iso2 in body.countries:
        if iso2 not in lookups.country_names:
            warnings.append({"code": "unknown_country", "field": "countries",
                             "message": f"country {iso2!r} is not in the graph; ignored"})
        elif iso2 not in countries:
            countries.append(iso2)
    return genres, countries, warnings


def _audience(model, embedding, new_title, lookups: Lookups) -> tuple[list[dict], list[dict]]:
    if not hasattr(model, "audience"):
        return [], [{"code": "no_audience_model", "message": (
            "the loaded model has no audience head yet; `audience` is empty")}]
    entries = [dict(entry, name=lookups.country_names.get(entry["country"]))
               for entry in model.audience(embedding, new_title)]
    entries.sort(key=lambda entry: (-entry["p_chart"], entry["country"]))
    return entries, []


@bp.post("/predict")
@endpoint("Comps and expected audience of a new title", query=schemas.PredictQuery,
          body=schemas.PredictRequest, response=schemas.PredictResponse,
          errors=(400, 401, 403, 413, 415, 422, 503), write_key="optional", tags=("predict",),
          description=(
              "Nothing is written unless `?save=true` with the X-Write-Key header. Unknown genres "
              "and countries are reported in `warnings`, not rejected. While Neo4j is unreachable "
              "the answer comes from the loaded model alone (audience comps explained by the "
              "model's tags and genres; country names from CLDR and no market weights if this "
              "worker never read them) with a `graph_unavailable` warning; `save=true` answers 503 "
              "with Retry-After."))
def predict(query: schemas.PredictQuery, body: schemas.PredictRequest):
    if query.save:
        context.require_write_key()
    loaded = context.require_model()
    if query.save:
        return _predict_and_save(body, query, loaded)
    model = loaded.model
    return degraded.answer_or_degrade(
        lambda: predict_title(body, query, loaded, context.catalog().get(), graph_comp_facts).answer,
        lambda unavailable: degraded.with_graph_warning(
            predict_title(body, query, loaded, degraded.model_lookups(model),
                          degraded.model_comp_facts(model)).answer, unavailable))


def _predict_and_save(body: schemas.PredictRequest, query: schemas.PredictQuery, loaded) -> dict:
    """A prediction written to the graph: it needs Neo4j, so while it is away it is a 503 with Retry-After."""
    handle = context.graph()
    prediction = predict_title(body, query, loaded, context.catalog().get(), graph_comp_facts)
    answer = prediction.answer
    comps = ([_stored(comp, "content", query.scope) for comp in answer["similar"]]
             + [_stored(comp, "audience", query.scope) for comp in answer["similar_audience"]])
    answer["saved_id"] = _save(handle, body, prediction.genres, prediction.countries,
                               prediction.embedding, comps, answer["audience"], loaded.version)
    return answer


@dataclass
class Prediction:
    """One title's answer, with what `?save=true` writes besides it."""

    answer: dict
    genres: list[str]
    countries: list[str]
    embedding: object


def predict_title(body: schemas.PredictRequest, query: schemas.PredictQuery, loaded, lookups: Lookups,
                  comp_facts: Callable[[list[str]], dict[str, dict]]) -> Prediction:
    """Comps, audience by country, viewing forecast (and plan with `query.plan`) of one new title;
    `comp_facts(ids)` gives the audience comps' title, tags and genres (graph_comp_facts or the model's)."""
    genres, countries, warnings = match_metadata(body, lookups)
    # The embedding has never read the request's rating (content comps do); rating=None keeps it so.
    new_title = new_title_from(body, genres=genres, countries=countries, rating=None)
    model = loaded.model
    embedding, model_warnings = model.embed_new(new_title)
    warnings += [model_warning(str(message)) for message in model_warnings]
    described = _describe(model.content, body, genres) if model.content is not None else None
    similar_audience = _audience_comps(comp_facts, model, embedding, body, genres, query, described)
    if described is None:
        similar = similar_audience
    else:
        comps = model.content.similar(*described, query.k, kind=query.type, scope=query.scope)
        similar = [dict(comp, source="model") for comp in comps]
    audience, audience_warnings = _audience(model, embedding, new_title, lookups)
    viewing = model.viewing(embedding, new_title.launch_facts())
    if viewing is None:
        audience_warnings.append({"code": "no_viewing_model", "message": (
            "the loaded model has no viewing forecast (heads/viewing/); `viewing` is null")})
    else:
        add_expected_hours(audience, viewing["hours"]["p50"], lookups.market_weights)
    answer = {"model_version": loaded.version, "similar": similar, "similar_audience": similar_audience,
              "audience": audience, "viewing": viewing, "warnings": warnings + audience_warnings}
    if query.plan:  # localization plan (issue 13): service/localization.py
        answer["plan"] = build_plan(audience, lookups.market_weights, production_countries=countries)
    return Prediction(answer, genres, countries, embedding)


@bp.post("/predict/batch")
@endpoint("A release slate: comps, top markets, viewing and first languages of up to 100 new titles",
          query=schemas.BatchQuery, body=schemas.BatchRequest, response=schemas.BatchResponse,
          errors=(400, 413, 415, 422, 503), tags=("predict",),
          description=(
              "Each title is predicted as `POST /v1/predict?plan=true` would; the answer has one row "
              "per title, in the order sent. A field failing validation in any title is a 422 naming "
              "it (`titles.3.summary`); nothing is written. While Neo4j is unreachable the rows come "
              "from the loaded model alone, each with the warning code `graph_unavailable`."))
def predict_batch(query: schemas.BatchQuery, body: schemas.BatchRequest):
    loaded = context.require_model()
    single = schemas.PredictQuery(k=query.k, scope=query.scope, plan=True)

    def slate(lookups: Lookups, comp_facts, warn=lambda answer: answer) -> dict:
        rows = [slate_row(title.title, title.type,
                          warn(predict_title(title, single, loaded, lookups, comp_facts).answer),
                          top=query.top) for title in body.titles]
        return {"model_version": loaded.version, "rows": rows}

    model = loaded.model
    return degraded.answer_or_degrade(
        lambda: slate(context.catalog().get(), graph_comp_facts),
        lambda unavailable: slate(degraded.model_lookups(model), degraded.model_comp_facts(model),
                                  lambda answer: degraded.with_graph_warning(answer, unavailable)))


def _describe(content, body: schemas.PredictRequest, genres: list[str]):
    """The new title as content comps read it (its summary, tags, genres, kind, people): the
    (ContentTitle, content vector) of ContentModel.describe."""
    people = [normalize_name(name) for name in [*body.cast, *body.director]]
    return content.describe(title=body.title, kind=body.type, summary=body.summary, genres=genres,
                            rating=body.rating, people=people, year=body.year, countries=body.countries)


def graph_comp_facts(title_ids: list[str]) -> dict[str, dict]:
    """Title, kind, year, tags and genres of comps from Neo4j.

    They change only with the graph: kept per title in the answer cache (keyed by the graph's model
    versions, with a TTL), so most predictions read no Neo4j.
    """
    handle = context.graph()
    facts = context.answers().get_many(
        [("comp_facts", title_id) for title_id in title_ids],
        lambda keys: {("comp_facts", title_id): row for title_id, row in reads.comp_facts(
            handle.driver(), [title_id for _, title_id in keys], **handle.read_options).items()})
    return {key[1]: row for key, row in facts.items()}


def _audience_comps(comp_facts: Callable[[list[str]], dict[str, dict]], model, embedding,
                    body: schemas.PredictRequest, genres: list[str],
                    query: schemas.PredictQuery, described=None) -> list[dict]:
    """Comps by the graph embedding (who watches) of the title's format, explained by the shared
    summary tags and genres. A new title's embedding comes from its metadata alone and places it
    poorly by format: without the format rule 23% of the audience comps of 150 recent titles were
    of another format (a family horror film beside docuseries; catalog titles' stored comps: 10%).
    With `described` (`_describe`), its content score joins the ranking (TitleModel.nearest) and
    no children's title sits beside an adult one, as among its content comps."""
    audience = model.content.audience_of_new(body.rating, genres) if described is not None else None
    hits = model.nearest(embedding, k=query.k, kind=query.type, netflix_only=query.scope == "netflix",
                         genres=genres, audience=audience,
                         content_vector=described[1] if described is not None else None)
    terms = summary_terms(body.summary) | {normalize_title(tag) for tag in body.tags}
    facts = comp_facts([title_id for title_id, _ in hits])
    lowered = {genre.lower() for genre in genres}
    by_id = {title_id: reads.explain_comp(row, terms=terms, genres=lowered)
             for title_id, row in facts.items()}
    return [dict(by_id[title_id], score=float(score), rank=rank, source="model")
            for rank, (title_id, score) in enumerate(hits, start=1) if title_id in by_id]


def _stored(comp: dict, basis: str, scope: str) -> dict:
    """A comp as SIMILAR_TO keeps it (tags by facet as two parallel lists)."""
    by_facet = comp.get("shared_tags_by_facet") or {}
    return {"id": comp["id"], "score": comp["score"], "rank": comp["rank"], "basis": basis, "scope": scope,
            "why": comp.get("why"), "shared_tags": [tag for tags in by_facet.values() for tag in tags],
            "shared_facets": [facet for facet, tags in by_facet.items() for _ in tags],
            "shared_genres": comp.get("shared_genres", []), "shared_people": comp.get("shared_people", [])}


def _save(handle, body: schemas.PredictRequest, genres: list[str], countries: list[str], embedding,
          similar: list[dict], audience: list[dict], version: str) -> str:
    title = {
        "id": reads.new_title_id(body.type, body.title, body.year), "title": body.title,
        "kind": body.type, "summary": body.summary, "year": body.year,
        "duration_minutes": body.duration_minutes, "genres": genres, "countries": countries,
        "tags": [normalize_title(tag) for tag in body.tags], "cast": list(body.cast),
        "directors": list(body.director),
        "embedding": [float(value) for value in embedding],
    }
    return reads.save_predicted_title(
        handle.driver(), title=title, version=version, database=handle.database,
        similar=similar,
        audience=[{"country": entry["country"], "p_chart": entry["p_chart"],
                   "expected_weeks": entry["expected_weeks"]} for entry in audience])
