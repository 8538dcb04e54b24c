"""The API contract: one decorator validates a view's input and records what /openapi.json says of it.

`@endpoint(...)` parses the query string and JSON body with the view's pydantic models (bad
input becomes a 400 or 422 naming the field) and keeps the models on the view, so
`openapi_document(app)` builds the OpenAPI 3.1 document from the very schemas that validate.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask, current_app, request
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema

from service import schemas
from service.errors import ApiError

WRITE_KEY_HEADER = "X-Write-Key"
_RULE_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


@dataclass(frozen=True)
class EndpointSpec:
    """What the OpenAPI document says about one view.

    Args:
        summary: one line.
        description: longer text (default "").
        query: model of the query string (default None: no parameters).
        path: model of the path parameters it constrains (default None: plain strings), so
            /openapi.json says what the view accepts (a client generating valid requests from it
            is not refused).
        body: model of the JSON body (default None: no body).
        response: model of the 200 answer (default None: `content_type` without a schema).
        errors: error statuses the view can answer besides 200 (default ()).
        write_key: "required", "optional" (only some requests need it) or None (default).
        content_type: media type of the 200 answer (default application/json).
        tags: OpenAPI tags grouping the operation (default ()).
        path_params: description of each path parameter (default {}).
    """

    summary: str
    description: str = ""
    query: type[BaseModel] | None = None
    path: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()
    write_key: str | None = None
    content_type: str = "application/json"
    tags: tuple[str, ...] = ()
    path_params: dict[str, str] = field(default_factory=dict)


def _field_name(location: tuple, default: str) -> str:
    return ".".join(str(part) for part in location) or default


def validation_error(error: ValidationError, default_field: str) -> ApiError:
    """A 422 naming the first field at fault, with every problem in `details`."""
    details = [{"field": _field_name(item["loc"], default_field), "message": item["msg"]}
               for item in error.errors(include_url=False, include_input=False)]
    first = details[0]
    return ApiError(422, "validation_error", f"{first['field']}: {first['message']}", first["field"],
                    details=details)


def parse_query(model: type[BaseModel]) -> BaseModel:
    """The query string as `model`; a parameter given twice or failing validation is a 422."""
    values = {}
    for name, items in request.args.lists():
        if len(items) > 1:
            raise ApiError(422, "validation_error", f"{name}: give this parameter once", name)
        values[name] = items[0]
    try:
        return model.model_validate(values)
    except ValidationError as error:
        raise validation_error(error, "query") from None


def parse_path(model: type[BaseModel], path_args: dict[str, str]) -> dict:
    """The path arguments `model` constrains, validated (422 naming the parameter), plus the others."""
    values = {name: value for name, value in path_args.items() if name in model.model_fields}
    try:
        return {**path_args, **model.model_validate(values).model_dump()}
    except ValidationError as error:
        raise validation_error(error, "path") from None


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"number {text[:20]} is out of range")
    return number


def read_json_body() -> object:
    """The request body as JSON; anything but a well-formed UTF-8 JSON text is a 400 (415, 413)."""
    if request.mimetype != "application/json" and not request.mimetype.endswith("+json"):
        raise ApiError(415, "unsupported_media_type",
                       "send the body as JSON with Content-Type: application/json", "body")
    raw = request.get_data(cache=True)  # over MAX_CONTENT_LENGTH raises the 413 here
    if not raw.strip():
        raise ApiError(400, "bad_request", "the request body is empty; send a JSON object", "body")
    try:
        text = raw.decode("utf-8")
        data = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
        # Lone surrogates ("\ud800") decode to str but cannot be stored or echoed as UTF-8.
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeError:
        raise ApiError(400, "bad_request", "the body is not valid UTF-8 text", "body") from None
    except RecursionError:
        raise ApiError(400, "bad_request", "the JSON body is nested too deeply", "body") from None
    except ValueError as error:
        raise ApiError(400, "bad_request", f"the body is not valid JSON: {error}", "body") from None
    return data


def parse_body(model: type[BaseModel]) -> BaseModel:
    """The JSON body as `model` (400 if it is not JSON, 422 if it does not fit the schema)."""
    data = read_json_body()
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise validation_error(error, "body") from None


def endpoint(summary: str, **options) -> Callable:
    """Validate a view's query string and body with its models and describe it in the OpenAPI document.

    The view receives its path arguments plus `query=` and/or `body=` (validated models).
    """
    spec = EndpointSpec(summary=summary, **options)

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(**path_args):
            arguments = parse_path(spec.path, path_args) if spec.path is not None else dict(path_args)
            if spec.query is not None:
                arguments["query"] = parse_query(spec.query)
            if spec.body is not None:
                arguments["body"] = parse_body(spec.body)
            return view(**arguments)

        wrapper.endpoint_spec = spec
        return wrapper

    return decorate


# --- OpenAPI document --------------------------------------------------------------------------
_ERROR_TEXT = {
    400: "Malformed request (body not JSON, not UTF-8, empty)",
    401: "Write key missing (X-Write-Key header)",
    403: "Write key wrong, or no write key configured on the server",
    404: "Unknown id",
    413: "Request body over the size limit",
    415: "Body is not application/json",
    422: "A parameter or body field fails validation; `error.field` names it",
    503: "Neo4j unreachable or no model loaded; retry after `Retry-After` seconds",
}


def _strip_titles(schema: dict) -> dict:
    return {key: value for key, value in schema.items() if key != "title"}


def _path_parameter(spec: EndpointSpec, name: str) -> dict:
    schema = {"type": "string"}
    description = spec.path_params.get(name, "")
    if spec.path is not None and name in spec.path.model_fields:
        schema = _strip_titles(spec.path.model_json_schema(mode="validation")["properties"][name])
        description = schema.pop("description", description)
    return {"name": name, "in": "path", "required": True, "schema": schema, "description": description}


def _parameters(spec: EndpointSpec, path_names: list[str]) -> list[dict]:
    parameters = [_path_parameter(spec, name) for name in path_names]
    if spec.query is not None:
        query_schema = spec.query.model_json_schema(mode="validation")
        required = set(query_schema.get("required", []))
        for name, prop in query_schema["properties"].items():
            entry = {"name": name, "in": "query", "required": name in required,
                     "schema": _strip_titles(prop)}
            if "description" in prop:
                entry["description"] = prop["description"]
            parameters.append(entry)
    return parameters


def _responses(spec: EndpointSpec, refs: dict) -> dict:
    if spec.response is not None:
        ok = {"description": "OK", "content": {spec.content_type: {
            "schema": refs[(spec.response, "serialization")]}}}
    else:
        kind = "object" if spec.content_type == "application/json" else "string"
        ok = {"description": "OK", "content": {spec.content_type: {"schema": {"type": kind}}}}
    responses = {"200": ok}
    error_schema = refs[(schemas.ErrorResponse, "serialization")]
    for status in sorted(set(spec.errors) | {500}):
        entry = {"description": _ERROR_TEXT.get(status, "Unexpected server error (a bug; logged)"),
                 "content": {"application/json": {"schema": error_schema}}}
        if status == 503:
            entry["headers"] = {"Retry-After": {"description": "seconds to wait",
                                                "schema": {"type": "integer"}}}
        responses[str(status)] = entry
    return responses


def _operation_id(endpoint_name: str, method: str) -> str:
    suffix = "" if method == "GET" else f"_{method.lower()}"
    return endpoint_name.replace(".", "_") + suffix


def openapi_document(app: Flask, title: str = "titlegraph API", version: str = "1.0.0") -> dict:
    """The OpenAPI 3.1 document of every `@endpoint` view of `app`."""
    operations = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions.get(rule.endpoint)
        spec = getattr(view, "endpoint_spec", None)
        if spec is None:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            operations.append((rule, method, spec))
    models = {(schemas.ErrorResponse, "serialization")}
    for _, _, spec in operations:
        if spec.body is not None:
            models.add((spec.body, "validation"))
        if spec.response is not None:
            models.add((spec.response, "serialization"))
    ordered = sorted(models, key=lambda item: (item[0].__name__, item[1]))
    refs, definitions = models_json_schema(ordered, ref_template="#/components/schemas/{model}")
    paths: dict[str, dict] = {}
    for rule, method, spec in operations:
        path = _RULE_ARGUMENT.sub(r"{\1}", rule.rule)
        operation = {
            "operationId": _operation_id(rule.endpoint, method),
            "summary": spec.summary,
            "parameters": _parameters(spec, list(_RULE_ARGUMENT.findall(rule.rule))),
            "responses": _responses(spec, refs),
        }
        if spec.description:
            operation["description"] = spec.description
        if spec.tags:
            operation["tags"] = list(spec.tags)
        if spec.body is not None:
            operation["requestBody"] = {"required": True, "content": {"application/json": {
                "schema": refs[(spec.body, "validation")]}}}
        if spec.write_key == "required":
            operation["security"] = [{"writeKey": []}]
        elif spec.write_key == "optional":
            operation["security"] = [{}, {"writeKey": []}]
        paths.setdefault(path, {})[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version, "description": (
            "Comparable titles and expected audience by country for a streaming catalog. "
            "Every error is JSON `{\"error\": {\"code\", \"message\", \"field\"}}`.")},
        "servers": [{"url": "/"}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {"writeKey": {"type": "apiKey", "in": "header", "name": WRITE_KEY_HEADER}},
        },
    }


def openapi_for_current_app() -> dict:
    """The document of the app serving this request (built once per app)."""
    cached = current_app.extensions.get("titlegraph.openapi")
    if cached is None:
        cached = openapi_document(current_app)
        current_app.extensions["titlegraph.openapi"] = cached
    return cached
