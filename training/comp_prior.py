"""Two per-candidate terms added to every content comp score, whatever the query: prominence and
hubness.

- Prominence: how widely known a title is, log IMDb votes scaled to [0, 1] over the catalog. A
  marketer's comps are titles the audience knows; with it Bridgerton's list gains Outlander and
  The Crown in place of lesser-known romance dramas with a similar summary, and Hilda's gains
  Avatar: The Last Airbender and Trollhunters. A title without votes (no JustWatch match, as
  for Blue Planet II) takes the catalog's median: unknown is not obscure.
- Hubness: in a high-dimensional kNN some titles sit near everything and fill lists for
  reasons of geometry, not content (Radovanovic et al. 2010); their score is lowered by the mean
  of their own best k scores, the penalty of CSLS (Conneau et al. 2018, word translation).
  Prominence makes famous titles hubs in turn; the penalty keeps that in check.
The weights of both are chosen on validation (training/evaluate_comps.py `choose_prior`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

HUB_K = 10


def prominence(votes: Sequence[float | None]) -> np.ndarray:
    """log(1 + votes) / log(1 + most votes) per title; titles without votes take the median of
    those with (all zeros when none has any)."""
    known = np.array([v is not None and v > 0 for v in votes], dtype=bool)
    scores = np.zeros(len(votes), dtype=np.float32)
    if not known.any():
        return scores
    logs = np.log1p(np.array([v if k else 0.0 for v, k in zip(votes, known, strict=True)], dtype=np.float64))
    scores[known] = logs[known] / logs[known].max()
    scores[~known] = float(np.median(scores[known]))
    return scores


def hubness(matrix: np.ndarray, candidate_rows: np.ndarray, k: int = HUB_K, chunk: int = 1024) -> np.ndarray:
    """Per row of `matrix`, the mean of its k best dot products with the candidate rows (itself
    left out): how close a title sits to the titles it could be listed beside."""
    candidates = matrix[candidate_rows]
    hubs = np.zeros(len(matrix), dtype=np.float32)
    k = max(1, min(k, len(candidate_rows) - 1))
    if len(candidate_rows) < 2:
        return hubs
    position = np.full(len(matrix), -1)
    position[candidate_rows] = np.arange(len(candidate_rows))
    for start in range(0, len(matrix), chunk):
        block = matrix[start : start + chunk] @ candidates.T
        own = position[start : start + chunk]
        rows = np.flatnonzero(own >= 0)
        block[rows, own[rows]] = -np.inf
        hubs[start : start + chunk] = np.partition(block, -k, axis=1)[:, -k:].mean(axis=1)
    return hubs
