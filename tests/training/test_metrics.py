"""Metric functions of training.evaluate on hand-made inputs."""

from __future__ import annotations

import numpy as np
import pytest

from training import evaluate, metrics, plots, report


def test_roc_auc_perfect_inverse_and_ties():
    assert metrics.roc_auc([0.9, 0.8], [0.1, 0.2]) == 1.0
    assert metrics.roc_auc([0.1], [0.9, 0.8]) == 0.0
    assert metrics.roc_auc([0.5, 0.5], [0.5]) == 0.5
    assert metrics.roc_auc([0.9, 0.3], [0.5, 0.1]) == 0.75
    with pytest.raises(ValueError):
        metrics.roc_auc([], [0.1])


def test_filtered_rank_ignores_other_known_targets():
    scores = np.array([0.9, 0.8, 0.7, 0.1])
    assert metrics.filtered_rank(scores, 2) == 3
    assert metrics.filtered_rank(scores, 2, known=[0, 1]) == 1
    assert metrics.filtered_rank(scores, 0, known=[0]) == 1


def test_hits_at_k():
    assert metrics.hits_at_k([1, 5, 11, 30], k=10) == 0.5
    with pytest.raises(ValueError):
        metrics.hits_at_k([])


def test_jaccard_and_comps_jaccard():
    assert metrics.jaccard({"US", "CA"}, {"US"}) == 0.5
    assert metrics.jaccard(set(), set()) == 0.0
    labels = {"a": {"US", "CA"}, "b": {"US", "CA"}, "c": {"KR"}}
    # a: (1 + 0) / 2 = 0.5 ; b: 1.0  -> mean 0.75; a comp without chart history counts as 0.
    assert metrics.comps_jaccard({"a": ["b", "c"], "b": ["a"]}, labels) == 0.75
    assert metrics.comps_jaccard({"a": ["zzz"]}, labels) == 0.0


def test_topk_overlap():
    assert metrics.topk_overlap(["a", "b", "c", "d"], ["d", "c", "x", "y"]) == 0.5
    with pytest.raises(ValueError):
        metrics.topk_overlap(["a"], ["a", "b"])


def test_link_metrics_on_hand_made_scores():
    scores = np.array([[0.9, 0.1, 0.5], [0.2, 0.8, 0.3]])
    metrics = evaluate.link_metrics(
        lambda rows: scores[rows], positives=[(0, 0), (1, 1)], negatives=[(0, 1), (1, 2)], known={0: [2]}, k=1
    )
    assert metrics == {"auc": 1.0, "hits@1": 1.0, "positives": 2}


def test_knn_and_baseline_comps_exclude_the_query():
    vectors = evaluate.random_embeddings(6, 4, seed=1)
    ids = [f"t{i}" for i in range(6)]
    comps = evaluate.knn_comps(vectors, ids, ["t0"], ids, k=3)
    assert len(comps["t0"]) == 3 and "t0" not in comps["t0"]
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    genres = {"t0": {"Horror"}, "t1": {"Horror"}, "t2": {"Comedy"}}
    assert evaluate.genre_comps(genres, ["t0"], ["t0", "t1", "t2"], k=1) == {"t0": ["t1"]}
    random = evaluate.random_comps(["t0"], ids, k=5, seed=3)
    assert sorted(random["t0"]) == ids[1:]


def test_report_section_is_spliced_between_markers_only():
    other = "# Evaluation\n\n## Audience\n\nkeep me\n"
    first = report.splice_section(other, "## Embeddings\n\nv1")
    assert "keep me" in first and "v1" in first
    second = report.splice_section(first, "## Embeddings\n\nv2")
    assert "v1" not in second and "v2" in second and second.count(report.MARK_START) == 1
    assert second.replace("v2", "v1") == first


def test_map_labels_of_a_dense_cluster_do_not_overlap_each_other_or_any_anchor():
    # Eight well-known titles a few points apart, as in the map's cluster of charting series.
    anchors = np.array([[100.0 + 3 * i, 200.0 + 2 * (i % 3)] for i in range(8)] + [[400.0, 50.0]])
    sizes = [(60.0 + 5 * i, 15.0) for i in range(len(anchors))]
    offsets = plots.place_labels(anchors, sizes)
    boxes = [(ax + dx - w / 2, ay + dy - h / 2, ax + dx + w / 2, ay + dy + h / 2)
             for (ax, ay), (dx, dy), (w, h) in zip(anchors, offsets, sizes, strict=True)]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)
        assert not any(a[0] < x < a[2] and a[1] < y < a[3] for x, y in anchors)
    # A lone title keeps its label next to it (first ring).
    assert max(abs(v) for v in offsets[-1]) < 14.0 + sizes[-1][0]
