"""In-memory title search over a model version's titles (titles.json): what `GET /v1/titles`
answers from while Neo4j is away (service/degraded.py)."""

from __future__ import annotations

import threading
import weakref

from graph.normalize import normalize_title
from graph.reads import rank_search_hits


class TitleSearch:
    """In-memory title search ranked like graph.reads.search_titles (equal title 3, prefix 2), with
    every query word as a prefix of a title word standing in for the fulltext index (below 1,
    shorter titles higher); no aliases, no typo tolerance.

    Args:
        titles: a bundle's titles (id, title, kind, year).
    """

    def __init__(self, titles: list[dict]) -> None:
        self._rows = [(normalize_title(title["title"]), title) for title in titles]
        self._words = [key.split() for key, _ in self._rows]

    def search(self, text: str, *, kind: str | None = None, limit: int = 10) -> list[dict]:
        """The best `limit` titles for `text`, best first."""
        norm = normalize_title(text)
        if not norm:
            return []
        wanted = norm.split()
        candidates = []
        for (key, title), words in zip(self._rows, self._words, strict=True):
            if kind is not None and title["kind"] != kind:
                continue
            if not key.startswith(norm) and not all(any(w.startswith(q) for w in words) for q in wanted):
                continue
            candidates.append({"id": title["id"], "title": title["title"], "kind": title["kind"],
                               "year": title.get("year"), "aliases": None,
                               "fulltext": min(len(wanted), len(words)) / (len(words) + 1)})
        hits = rank_search_hits(norm, candidates, limit)
        return [{key: value for key, value in hit.items() if key != "aliases"} for hit in hits]


class TitleSearches:
    """One TitleSearch per loaded model, built on first use and dropped with the model."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_model: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def of(self, model) -> TitleSearch:
        """The search over `model`'s titles."""
        with self._lock:
            found = self._by_model.get(model)
            if found is None:
                found = self._by_model[model] = TitleSearch(model.titles)
            return found
