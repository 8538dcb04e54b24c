"""The loaded model and its hot reload: a new `current` model is loaded beside the old one, then
swapped in with one reference assignment, so requests in flight finish on the model they began with.

Each request calls `current()`. At most every `reload_interval` seconds that costs one cheap
look at the `current` pointer; when it points somewhere new, a background thread loads the
new model while requests keep getting the old one. `reload()` (POST /v1/admin/reload) loads
synchronously.
"""

from __future__ import annotations

import datetime
import gc
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from training.bundle import load_bundle
from training.registry import current_model_dir

logger = logging.getLogger("titlegraph.service.model")

FAILED_LOAD_RETRY_SECONDS = 30.0


def default_resolver(models_dir: Path) -> Path | None:
    """The folder `models/current` points to (training.registry), or None."""
    return current_model_dir(models_dir)


def default_loader(model_dir: Path, onnx_dir: Path | None = None) -> Any:
    """Load a model bundle (training.bundle.load_bundle), its sentence encoder included (run by
    ONNX Runtime from `onnx_dir` when given, training/text_onnx.py)."""
    model = load_bundle(model_dir, onnx_dir=onnx_dir)
    if model.content is not None:
        # The encoder's weights (~160 MB) load now, before the model is swapped in and frozen
        # out of the collector, not on a worker's first prediction.
        model.content.warm()
    return model


@dataclass(frozen=True)
class LoadedModel:
    """A model with where it came from; replaced as a whole, never mutated."""

    model: Any
    path: Path
    loaded_at: datetime.datetime

    @property
    def version(self) -> str:
        return str(self.model.version)


class ModelHolder:
    """Holds the current model of one process and swaps in a newer one when `current` moves.

    Args:
        models_dir: folder with `<version>/` folders and the `current` pointer.
        reload_interval: seconds between looks at the pointer (default 2.0).
        resolver: `models_dir -> Path | None` (default training.registry.current_model_dir).
        loader: `Path -> model` (default training.bundle.load_bundle).
        on_load: called with "ok" or "error" after each load attempt (metrics) (default None).
        clock: monotonic clock (default time.monotonic).
        collect_delay: seconds after a swap before the replaced model's reference cycles are
            collected, once the requests that held it are done (default 30, gunicorn's timeout).
    """

    def __init__(self, models_dir: Path, reload_interval: float = 2.0,
                 resolver: Callable[[Path], Path | None] = default_resolver,
                 loader: Callable[[Path], Any] = default_loader,
                 on_load: Callable[[str], None] | None = None,
                 clock: Callable[[], float] = time.monotonic, collect_delay: float = 30.0) -> None:
        self.models_dir = models_dir
        self.collect_delay = collect_delay
        self.reload_interval = reload_interval
        self._resolver = resolver
        self._loader = loader
        self._on_load = on_load or (lambda result: None)
        self._clock = clock
        self._loaded: LoadedModel | None = None
        self._checked_at = float("-inf")
        # Held while resolving or loading, so one thread loads and the others keep serving.
        self._load_lock = threading.Lock()
        self._loading_path: Path | None = None
        self._failed: tuple[Path, float] | None = None
        self.last_error: str | None = None

    @property
    def loaded(self) -> LoadedModel | None:
        """The model now served (None before the first successful load)."""
        return self._loaded

    def current(self) -> LoadedModel | None:
        """The model to answer this request with; starts a background reload if `current` moved."""
        now = self._clock()
        if now - self._checked_at >= self.reload_interval:
            self._checked_at = now
            target = self._resolve()
            if self._should_load(target, now):
                self._start_background_load(target)
        return self._loaded

    def _should_load(self, target: Path | None, now: float) -> bool:
        if target is None or target == self._loading_path:
            return False
        if self._loaded is not None and target == self._loaded.path:
            return False
        # A folder that failed to load is retried after a while, not at every look.
        failed = self._failed
        return failed is None or failed[0] != target or now - failed[1] >= FAILED_LOAD_RETRY_SECONDS

    def reload(self) -> tuple[LoadedModel | None, LoadedModel | None]:
        """Load the model `current` points to now (if it is not the one loaded); return (old, new)."""
        with self._load_lock:
            previous = self._loaded
            self._checked_at = self._clock()
            target = self._resolve()
            if target is None:
                raise FileNotFoundError(
                    f"no current model in {self.models_dir}; run `titlegraph train` first")
            if (previous is None or target != previous.path) and not self._load(target):
                raise RuntimeError(self.last_error)
            return previous, self._loaded

    def _resolve(self) -> Path | None:
        try:
            target = self._resolver(self.models_dir)
        except Exception as error:  # an unreadable pointer must not fail the request
            self.last_error = f"cannot resolve the current model: {error}"
            logger.warning("model pointer unreadable", extra={"error": str(error)})
            return None
        return Path(target).resolve() if target is not None else None

    def _start_background_load(self, target: Path) -> None:
        if not self._load_lock.acquire(blocking=False):
            return
        self._loading_path = target

        def run() -> None:
            try:
                self._load(target)
            finally:
                self._loading_path = None
                self._load_lock.release()

        threading.Thread(target=run, name="model-reload", daemon=True).start()

    def _load(self, target: Path) -> bool:
        started = time.perf_counter()
        try:
            model = self._loader(target)
        except Exception as error:
            self.last_error = f"loading {target} failed: {type(error).__name__}: {error}"
            self._failed = (target, self._clock())
            logger.exception("model load failed", extra={"path": str(target)})
            self._on_load("error")
            return False
        previous = self._loaded
        # The swap: one reference assignment; requests holding `previous` keep using it.
        self._loaded = LoadedModel(model=model, path=target,
                                   loaded_at=datetime.datetime.now(datetime.UTC))
        self.last_error = None
        self._failed = None
        self._on_load("ok")
        logger.info("model loaded", extra={
            "model_version": self._loaded.version, "path": str(target),
            "previous_version": previous.version if previous else None,
            "seconds": round(time.perf_counter() - started, 3)})
        # The model's objects leave the cyclic collector's reach at once (gc.freeze is cheap);
        # the replaced model's cycles are collected later, when no request holds it any more.
        gc.freeze()
        if previous is not None:
            timer = threading.Timer(self.collect_delay, collect_and_freeze)
            timer.daemon = True
            timer.start()
        return True

    def close(self) -> None:
        """Drop the model reference (the process is ending)."""
        self._loaded = None


def collect_and_freeze() -> None:
    """Collect everything once, then freeze what is left out of the cyclic collector's reach.

    A loaded model is about half a million tracked objects (titles, id maps, tensor wrappers);
    each full collection walked them all, about 290 ms on this machine, which showed up as the
    p99 of every endpoint under load. Frozen objects are still freed by reference counting; this
    collection (after unfreezing) frees the reference cycles of a model that was swapped out.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()
