"""A per-process cache of graph answers that change only when a model is retrained or data ingested.

Comps and audiences of existing titles are fixed between retrains, so answers are kept, keyed by
the request and by the model versions in force in the graph. Those versions are read again (one
tiny query, in a background thread) once half of `version_interval` has passed, so under traffic
a retrain invalidates the cache within that interval, the same delay as the model hot reload.
Entries also expire after `ttl` seconds, which bounds staleness after a re-ingest.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from graph import reads
from service.database import GraphHandle
from service.errors import Neo4jUnavailable, as_neo4j_unavailable

logger = logging.getLogger("titlegraph.service.cache")


class AnswerCache:
    """Bounded LRU of answers keyed by (request key, graph model versions).

    Args:
        graph: the process's Neo4j handle (reads the version pointers).
        max_entries: answers kept; 0 disables the cache (default 20_000).
        ttl: seconds an answer stays valid (default 300).
        version_interval: seconds between reads of the version pointers (default 2.0).
        clock: monotonic clock (default time.monotonic).
    """

    def __init__(self, graph: GraphHandle, max_entries: int = 20_000, ttl: float = 300.0,
                 version_interval: float = 2.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._graph = graph
        self.max_entries = max_entries
        self._ttl = ttl
        self._version_interval = version_interval
        self._clock = clock
        self._lock = threading.Lock()
        self._refreshing = threading.Lock()  # held by the one thread reading the versions
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._versions: tuple = ()
        self._versions_read_at = float("-inf")
        self._unavailable: str | None = None  # why the last read failed, while Neo4j is away
        self.hits = 0
        self.misses = 0

    def versions(self) -> tuple:
        """The model versions in force, as a hashable tuple, at most one interval old under traffic.

        Only the first read is made by a request (there is nothing to go on with before it). Later
        ones run in a background thread while requests go on with the versions read last: the read
        is a Neo4j round trip, and a request thread making it competes for the GIL with the
        worker's busy threads; under load one took 800 ms, every two seconds in each worker,
        which was the cached endpoints' p99. While the last read found Neo4j unavailable, this
        raises Neo4jUnavailable, so answers say the graph is away (degraded mode) instead of
        coming from the cache as if it were not.
        """
        # A background read starts at half the interval, so under traffic the versions are never
        # older than the interval, as when requests made the read themselves.
        if self._clock() - self._versions_read_at >= self._version_interval / 2:
            first = self._versions_read_at == float("-inf")
            if self._refreshing.acquire(blocking=first):
                if first:
                    self._refresh()
                else:
                    threading.Thread(target=self._refresh, name="answer-cache-versions",
                                     daemon=True).start()
        if self._unavailable is not None:
            raise Neo4jUnavailable(self._unavailable)
        return self._versions

    def _refresh(self) -> None:
        """Read the versions (the caller holds `_refreshing`; released here)."""
        try:
            found = reads.model_versions(self._graph.driver(), **self._graph.read_options)
            self._versions, self._unavailable = tuple(sorted(found.items())), None
            self._versions_read_at = self._clock()
        except Exception as error:
            if self._versions_read_at == float("-inf"):
                raise  # the first read: its request fails (or degrades), the next one reads again
            unavailable = error if isinstance(error, Neo4jUnavailable) else as_neo4j_unavailable(error)
            if unavailable is None:  # not an outage: keep the versions, read again next time
                logger.warning("model versions not read", extra={"reason": str(error)})
            else:
                self._unavailable = unavailable.reason
            self._versions_read_at = self._clock()
        finally:
            self._refreshing.release()

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The cached answer for `key` under the current versions, else `compute()` (then kept)."""
        return self.get_many([key], lambda missing: {key: compute()})[key]

    def get_many(self, keys: list[Hashable], compute_missing: Callable[[list], dict]) -> dict:
        """Cached answers for `keys`; the missing ones come from one `compute_missing(missing)` call
        (a dict by key; keys it leaves out are not cached and not returned)."""
        if self.max_entries <= 0:
            return compute_missing(list(keys))
        versions = self.versions()
        now = self._clock()
        found, missing = {}, []
        with self._lock:
            for key in keys:
                entry = self._entries.get((key, versions))
                if entry is not None and now - entry[0] < self._ttl:
                    self._entries.move_to_end((key, versions))
                    found[key] = entry[1]
                else:
                    missing.append(key)
            self.hits += len(found)
        if missing:
            computed = compute_missing(missing)
            with self._lock:
                self.misses += len(missing)
                for key, value in computed.items():
                    self._entries[(key, versions)] = (now, value)
                    self._entries.move_to_end((key, versions))
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
            found.update(computed)
        return found

    def clear(self) -> None:
        """Forget every answer (after a model reload in this process)."""
        with self._lock:
            self._entries.clear()
            self._versions_read_at = float("-inf")
