"""GET /v1/titles/{id}/localization: the languages to dub or subtitle a title into first."""

from __future__ import annotations

from flask import Blueprint

from graph import reads
from service import context, schemas
from service.contract import endpoint
from service.errors import NotFound
from service.localization import add_expected_hours, build_plan

bp = Blueprint("localization", __name__, url_prefix="/v1/titles")


@bp.get("/<title_id>/localization")
@endpoint("Localization plan of a title", response=schemas.LocalizationResponse, errors=(404, 503),
          tags=("titles",), path_params={"title_id": "a title id as returned by search (e.g. `s34`)"},
          description=(
              "Countries ranked by expected audience (expected hours, else expected weeks in the "
              "top 10 x the country's market weight), each with its languages (CLDR) and the comps "
              "that charted there; then the languages to dub or subtitle first, each with the "
              "share of the expected audience it adds and the cumulative share reached. The "
              "audience comes from the loaded model for titles it knows, else from the "
              "predictions stored in the graph; with neither, the plan is empty with a warning."))
def localization(title_id: str):
    loaded = context.models().current()
    version = loaded.version if loaded else None
    return context.answers().get_or_compute(("localization", title_id, version),
                                            lambda: _localization(title_id, loaded))


def _localization(title_id: str, loaded) -> dict:
    handle = context.graph()
    lookups = context.catalog().get()
    metadata = reads.audience_metadata(handle.driver(), title_id, **handle.read_options)
    if metadata is None:
        raise NotFound("title", title_id, "title_id")
    model = loaded.model if loaded else None
    if model is not None and hasattr(model, "audience") and title_id in model.index["title"]:
        # Every chart country with its supporting comps, as POST /v1/predict answers a new title.
        entries = [dict(entry, name=lookups.country_names.get(entry["country"]))
                   for entry in model.audience(model.embedding_of(title_id), metadata)]
        viewing = model.stored_viewing(title_id, metadata)
        if viewing is not None:
            add_expected_hours(entries, viewing["hours"]["p50"], lookups.market_weights)
        source, version = "model", loaded.version
    else:
        row = reads.title_audience(handle.driver(), title_id, version=loaded.version if loaded else None,
                                   **handle.read_options)
        entries = row["predicted"] if row else []
        source, version = ("stored", row["version"]) if entries else ("none", None)
    warnings = []
    if not entries:
        warnings.append({"code": "no_audience_predictions", "message": (
            "no audience predictions for this title (no model with an audience head knows it and "
            "none are stored); the plan is empty")})
    plan = build_plan(entries, lookups.market_weights, production_countries=metadata["countries"])
    return {"id": title_id, "title": metadata["title"], "model_version": version, "source": source,
            "plan": plan, "warnings": warnings}
