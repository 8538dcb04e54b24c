"""The audience head inside a model bundle: load_bundle picks it up, `model.audience` answers."""

import datetime as dt

import numpy as np
import pytest

from graph.embeddings import TitleRow
from training.audience_model import HeadConfig, HeadInputs, make_comps
from training.audience_spaces import country_vectors_from_titles
from training.baselines import TitleTable
from training.bundle import bundle_config, load_bundle, save_audience_head, save_bundle
from training.data import GraphSnapshot, build_graph
from training.fit_head import fit_head
from training.labels import AudienceLabels
from training.new_title import NewTitle
from training.train import TrainConfig, embed_graph, fit_features, train_model

COUNTRIES = ["FR", "KR", "US"]
WORDS = {
    "FR": "paris romance wedding chef",
    "KR": "seoul detective murder police",
    "US": "texas ghost curse night",
}


def snapshot() -> GraphSnapshot:
    rng = np.random.default_rng(0)
    rows = []
    for c, country in enumerate(COUNTRIES):
        for i in range(10):
            words = WORDS[country].split()
            rows.append(
                TitleRow(
                    f"t{c}-{i}",
                    f"Title {c} {i}",
                    "movie",
                    2021,
                    " ".join(rng.choice(words, 5)),
                    None,
                    100,
                    [words[i % 4]],
                    ["drama"],
                    [country],
                    [],
                    [f"actor {c}-{i % 3}"],
                )
            )
    return GraphSnapshot(
        titles=rows,
        tag_counts={w: 3 for ws in WORDS.values() for w in ws.split()},
        genres=["drama"],
        countries=COUNTRIES,
    )


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bundle")
    snap = snapshot()
    graph = build_graph(snap, min_person_titles=1)
    config = TrainConfig(text_dimensions=8, hidden=16, out=8, epochs=20, threads=1, seed=3)
    featurizer, title_x = fit_features(graph, config, None)
    result = train_model(graph, title_x, config, progress=False)
    embeddings, layer_states = embed_graph(result.model, graph, title_x)
    save_bundle(
        folder,
        model=result.model,
        config=bundle_config("v-bundle", graph, config, title_x.shape[1]),
        keys=graph.keys,
        titles=graph.titles,
        featurizer=featurizer,
        title_embeddings=embeddings,
        layer_states=layer_states,
        vocabulary={"tag_counts": snap.tag_counts, "title_count": 30},
        metrics={},
    )
    model = load_bundle(folder)
    # Titles chart at home only: the head must put the production country first.
    homes = [row.countries[0] for row in graph.titles]
    charted = np.array([[1.0 if home == c else 0.0 for c in COUNTRIES] for home in homes], dtype=np.float32)
    labels = AudienceLabels(
        graph.title_ids,
        COUNTRIES,
        [dt.date(2021, 8, 1)] * 30,
        np.full(30, 8),
        charted,
        charted * 3,
        charted * 20,
        np.zeros(30),
    )
    table = TitleTable(
        graph.title_ids,
        ["movie"] * 30,
        [2021] * 30,
        [["drama"]] * 30,
        [[h] for h in homes],
        [row.summary for row in graph.titles],
    )
    vectors = model.title_embeddings
    predictor = fit_head(
        HeadInputs(vectors, table),
        labels,
        country_vectors_from_titles(vectors, table.countries, COUNTRIES),
        train_rows=np.ones(30, dtype=bool),
        config=HeadConfig(epochs=60),
        epochs=60,
    )
    predictor.comps = make_comps(graph.title_ids, [row.title for row in graph.titles], vectors, labels)
    return folder, model, predictor


def test_a_bundle_without_head_has_no_audience(bundle):
    folder, model, _ = bundle
    assert not hasattr(model, "audience")


def test_the_bundle_loads_its_head_and_predicts_for_a_new_title(bundle):
    folder, model, predictor = bundle
    predictor.version = model.version
    save_audience_head(folder, predictor)
    loaded = load_bundle(folder)
    assert hasattr(loaded, "audience")
    new_title = NewTitle(
        title="Seoul Night",
        kind="movie",
        summary="seoul detective murder police",
        genres=["drama"],
        countries=["KR"],
        year=2021,
    )
    embedding, _ = loaded.embed_new(new_title)
    entries = loaded.audience(embedding, new_title)
    assert [entry["country"] for entry in entries][0] == "KR"
    assert {entry["country"] for entry in entries} == set(COUNTRIES)
    assert all(0 <= entry["p_chart"] <= 1 and entry["expected_weeks"] >= 0 for entry in entries)
    assert entries[0]["comps"] and entries[0]["comps"][0]["id"].startswith("t1-")


def test_a_head_of_another_version_is_refused(bundle, tmp_path):
    folder, model, predictor = bundle
    predictor.version = "some-other-version"
    save_audience_head(folder, predictor)
    with pytest.raises(ValueError, match="re-run `titlegraph train`"):
        load_bundle(folder)
    predictor.version = model.version
    save_audience_head(folder, predictor)
