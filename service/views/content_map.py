"""/v1/map: the catalog's content map of the loaded model version (training/layout.py)."""

from __future__ import annotations

from flask import Blueprint

from service import context, schemas
from service.contract import endpoint
from service.errors import ModelUnavailable

bp = Blueprint("map", __name__, url_prefix="/v1")

# Three decimals of [-1, 1] are a thousandth of the map's width: finer than a screen pixel.
DECIMALS = 3


@bp.get("/map")
@endpoint("The content map of the catalog", response=schemas.MapResponse, errors=(503,), tags=("titles",),
          description=(
              "Every title of the loaded model version at its place on a 2-D map of content "
              "vectors (t-SNE; near means alike in story, tone, audience age and format), with its "
              "facet cluster (KMeans), each named by its most characteristic tags. 503 while no "
              "model, or a model built before maps, is loaded."))
def content_map():
    loaded = context.require_model()
    content = loaded.model.content
    layout = content.layout if content is not None else None
    if layout is None:
        raise ModelUnavailable(f"model {loaded.version} has no content map; run `titlegraph train` "
                               "to build a model version with one")
    return {"model_version": loaded.version, "points": map_points(layout, content.index.titles),
            "clusters": [{"id": c.id, "name": c.name, "size": c.size} for c in layout.clusters]}


def map_points(layout, titles) -> list[dict]:
    """The layout's points with each title's name and kind (layout and index share their order)."""
    # float64 before rounding: a float32 0.123 prints as 0.12300000339746475.
    xs = layout.x.astype(float).round(DECIMALS).tolist()
    ys = layout.y.astype(float).round(DECIMALS).tolist()
    return [{"id": t.id, "title": t.title, "kind": t.kind, "x": x, "y": y, "cluster": cluster}
            for t, x, y, cluster in zip(titles, xs, ys, layout.cluster.tolist(), strict=True)]
