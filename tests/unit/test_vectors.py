"""training/vectors.py: the one top-k (ties in index order, masked entries never returned) and
the one row normalisation."""

from __future__ import annotations

import numpy as np
import pytest

from training.vectors import top_k, top_k_rows, unit_rows


def test_top_k_is_best_first_with_ties_in_index_order():
    scores = np.array([0.5, 0.9, 0.5, 0.1, 0.9, 0.5])
    assert top_k(scores, 4).tolist() == [1, 4, 0, 2]
    # A tie at the k-th place goes to the lower index, wherever the partition put it.
    assert top_k(scores, 3).tolist() == [1, 4, 0]
    assert top_k(scores[::-1].copy(), 3).tolist() == [1, 4, 0]


def test_top_k_never_returns_a_masked_entry_and_caps_k():
    scores = np.array([0.2, -np.inf, 0.7, -np.inf])
    assert top_k(scores, 10).tolist() == [2, 0]
    assert top_k(scores, 0).tolist() == []
    assert top_k(np.full(3, -np.inf), 2).tolist() == []


@pytest.mark.parametrize("seed", range(5))
def test_top_k_matches_a_full_stable_sort(seed):
    rng = np.random.default_rng(seed)
    scores = rng.integers(0, 6, size=200).astype(np.float32)  # many ties
    for k in (1, 7, 50, 200):
        assert top_k(scores, k).tolist() == np.argsort(-scores, kind="stable")[:k].tolist()


def test_top_k_rows_pads_rows_with_fewer_left():
    scores = np.array([[0.1, 0.3, 0.2], [-np.inf, 0.4, -np.inf]])
    indices, found = top_k_rows(scores, 2)
    assert indices.tolist()[0] == [1, 2] and found.tolist() == [[True, True], [True, False]]
    assert indices[1, 0] == 1


def test_unit_rows_keeps_zero_rows_zero():
    rows = unit_rows(np.array([[3.0, 4.0], [0.0, 0.0]]))
    assert rows.dtype == np.float32
    assert np.allclose(rows, [[0.6, 0.8], [0.0, 0.0]])
