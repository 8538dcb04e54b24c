"""/v1/countries: the countries of the graph, the titles expected to chart in each, and the
genres and tags each country's charts favour (affinity)."""

from __future__ import annotations

from flask import Blueprint

from graph import reads
from service import context, schemas
from service.contract import endpoint
from service.errors import NotFound

bp = Blueprint("countries", __name__, url_prefix="/v1/countries")


@bp.get("")
@endpoint("All countries", response=schemas.CountriesResponse, errors=(503,), tags=("countries",))
def list_countries():
    handle = context.graph()
    return {"countries": reads.list_countries(handle.driver(), **handle.read_options)}


def known_country(iso2: str) -> str:
    """`iso2` (two letters, upper-cased by schemas.CountryPath: anything else got a 422) if the graph
    has that country, else 404 naming `iso2`."""
    if iso2 not in context.catalog().get().country_names:
        raise NotFound("country", iso2, "iso2")
    return iso2


@bp.get("/<iso2>/titles")
@endpoint("Titles with the highest expected audience in a country", query=schemas.CountryTitlesQuery,
          path=schemas.CountryPath, response=schemas.CountryTitlesResponse, errors=(404, 422, 503),
          tags=("countries",), description=(
              "Ranked by the current model's p_chart. While no predictions exist, `basis` is "
              "`observed`: titles ranked by their real chart points there, with a warning."))
def country_titles(iso2: str, query: schemas.CountryTitlesQuery):
    known_country(iso2)
    names = context.catalog().get().country_names
    loaded = context.models().current()
    version = loaded.version if loaded else None
    handle = context.graph()
    used_version, rows = reads.country_titles(handle.driver(), iso2, version=version, limit=query.limit,
                                              kind=query.type, **handle.read_options)
    basis = "observed" if used_version is None else "predicted"
    warnings = []
    if basis == "observed":
        warnings.append({"code": "no_audience_predictions", "message": (
            "no audience predictions for this country yet; titles are ranked by observed chart "
            "points, not by a prediction")})
    return {"country": iso2, "name": names[iso2], "basis": basis,
            "model_version": used_version, "titles": rows,
            "warnings": warnings}


def affinity_method(min_support: int) -> dict:
    """How the affinity figures are computed (graph/affinity.py), for the response."""
    return {
        "unit": "charting titles (weekly top 10, 2021-07-04 .. 2021-12-26); titles without any value "
                "of the facet are not counted",
        "interval": "95% Wald interval of log(lift) (0.5 titles used when none charted)",
        "min_support": min_support,
        "support_rule": f"listed when at least {min_support} charting titles there have it, or "
                        f"{min_support} would at its all-country share",
    }


@bp.get("/<iso2>/affinity")
@endpoint("Genres and tags a country's charts favour or shun", query=schemas.CountryAffinityQuery,
          path=schemas.CountryPath, response=schemas.CountryAffinityResponse, errors=(404, 422, 503),
          tags=("countries",), description=(
              "Lift of each genre (or vocabulary tag) in the country's weekly top 10 against all "
              "chart countries, with a 95% interval: `over` lists those whose interval is above 1, "
              "`under` those below 1. Computed at ingest (genres) and by `titlegraph train` (tags); "
              "until then the lists are empty and a warning says so."))
def country_affinity(iso2: str, query: schemas.CountryAffinityQuery):
    code = known_country(iso2)
    handle = context.graph()
    rows = reads.country_affinity(handle.driver(), code, query.facet, **handle.read_options)
    # The support the stored figures were computed with; the configured one before any exist.
    min_support = rows[0]["min_support"] if rows else context.settings().affinity_min_support
    entries = [{key: value for key, value in row.items() if value is not None and key != "min_support"}
               for row in rows]
    over = [entry for entry in entries if entry["low"] > 1]
    under = [entry for entry in reversed(entries) if entry["high"] < 1]
    warnings = []
    if not entries:
        step = "`titlegraph ingest`" if query.facet == "genre" else "`titlegraph train` (it writes the tags)"
        warnings.append({"code": "no_affinity", "field": "facet", "message": (
            f"no {query.facet} affinity for {code}: it is computed by {step}, for values with at "
            f"least {min_support} charting titles there (observed or expected at the all-country share)")})
    return {"country": code, "name": context.catalog().get().country_names[code], "facet": query.facet,
            "country_titles": rows[0]["country_titles"] if rows else None,
            "method": affinity_method(min_support), "over": over[:query.limit], "under": under[:query.limit],
            "neutral": len(entries) - len(over) - len(under), "warnings": warnings}
