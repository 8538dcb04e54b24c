"""/v1/admin: operations that need the write key."""

from __future__ import annotations

from flask import Blueprint

from service import context, schemas
from service.contract import endpoint
from service.errors import ModelUnavailable

bp = Blueprint("admin", __name__, url_prefix="/v1/admin")


@bp.post("/reload")
@endpoint("Load the newest `current` model in this worker", response=schemas.ReloadResponse,
          errors=(401, 403, 503), write_key="required", tags=("admin",), description=(
              "Answered by one gunicorn worker; the others pick the new model up within "
              "`reload_interval` seconds on their own."))
def reload_model():
    context.require_write_key()
    try:
        previous, current = context.models().reload()
    except (FileNotFoundError, RuntimeError) as error:
        raise ModelUnavailable(str(error)) from None
    return {"changed": previous is not current,
            "model_version": current.version if current else None,
            "previous_version": previous.version if previous else None}
