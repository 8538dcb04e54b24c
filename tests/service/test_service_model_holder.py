"""The hot-reload holder on its own: cheap checks, background loads, atomic swaps, failures kept out."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from service.model_holder import ModelHolder


class VersionedModel:
    """Stands in for a loaded model: the holder only needs `.version`."""

    def __init__(self, version: str) -> None:
        self.version = version


class Pointer:
    """A `current` pointer the test moves, and a loader that reads the version from the folder name."""

    def __init__(self, tmp_path: Path) -> None:
        self.root = tmp_path
        self.target: Path | None = None
        self.loads: list[str] = []
        self.load_delay = 0.0
        self.broken: set[str] = set()

    def point_to(self, version: str) -> None:
        folder = self.root / version
        folder.mkdir(exist_ok=True)
        self.target = folder

    def resolve(self, models_dir: Path) -> Path | None:
        return self.target

    def load(self, folder: Path) -> VersionedModel:
        time.sleep(self.load_delay)
        if folder.name in self.broken:
            raise ValueError(f"{folder.name} is corrupt")
        self.loads.append(folder.name)
        return VersionedModel(folder.name)


@pytest.fixture
def pointer(tmp_path):
    return Pointer(tmp_path)


def _wait_for(predicate, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.01)


def test_no_model_until_the_pointer_exists(pointer, tmp_path):
    holder = ModelHolder(tmp_path, 0.0, resolver=pointer.resolve, loader=pointer.load)
    assert holder.current() is None
    with pytest.raises(FileNotFoundError, match="titlegraph train"):
        holder.reload()


def test_reload_loads_once_and_reports_the_swap(pointer, tmp_path):
    pointer.point_to("v1")
    holder = ModelHolder(tmp_path, 60.0, resolver=pointer.resolve, loader=pointer.load)
    previous, current = holder.reload()
    assert previous is None and current.version == "v1"
    assert holder.reload() == (current, current)  # same pointer: nothing loaded again
    pointer.point_to("v2")
    previous, current = holder.reload()
    assert (previous.version, current.version) == ("v1", "v2")
    assert pointer.loads == ["v1", "v2"]


def test_pointer_is_checked_at_most_every_interval(pointer, tmp_path):
    clock = [0.0]
    pointer.point_to("v1")
    holder = ModelHolder(tmp_path, 2.0, resolver=pointer.resolve, loader=pointer.load, clock=lambda: clock[0])
    holder.reload()
    pointer.point_to("v2")
    clock[0] = 1.0
    assert holder.current().version == "v1"  # too early to look again
    clock[0] = 2.5
    holder.current()
    _wait_for(lambda: holder.loaded.version == "v2")


def test_requests_keep_the_old_model_while_the_new_one_loads(pointer, tmp_path):
    pointer.point_to("v1")
    holder = ModelHolder(tmp_path, 0.0, resolver=pointer.resolve, loader=pointer.load)
    holder.reload()
    pointer.load_delay = 0.3
    pointer.point_to("v2")
    started = time.monotonic()
    assert holder.current().version == "v1"  # answered at once, load runs in the background
    assert time.monotonic() - started < 0.2
    _wait_for(lambda: holder.loaded.version == "v2")
    assert pointer.loads == ["v1", "v2"]  # many requests, one background load


def test_a_broken_model_never_replaces_the_good_one(pointer, tmp_path):
    pointer.point_to("v1")
    results = []
    holder = ModelHolder(tmp_path, 0.0, resolver=pointer.resolve, loader=pointer.load, on_load=results.append)
    holder.reload()
    pointer.broken.add("v2")
    pointer.point_to("v2")
    with pytest.raises(RuntimeError, match="corrupt"):
        holder.reload()
    assert holder.current().version == "v1"
    assert "corrupt" in holder.last_error
    assert results == ["ok", "error"]


def test_concurrent_readers_always_see_a_whole_model(pointer, tmp_path):
    pointer.point_to("v0")
    holder = ModelHolder(tmp_path, 0.0, resolver=pointer.resolve, loader=pointer.load)
    holder.reload()
    seen, failures, stop = set(), [], threading.Event()

    def reader():
        while not stop.is_set():
            loaded = holder.current()
            if loaded is None or loaded.model.version != loaded.path.name:
                failures.append(loaded)
            else:
                seen.add(loaded.version)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for thread in threads:
        thread.start()
    for version in ("v1", "v2", "v3"):
        pointer.point_to(version)
        _wait_for(lambda version=version: holder.loaded.version == version)
    stop.set()
    for thread in threads:
        thread.join()
    assert failures == []
    assert {"v0", "v3"} <= seen


def test_a_loaded_model_is_frozen_out_of_the_cyclic_collector_and_a_swapped_one_is_freed(pointer, tmp_path):
    import gc
    import weakref

    pointer.point_to("v1")
    holder = ModelHolder(tmp_path, 60.0, resolver=pointer.resolve, loader=pointer.load, collect_delay=0.2)
    gc.unfreeze()
    _, first = holder.reload()
    assert gc.get_freeze_count() > 0
    # A model in a reference cycle (as torch modules and their hooks can be) is still freed
    # after the next swap: a collection runs once no request can hold it any more.
    first.model.cycle = first.model
    gone = weakref.ref(first.model)
    del first
    pointer.point_to("v2")
    holder.reload()
    assert gone() is not None  # frozen with everything else, and still held by reload's answer
    _wait_for(lambda: gone() is None)  # collected once the grace period is over
    gc.unfreeze()
