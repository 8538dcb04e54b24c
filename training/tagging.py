"""Assigning vocabulary tags to titles: sentence-encoder similarity to the tag definitions, per-facet
thresholds fitted on hand-labelled titles, and rules where a genre, rating or keyword is decisive.

A title's score for a tag is the cosine between its summary vector and the tag definition's
vector, plus a bonus when a decisive keyword occurs in its name or summary; a genre that
implies the tag, or a rating that fixes the audience, sets the score to 1. A tag is kept when
its score clears its facet's threshold; a title keeps 3 to 12 tags (the best scores fill up to
3). Thresholds are fitted on one half of the labelled sample (`fit_thresholds`) and the other
half reports precision@5 and recall (training/jobs, docs/evaluation.md).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from graph.normalize import normalize_title
from training.vocabulary import FACETS, Vocabulary

KEYWORD_BONUS = 0.15
MIN_TAGS, MAX_TAGS = 3, 12
# US ratings that fix the audience whatever the summary says (a TV-Y show is for children).
# TV-14 and PG-13 decide nothing: labellers call many of them adult, some teen.
RATING_AUDIENCE = {
    "TV-Y": "kids",
    "TV-Y7": "kids",
    "TV-Y7-FV": "kids",
    "TV-G": "family",
    "G": "family",
    "TV-MA": "adult",
    "R": "adult",
    "NC-17": "adult",
}
DEFAULT_THRESHOLD = 0.35


@dataclass
class TitleText:
    """What tagging reads of a title."""

    title: str
    summary: str | None
    genres: Sequence[str]
    rating: str | None


class TagAssigner:
    """Scores every vocabulary tag for titles whose summaries are already encoded.

    Args:
        vocabulary: the curated tags.
        definition_vectors: unit sentence vectors of the definitions, in vocabulary order.
        thresholds: facet -> minimum score (default 0.35 for every facet until fitted).
    """

    def __init__(
        self,
        vocabulary: Vocabulary,
        definition_vectors: np.ndarray,
        thresholds: dict[str, float] | None = None,
    ) -> None:
        self.vocabulary = vocabulary
        self.definition_vectors = definition_vectors.astype(np.float32)
        self.thresholds = dict.fromkeys(FACETS, DEFAULT_THRESHOLD) | dict(thresholds or {})
        self._facet_of_column = np.array([tag.facet for tag in vocabulary.tags])
        self._keyword_patterns = [
            re.compile(r"\b(?:" + "|".join(re.escape(normalize_title(k)) for k in tag.keywords) + r")\b")
            if tag.keywords
            else None
            for tag in vocabulary.tags
        ]
        self._columns_of_genre: dict[str, list[int]] = {}
        for column, tag in enumerate(vocabulary.tags):
            for genre in tag.genres:
                self._columns_of_genre.setdefault(genre.lower(), []).append(column)
        self._column_of_name = {tag.name: column for column, tag in enumerate(vocabulary.tags)}

    def scores(self, summary_vectors: np.ndarray, titles: Sequence[TitleText]) -> np.ndarray:
        """Titles x tags scores (cosine, keyword bonus, decisive genres and ratings at 1)."""
        scores = summary_vectors.astype(np.float32) @ self.definition_vectors.T
        for row, title in enumerate(titles):
            text = normalize_title(f"{title.title} {title.summary or ''}")
            for column, pattern in enumerate(self._keyword_patterns):
                if pattern is not None and pattern.search(text):
                    scores[row, column] += KEYWORD_BONUS
            for genre in title.genres:
                scores[row, self._columns_of_genre.get(genre.lower(), [])] = 1.0
            audience = RATING_AUDIENCE.get(title.rating or "")
            if audience in self._column_of_name:
                scores[row, self._column_of_name[audience]] = 1.0
        return scores

    def select(self, scores: np.ndarray) -> list[list[tuple[str, float]]]:
        """Per title, the kept tags with weights in (0, 1], best first."""
        names = self.vocabulary.names
        cut = np.array([self.thresholds[facet] for facet in self._facet_of_column], dtype=np.float32)
        chosen = []
        for row in scores:
            order = np.argsort(-(row - cut), kind="stable")
            kept = [column for column in order[:MAX_TAGS] if row[column] >= cut[column]]
            if len(kept) < MIN_TAGS:
                kept += [column for column in np.argsort(-row, kind="stable") if column not in kept][
                    : MIN_TAGS - len(kept)
                ]
            chosen.append([(names[column], float(min(1.0, max(row[column], 0.01)))) for column in kept])
        return chosen

    def assign(
        self, summary_vectors: np.ndarray, titles: Sequence[TitleText]
    ) -> list[list[tuple[str, float]]]:
        """Scores, then selection: the tags of each title."""
        return self.select(self.scores(summary_vectors, titles))


def fit_thresholds(
    assigner: TagAssigner,
    scores: np.ndarray,
    labels: Sequence[set[str]],
    grid: Sequence[float] = tuple(np.arange(0.20, 0.62, 0.02)),
) -> dict[str, float]:
    """Per facet, the threshold with the best F1 of score >= threshold against the labels."""
    names = assigner.vocabulary.names
    truth = np.array([[name in label for name in names] for label in labels], dtype=bool)
    thresholds = {}
    for facet in FACETS:
        columns = assigner._facet_of_column == facet
        best = (-1.0, DEFAULT_THRESHOLD)
        for threshold in grid:
            predicted = scores[:, columns] >= threshold
            true_positives = float((predicted & truth[:, columns]).sum())
            f1 = 2 * true_positives / max(1.0, float(predicted.sum() + truth[:, columns].sum()))
            best = max(best, (f1, round(float(threshold), 2)))
        thresholds[facet] = best[1]
    return thresholds


def precision_recall_at(
    assigned: Sequence[Sequence[tuple[str, float]]], labels: Sequence[set[str]], k: int = 5
) -> dict[str, float]:
    """Mean precision of each title's first k tags and mean recall of all its tags (None: no titles)."""
    if not labels:
        return {f"precision_at_{k}": None, "recall": None, "titles": 0}
    precision = [
        len({name for name, _ in tags[:k]} & label) / max(1, min(k, len(tags)))
        for tags, label in zip(assigned, labels, strict=True)
    ]
    recall = [
        len({name for name, _ in tags} & label) / max(1, len(label))
        for tags, label in zip(assigned, labels, strict=True)
    ]
    return {
        f"precision_at_{k}": float(np.mean(precision)),
        "recall": float(np.mean(recall)),
        "titles": len(labels),
    }
