"""Tags for titles, extracted from their summaries. Deterministic: no randomness, no model.

Method (``extract_tags``):

1. Each summary is split into clauses at sentence and clause punctuation (. , ; : ! ? brackets,
   quotes, dashes), and each clause is normalized like a title (Unicode NFKD, accents dropped,
   casefolded, non-alphanumeric characters replaced by spaces) and split on spaces.
2. Plurals are folded: a token of more than 3 characters ending in "s" (but not in "ss", "us"
   or "is", containing no digit, and not one of "series", "news", "species", "politics",
   "physics", "mathematics") loses the "s" when that singular also occurs somewhere in the
   corpus ("killers" -> "killer" because "killer" occurs).
3. A token is kept when it has at least 3 characters, is not only digits, and neither it nor
   its folded form is a stop word: scikit-learn's ENGLISH_STOP_WORDS plus a short list of
   words that summaries use for every kind of title ("film", "series", "life", "new", ...).
4. Terms are the kept tokens (unigrams) and the pairs of kept tokens that are adjacent in the
   same clause (bigrams, "serial killer"); a pair separated by a dropped word is not a bigram.
5. A term qualifies when it occurs in at least ``min_titles`` titles and in at most
   ``max_fraction`` of all titles (too rare to relate titles, or too common to tell them apart).
6. Each qualifying term of a title is scored by TF-IDF: (occurrences in the title's summary)
   x ln(number of titles / number of titles using the term). A title's tags are its
   ``per_title`` best terms, highest score first, equal scores in alphabetical order.
   A bigram and its unigrams may both be tags.
"""

import math
import re
from collections import Counter
from collections.abc import Iterable
from itertools import pairwise

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from graph.catalog import Title
from graph.normalize import normalize_title

# Words that describe the format or the plot mechanics of any title, not what it is about.
_DOMAIN_STOP_WORDS = frozenset({
    "film", "films", "movie", "series", "docuseries", "documentary", "season", "episode",
    "life", "lives", "new", "year", "years", "old", "finds", "takes", "world", "story",
    "stories", "tale", "make", "makes", "gets", "help", "helps", "way", "set", "begins",
    "decides", "tries", "comes", "goes", "soon", "things",
})
_STOP_WORDS = ENGLISH_STOP_WORDS | _DOMAIN_STOP_WORDS

# Words ending in "s" that are not plurals of a word in the corpus ("news" is not "new"s).
_NOT_PLURALS = frozenset({"series", "news", "species", "politics", "physics", "mathematics"})

# Clause boundaries: a bigram never spans one.
_CLAUSE_BREAK = re.compile(r"[.,;:!?()\[\]{}\"“”«»—–…]|\s-\s")

_MIN_TOKEN_LENGTH = 3


def title_summaries(titles: Iterable[Title]) -> dict[str, str]:
    """Return each title's netflix and JustWatch summaries joined, keyed by title id."""
    return {
        title.id: " ".join(
            dict.fromkeys(
                text for text in (title.summary_netflix, title.summary_justwatch) if text
            )
        )
        for title in titles
    }


def summary_clauses(summary: str) -> list[list[str]]:
    """Split a summary into clauses of normalized tokens."""
    return [
        tokens
        for clause in _CLAUSE_BREAK.split(summary)
        if (tokens := normalize_title(clause).split())
    ]


def _can_fold(token: str) -> bool:
    """Tell whether a token may be a regular plural."""
    return (
        len(token) > _MIN_TOKEN_LENGTH
        and token.endswith("s")
        and not token.endswith(("ss", "us", "is"))
        and token not in _NOT_PLURALS
        and not any(char.isdigit() for char in token)
    )


def _fold_plurals(vocabulary: set[str]) -> dict[str, str]:
    """Map each plural token of the vocabulary to its singular when the singular occurs."""
    return {
        token: token[:-1]
        for token in vocabulary
        if _can_fold(token) and token[:-1] in vocabulary
    }


def _kept(token: str, folded: str) -> bool:
    """Tell whether a token can be (part of) a tag."""
    return (
        len(folded) >= _MIN_TOKEN_LENGTH
        and not folded.isdigit()
        and token not in _STOP_WORDS
        and folded not in _STOP_WORDS
    )


def clause_terms(clauses: list[list[str]], singular_of: dict[str, str]) -> Counter[str]:
    """Count the unigram and bigram terms of one summary."""
    terms: Counter[str] = Counter()
    for tokens in clauses:
        # None marks a dropped token so that bigrams never skip over it.
        kept_tokens = [
            (singular_of.get(token, token) if _kept(token, singular_of.get(token, token)) else None)
            for token in tokens
        ]
        terms.update(token for token in kept_tokens if token)
        terms.update(
            f"{first} {second}"
            for first, second in pairwise(kept_tokens)
            if first and second
        )
    return terms


def extract_tags(
    summaries: dict[str, str],
    *,
    min_titles: int = 5,
    max_fraction: float = 0.05,
    per_title: int = 8,
) -> dict[str, list[str]]:
    """Return up to per_title TF-IDF tags for each title id (method in the module docstring)."""
    clauses_by_id = {title_id: summary_clauses(summary) for title_id, summary in summaries.items()}
    vocabulary = {token for clauses in clauses_by_id.values() for tokens in clauses for token in tokens}
    singular_of = _fold_plurals(vocabulary)
    terms_by_id = {
        title_id: clause_terms(clauses, singular_of) for title_id, clauses in clauses_by_id.items()
    }
    title_count = len(summaries)
    titles_per_term = Counter(term for terms in terms_by_id.values() for term in terms)
    idf_by_term = {
        term: math.log(title_count / used_by)
        for term, used_by in titles_per_term.items()
        if min_titles <= used_by <= max_fraction * title_count
    }
    tags_by_id = {}
    for title_id, terms in terms_by_id.items():
        scored_terms = sorted(
            (-count * idf_by_term[term], term) for term, count in terms.items() if term in idf_by_term
        )
        tags_by_id[title_id] = [term for _, term in scored_terms[:per_title]]
    return tags_by_id
