"""Row normalisation and top-k by score: the one copy of each (leaf layer)."""

from __future__ import annotations

import numpy as np


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    """Rows scaled to unit L2 norm (float32); all-zero rows stay zero."""
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return (matrix / np.maximum(norms, 1e-12)).astype(np.float32)


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k highest scores of a 1-D array, best first; equal scores in index order, so
    the answer never depends on where a partition happens to fall. -inf marks a masked-out entry:
    fewer than k come back when fewer are left."""
    scores = np.asarray(scores)
    k = min(int(k), int((scores > -np.inf).sum()))
    if k <= 0:
        return np.zeros(0, dtype=np.intp)
    if k < len(scores):
        # Everything tied with the k-th best is a candidate; the index order decides among them.
        kth = scores[np.argpartition(-scores, k - 1)[k - 1]]
        candidates = np.flatnonzero(scores >= kth)
    else:
        candidates = np.arange(len(scores))
    return candidates[np.lexsort((candidates, -scores[candidates]))][:k]


def top_k_rows(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """`top_k` of each row of a [rows, columns] matrix: [rows, k] column indices (k capped at the
    column count) and [rows, k] whether each is a real pick (False pads a row with fewer left)."""
    scores = np.asarray(scores)
    k = max(0, min(int(k), scores.shape[1]))
    indices = np.zeros((scores.shape[0], k), dtype=np.intp)
    found = np.zeros((scores.shape[0], k), dtype=bool)
    for row, row_scores in enumerate(scores):
        top = top_k(row_scores, k)
        indices[row, : len(top)] = top
        found[row, : len(top)] = True
    return indices, found
