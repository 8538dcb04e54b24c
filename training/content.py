"""Content comps: what a title is like (story, theme, tone, audience age, format), never where it
was made or charted.

A title's content vector joins unit blocks, each scaled by the square root of its weight, so one
dot product is the weighted sum of the block cosines:
- summary: the sentence-encoder vector of the summary alone (the title's words would pair
  "Stranger Things" with "The Stranger"),
- tags: the curated vocabulary tags with their weights, idf-scaled,
- genres: idf-scaled genre labels (both catalogs' vocabularies) but those of production place
  (PLACE_GENRES),
- kind: series or film,
- format: stand-up, documentary, reality or scripted, and animated or not, from the genres
  (training.tagging.genre_groups), so a drama's comps are dramas before they are game shows.
Every candidate's score then gains its prominence and loses its hubness (training/comp_prior.py),
the best candidates gain a bonus for shared cast and crew (sequels and spin-offs share people),
and a marketer's rules shape the list: no children's titles for an
adult or teen title and no adult titles for a children's one (family content may sit beside
either), at most two titles of one franchise and none of its companion pieces (a making-of or
aftershow), one entry per work. Weights are chosen on the
validation half of the franchise pairs and a validation judgment set (training/evaluate_comps.py;
kind and format have fixed shares, see ContentWeights) and stored with the model.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
from scipy import sparse

from graph.catalog import NETFLIX
from training.comp_prior import hubness, prominence
from training.franchise import (
    franchise_key,
    franchise_members,
    is_companion,
    names_franchise,
    same_works,
    work_key,
)
from training.genre_equivalents import in_justwatch_words
from training.tagging import genre_groups
from training.vectors import top_k, unit_rows

KIDS_RATINGS = frozenset({"TV-Y", "TV-Y7", "TV-Y7-FV"})
FAMILY_RATINGS = frozenset({"TV-G", "G"})
ADULT_RATINGS = frozenset({"TV-MA", "R", "NC-17"})
TEEN_RATINGS = frozenset({"TV-14", "PG-13"})
KIDS_GENRES = frozenset({"kids' tv"})
FAMILY_GENRES = frozenset({"children & family movies", "family"})
FRANCHISE_CAP = 2
# Places a list ranked by another score (audience comps) asks for beyond its k, for the entries
# `ContentIndex.by_list_rules` leaves out (a work listed twice, a children's title beside an adult one).
SPARE_PLACES = 50
# Labels that file a title by where it was made or its language (Netflix's "British TV Shows" and
# "International Movies", JustWatch's "european", Hulu's "International") and the tag one of them
# implies. Production place may shape audience comps, not content comps (issue 12): with these
# read, Black Mirror's comps included The Crown and Downton Abbey, Elite's La Doña.
PLACE_GENRES = frozenset({
    "international movies", "international tv shows", "british tv shows", "spanish-language tv shows",
    "korean tv shows", "european", "international",
})
PLACE_TAGS = frozenset({"spanish-language"})
# Formats in order of precedence, then animation (which any of them may also be).
FORMATS = ("stand-up", "documentary", "unscripted", "scripted", "animation")
CANDIDATES = 200


@dataclass
class ContentWeights:
    """Weights of the content score's parts. The defaults are the grid point `titlegraph
    evaluate-comps` chose on the validation franchise pairs (docs/evaluation.md prints it).

    Args:
        summary: summary sentence-vector cosine (default 0.6).
        tags: curated-tag cosine (default 0.15).
        genres: genre cosine (default 0.15).
        kind: same kind, series or film (default 0.05).
        format: same format (`format_row`: stand-up, documentary, reality or scripted, and
            animated or not; default 0.05, fixed like `kind`, a reading decision: franchise
            pairs share their format, so they cannot ask for it (validation recall@10 0.648 at
            0, 0.644 at 0.05, within one standard error, 0.015), while at 0 a drama about a
            deadly game still lists a quiz show and an esports documentary).
        people: bonus per shared person, up to three (default 0.05 each).
        neighbours: share of a title's vector taken from the mean vector of the titles it
            shares cast or crew with (one mean-aggregation step over title-person-title, as a
            parameter-free GraphSAGE layer; default 0.2: the franchise pairs ask for 0.5, but at
            0.5 shared cast outweighs the story in the lists, e.g. Squid Game's comps become
            SKY Castle and Chief of Staff, so the search stops at 0.2).
        prominence: weight of a candidate's prominence, added to its score whatever the query
            (training/comp_prior.py; default 0.3, chosen with `hub` and `prominence_pool` on
            validation among the points that do not narrow the lists: ungated, 0.3 scored higher
            than 0.2 but listed fewer distinct titles).
        hub: weight of a candidate's hubness, taken off its score (default 0.5).
        prominence_pool: prominence lifts only this many best candidates by content score and
            people bonus (0: every candidate). It may reorder titles about the same thing, not bring
            in famous ones from outside them: ungated, You listed Forrest Gump and Ozark The
            Blacklist (default 30).
        franchise: bonus of a title of the asking title's franchise (a sequel, a spin-off, another
            film of the series: `franchise_members`) whose content score reaches `franchise_floor`;
            at most two of them stay in a list (`FRANCHISE_CAP`). Chosen on validation with the
            floor (training/evaluate_comps.py `choose_franchise`; default 0.5).
        franchise_floor: the content score a franchise title needs for the bonus (default 0.3).
            Below it the validation pairs shared a name and nothing else: the horror film
            Countdown and the space documentary Countdown: Inspiration4 (0.09), Battle and Battle:
            Los Angeles, Mission: Destroy Love and Mission: Impossible II.
    """

    summary: float = 0.6
    tags: float = 0.15
    genres: float = 0.15
    kind: float = 0.05
    people: float = 0.05
    neighbours: float = 0.2
    format: float = 0.05
    prominence: float = 0.3
    hub: float = 0.5
    prominence_pool: int = 30
    franchise: float = 0.5
    franchise_floor: float = 0.3


@dataclass
class ContentTitle:
    """What content comps read of a title."""

    id: str
    title: str
    kind: str
    rating: str | None
    genres: list[str]
    tags: list[tuple[str, float]]
    people: list[str] = field(default_factory=list)
    year: int | None = None
    services: list[str] = field(default_factory=list)
    votes: float | None = None  # IMDb votes (JustWatch), for prominence
    text_key: str | None = None  # its summary's digest (training/franchise.py text_key): one work's text


def audience_class(rating: str | None, genres: Sequence[str]) -> str:
    """'kids', 'family', 'adult', 'teen' or 'general', from the rating first, then the genres."""
    lowered = {genre.lower() for genre in genres}
    if rating in KIDS_RATINGS or lowered & KIDS_GENRES:
        return "kids"
    if rating in FAMILY_RATINGS or lowered & FAMILY_GENRES:
        return "family"
    if rating in ADULT_RATINGS:
        return "adult"
    if rating in TEEN_RATINGS:
        return "teen"
    return "general"


def primary_format(genres: Sequence[str]) -> str:
    """Stand-up, documentary, unscripted or scripted: the first that the genres give (a stand-up
    special's "documentation" label and a docuseries' "Reality TV" label do not change what it is)."""
    groups = genre_groups(genres)
    return next(name for name in FORMATS[:-1] if name in groups)


def known_format(genres: Sequence[str]) -> str:
    """`primary_format`, or "" for a title without genres (its format is not known)."""
    return primary_format(genres) if genres else ""


def format_row(genres: Sequence[str]) -> list[float]:
    """The `primary_format` one-hot, plus whether it is animated."""
    primary = primary_format(genres)
    return [float(name == primary) for name in FORMATS[:-1]] + [float("animation" in genre_groups(genres))]


def content_genres(genres: Sequence[str]) -> list[str]:
    """The genres content comps read: all but the PLACE_GENRES."""
    return [genre for genre in genres if genre.lower() not in PLACE_GENRES]


def _equivalent_genres(own: Sequence[str], comp: Sequence[str], shared: Sequence[str]) -> list[str]:
    """Genres two titles share under different labels, in JustWatch's words, beyond those `shared`
    by label: Netflix labels films and series apart and the catalogs differ, so Scream (the series,
    "TV Horror") and Scream 3 ("Horror Movies") shared no genre in their why."""
    comp_kin = {name for genre in comp for name in in_justwatch_words(genre)}
    covered = {name for genre in shared for name in in_justwatch_words(genre)}
    found = []
    for genre in own:
        for name in in_justwatch_words(genre):
            if name in comp_kin and name not in covered:
                covered.add(name)
                found.append(name)
    return found


def content_tags(tags: Sequence[tuple[str, float]]) -> list[tuple[str, float]]:
    """The tags content comps read: all but the PLACE_TAGS."""
    return [(name, weight) for name, weight in tags if name not in PLACE_TAGS]


def audiences_mix(first: str, second: str) -> bool:
    """False for children's titles beside adult or teen ones (family content mixes with both). A
    children's show's comps stop at TV-PG and PG: before, a quarter of their lists held a TV-14
    or PG-13 title (Zero Chill beside The Umbrella Academy, Dive Club beside Atypical)."""
    if first == "kids":
        return second not in ("adult", "teen")
    if second == "kids":
        return first in ("kids", "family")
    return True


def _idf_rows(
    items: Sequence[Sequence[tuple[str, float]]], vocabulary: list[str], idf: dict[str, float]
) -> np.ndarray:
    column = {name: position for position, name in enumerate(vocabulary)}
    matrix = np.zeros((len(items), len(vocabulary)), dtype=np.float32)
    for row, entries in enumerate(items):
        for name, weight in entries:
            if name in column:
                matrix[row, column[name]] = weight * idf.get(name, 1.0)
    return unit_rows(matrix)


class ContentIndex:
    """The content vectors of the catalog and what the rules and explanations need.

    Args:
        titles: the catalog titles, in index order.
        summary_vectors: their unit summary sentence vectors.
        tag_facets: tag name -> facet, for the vocabulary the tags come from.
        weights: the score's weights.
    """

    def __init__(
        self,
        titles: Sequence[ContentTitle],
        summary_vectors: np.ndarray,
        tag_facets: dict[str, str],
        weights: ContentWeights | None = None,
        genre_idf: dict[str, float] | None = None,
        tag_idf: dict[str, float] | None = None,
        hubs: np.ndarray | None = None,
    ) -> None:
        self.titles = list(titles)
        self.weights = weights or ContentWeights()
        self.tag_facets = dict(tag_facets)
        self.summary_vectors = unit_rows(summary_vectors)
        count = max(1, len(self.titles))
        self.genre_idf = genre_idf or _idf(
            Counter(g.lower() for t in self.titles for g in set(t.genres)), count
        )
        self.tag_idf = tag_idf or _idf(Counter(name for t in self.titles for name, _ in t.tags), count)
        self.genre_vocabulary = sorted(self.genre_idf)
        self.tag_vocabulary = sorted(self.tag_facets)
        self.ids = [t.id for t in self.titles]
        self.position = {title_id: i for i, title_id in enumerate(self.ids)}
        self.audience = [audience_class(t.rating, t.genres) for t in self.titles]
        self.franchise = [franchise_key(t.title) for t in self.titles]
        self._franchise_rows = {key: np.array(rows, dtype=np.int64) for key, rows in franchise_members(
            [t.title for t in self.titles], self.franchise).items()}
        # One id per work: entries of one name (language versions, cuts) or of one summary text.
        self.work, self._work_of_key = same_works(
            [(work_key(t.title, t.kind), t.text_key) for t in self.titles])
        self.people = [frozenset(t.people) for t in self.titles]
        # Titles without a known service come from the Netflix files (graphs ingested before
        # the other catalogs, tiny test graphs).
        self.on_netflix = np.array([not t.services or NETFLIX in t.services for t in self.titles], dtype=bool)
        self.own = self.vectors(self.titles, self.summary_vectors)
        self._person_column, self._person_titles = _person_incidence(self.people)
        self.matrix = self.smooth(self.own, self.people, catalog_rows=True)
        self.netflix_rows = np.flatnonzero(self.on_netflix)
        # A comps query reads the matrix once; dense, that is 36 MB for Netflix's titles, most of it
        # the zeros of the tag and genre blocks, so reading it bounded the product (3.3 ms). The
        # summary block stays dense, the rest is held sparse (same scores, float32 sums).
        self._summary_width = self.summary_vectors.shape[1]
        self._netflix_parts = self._split(self.matrix[self.netflix_rows])
        self._all_parts = self._split(self.matrix)
        self.prominence = prominence([t.votes for t in self.titles])
        # Hubness reads the whole matrix (a few seconds for the wider catalog): only when weighed,
        # and a loaded or reweighted index passes the one it has.
        if hubs is None and self.weights.hub > 0:
            hubs = hubness(self.matrix, self.netflix_rows)
        self.hubs = hubs
        self._lift = (self.weights.prominence * self.prominence).astype(np.float32)
        self._penalty = (self.weights.hub * hubs if hubs is not None else np.zeros(len(self.titles)))
        self._penalty = self._penalty.astype(np.float32)
        # The most the prior can give each title, for picking candidates (one add per query).
        self._most_prior = self._lift - self._penalty

    def prior(self, rows: np.ndarray, relevance: np.ndarray) -> np.ndarray:
        """The prior (training/comp_prior.py) of the candidates `rows`, whose scores before it (content
        and the people bonus) are `relevance`: each loses its hubness, and the `prominence_pool` most
        relevant of them (every one when the pool is 0) gain their prominence."""
        lift = self._lift[rows]
        pool = self.weights.prominence_pool
        if self.weights.prominence > 0 and 0 < pool < len(rows):
            lifted = np.zeros(len(rows), dtype=bool)
            lifted[top_k(relevance, pool)] = True
            lift = np.where(lifted, lift, np.float32(0.0))
        return (lift - self._penalty[rows]).astype(np.float32)

    def franchise_partners(self, title: ContentTitle, scores: np.ndarray) -> np.ndarray:
        """The catalog rows of the title's franchise whose content score (`scores`, one per catalog
        title; -inf for titles out of the list) reaches the floor: the ones the franchise bonus lifts."""
        key = franchise_key(title.title)
        rows = self._franchise_rows.get(key) if key is not None and self.weights.franchise > 0 else None
        if rows is None:
            return np.zeros(0, dtype=np.int64)
        return rows[scores[rows] >= self.weights.franchise_floor]

    def reweighted(self, weights: ContentWeights) -> ContentIndex:
        """The same catalog scored with other weights (hubness kept when the vectors are the same)."""
        def vector_weights(w: ContentWeights) -> ContentWeights:
            return replace(w, prominence=0.0, hub=0.0, prominence_pool=0, franchise=0.0, franchise_floor=0.0)

        same_vectors = vector_weights(weights) == vector_weights(self.weights)
        return ContentIndex(
            self.titles,
            self.summary_vectors,
            self.tag_facets,
            weights,
            genre_idf=self.genre_idf,
            tag_idf=self.tag_idf,
            hubs=self.hubs if same_vectors else None,
        )

    def vectors(self, titles: Sequence[ContentTitle], summary_vectors: np.ndarray) -> np.ndarray:
        """Content vectors of titles (catalog or new) whose summaries are encoded."""
        w = self.weights
        genres = _idf_rows(
            [[(g.lower(), 1.0) for g in content_genres(t.genres)] for t in titles],
            self.genre_vocabulary, self.genre_idf,
        )
        tags = _idf_rows([content_tags(t.tags) for t in titles], self.tag_vocabulary, self.tag_idf)
        kinds = np.array([[t.kind == "movie", t.kind == "show"] for t in titles], dtype=np.float32)
        formats = np.array([format_row(t.genres) for t in titles], dtype=np.float32)
        blocks = [
            math.sqrt(w.summary) * unit_rows(summary_vectors),
            math.sqrt(w.tags) * tags,
            math.sqrt(w.genres) * genres,
            math.sqrt(w.kind) * kinds,
            math.sqrt(w.format) * unit_rows(formats),
        ]
        return np.hstack(blocks).astype(np.float32)

    def embed(self, titles: Sequence[ContentTitle], summary_vectors: np.ndarray) -> np.ndarray:
        """Content vectors of new titles: their own parts, smoothed over the catalog titles they
        share people with."""
        return self.smooth(self.vectors(titles, summary_vectors), [frozenset(t.people) for t in titles])

    def smooth(self, own: np.ndarray, people: Sequence[frozenset], *,
               catalog_rows: bool = False) -> np.ndarray:
        """(1 - b) own + b mean(own vectors of the titles sharing a person), at the own norm."""
        share = self.weights.neighbours
        if share <= 0 or self._person_titles.shape[1] == 0:
            return own
        columns = self._person_column
        known = [[columns[p] for p in names if p in columns] for names in people]
        if not any(known):
            # Nobody shares a person: every mean is the title's own vector. A prediction without
            # known cast or crew skips the sparse products (3.6 of its 24 ms of CPU, cProfile).
            return own.astype(np.float32)
        rows = incidence(known, len(columns))
        adjacency = (rows @ self._person_titles.T).tocsr()
        if catalog_rows:
            adjacency.setdiag(0)
            adjacency.eliminate_zeros()
        degree = np.asarray(adjacency.sum(axis=1)).ravel()
        neighbour_mean = sparse.diags(1.0 / np.maximum(degree, 1.0)) @ adjacency @ self.own
        neighbour_mean[degree == 0] = own[degree == 0]
        mixed = (1.0 - share) * own + share * neighbour_mean
        own_norm = np.linalg.norm(own, axis=1, keepdims=True)
        scale = own_norm / np.maximum(np.linalg.norm(mixed, axis=1, keepdims=True), 1e-12)
        return (mixed * scale).astype(np.float32)

    def comps(
        self,
        vector: np.ndarray,
        title: ContentTitle,
        k: int = 10,
        *,
        self_index: int | None = None,
        kind: str | None = None,
        scope: str = "all",
    ) -> list[tuple[int, float]]:
        """The k best comps (catalog index, score) of one title after the bonus and the rules;
        scope 'netflix' keeps titles on Netflix only."""
        if scope == "netflix":
            # Only Netflix's rows are scored (less than half of the wider catalog's product).
            scores = np.full(len(self.titles), -np.inf, dtype=np.float32)
            scores[self.netflix_rows] = self._product(self._netflix_parts, vector)
        else:
            scores = self._product(self._all_parts, vector)
        return self._best(scores, title, k, self_index=self_index, kind=kind, scope=scope)

    def relevance(self, vector: np.ndarray, scope: str = "all") -> np.ndarray:
        """Every catalog title's content score against a content vector (`embed`), before the
        people bonus, the prior and the list rules; scope 'netflix' scores Netflix's titles only
        (the others 0)."""
        if scope != "netflix":
            return self._product(self._all_parts, vector)
        scores = np.zeros(len(self.titles), dtype=np.float32)
        scores[self.netflix_rows] = self._product(self._netflix_parts, vector)
        return scores

    def _split(self, rows: np.ndarray) -> tuple[np.ndarray, sparse.csr_matrix]:
        """Content rows as their dense summary block and the sparse rest."""
        width = self._summary_width
        return np.ascontiguousarray(rows[:, :width]), sparse.csr_matrix(rows[:, width:])

    def _product(self, parts: tuple[np.ndarray, sparse.csr_matrix], vector: np.ndarray) -> np.ndarray:
        """`rows @ vector` from the rows' `_split` parts."""
        dense, rest = parts
        vector = np.asarray(vector, dtype=np.float32)
        width = self._summary_width
        return (dense @ vector[:width] + rest @ vector[width:]).astype(np.float32)

    def comps_of_all(self, k: int, scope: str = "all", chunk: int = 512) -> list[list[tuple[int, float]]]:
        """Comps of every catalog title (one matrix product per chunk of titles)."""
        comps = []
        for start in range(0, len(self.titles), chunk):
            block = self.matrix[start : start + chunk] @ self.matrix.T
            for offset, scores in enumerate(block):
                position = start + offset
                comps.append(self._best(scores, self.titles[position], k, self_index=position, scope=scope))
        return comps

    def _best(self, scores: np.ndarray, title: ContentTitle, k: int, *, self_index: int | None,
              kind: str | None = None, scope: str = "all") -> list[tuple[int, float]]:
        # A new array (the caller's scores are not written to).
        scores = np.array(scores, dtype=np.float32)
        if self_index is not None:
            scores[self_index] = -np.inf
        if scope == "netflix":
            scores[~self.on_netflix] = -np.inf
        # Candidates by the score with every prominence lifted (the most the prior can give); the
        # people bonus is counted for them only, then the prior lifts the most relevant of them.
        pool = min(len(scores), CANDIDATES + 8 * k)
        # Franchise titles that pass the floor are candidates wherever their score puts them: the
        # spin-off series of a film sits far down the film's ranking (another kind, another cast).
        partners = self.franchise_partners(title, scores)
        candidates = np.union1d(top_k(scores + self._most_prior, pool), partners)
        people = frozenset(title.people)
        shared = [min(3, len(people & self.people[j])) if people else 0 for j in candidates]
        relevance = (scores[candidates] + self.weights.people * np.array(shared, dtype=np.float32)
                     + np.float32(self.weights.franchise) * np.isin(candidates, partners))
        final = relevance + self.prior(candidates, relevance)
        order = sorted(
            zip(candidates.tolist(), final.tolist(), strict=True),
            key=lambda pair: (-pair[1], self.ids[pair[0]]),
        )
        return self.apply_rules(order, title, k, kind=kind)

    def apply_rules(
        self, ranked: Sequence[tuple[int, float]], title: ContentTitle, k: int, *, kind: str | None = None
    ) -> list[tuple[int, float]]:
        """Keep ranked candidates that pass the audience, franchise and same-work rules."""
        own_audience = audience_class(title.rating, title.genres)
        seen_works = self.works_of(title)
        own_franchise = franchise_key(title.title)
        franchises: Counter = Counter()
        kept = []
        for index, score in ranked:
            if not math.isfinite(score) or self.work[index] in seen_works:
                continue
            if kind is not None and self.titles[index].kind != kind:
                continue
            if not audiences_mix(own_audience, self.audience[index]):
                continue
            franchise = self._listed_franchise(index, own_franchise)
            if franchise is not None and franchise == own_franchise and is_companion(
                own_franchise, self.titles[index].title
            ):
                continue  # its making-of or aftershow is marketing for the title, not a title like it
            if franchise is not None and franchises[franchise] >= FRANCHISE_CAP:
                continue
            seen_works.add(self.work[index])
            franchises[franchise] += 1
            kept.append((index, float(score)))
            if len(kept) == k:
                break
        return kept

    def _listed_franchise(self, index: int, own_franchise: str | None) -> str | None:
        """The franchise a catalog title counts towards in the list of a title of `own_franchise`:
        its own key, or the list's when it names that franchise ("The Witcher: Nightmare of the
        Wolf" in The Witcher's list)."""
        franchise = self.franchise[index]
        if franchise != own_franchise and names_franchise(own_franchise, self.titles[index].title):
            return own_franchise
        return franchise

    def works_of(self, title: ContentTitle) -> set[str]:
        """The work ids a title is (a catalog title's own; a new one's, when its name or summary
        is a catalog work's): a list of its comps holds none of them."""
        keys = (work_key(title.title, title.kind), title.text_key)
        return {self._work_of_key.get(key, key) for key in keys if key is not None}

    def audience_of(self, title_id: str) -> str | None:
        """A catalog title's audience class (`audience_class`); None for an id the index lacks."""
        position = self.position.get(title_id)
        return None if position is None else self.audience[position]

    def by_list_rules(self, ranked: Iterable[tuple[str, float]], k: int, *, seen: Iterable[str] = (),
                      audience: str | None = None) -> list[tuple[str, float]]:
        """The first k of `ranked` (title id, score) pairs that a list ranked by another score
        (audience comps) may hold: one entry per work, none of the works of the titles in `seen`
        (the title itself), and, given the asking title's `audience` class, none whose audience
        does not mix with it (no children's title beside an adult one). Ids the index lacks pass."""
        works = {self.work[self.position[title_id]] for title_id in seen if title_id in self.position}
        kept = []
        for title_id, score in ranked:
            position = self.position.get(title_id)
            if position is not None:
                if self.work[position] in works:
                    continue
                if audience is not None and not audiences_mix(audience, self.audience[position]):
                    continue
                works.add(self.work[position])
            kept.append((title_id, score))
            if len(kept) == k:
                break
        return kept

    def comps_of(self, title_id: str, k: int = 10, **filters) -> list[tuple[int, float]]:
        """Comps of a catalog title."""
        i = self.position[title_id]
        return self.comps(self.matrix[i], self.titles[i], k, self_index=i, **filters)

    def explain(self, title: ContentTitle, index: int, *, place: bool = False) -> dict:
        """Why a comp: the tags (by facet), genres and people both titles share, and a sentence;
        with `place` (audience comps, which production place may shape) also the place labels."""
        comp = self.titles[index]
        tags_of = (lambda tags: tags) if place else content_tags
        genres_of = (lambda genres: genres) if place else content_genres
        comp_tags = {name for name, _ in tags_of(comp.tags)}
        shared_tags = [name for name, _ in tags_of(title.tags) if name in comp_tags]
        comp_genres = {g.lower() for g in genres_of(comp.genres)}
        shared_genres = _unique_case_insensitive(
            [g for g in genres_of(title.genres) if g.lower() in comp_genres]
        )
        shared_genres += _equivalent_genres(genres_of(title.genres), genres_of(comp.genres), shared_genres)
        shared_people = sorted(set(title.people) & set(comp.people))
        own_franchise = franchise_key(title.title)
        same_franchise = (own_franchise is not None
                          and self._listed_franchise(index, own_franchise) == own_franchise)
        by_facet: dict[str, list[str]] = {}
        for name in shared_tags:
            by_facet.setdefault(self.tag_facets.get(name, "subject"), []).append(name)
        return {
            "shared_tags": shared_tags,
            "shared_tags_by_facet": by_facet,
            "shared_genres": shared_genres,
            "shared_people": [p.title() for p in shared_people],
            "why": why_sentence(by_facet, shared_genres, shared_people, franchise=same_franchise),
        }

    def save(self, folder: Path) -> None:
        """content.npz (summary vectors) and content.json (titles, weights, vocabularies)."""
        folder.mkdir(parents=True, exist_ok=True)
        arrays = {"summary_vectors": self.summary_vectors.astype(np.float32)}
        if self.hubs is not None:
            arrays["hubs"] = self.hubs.astype(np.float32)
        np.savez(folder / "content.npz", **arrays)
        (folder / "content.json").write_text(
            json.dumps(
                {
                    "weights": asdict(self.weights),
                    "tag_facets": self.tag_facets,
                    "genre_idf": self.genre_idf,
                    "tag_idf": self.tag_idf,
                    "titles": [asdict(t) for t in self.titles],
                }
            )
        )

    @classmethod
    def load(cls, folder: Path) -> ContentIndex:
        """The index a bundle saved."""
        stored = json.loads((folder / "content.json").read_text())
        with np.load(folder / "content.npz") as arrays:
            vectors = arrays["summary_vectors"].astype(np.float32)
            hubs = arrays["hubs"].astype(np.float32) if "hubs" in arrays.files else None
        titles = [ContentTitle(**dict(t, tags=[tuple(pair) for pair in t["tags"]])) for t in stored["titles"]]
        return cls(
            titles,
            vectors,
            stored["tag_facets"],
            # Bundles from before the format block, prominence and hubness scored without them.
            ContentWeights(**{"format": 0.0, "prominence": 0.0, "hub": 0.0, "prominence_pool": 0}
                           | stored["weights"]),
            genre_idf=stored["genre_idf"],
            tag_idf=stored["tag_idf"],
            hubs=hubs,
        )


# People credited on more titles than this (narrators, studio regulars) link too much to say
# anything about a title's content.
HUB_PEOPLE = 30


def incidence(rows: Sequence[Sequence[int]], width: int) -> sparse.csr_matrix:
    """A 0/1 sparse matrix with a row per entry of `rows`, holding ones at its column indices."""
    indptr = np.cumsum([0] + [len(row) for row in rows])
    indices = np.array([column for row in rows for column in row], dtype=np.int64)
    return sparse.csr_matrix((np.ones(len(indices), dtype=np.float32), indices, indptr),
                             shape=(len(rows), max(width, 0)))


def _person_incidence(people: Sequence[frozenset]) -> tuple[dict[str, int], sparse.csr_matrix]:
    """Columns of the people on 2 to HUB_PEOPLE catalog titles, and the titles x people matrix."""
    counts = Counter(person for names in people for person in names)
    kept = sorted(person for person, count in counts.items() if 2 <= count <= HUB_PEOPLE)
    column = {person: position for position, person in enumerate(kept)}
    return column, incidence([[column[p] for p in names if p in column] for names in people], len(kept))


def _idf(counts: Counter, total: int) -> dict[str, float]:
    return {name: math.log((1 + total) / (1 + count)) + 1.0 for name, count in counts.items()}


def _unique_case_insensitive(names: Sequence[str]) -> list[str]:
    seen, unique = set(), []
    # Netflix's labels ("Crime TV Shows") read better than the JustWatch ones ("crime"): first.
    for name in sorted(names, key=lambda n: (n.islower(), n)):
        if name.lower() not in seen:
            seen.add(name.lower())
            unique.append(name)
    return unique


_FACET_PHRASES = (
    ("subject", "both about {}"),
    ("mood", "{} in tone"),
    ("setting", "both set in {}"),
    ("format", "both {}"),
    ("audience", "same audience: {}"),
)


def why_sentence(by_facet: dict[str, list[str]], genres: Sequence[str], people: Sequence[str], *,
                 franchise: bool = False) -> str:
    """A plain sentence: "Both about drug cartel, true story; gritty in tone; both Crime TV Shows";
    a title of the same franchise says so first."""
    parts = ["same franchise"] if franchise else []
    parts += [
        phrase.format(", ".join(by_facet[facet][:4]))
        for facet, phrase in _FACET_PHRASES
        if by_facet.get(facet)
    ]
    if genres:
        parts.append("both listed as " + ", ".join(genres[:3]))
    if people:
        parts.append("shared cast or crew: " + ", ".join(p.title() for p in people[:3]))
    if not parts:
        return "Similar summary."
    sentence = "; ".join(parts)
    return sentence[0].upper() + sentence[1:] + "."
