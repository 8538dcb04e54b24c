"""Row normalisation and top-k by cosine: the one copy of each (leaf layer)."""

from __future__ import annotations

import numpy as np


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    """Rows scaled to unit L2 norm (float32); all-zero rows stay zero."""
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return (matrix / np.maximum(norms, 1e-12)).astype(np.float32)


def top_k(scores: np.ndarray, k: int, exclude: int | None = None) -> list[tuple[int, float]]:
    """The k best (index, score) of one score row, ties broken by the lower index."""
    scores = np.array(scores, dtype=np.float32, copy=True)
    if exclude is not None:
        scores[exclude] = -np.inf
    k = min(k, int(np.isfinite(scores).sum()))
    if k <= 0:
        return []
    candidates = np.argpartition(-scores, k - 1)[:k]
    ordered = candidates[np.lexsort((candidates, -scores[candidates]))]
    return [(int(j), float(scores[j])) for j in ordered]
