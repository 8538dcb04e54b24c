"""The Flask app of the REST service: `create_app()` (gunicorn serves `service.app:create_app()`) and
`close_app()`."""

from __future__ import annotations

import atexit
import logging
import time
from collections.abc import Mapping
from functools import partial
from typing import Any

from flask import Flask

from service import context
from service.cache import AnswerCache
from service.catalog import CatalogCache
from service.database import GraphHandle
from service.errors import register_error_handlers
from service.json_provider import OrjsonProvider
from service.logs import configure_logging, init_request_ids
from service.metrics import Metrics
from service.model_holder import ModelHolder, default_loader
from service.title_search import TitleSearches
from service.views import admin, content_map, countries, localization, meta, predict, titles
from titlegraph.config import Settings, load_settings

logger = logging.getLogger("titlegraph.service")


def _settings_from(config: Settings | Mapping[str, Any] | None) -> tuple[Settings, dict]:
    if isinstance(config, Settings):
        return config, {}
    flask_config = dict(config or {})
    return flask_config.pop("SETTINGS", None) or load_settings(), flask_config


def create_app(config: Settings | Mapping[str, Any] | None = None) -> Flask:
    """Build the app: one Neo4j driver, one model holder, blueprints, error handlers, logs, metrics.

    `config` is a `Settings`, or a mapping of Flask config with an optional `SETTINGS` entry;
    by default the settings come from the environment (titlegraph.config.load_settings).
    """
    settings, flask_config = _settings_from(config)
    configure_logging()
    app = Flask(__name__)
    # Bodies over the limit are refused with 413 before they are read in full.
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.config.update(flask_config)
    # Keep response fields in the order the views build them (ranked lists read naturally).
    app.json = OrjsonProvider(app)

    # One driver and one model holder per process (gunicorn runs without preload, so per worker).
    metrics = Metrics(settings.metrics_dir)
    graph = GraphHandle(settings)
    holder = ModelHolder(settings.models_path, settings.reload_interval,
                         loader=partial(default_loader, onnx_dir=settings.cache_dir / "onnx"),
                         on_load=lambda result: metrics.reloads.labels(result).inc())
    app.extensions.update({
        context.SETTINGS: settings, context.GRAPH: graph, context.MODELS: holder,
        context.CATALOG: CatalogCache(graph), context.METRICS: metrics,
        context.STARTED: time.monotonic(), context.TITLE_SEARCH: TitleSearches(),
        context.ANSWERS: AnswerCache(
            graph, max_entries=app.config.get("ANSWER_CACHE_ENTRIES", settings.answer_cache_entries),
            version_interval=settings.reload_interval),
    })
    _load_first_model(holder)

    init_request_ids(app)
    metrics.init_app(app)
    register_error_handlers(app)
    for blueprint in (meta.bp, titles.bp, localization.bp, predict.bp, countries.bp, admin.bp,
                      content_map.bp):
        app.register_blueprint(blueprint)

    # Close the driver when the worker exits (gunicorn's worker_exit hook calls close_app too).
    atexit.register(close_app, app)
    return app


def _load_first_model(holder) -> None:
    """Load the current model now, so the first request does not wait; no model is not fatal."""
    try:
        holder.reload()
    except FileNotFoundError as error:
        logger.warning("no model yet", extra={"reason": str(error)})
    except ImportError as error:
        holder.last_error = f"a module the model needs is not importable: {error}"
        logger.warning("no model yet", extra={"reason": holder.last_error})
    except RuntimeError as error:
        logger.warning("first model load failed", extra={"reason": str(error)})


def close_app(app: Flask) -> None:
    """Close the app's Neo4j driver and drop its model (idempotent)."""
    app.extensions[context.GRAPH].close()
    app.extensions[context.MODELS].close()
