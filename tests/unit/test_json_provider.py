"""The service's JSON (orjson): key order kept, numpy numbers written, no bare NaN, Flask's fallbacks."""

from __future__ import annotations

import datetime
import json
import math

import numpy as np
from flask import Flask, request

from service.json_provider import OrjsonProvider


def _app() -> Flask:
    app = Flask(__name__)
    app.json = OrjsonProvider(app)

    @app.get("/answer")
    def answer():
        return {"z": 1, "a": np.float32(0.5), "rows": (1, 2), "nan": math.nan, "n": np.int64(3),
                "when": datetime.date(2021, 9, 17)}

    return app


def test_answers_keep_their_key_order_and_are_strict_json():
    response = _app().test_client().get("/answer")
    assert response.status_code == 200 and response.mimetype == "application/json"
    text = response.get_data(as_text=True)
    # Strict parsing: the standard encoder wrote a bare NaN here, which is not JSON.
    parsed = json.loads(text, parse_constant=lambda name: (_ for _ in ()).throw(ValueError(name)))
    assert list(parsed) == ["z", "a", "rows", "nan", "n", "when"]
    assert parsed["a"] == 0.5 and parsed["rows"] == [1, 2] and parsed["nan"] is None and parsed["n"] == 3
    assert parsed["when"] == "2021-09-17"


def test_request_bodies_are_read_with_the_same_provider():
    app = _app()
    with app.test_request_context("/", method="POST", data=b'{"title": "Dark", "year": 2017}',
                                  content_type="application/json"):
        assert request.get_json() == {"title": "Dark", "year": 2017}
