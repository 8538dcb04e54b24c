"""The answer cache reads the graph's model versions once per interval, in the background after the first."""

from __future__ import annotations

import threading
import time

import pytest

from service import cache as cache_module
from service.cache import AnswerCache
from service.errors import Neo4jUnavailable


class FakeGraph:
    read_options: dict = {}

    def driver(self):
        return None


def test_later_reads_run_in_the_background_while_requests_go_on_with_the_last(monkeypatch):
    clock = [0.0]
    reads_started, release = threading.Event(), threading.Event()
    calls = []

    def model_versions(driver, **options):
        calls.append(clock[0])
        if len(calls) > 1:  # the refresh after the interval: slow, as a Neo4j round trip can be
            reads_started.set()
            release.wait(5)
        return {"embeddings": f"v{len(calls)}"}

    monkeypatch.setattr(cache_module.reads, "model_versions", model_versions)
    cache = AnswerCache(FakeGraph(), version_interval=2.0, clock=lambda: clock[0])
    assert cache.versions() == (("embeddings", "v1"),)
    clock[0] = 3.0
    started = time.monotonic()
    # The interval is up: the read starts elsewhere, and no caller waits for it or starts another.
    seen = [cache.versions() for _ in range(20)]
    assert reads_started.wait(5)
    seen += [cache.versions() for _ in range(20)]
    assert time.monotonic() - started < 1.0
    assert set(seen) == {(("embeddings", "v1"),)}
    release.set()
    deadline = time.monotonic() + 5
    while cache.versions() != (("embeddings", "v2"),) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert cache.versions() == (("embeddings", "v2"),)
    assert len(calls) == 2


def test_a_background_read_failing_for_another_reason_keeps_the_last_versions(monkeypatch):
    clock = [0.0]
    cache = _cache_reading(monkeypatch, clock, [{"embeddings": "v1"}, RuntimeError("a bug, not an outage"),
                                                {"embeddings": "v3"}])
    assert cache.versions() == (("embeddings", "v1"),)
    for now, expected in ((3.0, "v1"), (6.0, "v3")):
        clock[0] = now
        _settle(cache)
        assert cache.versions() == (("embeddings", expected),)


def test_the_first_read_is_waited_for_by_every_thread(monkeypatch):
    gate = threading.Event()

    def model_versions(driver, **options):
        gate.wait(5)
        return {"embeddings": "v1"}

    monkeypatch.setattr(cache_module.reads, "model_versions", model_versions)
    cache = AnswerCache(FakeGraph(), version_interval=2.0)
    results = []
    threads = [threading.Thread(target=lambda: results.append(cache.versions())) for _ in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(0.2)
    assert results == []  # nobody answered with "no versions" while the first read was running
    gate.set()
    for thread in threads:
        thread.join(5)
    assert results == [(("embeddings", "v1"),)] * 4


def test_while_neo4j_is_away_answers_are_not_served_from_the_cache(monkeypatch):
    clock = [0.0]
    cache = _cache_reading(monkeypatch, clock, [{"embeddings": "v1"}, Neo4jUnavailable("ServiceUnavailable"),
                                                {"embeddings": "v1"}])
    assert cache.get_or_compute("comps", lambda: ["Dark"]) == ["Dark"]
    clock[0] = 3.0
    _settle(cache)
    # The read found Neo4j away: the cached answer is not given as if the graph were there.
    with pytest.raises(Neo4jUnavailable):
        cache.get_or_compute("comps", lambda: ["Dark"])
    clock[0] = 6.0
    _settle(cache)
    assert cache.get_or_compute("comps", lambda: ["not computed again"]) == ["Dark"]


def _settle(cache: AnswerCache) -> None:
    """Let a background read start and finish."""
    try:
        cache.versions()
    except Neo4jUnavailable:
        pass
    deadline = time.monotonic() + 5
    while cache._refreshing.locked() and time.monotonic() < deadline:
        time.sleep(0.01)


def _cache_reading(monkeypatch, clock: list[float], answers: list) -> AnswerCache:
    """A cache whose version reads give `answers` in turn (an exception is raised)."""
    pending = iter(answers)

    def model_versions(driver, **options):
        answer = next(pending)
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(cache_module.reads, "model_versions", model_versions)
    return AnswerCache(FakeGraph(), version_interval=2.0, clock=lambda: clock[0])
