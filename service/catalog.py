"""Small, slowly changing lookups (countries, market weights, genres) read from Neo4j, kept a minute."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from graph import reads
from service.database import GraphHandle

CACHE_SECONDS = 60.0


@dataclass(frozen=True)
class Lookups:
    """Country names and market weights by alpha-2 code, and genre names by their lower-case form."""

    country_names: dict[str, str | None]
    genres_by_lower: dict[str, str]
    # Chart countries' shares of viewing hours (graph/market_weights.py); empty before an ingest.
    market_weights: dict[str, float] = field(default_factory=dict)


class CatalogCache:
    """Countries and genres of the graph, refreshed at most every `ttl` seconds.

    Args:
        graph: the process's Neo4j handle.
        ttl: seconds a read stays fresh (default 60).
        clock: monotonic clock (default time.monotonic).
    """

    def __init__(self, graph: GraphHandle, ttl: float = CACHE_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._graph = graph
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._value: Lookups | None = None
        self._read_at = float("-inf")

    def last(self) -> Lookups | None:
        """The last lookups read, however old (None before the first read), without touching Neo4j:
        what an answer from the model alone uses while Neo4j is away."""
        return self._value

    def get(self) -> Lookups:
        """The lookups, read again from Neo4j when older than the TTL."""
        if self._value is not None and self._clock() - self._read_at < self._ttl:
            return self._value
        with self._lock:
            if self._value is None or self._clock() - self._read_at >= self._ttl:
                driver = self._graph.driver()
                countries = reads.list_countries(driver, **self._graph.read_options)
                genres = reads.list_genres(driver, **self._graph.read_options)
                self._value = Lookups(
                    country_names={row["iso2"]: row["name"] for row in countries},
                    genres_by_lower={row["name"].lower(): row["name"] for row in genres},
                    market_weights={row["iso2"]: row["market_weight"] for row in countries
                                    if row.get("market_weight") is not None},
                )
                self._read_at = self._clock()
        return self._value
