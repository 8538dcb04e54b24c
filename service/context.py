"""Accessors for what `create_app` keeps in `app.extensions`, and the write-key check."""

from __future__ import annotations

import hmac

from flask import current_app, request

from service.cache import AnswerCache
from service.catalog import CatalogCache
from service.contract import WRITE_KEY_HEADER
from service.database import GraphHandle
from service.errors import ApiError, ModelUnavailable
from service.metrics import Metrics
from service.model_holder import LoadedModel, ModelHolder
from service.title_search import TitleSearches
from titlegraph.config import Settings

GRAPH = "titlegraph.graph"
MODELS = "titlegraph.models"
CATALOG = "titlegraph.catalog"
SETTINGS = "titlegraph.settings"
METRICS = "titlegraph.metrics"
STARTED = "titlegraph.started"
ANSWERS = "titlegraph.answers"
TITLE_SEARCH = "titlegraph.title_search"


def graph() -> GraphHandle:
    """The process's Neo4j handle."""
    return current_app.extensions[GRAPH]


def models() -> ModelHolder:
    """The process's model holder."""
    return current_app.extensions[MODELS]


def catalog() -> CatalogCache:
    """Cached countries and genres."""
    return current_app.extensions[CATALOG]


def answers() -> AnswerCache:
    """The cache of comps and audiences of existing titles."""
    return current_app.extensions[ANSWERS]


def title_search() -> TitleSearches:
    """In-memory search over the loaded model's titles (degraded mode)."""
    return current_app.extensions[TITLE_SEARCH]


def settings() -> Settings:
    """The app's settings."""
    return current_app.extensions[SETTINGS]


def metrics() -> Metrics:
    """The app's metrics."""
    return current_app.extensions[METRICS]


def require_model() -> LoadedModel:
    """The model to answer with, or a 503 saying how to get one."""
    loaded = models().current()
    if loaded is None:
        reason = models().last_error or "no trained model yet"
        raise ModelUnavailable(f"no model is loaded ({reason}); run `titlegraph train`, then "
                               "POST /v1/admin/reload or wait a few seconds")
    return loaded


def require_write_key() -> None:
    """401 without the X-Write-Key header, 403 if it is wrong or no key is configured."""
    supplied = request.headers.get(WRITE_KEY_HEADER, "")
    if not supplied:
        raise ApiError(401, "unauthorized", f"this needs the write key in the {WRITE_KEY_HEADER} header",
                       WRITE_KEY_HEADER)
    expected = settings().write_key
    if not expected:
        raise ApiError(403, "forbidden", "writes are disabled on this server (no TITLEGRAPH_WRITE_KEY)",
                       WRITE_KEY_HEADER)
    # Constant-time comparison: response timing must not reveal how much of the key matched.
    if not hmac.compare_digest(supplied.encode("utf-8", "surrogateescape"), expected.encode("utf-8")):
        raise ApiError(403, "forbidden", "the write key is wrong", WRITE_KEY_HEADER)
