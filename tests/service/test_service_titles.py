"""Title search, one title, and audience against the real test Neo4j (tiny seeded graph)."""

from __future__ import annotations

import pytest

from tests.service import seed

pytestmark = pytest.mark.neo4j


def _ids(body: dict) -> list[str]:
    return [hit["id"] for hit in body["results"]]


@pytest.mark.parametrize(("text", "expected_first"), [
    ("Amélie", "svc-fr1"),
    ("amelie", "svc-fr1"),       # accents ignored
    ("AMÉLIE", "svc-fr1"),       # case ignored
    ("seoul det", "svc-kr1"),    # prefix
    ("seuol detectives", "svc-kr1"),  # one typo
    ("money heist", "svc-es1"),  # chart alias of "La casa de papel"
    ("patisserie", "svc-ck3"),
])
def test_search_finds_titles(client, conforms, text, expected_first):
    response = client.get("/v1/titles", query_string={"q": text})
    body = conforms(response, "/v1/titles")
    assert response.status_code == 200
    assert _ids(body)[0] == expected_first


@pytest.mark.parametrize("text", ["Orbit", "orbit", " ORBIT! "])
def test_search_ranks_an_exact_alias_above_a_title_prefix(client, conforms, text):
    # svc-sp3 "Cosmos Drift" charted as "Orbit"; svc-sp1 is "Orbit Zero".
    body = conforms(client.get("/v1/titles", query_string={"q": text}), "/v1/titles")
    assert _ids(body)[:2] == ["svc-sp3", "svc-sp1"]
    assert [hit["score"] for hit in body["results"][:2]] == [3.0, 2.0]


def test_search_ranks_an_alias_prefix_with_title_prefixes(client, conforms):
    body = conforms(client.get("/v1/titles?q=money%20he"), "/v1/titles")
    assert _ids(body)[0] == "svc-es1" and body["results"][0]["score"] == 2.0


def test_search_exact_alias_respects_the_type_filter(client, conforms):
    movies = conforms(client.get("/v1/titles?q=orbit&type=movie"), "/v1/titles")
    assert _ids(movies)[:2] == ["svc-sp3", "svc-sp1"]
    shows = conforms(client.get("/v1/titles?q=orbit&type=show"), "/v1/titles")
    assert not {"svc-sp3", "svc-sp1"} & set(_ids(shows))


def test_search_filters_by_type_and_limits(client, conforms):
    body = conforms(client.get("/v1/titles?q=a&limit=3"), "/v1/titles")
    assert len(body["results"]) <= 3
    movies = conforms(client.get("/v1/titles?q=amel&type=movie"), "/v1/titles")
    assert movies["results"] and {hit["kind"] for hit in movies["results"]} == {"movie"}
    assert conforms(client.get("/v1/titles?q=amel&type=show"), "/v1/titles")["results"] == []


@pytest.mark.parametrize("text", ['"', "*", "a:b) OR (c", "\\", "~~~", "title:*", "&& || !", "x" * 200])
def test_search_survives_lucene_syntax(client, conforms, text):
    response = client.get("/v1/titles", query_string={"q": text})
    assert response.status_code == 200
    conforms(response, "/v1/titles")


@pytest.mark.parametrize(("query", "field"), [
    ({}, "q"), ({"q": ""}, "q"), ({"q": "x" * 201}, "q"), ({"q": "a", "limit": "0"}, "limit"),
    ({"q": "a", "limit": "51"}, "limit"), ({"q": "a", "limit": "ten"}, "limit"),
    ({"q": "a", "type": "film"}, "type"), ({"q": "a", "unknown": "1"}, "unknown"),
    ({"q": "a", "limit": "nan"}, "limit"),
])
def test_search_rejects_bad_parameters(client, conforms, query, field):
    response = client.get("/v1/titles", query_string=query)
    body = conforms(response, "/v1/titles")
    assert response.status_code == 422
    assert body["error"]["code"] == "validation_error"
    assert body["error"]["field"] == field


def test_repeated_parameter_is_rejected(client):
    response = client.get("/v1/titles?q=a&q=b")
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "q"


def test_get_title(client, conforms):
    response = client.get("/v1/titles/svc-es1")
    body = conforms(response, "/v1/titles/{title_id}")
    assert body["title"] == "La casa de papel"
    assert body["aliases"] == ["La casa de papel", "Money Heist"]
    assert set(body["genres"]) == {"Crime TV Shows", "crime", "drama"}
    assert body["countries"] == ["ES"]
    assert body["cast"] == ["Úrsula Corberó", "Álvaro Morte"]  # in billing order
    assert body["chart_countries"] == 4


def test_a_titles_tags_are_its_vocabulary_tags_best_first(client, conforms, trained):
    """The summary terms (Term nodes) feed the graph embedding; a title's `tags` are the curated
    vocabulary's, as its comps explain themselves, heaviest first."""
    body = conforms(client.get("/v1/titles/svc-kr1"), "/v1/titles/{title_id}")
    index = _model(trained).content.index
    own = sorted(index.titles[index.position["svc-kr1"]].tags, key=lambda tag: (-tag[1], tag[0]))
    assert own and body["tags"] == [name for name, _ in own]
    assert set(body["tags"]) <= set(index.tag_facets)
    seeded = next(row for row in seed.seed_rows()["MERGE_TITLES"] if row["id"] == "svc-kr1")
    assert body["terms"] == seeded["props"]["terms"]


@pytest.mark.parametrize("title_id", [
    "nope", "svc-kr1' OR 1=1 --", "}) MATCH (n) DETACH DELETE n", "%00", "x" * 500])
def test_unknown_title_is_404(client, conforms, title_id):
    response = client.get(f"/v1/titles/{title_id}")
    body = conforms(response, "/v1/titles/{title_id}")
    assert response.status_code == 404
    assert body["error"] == {"code": "not_found", "message": body["error"]["message"], "field": "title_id"}


def test_unknown_route_is_json_404(client):
    response = client.get("/v1/titles/a/b/c")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_audience_without_model_gives_observed_history_and_a_warning(client, conforms):
    response = client.get("/v1/titles/svc-es1/audience")
    body = conforms(response, "/v1/titles/{title_id}/audience")
    assert response.status_code == 200
    assert body["audience"] == [] and body["model_version"] is None
    assert [w["code"] for w in body["warnings"]] == ["no_audience_predictions"]
    assert [entry["country"] for entry in body["observed"]] == ["ES", "BR", "FR", "US"]  # most points first
    assert body["observed"][0]["weeks_in_top10"] == 6 and "weeks" not in body["observed"][0]


def test_audience_for_one_country_has_the_weekly_history(client, conforms):
    body = conforms(client.get("/v1/titles/svc-es1/audience?country=br"), "/v1/titles/{title_id}/audience")
    assert [entry["country"] for entry in body["observed"]] == ["BR"]
    assert body["observed"][0]["ranks"] == [1, 2, 2, 4]
    assert body["observed"][0]["weeks"][0] == "2021-07-04"


@pytest.mark.parametrize(("country", "status"), [("ZZ", 404), ("KOR", 422), ("1", 422), ("", 422)])
def test_audience_rejects_bad_countries(client, conforms, country, status):
    response = client.get("/v1/titles/svc-es1/audience", query_string={"country": country})
    body = conforms(response, "/v1/titles/{title_id}/audience")
    assert response.status_code == status and body["error"]["field"] == "country"


def test_audience_of_unknown_title_is_404(client):
    assert client.get("/v1/titles/nope/audience").status_code == 404


def _model(trained):
    from training.bundle import load_bundle

    return load_bundle(trained["bundle"])


def _cosine(model, first: str, second: str) -> float:
    return float(model.embedding_of(first) @ model.embedding_of(second))


def test_similar_gives_stored_comps_with_explanations(client, conforms, trained):
    response = client.get("/v1/titles/svc-kr1/similar?k=3&basis=audience")
    body = conforms(response, "/v1/titles/{title_id}/similar")
    assert response.status_code == 200
    assert body["model_version"] == trained["version"]
    comps = body["similar"]
    model = _model(trained)
    expected = model.nearest(model.embedding_of("svc-kr1"), k=3, exclude_ids=["svc-kr1"])
    assert [comp["id"] for comp in comps] == [title_id for title_id, _ in expected]
    assert [comp["score"] for comp in comps] == pytest.approx([score for _, score in expected], abs=1e-5)
    assert [comp["rank"] for comp in comps] == [1, 2, 3]
    assert all(comp["source"] == "stored" for comp in comps)
    index = model.content.index
    tags = {t.id: {name for name, _ in t.tags} for t in index.titles}
    genres = {row[0]: set(row[4]) for row in seed._TITLES}
    for comp in comps:
        # Audience comps are explained like content comps: the vocabulary tags both carry.
        assert set(comp["shared_tags"]) == tags["svc-kr1"] & tags[comp["id"]]
        shared = genres["svc-kr1"] & genres[comp["id"]]
        assert {g.lower() for g in comp["shared_genres"]} == {g.lower() for g in shared}
        own = index.titles[index.position["svc-kr1"]]
        assert comp["why"] == index.explain(own, index.position[comp["id"]], place=True)["why"]
    assert body["warnings"] == []


def test_similar_by_content_is_the_default_and_says_why(client, conforms, trained):
    response = client.get("/v1/titles/svc-kr1/similar?k=4")
    body = conforms(response, "/v1/titles/{title_id}/similar")
    assert response.status_code == 200
    content = _model(trained).content
    expected = content.similar_to_title("svc-kr1", 4)
    assert [comp["id"] for comp in body["similar"]] == [comp["id"] for comp in expected]
    scores = [comp["score"] for comp in body["similar"]]
    assert scores == pytest.approx([c["score"] for c in expected], abs=1e-5)
    for served, computed in zip(body["similar"], expected, strict=True):
        assert served["why"] == computed["why"] and served["why"].endswith(".")
        assert served["shared_tags_by_facet"] == computed["shared_tags_by_facet"]
    bad = client.get("/v1/titles/svc-kr1/similar?basis=country")
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "basis"


def test_similar_fills_up_from_the_vector_index_with_exact_cosines(client, conforms, trained):
    body = conforms(client.get("/v1/titles/svc-kr1/similar?k=6&basis=audience"),
                    "/v1/titles/{title_id}/similar")
    comps = body["similar"]
    assert len(comps) == 6
    assert [comp["source"] for comp in comps] == ["stored"] * 3 + ["vector_index"] * 3
    model = _model(trained)
    for comp in comps:  # both sources give the cosine of the two embeddings
        assert comp["score"] == pytest.approx(_cosine(model, "svc-kr1", comp["id"]), abs=1e-4)
    expected = [title_id for title_id, _ in model.nearest(model.embedding_of("svc-kr1"), k=6,
                                                            exclude_ids=["svc-kr1"])]
    assert [comp["id"] for comp in comps] == expected


def test_similar_filters_by_type_and_country(client, conforms, trained):
    movies = conforms(client.get("/v1/titles/svc-kr1/similar?k=4&type=movie&basis=audience"),
                      "/v1/titles/{title_id}/similar")
    assert len(movies["similar"]) == 4 and {comp["kind"] for comp in movies["similar"]} == {"movie"}
    charted = conforms(client.get("/v1/titles/svc-sp1/similar?k=5&country=jp&basis=audience"),
                       "/v1/titles/{title_id}/similar")
    # Only svc-kr1, svc-kr2 and svc-sp4 charted in Japan.
    model = _model(trained)
    expected = sorted(["svc-kr1", "svc-kr2", "svc-sp4"], key=lambda other: -_cosine(model, "svc-sp1", other))
    assert [comp["id"] for comp in charted["similar"]] == expected
    assert [w["code"] for w in charted["warnings"]] == ["fewer_comps"]


def test_similar_of_unknown_title_or_country(client):
    assert client.get("/v1/titles/nope/similar").status_code == 404
    response = client.get("/v1/titles/svc-kr1/similar?country=ZZ")
    assert response.status_code == 404 and response.get_json()["error"]["field"] == "country"


def test_cached_comps_follow_a_retrain(client, seeded_graph, app, trained):
    import time

    from graph.embeddings import write_embeddings
    from training.train import top_k_comps

    first = client.get("/v1/titles/svc-kr1/similar?k=3&basis=audience").get_json()
    # Served from the cache:
    assert client.get("/v1/titles/svc-kr1/similar?k=3&basis=audience").get_json() == first
    assert app.extensions["titlegraph.answers"].hits >= 1
    model = _model(trained)
    comps = top_k_comps(model.title_ids, model.title_embeddings, 3)
    write_embeddings(seeded_graph, "retrain-v2", model.title_ids, model.title_embeddings, comps)
    # The versions are read again once the interval is up, in the background: the answers follow
    # the retrain within an interval and one read.
    interval = app.extensions["titlegraph.settings"].reload_interval
    time.sleep(interval + 0.1)
    deadline = time.monotonic() + interval + 2.0
    second = client.get("/v1/titles/svc-kr1/similar?k=3&basis=audience").get_json()
    while second["model_version"] != "retrain-v2" and time.monotonic() < deadline:
        time.sleep(0.05)
        second = client.get("/v1/titles/svc-kr1/similar?k=3&basis=audience").get_json()
    assert second["model_version"] == "retrain-v2"
    assert [comp["id"] for comp in second["similar"]] == [comp["id"] for comp in first["similar"]]


def test_vector_index_comps_pass_the_list_rules(monkeypatch):
    """The fill-up from the vector index passes the rules the stored lists were written with: a
    work listed twice (by name or by one summary) takes one place, and no children's title sits
    beside an adult one."""
    from types import SimpleNamespace

    import numpy as np

    from service.views import titles
    from training.content import ContentIndex, ContentTitle
    from training.franchise import text_key

    summary = "A young labourer steps into the boxing ring to defend the honour of his clan in Madras."
    catalog = [ContentTitle("a", "Raging Fists", "movie", "R", [], []),
               ContentTitle("b", "Sarpatta Parampara", "movie", "R", [], [], text_key=text_key(summary)),
               ContentTitle("c", "Sarpatta Parambarai", "movie", "R", [], [], text_key=text_key(summary)),
               ContentTitle("d", "Raging Fists (Hindi)", "movie", "R", [], []),
               ContentTitle("k", "Little Boxers", "movie", "TV-Y", [], []),
               ContentTitle("e", "Ring Kings", "movie", "R", [], [])]
    index = ContentIndex(catalog, np.eye(6, dtype=np.float32), {})
    loaded = SimpleNamespace(model=SimpleNamespace(content=SimpleNamespace(index=index)))
    monkeypatch.setattr(titles.context, "models", lambda: SimpleNamespace(current=lambda: loaded))
    comps = [{"id": comp_id, "score": 0.9 - 0.1 * rank} for rank, comp_id in enumerate("bcdke")]
    assert [comp["id"] for comp in titles._by_list_rules("a", comps, 3)] == ["b", "e"]
    monkeypatch.setattr(titles.context, "models", lambda: SimpleNamespace(current=lambda: None))
    assert [comp["id"] for comp in titles._by_list_rules("a", comps, 3)] == ["b", "c", "d"]
