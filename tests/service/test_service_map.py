"""GET /v1/map: every title of the loaded model at its place on the content map, with its cluster."""

from __future__ import annotations

import json
import shutil

import pytest

pytestmark = pytest.mark.neo4j


def test_map_places_every_title_of_the_model_in_a_named_cluster(model_client, model_app, conforms):
    response = model_client.get("/v1/map")
    body = conforms(response, "/v1/map")
    assert response.status_code == 200
    model = model_app.extensions["titlegraph.models"].current().model
    assert body["model_version"] == model.version
    assert [point["id"] for point in body["points"]] == model.content.index.ids
    sizes = {cluster["id"]: cluster["size"] for cluster in body["clusters"]}
    assert sum(sizes.values()) == len(body["points"]) and all(cluster["name"] for cluster in body["clusters"])
    for point in body["points"]:
        assert point["cluster"] in sizes
        assert -1 <= point["x"] <= 1 and -1 <= point["y"] <= 1
        assert point["x"] == round(point["x"], 3) and point["y"] == round(point["y"], 3)


def test_map_is_503_without_a_model(client, conforms):
    response = client.get("/v1/map")
    assert response.status_code == 503
    assert conforms(response, "/v1/map")["error"]["code"] == "model_unavailable"
    assert response.headers["Retry-After"]


def test_map_is_503_for_a_model_built_before_maps(model_settings, trained, tmp_path, conforms):
    from service.app import close_app, create_app
    from training import registry

    models_dir = tmp_path / "models"
    bundle = shutil.copytree(trained["bundle"], models_dir / trained["version"])
    (bundle / "content" / "layout.json").unlink()
    marker = json.loads((bundle / registry.COMPLETE).read_text())
    marker["files"].remove("content/layout.json")
    (bundle / registry.COMPLETE).write_text(json.dumps(marker))
    registry.publish(models_dir, bundle)
    settings = model_settings.with_overrides(models_dir=models_dir)
    application = create_app({"SETTINGS": settings, "TESTING": True})
    try:
        response = application.test_client().get("/v1/map")
    finally:
        close_app(application)
    assert response.status_code == 503
    error = conforms(response, "/v1/map")["error"]
    assert error["code"] == "model_unavailable" and "no content map" in error["message"]
