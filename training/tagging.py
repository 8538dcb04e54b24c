"""Assigning vocabulary tags to titles: sentence-encoder similarity to the tag definitions, a keyword
bonus and per-facet thresholds fitted on hand-labelled titles, and rules where a genre, rating,
keyword or format is decisive.

A title's score for a tag is the cosine between its summary vector and the tag definition's
vector, plus a bonus when a keyword occurs in its name or summary; a genre that implies the tag,
or a rating that fixes the audience, sets the score to 1. A tag whose requirements the title does
not meet (its kind, the format its genres give, a keyword for a named place, animal or sport;
training/vocabulary.py REQUIREMENTS) is ruled out whatever the similarity says: a drama about a
deadly game is no game show, and a zoo of big cats is no cat comedy. A tag is kept when its score
clears its facet's threshold; a title keeps 3 to 12 tags (the best allowed scores fill up to 3).
The bonus and the thresholds are fitted on one half of the labelled sample (`fit_keyword_bonus`)
and the other half reports precision@5 and recall (training/content_fit.py)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from graph.normalize import normalize_title
from training.vocabulary import FACETS, MADE_IN, RELEASED_BEFORE, Vocabulary, fact_option

# The keyword bonus before it is fitted (fit_keyword_bonus chooses it on the labelled half).
KEYWORD_BONUS = 0.15
KEYWORD_BONUS_GRID = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5)
# The score of a tag a title does not qualify for (below any threshold, never a fill-up tag).
RULED_OUT = -1.0
# Genre groups that tags require (training/vocabulary.py REQUIREMENTS), lower-cased labels of the
# Netflix, JustWatch and other services' catalogs. "scripted" is the absence of the first three.
GENRE_GROUPS = {
    "unscripted": frozenset({
        "reality tv", "reality", "unscripted", "game show / competition", "game shows",
        "talk show and variety", "talk show", "late night", "variety", "stand-up comedy & talk shows",
        "cooking & food", "lifestyle", "lifestyle & culture",
    }),
    "documentary": frozenset({"documentaries", "documentary", "docuseries", "documentation",
                              "science & nature tv"}),
    "stand-up": frozenset({"stand-up comedy", "stand-up comedy & talk shows", "stand up"}),
    "animation": frozenset({"animation", "anime", "anime series", "anime features", "cartoons",
                            "adult animation"}),
    "kids": frozenset({"kids' tv", "kids", "children & family movies", "family"}),
}
NONFICTION_GROUPS = ("unscripted", "documentary", "stand-up")
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
    kind: str | None = None
    countries: Sequence[str] = ()  # production countries, ISO alpha-2 (empty: not known)
    year: int | None = None  # release year (None: not known, or a new title)


class TagAssigner:
    """Scores every vocabulary tag for titles whose summaries are already encoded.

    Args:
        vocabulary: the curated tags.
        definition_vectors: unit sentence vectors of the definitions, in vocabulary order.
        thresholds: facet -> minimum score (default 0.35 for every facet until fitted).
        keyword_bonus: added to the similarity when a keyword occurs (default 0.15 until fitted).
    """

    def __init__(
        self,
        vocabulary: Vocabulary,
        definition_vectors: np.ndarray,
        thresholds: dict[str, float] | None = None,
        keyword_bonus: float = KEYWORD_BONUS,
    ) -> None:
        self.vocabulary = vocabulary
        self.definition_vectors = definition_vectors.astype(np.float32)
        self.thresholds = dict.fromkeys(FACETS, DEFAULT_THRESHOLD) | dict(thresholds or {})
        self.keyword_bonus = keyword_bonus
        self._facet_of_column = np.array([tag.facet for tag in vocabulary.tags])
        self._keyword_patterns = [_phrases(tag.keywords) for tag in vocabulary.tags]
        self._keyword_first_words = [_first_words(tag.keywords) for tag in vocabulary.tags]
        self._not_keyword_patterns = [_phrases(tag.not_keywords) for tag in vocabulary.tags]
        # "documentary/unscripted" (either will do) -> the columns of the tags requiring it; kept as
        # (options, whether they name production countries, whether they name a fact of the title
        # that an implying genre overrules, columns), split once here rather than for every title
        # scored.
        columns_of_requirement: dict[str, list[int]] = {}
        for column, tag in enumerate(vocabulary.tags):
            for requirement in tag.requires:
                columns_of_requirement.setdefault(requirement, []).append(column)
        self._requirements: list[tuple[tuple[str, ...], bool, bool, list[int]]] = []
        # The years of the "released before YYYY" requirements, to tell which a title meets.
        release_years: set[int] = set()
        for requirement, columns in columns_of_requirement.items():
            options = tuple(requirement.split("/"))
            facts = [fact for fact in map(fact_option, options) if fact is not None]
            made_in = any(fact == MADE_IN for fact, _ in facts)
            release_years |= {int(value) for fact, value in facts if fact == RELEASED_BEFORE}
            self._requirements.append((options, made_in, bool(facts), columns))
        self._release_years = sorted(release_years)
        self._columns_of_genre: dict[str, list[int]] = {}
        for column, tag in enumerate(vocabulary.tags):
            for genre in tag.genres:
                self._columns_of_genre.setdefault(genre.lower(), []).append(column)
        self._column_of_name = {tag.name: column for column, tag in enumerate(vocabulary.tags)}

    def scores(self, summary_vectors: np.ndarray, titles: Sequence[TitleText]) -> np.ndarray:
        """Titles x tags scores (cosine, keyword bonus, decisive genres and ratings at 1, tags
        whose requirements the title does not meet at RULED_OUT)."""
        scores = summary_vectors.astype(np.float32) @ self.definition_vectors.T
        for row, title in enumerate(titles):
            keyword_columns = self._keyword_columns(normalize_title(f"{title.title} {title.summary or ''}"))
            scores[row, sorted(keyword_columns)] += self.keyword_bonus
            genre_columns = {column for genre in title.genres
                             for column in self._columns_of_genre.get(genre.lower(), [])}
            scores[row, sorted(genre_columns)] = 1.0
            audience = RATING_AUDIENCE.get(title.rating or "")
            if audience in self._column_of_name:
                scores[row, self._column_of_name[audience]] = 1.0
            met = _met_requirements(title, self._release_years)
            for options, made_in, fact, columns in self._requirements:
                if any(option in met for option in options):
                    continue
                if made_in and not title.countries:  # not known (a pitch may not say): nothing to contradict
                    continue
                if "keyword" in options:  # met column by column: by a keyword or an implying genre
                    columns = [c for c in columns if c not in keyword_columns and c not in genre_columns]
                elif fact:  # or by an implying genre
                    columns = [c for c in columns if c not in genre_columns]
                scores[row, columns] = RULED_OUT
        return scores

    def _keyword_columns(self, text: str) -> set[int]:
        """Tags whose keywords occur in the text, once their `-phrase` exceptions are taken out."""
        found = set()
        words = set(WORD.findall(text))
        for column, pattern in enumerate(self._keyword_patterns):
            if pattern is None:
                continue
            # A whole-word match of a phrase needs its first word in the text: most of the ~500
            # patterns are skipped without a search (a prediction's tagging went from ~500
            # regex searches to a few dozen).
            first = self._keyword_first_words[column]
            if first is not None and first.isdisjoint(words):
                continue
            exceptions = self._not_keyword_patterns[column]
            if pattern.search(exceptions.sub(" ", text) if exceptions is not None else text):
                found.add(column)
        return found

    def select(self, scores: np.ndarray) -> list[list[tuple[str, float]]]:
        """Per title, the kept tags with weights in (0, 1], best first."""
        names = self.vocabulary.names
        cut = np.array([self.thresholds[facet] for facet in self._facet_of_column], dtype=np.float32)
        chosen = []
        for row in scores:
            order = np.argsort(-(row - cut), kind="stable")
            kept = [column for column in order[:MAX_TAGS] if row[column] >= cut[column]]
            if len(kept) < MIN_TAGS:
                kept += [column for column in np.argsort(-row, kind="stable")
                         if column not in kept and row[column] > RULED_OUT][: MIN_TAGS - len(kept)]
            chosen.append([(names[column], float(min(1.0, max(row[column], 0.01)))) for column in kept])
        return chosen

    def assign(
        self, summary_vectors: np.ndarray, titles: Sequence[TitleText]
    ) -> list[list[tuple[str, float]]]:
        """Scores, then selection: the tags of each title."""
        return self.select(self.scores(summary_vectors, titles))


def _phrases(phrases: Sequence[str]) -> re.Pattern | None:
    """One whole-word pattern of normalised phrases (None for none)."""
    if not phrases:
        return None
    return re.compile(r"\b(?:" + "|".join(re.escape(normalize_title(p)) for p in phrases) + r")\b")


WORD = re.compile(r"\w+")


def _first_words(phrases: Sequence[str]) -> frozenset[str] | None:
    """The first word of each normalised phrase, or None (always search) when a phrase does not
    start with a word character, where the whole-word argument above does not hold."""
    firsts = set()
    for phrase in phrases:
        text = normalize_title(phrase)
        match = WORD.match(text)
        if match is None:
            return None
        firsts.add(match.group())
    return frozenset(firsts)


def genre_groups(genres: Sequence[str]) -> set[str]:
    """The GENRE_GROUPS a title's genres fall in, plus "scripted" when none is unscripted,
    documentary or stand-up."""
    lowered = {genre.lower() for genre in genres}
    groups = {group for group, members in GENRE_GROUPS.items() if lowered & members}
    if not groups & set(NONFICTION_GROUPS):
        groups.add("scripted")
    return groups


def _met_requirements(title: TitleText, release_years: Sequence[int] = ()) -> set[str]:
    """The requirements (training/vocabulary.py REQUIREMENTS, but "keyword") a title meets, the
    "made in" of each of its production countries, and the "released before" of each of the
    `release_years` after its year."""
    groups = genre_groups(title.genres)
    met = groups | ({title.kind} if title.kind else set())
    if "animation" not in groups:
        met.add("live action")
    if title.year is not None:
        met |= {f"{RELEASED_BEFORE}{year}" for year in release_years if title.year < year}
    return met | {f"{MADE_IN}{country.upper()}" for country in title.countries}


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


def fit_keyword_bonus(
    assigner: TagAssigner,
    summary_vectors: np.ndarray,
    titles: Sequence[TitleText],
    labels: Sequence[set[str]],
    grid: Sequence[float] = KEYWORD_BONUS_GRID,
) -> tuple[float, dict[str, float]]:
    """The keyword bonus and facet thresholds with the best micro F1 on labelled titles (each bonus
    with its own fitted thresholds); the assigner is left with both."""
    truth = np.array([[name in label for name in assigner.vocabulary.names] for label in labels], dtype=bool)
    best = (-1.0, assigner.keyword_bonus, assigner.thresholds)
    for bonus in grid:
        assigner.keyword_bonus = bonus
        scores = assigner.scores(summary_vectors, titles)
        thresholds = fit_thresholds(assigner, scores, labels)
        predicted = scores >= np.array([thresholds[facet] for facet in assigner._facet_of_column])
        f1 = 2 * float((predicted & truth).sum()) / max(1.0, float(predicted.sum() + truth.sum()))
        best = max(best, (f1, bonus, thresholds), key=lambda entry: entry[0])
    _, assigner.keyword_bonus, assigner.thresholds = best
    return assigner.keyword_bonus, assigner.thresholds


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
