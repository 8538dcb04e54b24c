"""/v1/countries: the countries of the graph and the titles expected to chart in each."""

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


@bp.get("/<iso2>/titles")
@endpoint("Titles with the highest expected audience in a country", query=schemas.CountryTitlesQuery,
          path=schemas.CountryPath, response=schemas.CountryTitlesResponse, errors=(404, 422, 503),
          tags=("countries",), description=(
              "Ranked by the current model's p_chart. While no predictions exist, `basis` is "
              "`observed`: titles ranked by their real chart points there, with a warning."))
def country_titles(iso2: str, query: schemas.CountryTitlesQuery):
    # Two letters, upper-cased by schemas.CountryPath (anything else got a 422 naming `iso2`).
    names = context.catalog().get().country_names
    if iso2 not in names:
        raise NotFound("country", iso2, "iso2")
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
