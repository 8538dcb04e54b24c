"""POST /v1/predict: comps and expected audience of a new title described by its metadata."""

from __future__ import annotations

import re
from itertools import pairwise

from flask import Blueprint

from graph import reads
from graph.normalize import normalize_name, normalize_title
from service import context, schemas
from service.catalog import Lookups
from service.contract import endpoint
from service.localization import add_expected_hours, build_plan

bp = Blueprint("predict", __name__, url_prefix="/v1")


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
              "and countries are reported in `warnings`, not rejected."))
def predict(query: schemas.PredictQuery, body: schemas.PredictRequest):
    if query.save:
        context.require_write_key()
    loaded = context.require_model()
    handle = context.graph()
    lookups = context.catalog().get()
    genres, countries, warnings = match_metadata(body, lookups)
    from training.predictor import NewTitle

    new_title = NewTitle(title=body.title, kind=body.type, summary=body.summary, genres=genres,
                         tags=list(body.tags), countries=countries, cast=list(body.cast),
                         directors=list(body.director), year=body.year,
                         duration_minutes=body.duration_minutes, season=body.season,
                         launch_date=body.launch_date)
    model = loaded.model
    embedding, model_warnings = model.embed_new(new_title)
    warnings += [model_warning(str(message)) for message in model_warnings]
    similar_audience = _audience_comps(handle, model, embedding, body, genres, query)
    similar = (_content_comps(model.content, body, genres, query) if model.content is not None
               else similar_audience)
    audience, audience_warnings = _audience(model, embedding, new_title, lookups)
    viewing = model.viewing(embedding, new_title.launch_facts())
    if viewing is None:
        audience_warnings.append({"code": "no_viewing_model", "message": (
            "the loaded model has no viewing forecast (heads/viewing/); `viewing` is null")})
    answer = {"model_version": loaded.version, "similar": similar, "similar_audience": similar_audience,
              "audience": audience, "viewing": viewing, "warnings": warnings + audience_warnings}
    if viewing is not None:
        add_expected_hours(audience, viewing["hours"]["p50"], lookups.market_weights)
    if query.plan:  # localization plan (issue 13): service/localization.py
        answer["plan"] = build_plan(audience, lookups.market_weights, production_countries=countries)
    if query.save:
        answer["saved_id"] = _save(handle, body, genres, countries, embedding,
                                   [_stored(comp, "content", query.scope) for comp in similar]
                                   + [_stored(comp, "audience", query.scope) for comp in similar_audience],
                                   audience, loaded.version)
    return answer


def _content_comps(content, body: schemas.PredictRequest, genres: list[str],
                   query: schemas.PredictQuery) -> list[dict]:
    """Comps by what the new title is about (its summary, tags, genres, kind, people)."""
    people = [normalize_name(name) for name in [*body.cast, *body.director]]
    described, vector = content.describe(title=body.title, kind=body.type, summary=body.summary,
                                         genres=genres, rating=body.rating, people=people, year=body.year)
    comps = content.similar(described, vector, query.k, kind=query.type, scope=query.scope)
    return [dict(comp, source="model") for comp in comps]


def _audience_comps(handle, model, embedding, body: schemas.PredictRequest, genres: list[str],
                    query: schemas.PredictQuery) -> list[dict]:
    """Comps by the graph embedding (who watches), explained by the shared summary tags and genres."""
    hits = model.nearest(embedding, k=query.k, kind=query.type, netflix_only=query.scope == "netflix")
    terms = summary_terms(body.summary) | {normalize_title(tag) for tag in body.tags}
    # The comps' tags and genres change only with the graph: kept per title in the answer cache
    # (keyed by the graph's model versions, with a TTL), so most predictions read no Neo4j.
    facts = context.answers().get_many(
        [("comp_facts", title_id) for title_id, _ in hits],
        lambda keys: {("comp_facts", title_id): row for title_id, row in reads.comp_facts(
            handle.driver(), [title_id for _, title_id in keys], **handle.read_options).items()})
    lowered = {genre.lower() for genre in genres}
    by_id = {key[1]: reads.explain_comp(row, terms=terms, genres=lowered) for key, row in facts.items()}
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
