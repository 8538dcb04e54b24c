"""POST /v1/predict and the admin reload with the tiny trained model on the real test Neo4j."""

from __future__ import annotations

import numpy as np
import pytest

from graph.embeddings import current_version
from training.bundle import load_bundle
from training.new_title import new_title_from
from training.vocabulary import FACETS, load_vocabulary

pytestmark = pytest.mark.neo4j

KOREAN_CRIME = {
    "title": "Seoul Night Shift", "type": "show",
    "summary": "A detective hunts a serial killer through the police stations of Seoul.",
    "genres": ["crime tv shows", "CRIME", "Westerns on Mars"], "countries": ["kr", "ZZ"],
    "director": ["Kim Ji-woon"], "cast": ["Lee Min-ho", "Nobody Known"], "year": 2022,
    "duration_minutes": 55,
}


def test_predict_gives_comps_explained_and_warnings(model_client, conforms, trained):
    response = model_client.post("/v1/predict?k=4", json=KOREAN_CRIME)
    body = conforms(response, "/v1/predict", "post")
    assert response.status_code == 200, body
    assert body["model_version"] == trained["version"]
    comps = body["similar"]
    assert len(comps) == 4 and [comp["rank"] for comp in comps] == [1, 2, 3, 4]
    assert [comp["score"] for comp in comps] == sorted((comp["score"] for comp in comps), reverse=True)
    assert comps[0]["id"].startswith("svc-kr")
    korean = [comp for comp in comps if comp["id"] in ("svc-kr1", "svc-kr2")]
    assert korean and "Crime TV Shows" in korean[0]["shared_genres"]
    vocabulary = set(load_vocabulary().names)
    assert korean[0]["shared_tags"] and set(korean[0]["shared_tags"]) <= vocabulary
    assert set(korean[0]["shared_tags_by_facet"]) <= set(FACETS) and korean[0]["why"].endswith(".")
    audience_comps = body["similar_audience"]
    assert len(audience_comps) == 4 and [comp["rank"] for comp in audience_comps] == [1, 2, 3, 4]
    model = load_bundle(trained["bundle"])
    scores = [comp["score"] for comp in audience_comps]
    assert scores == sorted(scores, reverse=True)
    assert all(comp["id"] in model.title_ids for comp in audience_comps)
    codes = {(warning["code"], warning.get("field")) for warning in body["warnings"]}
    assert ("unknown_genre", "genres") in codes      # "Westerns on Mars", reported not rejected
    assert ("unknown_country", "countries") in codes  # "ZZ"
    assert ("unknown_person", "cast") in codes       # "Nobody Known"
    # The tiny model has no audience head: no invented predictions, a warning instead.
    assert body["audience"] == [] and ("no_audience_model", None) in codes
    assert "saved_id" not in body


def test_a_second_prediction_explains_its_comps_from_the_cache(model_app, model_client, monkeypatch):
    from graph import reads

    first = model_client.post("/v1/predict?k=4", json=KOREAN_CRIME).get_json()
    asked = []
    original = reads.comp_facts
    monkeypatch.setattr(reads, "comp_facts", lambda driver, ids, **options: asked.append(ids) or original(
        driver, ids, **options))
    second = model_client.post("/v1/predict?k=4", json=KOREAN_CRIME).get_json()
    assert asked == []  # the audience comps' tags and genres came from the answer cache
    assert second["similar"] == first["similar"]  # content comps need no database at all
    assert second["similar_audience"] == first["similar_audience"]
    # A comp never asked about before is read from Neo4j, alone.
    wider = model_client.post("/v1/predict?k=8", json=KOREAN_CRIME).get_json()
    assert len(wider["similar_audience"]) == 8 and len(asked) == 1
    new_ids = ({comp["id"] for comp in wider["similar_audience"]}
               - {comp["id"] for comp in first["similar_audience"]})
    assert set(asked[0]) == new_ids


def test_predict_filters_comps_by_type(model_client):
    body = model_client.post("/v1/predict?k=3&type=movie", json=KOREAN_CRIME).get_json()
    assert len(body["similar"]) == 3 and {comp["kind"] for comp in body["similar"]} == {"movie"}


def test_audience_comps_of_a_new_title_keep_to_its_format(model_client, trained):
    # The seed's reality shows are svc-ck*; the rest are dramas, crime and science fiction.
    bake_off = {"title": "Bake Off Juniors", "type": "show", "genres": ["Reality TV"], "countries": ["GB"],
                "summary": "Amateur bakers race the clock in a cake competition judged by pastry chefs."}
    body = model_client.post("/v1/predict?k=8", json=bake_off).get_json()
    comps = [comp["id"] for comp in body["similar_audience"]]
    assert comps and all(comp.startswith("svc-ck") for comp in comps), comps
    # Without the rule the same embedding's 8 nearest hold titles of other formats.
    model = load_bundle(trained["bundle"])
    embedding, _ = model.embed_new(new_title_from(bake_off, genres=["Reality TV"], rating=None))
    unruled = [title_id for title_id, _ in model.nearest(embedding, k=8)]
    assert any(not title_id.startswith("svc-ck") for title_id in unruled)
    # Ranked by the cosine plus the content score (TitleModel.nearest, NEW_TITLE_CONTENT_WEIGHT 1).
    _, vector = model.content.describe(title=bake_off["title"], kind="show", summary=bake_off["summary"],
                                       genres=["Reality TV"], countries=["GB"])
    relevance = model.content.index.relevance(vector)
    unit = embedding / np.linalg.norm(embedding)
    blended = {title_id: float(model.title_embeddings[i] @ unit)
               + float(relevance[model.content.index.position[title_id]])
               for i, title_id in enumerate(model.title_ids) if title_id.startswith("svc-ck")}
    assert comps == sorted(blended, key=lambda title_id: -blended[title_id])[:8]
    scores = [comp["score"] for comp in body["similar_audience"]]
    assert scores == pytest.approx([blended[title_id] for title_id in comps], abs=1e-4)


def test_predict_writes_nothing_without_save(model_client, seeded_graph):
    from graph.maintenance import graph_counts

    before = graph_counts(seeded_graph)
    assert model_client.post("/v1/predict", json=KOREAN_CRIME).status_code == 200
    assert graph_counts(seeded_graph) == before


def test_predict_save_writes_the_title_and_its_comps(model_client, seeded_graph):
    response = model_client.post("/v1/predict?save=true&k=3", json=KOREAN_CRIME,
                                 headers={"X-Write-Key": "test-write-key"})
    body = response.get_json()
    assert response.status_code == 200, body
    saved_id = body["saved_id"]
    assert saved_id.startswith("api-")
    title = model_client.get(f"/v1/titles/{saved_id}").get_json()
    assert title["title"] == "Seoul Night Shift" and title["countries"] == ["KR"]
    assert set(title["genres"]) == {"Crime TV Shows", "crime"}
    assert title["directors"] == ["Kim Ji-woon"]
    found = model_client.get("/v1/titles?q=seoul night shift").get_json()["results"]
    assert found[0]["id"] == saved_id
    comps = model_client.get(f"/v1/titles/{saved_id}/similar?k=3").get_json()["similar"]
    assert [comp["id"] for comp in comps] == [comp["id"] for comp in body["similar"]]
    # Saving again updates the same title instead of adding another.
    again = model_client.post("/v1/predict?save=true", json=KOREAN_CRIME,
                              headers={"X-Write-Key": "test-write-key"}).get_json()
    assert again["saved_id"] == saved_id


def test_admin_reload_reports_the_loaded_version(model_client, conforms, trained):
    response = model_client.post("/v1/admin/reload", headers={"X-Write-Key": "test-write-key"})
    body = conforms(response, "/v1/admin/reload", "post")
    assert body == {"changed": False, "model_version": trained["version"],
                    "previous_version": trained["version"]}


def test_health_and_version_show_the_model(model_client, conforms, trained, seeded_graph):
    health = conforms(model_client.get("/health"), "/health")
    assert health["status"] == "ok" and health["model"]["version"] == trained["version"]
    assert model_client.get("/version").get_json()["model_version"] == trained["version"]
    assert current_version(seeded_graph) == trained["version"]
