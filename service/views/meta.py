"""Health, metrics, the OpenAPI document, its docs page and the web page."""

from __future__ import annotations

import time

from flask import Blueprint, Response, current_app, render_template

from service import context, schemas
from service.contract import endpoint, openapi_for_current_app
from service.errors import RETRY_AFTER_SECONDS

bp = Blueprint("meta", __name__)

API_VERSION = "1.0.0"


@bp.get("/health")
@endpoint("Neo4j reachable, model version loaded, uptime", response=schemas.HealthResponse,
          errors=(503,), tags=("meta",), description=(
              "200 `ok` (or `degraded` while no model is loaded); 503 `unavailable` with "
              "Retry-After while Neo4j cannot be reached."))
def health():
    reachable, error = context.graph().check()
    holder = context.models()
    loaded = holder.current()
    model = {"version": loaded.version if loaded else None,
             "path": str(loaded.path) if loaded else None,
             "loaded_at": loaded.loaded_at.isoformat() if loaded else None,
             "error": holder.last_error}
    status = "unavailable" if not reachable else ("ok" if loaded else "degraded")
    body = {"status": status, "neo4j": {"reachable": reachable, "error": error}, "model": model,
            "uptime_seconds": round(time.monotonic() - current_app.extensions[context.STARTED], 3)}
    if not reachable:
        return body, 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return body


@bp.get("/version")
@endpoint("API and model version (answered without Neo4j; the benchmark's trivial endpoint)",
          response=schemas.VersionResponse, tags=("meta",))
def version():
    loaded = context.models().current()
    return {"api_version": API_VERSION, "model_version": loaded.version if loaded else None}


@bp.get("/metrics")
@endpoint("Prometheus metrics (all workers)", content_type="text/plain", tags=("meta",))
def metrics():
    payload, content_type = context.metrics().render()
    return Response(payload, content_type=content_type)


@bp.get("/openapi.json")
@endpoint("This OpenAPI document", tags=("meta",))
def openapi():
    return openapi_for_current_app()


@bp.get("/docs")
@endpoint("API reference page (HTML, rendered from /openapi.json)", content_type="text/html",
          tags=("meta",))
def docs():
    return render_template("docs.html", spec=openapi_for_current_app())


@bp.get("/")
@endpoint("The web page: search, comps, audience chart, new-title prediction", content_type="text/html",
          tags=("meta",))
def index():
    return current_app.send_static_file("index.html")
