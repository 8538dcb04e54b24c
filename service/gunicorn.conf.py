"""gunicorn settings of the service: `gunicorn -c service/gunicorn.conf.py 'service.app:create_app()'`.

Workers, host and port come from the settings (TITLEGRAPH_API_*). Each worker builds its own
app (no preload), so each has its own Neo4j driver and model. Metrics of all workers are
added up through prometheus-client's multi-process folder, fresh for every run.
"""

import os
import shutil
import tempfile

from titlegraph.config import load_settings

# One OpenMP thread in every request thread. torch.set_num_threads (post_fork) only reaches the
# thread that calls it; gthread's request threads started with OpenMP's default of one thread
# per core, whose spinning workers burnt half the CPU of each prediction (predict went from
# about 90 to 190 per second at 8 connections with this). Set before any worker imports torch.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
# numpy's OpenBLAS falls back to OMP_NUM_THREADS, but says so here: a prediction's matrix products
# (comps over every title) run one thread each; in-process, two threads spent 55 ms of CPU on a
# 28 ms prediction instead of 26 ms on 32.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

_settings = load_settings()

bind = f"{_settings.api_host}:{_settings.api_port}"
workers = _settings.api_workers
# Threads let a worker overlap requests that wait on Neo4j; the model is read-only and shared.
worker_class = "gthread"
threads = 4
preload_app = False
timeout = 30
graceful_timeout = 20
keepalive = 5
# The app writes one JSON access line per request itself (with the request id).
accesslog = None
errorlog = "-"
loglevel = "info"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "service.logs.JsonFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json",
                            "stream": "ext://sys.stderr"}},
    # Replaces gunicorn's defaults as a whole, so the root and access loggers are named here too.
    "root": {"level": "INFO", "handlers": ["stderr"]},
    "loggers": {"gunicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
                "gunicorn.access": {"handlers": ["stderr"], "level": "WARNING", "propagate": False}},
}
# Header and request-line limits stay at gunicorn's defaults; bodies are capped by the app (413).
limit_request_line = 8190
limit_request_fields = 100
# gunicorn's control socket lives at one fixed path per user; several services on one machine
# (tests, benchmarks, the demo) would fight over it, and nothing here uses it. The file's name of
# the setting is control_socket_disable (`--no-control-socket` is only its command-line flag):
# gunicorn ignores names it does not know, and an earlier `no_control_socket` left it on.
control_socket_disable = True


def on_starting(server):
    """Give this run a fresh metrics folder before any worker imports prometheus-client."""
    if _settings.metrics_dir is None:
        folder = tempfile.mkdtemp(prefix="titlegraph-metrics-")
        server.titlegraph_metrics_dir = folder
        # prometheus-client reads this variable itself when a worker imports it.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    else:
        _settings.metrics_dir.mkdir(parents=True, exist_ok=True)
        for stale in _settings.metrics_dir.glob("*.db"):
            stale.unlink()


def post_fork(server, worker):
    """One torch thread per worker: workers x threads already cover the cores, and torch's own
    pool on top of them oversubscribes the CPU and stretches the tail latency of predictions."""
    import torch

    torch.set_num_threads(1)


def worker_exit(server, worker):
    """Close the worker's Neo4j driver."""
    from service.app import close_app

    app = getattr(worker, "wsgi", None)
    if app is not None and hasattr(app, "extensions"):
        close_app(app)


def child_exit(server, worker):
    """Drop a dead worker's live gauges from the metrics folder."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    """Remove the metrics folder this run made."""
    folder = getattr(server, "titlegraph_metrics_dir", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
