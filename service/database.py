"""One Neo4j driver per process, created on first use, so the app starts (and answers 503) while
Neo4j is down and connects by itself once it is back.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import neo4j

from graph import reads
from graph.driver import create_driver
from service.errors import Neo4jUnavailable, as_neo4j_unavailable
from titlegraph.config import Settings

# A request retries transient Neo4j errors this long, then answers 503 with Retry-After; batch
# jobs keep the longer settings.neo4j_transaction_timeout budget.
REQUEST_RETRY_SECONDS = 1.0
# Server-side timeout of each read transaction.
QUERY_TIMEOUT_SECONDS = 5.0
# After a failed connect or query, requests answer 503 at once for this long instead of each
# trying again (and waiting out the retry budget) while Neo4j is away.
RECONNECT_BACKOFF_SECONDS = 1.0


class GraphHandle:
    """The process's Neo4j driver, built lazily and thread-safely.

    Args:
        settings: where Neo4j is and how to log in.
        factory: builds a verified driver (default graph.driver.create_driver).
        clock: monotonic clock (default time.monotonic), replaceable in tests.
    """

    def __init__(self, settings: Settings, factory: Callable[[Settings], neo4j.Driver] = create_driver,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings.with_overrides(neo4j_transaction_timeout=REQUEST_RETRY_SECONDS)
        self.database = settings.neo4j_database
        self.timeout = QUERY_TIMEOUT_SECONDS
        self._factory = factory
        self._clock = clock
        self._driver: neo4j.Driver | None = None
        self._lock = threading.Lock()
        self._retry_at = 0.0
        self.last_error: str | None = None

    @property
    def read_options(self) -> dict:
        """Keyword arguments every graph.reads call takes."""
        return {"database": self.database, "timeout": self.timeout}

    def mark_unavailable(self, reason: str) -> None:
        """A request just failed on Neo4j: answer 503 at once for a moment instead of piling up."""
        self.last_error = reason
        self._retry_at = self._clock() + RECONNECT_BACKOFF_SECONDS

    def driver(self) -> neo4j.Driver:
        """The driver; raises Neo4jUnavailable (a 503) if it cannot be created or was just failing."""
        if self._clock() < self._retry_at:
            raise Neo4jUnavailable(self.last_error or "not connected")
        current = self._driver
        if current is not None:
            return current
        with self._lock:
            if self._driver is not None:
                return self._driver
            if self._clock() < self._retry_at:
                raise Neo4jUnavailable(self.last_error or "not connected")
            try:
                self._driver = self._factory(self.settings)
            except Exception as error:
                unavailable = as_neo4j_unavailable(error)
                self.last_error = unavailable.reason if unavailable else type(error).__name__
                self._retry_at = self._clock() + RECONNECT_BACKOFF_SECONDS
                raise unavailable or Neo4jUnavailable(type(error).__name__) from error
            self.last_error = None
            return self._driver

    def check(self) -> tuple[bool, str | None]:
        """Whether Neo4j answers a trivial read now, and if not, why."""
        try:
            reads.ping(self.driver(), database=self.database, timeout=self.timeout)
        except Neo4jUnavailable as error:
            return False, error.message
        except Exception as error:
            unavailable = as_neo4j_unavailable(error)
            if unavailable is None:
                raise
            return False, unavailable.message
        return True, None

    def close(self) -> None:
        """Close the driver (idempotent)."""
        with self._lock:
            if self._driver is not None:
                self._driver.close()
                self._driver = None
