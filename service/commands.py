"""Handlers of `titlegraph serve` and `titlegraph demo`; their arguments are in service/cli.py.

Neither loads the app: gunicorn's workers do. So this module imports no model code (torch), and a
user's mistake (a busy port) is one line on stderr (`predict SLATE.csv` is service/slate_command.py).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from graph import reads
from graph.driver import create_driver
from graph.ingest import ingest
from graph.maintenance import graph_counts
from titlegraph.cli import build_parser, resolve_handler
from titlegraph.commands import ensure_neo4j
from titlegraph.config import Settings
from titlegraph.errors import UserError
from titlegraph.ports import can_listen, port_owner
from training.registry import current_model_dir

GUNICORN_CONFIG = Path(__file__).resolve().parent / "gunicorn.conf.py"
SAMPLE_NEW_TITLE = {
    "title": "The Last Lighthouse", "type": "show",
    "summary": "A detective returns to her island home to solve a string of disappearances.",
    "genres": ["Crime TV Shows", "thriller"], "countries": ["GB"], "year": 2022,
}


def _apply_options(settings: Settings, args: argparse.Namespace) -> Settings:
    changes = {name: value for name, value in (("api_host", args.host), ("api_port", args.port),
                                               ("api_workers", args.workers)) if value is not None}
    return settings.with_overrides(**changes) if changes else settings


def gunicorn_command(settings: Settings) -> list[str]:
    """The gunicorn command line of the service for these settings."""
    return [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONFIG),
            "--bind", f"{settings.api_host}:{settings.api_port}", "--workers", str(settings.api_workers),
            "service.app:create_app()"]


def _running_api(base_url: str) -> dict | None:
    """The /version answer when a titlegraph API serves at `base_url`, else None."""
    try:
        with urllib.request.urlopen(f"{base_url}/version", timeout=2) as response:
            answer = json.load(response)
    except (OSError, ValueError):
        return None
    return answer if isinstance(answer, dict) and "api_version" in answer else None


def busy_port_message(settings: Settings) -> str:
    """One line: who holds the API port (when it can be told) and what to do."""
    base_url = f"http://{settings.api_host}:{settings.api_port}"
    owner = port_owner(settings.api_port)
    running = _running_api(base_url)
    stop = f"stop it (kill {owner[0]})" if owner else "stop it"
    if running is not None:
        pid = f"pid {owner[0]}, " if owner else ""
        model = f"model {running['model_version']}" if running.get("model_version") else "no model loaded"
        who = f"a titlegraph API already serves there ({pid}{model})"
        todo = f"use it, {stop},"
    else:
        who = f"the port is in use by pid {owner[0]} ({owner[1]})" if owner else "the port is in use"
        todo = stop
    return (f"cannot serve on {base_url}: {who}: {todo} or choose another port with --port "
            "(or TITLEGRAPH_API_PORT)")


def _require_free_port(settings: Settings) -> None:
    # Checked before anything starts: gunicorn would retry a busy port five times, then exit 1.
    if not can_listen(settings.api_host, settings.api_port):
        raise UserError(busy_port_message(settings))


def _start_gunicorn(settings: Settings) -> subprocess.Popen:
    env = dict(os.environ)
    # The workers load their settings from the environment, so the CLI's choices travel there.
    env.update(TITLEGRAPH_API_HOST=settings.api_host, TITLEGRAPH_API_PORT=str(settings.api_port),
               TITLEGRAPH_API_WORKERS=str(settings.api_workers),
               TITLEGRAPH_MODELS=str(settings.models_path), TITLEGRAPH_HOME=str(settings.home))
    project_root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = project_root + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.Popen(gunicorn_command(settings), env=env, cwd=project_root)


def stop_gunicorn(process: subprocess.Popen, timeout: float = 30.0) -> None:
    """Stop a gunicorn master: SIGTERM (its workers finish their requests), then SIGKILL if it is
    still running after `timeout` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _wait(process: subprocess.Popen) -> int:
    """Wait for gunicorn; Ctrl-C or SIGTERM to this process stops it gracefully."""
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: process.terminate())
    try:
        while True:
            try:
                return process.wait()
            except KeyboardInterrupt:
                # Forward it: the signal may have been sent to this process only, not its group.
                process.terminate()
    finally:
        signal.signal(signal.SIGTERM, previous)


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    """Run gunicorn with the repo's config until it stops."""
    settings = _apply_options(settings, args)
    _require_free_port(settings)
    print(f"serving on http://{settings.api_host}:{settings.api_port} "
          f"({settings.api_workers} workers); docs at /docs", flush=True)
    return _wait(_start_gunicorn(settings))


def _wait_healthy(base_url: str, process: subprocess.Popen, timeout: float = 120.0) -> dict | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"{base_url}/health", timeout=5) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:  # 503 while Neo4j warms up: keep waiting
            if error.code != 503:
                return None
        except OSError:
            pass
        time.sleep(0.5)
    return None


def _ensure_graph(settings: Settings) -> None:
    ensure_neo4j(settings)
    with create_driver(settings) as driver:
        nodes, _ = graph_counts(driver, settings.neo4j_database)
        if nodes.get("Title", 0) == 0:
            print("[demo] the graph is empty: ingesting the data ...", flush=True)
            ingest(driver, settings.data_dir, settings.reports_dir, database=settings.neo4j_database,
                   affinity_min_support=settings.affinity_min_support)
        else:
            print(f"[demo] graph ready: {nodes.get('Title', 0):,} titles", flush=True)


def _ensure_model(settings: Settings) -> None:
    """Run `titlegraph train` (the training area's own command) when no current model exists."""
    current = current_model_dir(settings.models_path)
    if current is not None:
        print(f"[demo] model ready: {current}", flush=True)
        return
    args = build_parser().parse_args(["train"])
    print("[demo] no trained model: running `titlegraph train` ...", flush=True)
    code = resolve_handler(args.handler)(settings, args)
    if code:
        print(f"[demo] `titlegraph train` failed with exit code {code}; serving without a model",
              flush=True)


def _sample_title_id(settings: Settings) -> str:
    with create_driver(settings) as driver:
        hits = reads.search_titles(driver, "Squid Game", kind="show", limit=1,
                                   database=settings.neo4j_database)
    return hits[0]["id"] if hits else "s34"


def demo_curls(base_url: str, title_id: str) -> list[str]:
    """Ready-to-paste curl commands for comps of a title and for a new title's prediction."""
    return [
        f"curl -s '{base_url}/v1/titles/{title_id}/similar?k=5'",
        f"curl -s -X POST '{base_url}/v1/predict?plan=true' -H 'Content-Type: application/json' "
        f"-d {shlex.quote(json.dumps(SAMPLE_NEW_TITLE))}",
    ]


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    """The main job: Neo4j up, data in, a model trained if none exists, then the API serving."""
    settings = _apply_options(settings, args)
    _require_free_port(settings)
    _ensure_graph(settings)
    _ensure_model(settings)
    title_id = _sample_title_id(settings)
    base_url = f"http://{settings.api_host}:{settings.api_port}"
    process = _start_gunicorn(settings)
    health = _wait_healthy(base_url, process)
    if health is None:
        print("[demo] the API did not come up; see the log lines above", flush=True)
        process.terminate()
        return _wait(process) or 1
    print(f"\n[demo] API serving on {base_url} (model {health['model']['version']}); web page at "
          f"{base_url}/ , reference at {base_url}/docs\n[demo] try:\n  "
          + "\n  ".join(demo_curls(base_url, title_id)) + "\n", flush=True)
    return _wait(process)
