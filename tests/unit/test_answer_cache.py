"""The answer cache reads the graph's model versions once per interval, in one thread at a time."""

from __future__ import annotations

import threading
import time

from service import cache as cache_module
from service.cache import AnswerCache


class FakeGraph:
    read_options: dict = {}

    def driver(self):
        return None


def test_one_thread_reads_the_versions_while_the_others_go_on_with_the_last(monkeypatch):
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
    refresher = threading.Thread(target=cache.versions)
    refresher.start()
    assert reads_started.wait(5)
    # While the refresh is in flight, other threads answer at once with the versions read last.
    started = time.monotonic()
    seen = [cache.versions() for _ in range(20)]
    assert time.monotonic() - started < 1.0
    assert set(seen) == {(("embeddings", "v1"),)}
    release.set()
    refresher.join(5)
    assert cache.versions() == (("embeddings", "v2"),)
    assert len(calls) == 2


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
