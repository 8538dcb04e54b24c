"""Audience baselines and the metadata features they share with the head.

Every baseline is fitted on training titles only and predicts, for new titles described by
metadata, a [titles, countries] matrix of p(chart) and one of expected weeks in the top 10:

- `CountryPrior`: how often a launched title charts in each country (same for every title).
- `GenreCountryPrior`: the same rate per genre x country (smoothed towards the country prior),
  averaged over the title's genres.
- `ProductionCountryHeuristic`: the title's production countries first (at the rate at which
  titles chart at home), then the country prior.
- `CompsAverage`: mean audience of the k TF-IDF nearest training titles (summary, genres,
  production countries as text), weighted by cosine.
The head on TF-IDF features (no graph) is `training.fit_head.tfidf_head_for_split` with `tfidf_title_vectors`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer

from training.genre_equivalents import in_justwatch_words
from training.labels import AudienceLabels
from training.vectors import top_k_rows

# JustWatch genres are the canonical vocabulary (what a new title's metadata most likely
# carries); Netflix labels map onto them, and labels with no JustWatch meaning are dropped.
CANONICAL_GENRES = (
    "action",
    "animation",
    "comedy",
    "crime",
    "documentation",
    "drama",
    "european",
    "family",
    "fantasy",
    "history",
    "horror",
    "music",
    "reality",
    "romance",
    "scifi",
    "sport",
    "thriller",
    "war",
    "western",
)
# Recent releases chart far more often than catalogue titles: year is scaled around this span.
YEAR_SPAN = (2010, 2022)


def canonical_genres(genres: Sequence[str]) -> list[str]:
    """A title's genres in the JustWatch vocabulary (Netflix labels mapped, unknown ones dropped)."""
    found = []
    for genre in genres:
        found.extend(name for name in in_justwatch_words(genre) if name in CANONICAL_GENRES)
    return sorted(set(found))


@dataclass
class TitleTable:
    """Metadata of titles in a fixed order (the rows of every matrix).

    Args:
        title_ids: row order.
        kinds: 'movie' or 'show'.
        years: release year or None.
        genres: canonical genres per title.
        countries: production countries (ISO2) per title.
        texts: summary text per title (may be empty).
    """

    title_ids: list[str]
    kinds: list[str]
    years: list[int | None]
    genres: list[list[str]]
    countries: list[list[str]]
    texts: list[str]

    @classmethod
    def from_metadata(cls, metadata: Sequence[dict]) -> TitleTable:
        """Build from dicts with id, kind, year, genres, countries, summary (and title)."""
        return cls(
            title_ids=[row["id"] for row in metadata],
            kinds=[row.get("kind") or "movie" for row in metadata],
            years=[row.get("year") for row in metadata],
            genres=[canonical_genres(row.get("genres") or []) for row in metadata],
            countries=[[code.upper() for code in row.get("countries") or []] for row in metadata],
            texts=[row.get("summary") or "" for row in metadata],
        )

    def __len__(self) -> int:
        return len(self.title_ids)

    def comps_texts(self) -> list[str]:
        """Summary plus genre and country tokens: the text the TF-IDF comps compare."""
        return [
            " ".join(
                [
                    text,
                    *(f"genre_{g}" for g in genres),
                    *(f"country_{c.lower()}" for c in countries),
                    f"kind_{kind}",
                ]
            )
            for text, genres, countries, kind in zip(
                self.texts, self.genres, self.countries, self.kinds, strict=True
            )
        ]


def produced_matrix(table: TitleTable, countries: Sequence[str]) -> np.ndarray:
    """[titles, countries] 0/1: produced in the chart country."""
    column = {iso2: index for index, iso2 in enumerate(countries)}
    matrix = np.zeros((len(table), len(countries)), dtype=np.float32)
    for row, codes in enumerate(table.countries):
        for code in codes:
            if code in column:
                matrix[row, column[code]] = 1.0
    return matrix


def side_features(table: TitleTable, countries: Sequence[str]) -> np.ndarray:
    """Metadata a new title always has: production countries, kind, recency, genres."""
    produced = produced_matrix(table, countries)
    chart_set = set(countries)
    other = np.array(
        [[float(any(c not in chart_set for c in codes)), float(not codes)] for codes in table.countries],
        dtype=np.float32,
    ).reshape(len(table), 2)
    low, high = YEAR_SPAN
    years = np.array([year if year else low for year in table.years], dtype=np.float32)
    recency = np.stack(
        [np.clip((years - low) / (high - low), 0, 1), (years >= high - 1).astype(np.float32)], axis=1
    )
    kind = np.array([[1.0 if kind == "show" else 0.0] for kind in table.kinds], dtype=np.float32)
    genre_column = {genre: index for index, genre in enumerate(CANONICAL_GENRES)}
    genres = np.zeros((len(table), len(CANONICAL_GENRES)), dtype=np.float32)
    for row, names in enumerate(table.genres):
        for name in names:
            genres[row, genre_column[name]] = 1.0
    # No returning-season column: with it the validation score fell (TF-IDF head 0.524 -> 0.489,
    # GraphSAGE head 0.641 -> 0.634); the viewing forecast reads `returning` instead.
    return np.concatenate([produced, other, recency, kind, genres], axis=1)


def fit_tfidf(texts: Sequence[str], *, min_df: int = 2) -> TfidfVectorizer:
    """A TF-IDF encoder (uni- and bigrams, sublinear tf) fitted on `texts`."""
    vectorizer = TfidfVectorizer(
        ngram_range=(1, 2), min_df=min_df, sublinear_tf=True, stop_words="english", max_features=50_000
    )
    return vectorizer.fit(texts)


def tfidf_title_vectors(fit_texts: Sequence[str], *, dimensions: int = 64, seed: int = 0):
    """A function mapping texts to dense TF-IDF + SVD vectors, fitted on `fit_texts` only."""
    vectorizer = fit_tfidf(fit_texts)
    # Tiny corpora (tests) have fewer terms than the requested width.
    dimensions = min(dimensions, len(vectorizer.vocabulary_) - 1)
    svd = TruncatedSVD(n_components=dimensions, random_state=seed).fit(vectorizer.transform(fit_texts))

    def encode(texts: Sequence[str]) -> np.ndarray:
        return svd.transform(vectorizer.transform(texts)).astype(np.float32)

    return encode


def _country_rates(labels: AudienceLabels) -> tuple[np.ndarray, np.ndarray]:
    """Per-country chart rate, and mean weeks over complete titles."""
    prior = labels.charted.mean(axis=0)
    complete = labels.complete
    weeks = labels.weeks[complete].mean(axis=0) if complete.any() else labels.weeks.mean(axis=0)
    return prior, weeks


class CountryPrior:
    """Every title gets each country's chart rate among the training titles (no arguments)."""

    name = "country prior"

    def fit(self, table: TitleTable, labels: AudienceLabels) -> CountryPrior:
        self.prior, self.weeks = _country_rates(labels)
        return self

    def predict(self, table: TitleTable) -> tuple[np.ndarray, np.ndarray]:
        rows = len(table)
        return np.tile(self.prior, (rows, 1)), np.tile(self.weeks, (rows, 1))


class GenreCountryPrior:
    """Chart rate per genre x country, smoothed towards the country prior.

    Args:
        smoothing: pseudo-titles at the country prior added to each genre. Default 5.
    """

    name = "genre x country prior"

    def __init__(self, smoothing: float = 5.0):
        self.smoothing = smoothing

    def fit(self, table: TitleTable, labels: AudienceLabels) -> GenreCountryPrior:
        self.prior, self.prior_weeks = _country_rates(labels)
        members = _genre_matrix(table)
        counts = members.sum(axis=0)[:, None]
        complete = labels.complete.astype(np.float32)[:, None]
        self.rate = (members.T @ labels.charted + self.smoothing * self.prior) / (counts + self.smoothing)
        weeks_counts = (members * complete).sum(axis=0)[:, None]
        self.weeks = ((members * complete).T @ labels.weeks + self.smoothing * self.prior_weeks) / (
            weeks_counts + self.smoothing
        )
        return self

    def predict(self, table: TitleTable) -> tuple[np.ndarray, np.ndarray]:
        members = _genre_matrix(table)
        counts = members.sum(axis=1, keepdims=True)
        p_chart = np.where(counts > 0, members @ self.rate / np.maximum(counts, 1), self.prior)
        weeks = np.where(counts > 0, members @ self.weeks / np.maximum(counts, 1), self.prior_weeks)
        return p_chart, weeks


def _genre_matrix(table: TitleTable) -> np.ndarray:
    column = {genre: index for index, genre in enumerate(CANONICAL_GENRES)}
    members = np.zeros((len(table), len(CANONICAL_GENRES)), dtype=np.float32)
    for row, names in enumerate(table.genres):
        for name in names:
            members[row, column[name]] = 1.0
    return members


class ProductionCountryHeuristic:
    """Production countries first (at the home chart rate), then the country prior (no arguments)."""

    name = "production-country heuristic"

    def fit(self, table: TitleTable, labels: AudienceLabels) -> ProductionCountryHeuristic:
        self.countries = labels.countries
        self.prior, self.prior_weeks = _country_rates(labels)
        produced = produced_matrix(table, self.countries)
        home_cells = produced > 0
        self.home_rate = float(labels.charted[home_cells].mean()) if home_cells.any() else 1.0
        complete_home = home_cells & labels.complete[:, None]
        self.home_weeks = float(labels.weeks[complete_home].mean()) if complete_home.any() else 1.0
        return self

    def predict(self, table: TitleTable) -> tuple[np.ndarray, np.ndarray]:
        produced = produced_matrix(table, self.countries) > 0
        # The home rate is lifted above every prior so production countries always rank first.
        home = max(self.home_rate, float(self.prior.max()) + 1e-3)
        p_chart = np.where(produced, home, np.tile(self.prior, (len(table), 1)))
        weeks = np.where(produced, self.home_weeks, np.tile(self.prior_weeks, (len(table), 1)))
        return p_chart, weeks


class CompsAverage:
    """Cosine-weighted mean audience of the k TF-IDF nearest training titles.

    Args:
        k: neighbours averaged. Default 20.
    """

    name = "comps average (TF-IDF kNN)"

    def __init__(self, k: int = 20):
        self.k = k

    def fit(self, table: TitleTable, labels: AudienceLabels) -> CompsAverage:
        self.vectorizer = fit_tfidf(table.comps_texts(), min_df=1)
        self.train_vectors = self.vectorizer.transform(table.comps_texts())
        self.charted = labels.charted
        self.weeks = labels.weeks
        self.complete = labels.complete.astype(np.float32)
        return self

    def neighbours(self, table: TitleTable) -> tuple[np.ndarray, np.ndarray]:
        """Indices and cosines of each title's k nearest training titles."""
        similarity = (self.vectorizer.transform(table.comps_texts()) @ self.train_vectors.T).toarray()
        k = min(self.k, similarity.shape[1])
        order, _ = top_k_rows(similarity, k)
        return order, np.take_along_axis(similarity, order, axis=1)

    def predict(self, table: TitleTable) -> tuple[np.ndarray, np.ndarray]:
        order, cosine = self.neighbours(table)
        weights = cosine + 1e-6
        p_chart = np.einsum("nk,nkc->nc", weights, self.charted[order]) / weights.sum(axis=1, keepdims=True)
        weeks_weights = weights * self.complete[order]
        weeks = np.einsum("nk,nkc->nc", weeks_weights, self.weeks[order]) / np.maximum(
            weeks_weights.sum(axis=1, keepdims=True), 1e-6
        )
        return p_chart, weeks


def all_baselines() -> list:
    """Fresh instances of every metadata baseline, in report order."""
    return [CountryPrior(), GenreCountryPrior(), ProductionCountryHeuristic(), CompsAverage()]
