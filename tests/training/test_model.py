"""Training on a tiny synthetic graph: it learns, it is reproducible, and bundles round-trip."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from training import registry
from training.bundle import load_bundle, stage_bundle
from training.data import build_graph
from training.minibatch import sampler_backend
from training.new_title import NewTitle, new_title_from
from training.train import fit_features, train_model


def _train_and_save(snapshot, config, models_dir, exclude=()):
    graph = build_graph(snapshot, exclude_title_ids=exclude)
    featurizer, title_x = fit_features(graph, config, cache_dir=None)
    result = train_model(graph, title_x, config, progress=False)
    version = registry.new_version(graph.data_hash)
    staging = stage_bundle(models_dir, version, snapshot, graph, config, featurizer, title_x, result, {})
    return graph, result, registry.finalize(staging, models_dir, version)


def _as_new(row) -> NewTitle:
    return new_title_from(row)


def test_training_lowers_the_loss_and_clusters_titles(snapshot, tiny_config):
    graph = build_graph(snapshot)
    _, title_x = fit_features(graph, tiny_config, cache_dir=None)
    result = train_model(graph, title_x, tiny_config, progress=False)
    assert result.losses[-1] < result.losses[0]
    embeddings = result.title_embeddings
    assert np.allclose(np.linalg.norm(embeddings, axis=1), 1.0, atol=1e-5)
    # The nearest other title of each title is in its own cluster for most titles.
    scores = embeddings @ embeddings.T
    np.fill_diagonal(scores, -np.inf)
    clusters = np.array([tid.split("-")[0] for tid in graph.title_ids])
    assert (clusters[scores.argmax(axis=1)] == clusters).mean() > 0.9


def test_same_seed_same_embeddings_other_seed_differs(snapshot, tiny_config):
    graph = build_graph(snapshot)
    _, title_x = fit_features(graph, tiny_config, cache_dir=None)
    first = train_model(graph, title_x, tiny_config, progress=False).title_embeddings
    second = train_model(graph, title_x, tiny_config, progress=False).title_embeddings
    other = train_model(
        graph, title_x, type(tiny_config)(**{**tiny_config.to_dict(), "seed": 4}), progress=False
    ).title_embeddings
    assert np.array_equal(first, second)
    assert not np.allclose(first, other)


def test_save_load_and_reembed_give_the_same_vectors(snapshot, tiny_config, tmp_path):
    graph, result, folder = _train_and_save(snapshot, tiny_config, tmp_path)
    model = load_bundle(folder)
    assert model.version == folder.name
    assert model.title_ids == graph.title_ids
    assert np.array_equal(model.title_embeddings, result.title_embeddings)
    # The inductive path on a title's own metadata reproduces its in-graph embedding.
    for position in (0, 13, 30):
        embedding, warnings = model.embed_new(_as_new(graph.titles[position]))
        assert warnings == []
        np.testing.assert_allclose(embedding, result.title_embeddings[position], atol=1e-5)


def test_copied_metadata_finds_the_original_as_nearest_comp(snapshot, tiny_config, tmp_path):
    graph, _, folder = _train_and_save(snapshot, tiny_config, tmp_path)
    model = load_bundle(folder)
    original = graph.titles[5]
    embedding, _ = model.embed_new(_as_new(original))
    ((best_id, cosine),) = model.nearest(embedding, k=1)
    assert best_id == original.id and cosine == pytest.approx(1.0, abs=1e-5)


def test_unknown_names_are_warnings_and_bad_fields_are_named(snapshot, tiny_config, tmp_path):
    _, _, folder = _train_and_save(snapshot, tiny_config, tmp_path)
    model = load_bundle(folder)
    new = NewTitle(
        title="Night of Fear",
        kind="movie",
        summary="a ghost in a haunted house",
        genres=["horror movies", "Space Westerns"],
        countries=["us", "XX"],
        cast=["Nobody Known"],
        directors=["DIRECTOR 0-1"],
    )
    embedding, warnings = model.embed_new(new)
    assert embedding.shape == (tiny_config.out,)
    assert any("Space Westerns" in w for w in warnings)
    assert any("'XX'" in w for w in warnings)
    assert any("Nobody Known" in w for w in warnings)
    assert not any("horror" in w.lower() or "DIRECTOR" in w for w in warnings)
    # Tags came from the summary ("ghost", "haunted house"): the comps are horror titles.
    neighbours, _ = model.neighbours(new)
    assert {model.keys["tag"][i] for i in neighbours["tags"]} >= {"ghost", "haunted house"}
    assert all(tid.startswith("t0-") for tid, _ in model.nearest(embedding, k=5))
    with pytest.raises(ValueError, match="kind"):
        model.embed_new(NewTitle(title="X", kind="film"))
    with pytest.raises(ValueError, match="year"):
        model.embed_new(NewTitle(title="X", kind="movie", year="1999"))


def test_nearest_filters_kind_and_excludes_ids(snapshot, tiny_config, tmp_path):
    graph, result, folder = _train_and_save(snapshot, tiny_config, tmp_path)
    model = load_bundle(folder)
    query = result.title_embeddings[0]
    comps = model.nearest(query, k=5, kind="show", exclude_ids=["t2-00"])
    assert len(comps) == 5 and all(tid.startswith("t2-") and tid != "t2-00" for tid, _ in comps)
    scores = [score for _, score in comps]
    assert scores == sorted(scores, reverse=True)
    assert model.nearest(query, k=1)[0] == (graph.title_ids[0], pytest.approx(1.0, abs=1e-5))


def test_nearest_keeps_to_the_format_of_the_genres_given(snapshot, tiny_config, tmp_path):
    # The tiny catalog is all scripted: a reality show's comps are none of them.
    graph, result, folder = _train_and_save(snapshot, tiny_config, tmp_path)
    model = load_bundle(folder)
    query = result.title_embeddings[0]
    assert model.nearest(query, k=5, genres=["Reality TV"]) == []
    assert model.nearest(query, k=5, genres=["Horror Movies"]) == model.nearest(query, k=5)


def test_excluded_titles_leave_no_trace_in_the_graph(snapshot):
    excluded = {"t0-00", "t0-01"}
    graph = build_graph(snapshot, exclude_title_ids=excluded)
    assert excluded.isdisjoint(graph.title_ids)
    assert graph.data_hash != build_graph(snapshot).data_hash
    assert build_graph(snapshot).data_hash == build_graph(snapshot).data_hash
    # Every person kept has at least two remaining titles.
    counts = {}
    for row in graph.titles:
        for key in set(row.cast) | set(row.directors):
            counts[key] = counts.get(key, 0) + 1
    assert all(counts[key] >= 2 for key in graph.keys["person"])


@pytest.mark.parametrize(("pyg_lib", "torch_sparse", "backend"),
                         [(True, False, "pyg-lib"), (False, True, "torch-sparse"), (False, False, None)])
def test_sampler_backend_is_whichever_extension_pyg_found(monkeypatch, pyg_lib, torch_sparse, backend):
    import torch_geometric.typing as pyg_typing

    from training import minibatch

    monkeypatch.setattr(pyg_typing, "WITH_PYG_LIB", pyg_lib)
    monkeypatch.setattr(pyg_typing, "WITH_TORCH_SPARSE", torch_sparse)
    assert minibatch.sampler_backend() == backend
    said = []
    assert minibatch.use_mini_batch(64, said.append) is (backend is not None)
    assert minibatch.use_mini_batch(0, said.append) is False
    assert len(said) == 1 and (backend or "neither is installed") in said[0]


def test_mini_batch_without_a_sampling_extension_trains_full_batch(snapshot, tiny_config, monkeypatch):
    import torch_geometric.typing as pyg_typing

    monkeypatch.setattr(pyg_typing, "WITH_PYG_LIB", False)
    monkeypatch.setattr(pyg_typing, "WITH_TORCH_SPARSE", False)
    graph = build_graph(snapshot)
    _, title_x = fit_features(graph, tiny_config, cache_dir=None)
    said = []
    asked = train_model(graph, title_x, replace(tiny_config, batch_size=16), progress=False, echo=said.append)
    full = train_model(graph, title_x, tiny_config, progress=False)
    assert any("training full-batch" in line for line in said)
    assert np.array_equal(asked.title_embeddings, full.title_embeddings)


@pytest.mark.skipif(sampler_backend() is None, reason="mini-batch training needs pyg-lib or torch-sparse")
def test_mini_batch_training_learns_the_clusters(snapshot, tiny_config):
    graph = build_graph(snapshot)
    _, title_x = fit_features(graph, tiny_config, cache_dir=None)
    result = train_model(graph, title_x, replace(tiny_config, batch_size=16), progress=False)
    assert result.losses[-1] < result.losses[0]
    scores = result.title_embeddings @ result.title_embeddings.T
    np.fill_diagonal(scores, -np.inf)
    clusters = np.array([tid.split("-")[0] for tid in graph.title_ids])
    assert (clusters[scores.argmax(axis=1)] == clusters).mean() > 0.8


def test_person_dropout_leaves_people_out_of_messages_only(snapshot):
    import torch

    from training.train import _epoch_split

    graph = build_graph(snapshot)
    people = [et for et in graph.data.edge_types if et[0] == "person"]
    split = {p: _epoch_split(graph, 0.3, torch.Generator().manual_seed(0), p) for p in (0.0, 0.5, 1.0)}
    for edge_type in people:
        total = graph.data[edge_type].edge_index.size(1)
        counts = {p: split[p][0][edge_type].size(1) for p in split}
        assert counts[0.0] == total - split[0.0][1][edge_type].size(1)  # all but the targets
        assert 0 < counts[0.5] < counts[0.0] and counts[1.0] == 0
        # Targets are untouched: the people of dropped titles are still predicted.
        assert all(split[p][1][edge_type].size(1) == split[0.0][1][edge_type].size(1) for p in split)
    # Other relations keep every non-target edge.
    tags = ("title", "has_tag", "tag")
    assert split[1.0][0][tags].size(1) == split[0.0][0][tags].size(1)
