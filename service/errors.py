"""Every error the API returns is JSON `{"error": {"code", "message", "field"}}`; handlers live here.

Domain errors are raised as `ApiError`; HTTP errors from Werkzeug (404 route, 405, 413) and
driver errors (Neo4j unreachable, timed out) are mapped to the same shape. Anything else is a
bug: it is logged with its traceback and answered with a JSON 500 that leaks nothing.
"""

from __future__ import annotations

import logging

import neo4j.exceptions as neo4j_errors
from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

# Seconds a client should wait before retrying while Neo4j or the model is unavailable.
RETRY_AFTER_SECONDS = 5

_HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 406: "not_acceptable", 411: "length_required",
    413: "payload_too_large", 414: "uri_too_long", 415: "unsupported_media_type",
    422: "validation_error", 429: "too_many_requests", 431: "headers_too_large",
    500: "internal_error", 501: "not_implemented", 503: "unavailable",
}

logger = logging.getLogger("titlegraph.service")


class ApiError(Exception):
    """An error answered as JSON.

    Args:
        status: HTTP status code.
        code: stable machine-readable code ("not_found", "validation_error", ...).
        message: what went wrong and what to do next.
        field: the request field at fault, if any (default None).
        details: further per-field errors (default None).
        retry_after: seconds for a `Retry-After` header (default None: no header).
    """

    def __init__(self, status: int, code: str, message: str, field: str | None = None,
                 details: list[dict] | None = None, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.details = details
        self.retry_after = retry_after


class NotFound(ApiError):
    """An unknown id: 404 naming the path parameter."""

    def __init__(self, what: str, value: str, field: str) -> None:
        super().__init__(404, "not_found", f"no {what} with {field} {value!r}", field)


class Neo4jUnavailable(ApiError):
    """Neo4j cannot be reached (or timed out): 503 with Retry-After."""

    def __init__(self, reason: str) -> None:
        super().__init__(503, "neo4j_unavailable", f"the graph database is unavailable: {reason}",
                         retry_after=RETRY_AFTER_SECONDS)
        self.reason = reason


class ModelUnavailable(ApiError):
    """No trained model is loaded: 503 with Retry-After."""

    def __init__(self, message: str) -> None:
        super().__init__(503, "model_unavailable", message, retry_after=RETRY_AFTER_SECONDS)


def error_body(code: str, message: str, field: str | None = None, details: list[dict] | None = None) -> dict:
    """The JSON body of an error response."""
    error: dict = {"code": code, "message": message, "field": field}
    if details:
        error["details"] = details
    return {"error": error}


def _respond(error: ApiError):
    response = jsonify(error_body(error.code, error.message, error.field, error.details))
    response.status_code = error.status
    if error.retry_after is not None:
        response.headers["Retry-After"] = str(error.retry_after)
    return response


# Driver errors meaning "Neo4j is away or too slow", never the client's fault.
_UNAVAILABLE = (
    neo4j_errors.ServiceUnavailable,
    neo4j_errors.SessionExpired,
    neo4j_errors.ConnectionPoolError,
    neo4j_errors.TransientError,
    neo4j_errors.AuthError,
)


_CONNECTION_LOST = (neo4j_errors.ServiceUnavailable, neo4j_errors.SessionExpired)


def as_neo4j_unavailable(error: Exception) -> Neo4jUnavailable | None:
    """The 503 a driver error stands for, or None if it is not an availability error."""
    if isinstance(error, neo4j_errors.AuthError):
        return Neo4jUnavailable("authentication failed; check NEO4J_USER and NEO4J_PASSWORD")
    if isinstance(error, _UNAVAILABLE):
        return Neo4jUnavailable(type(error).__name__)
    if isinstance(error, neo4j_errors.ClientError) and "TransactionTimedOut" in (error.code or ""):
        return Neo4jUnavailable("the query timed out")
    return None


def lost_connection(error: Exception) -> bool:
    """Whether a driver error means "Neo4j is away" (a slow query is not an outage)."""
    return isinstance(error, _CONNECTION_LOST)


def register_error_handlers(app: Flask) -> None:
    """Answer every error as JSON."""

    @app.errorhandler(ApiError)
    def handle_api_error(error: ApiError):
        return _respond(error)

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        status = error.code or 500
        code = _HTTP_CODES.get(status, "http_error")
        message = error.description or error.name
        if status == 413:
            message = (f"request body larger than {app.config.get('MAX_CONTENT_LENGTH')} bytes; "
                       "send a smaller body")
        field = "body" if status in (413, 415) else None
        response = _respond(ApiError(status, code, message, field))
        if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        unavailable = as_neo4j_unavailable(error)
        if unavailable is not None:
            logger.warning("neo4j unavailable", extra={"error_type": type(error).__name__})
            graph = app.extensions.get("titlegraph.graph")
            # Only a lost connection means "Neo4j is away"; a slow query is not an outage.
            if graph is not None and lost_connection(error):
                graph.mark_unavailable(unavailable.reason)
            return _respond(unavailable)
        logger.exception("unhandled error")
        return _respond(ApiError(500, "internal_error", "an unexpected error occurred; it has been logged"))
