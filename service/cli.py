"""Arguments of the service sub-commands (`titlegraph serve`, `demo`, `predict SLATE.csv`). The parser
imports this module for every command, so it imports no service code: the handlers are in
service/commands.py (serve, demo) and service/slate_command.py (predict), imported only when one
of these commands runs (titlegraph/cli.py).
"""

from __future__ import annotations

import argparse

COMMANDS = "service.commands"


def register(commands) -> None:
    """Add this area's sub-commands to the `titlegraph` parser."""
    serve = commands.add_parser("serve", help="run the REST API under gunicorn")
    _serve_options(serve)
    serve.set_defaults(handler=f"{COMMANDS}:cmd_serve")
    demo = commands.add_parser("demo", help="Neo4j up, data ingested, model trained if none, then serve")
    _serve_options(demo)
    demo.set_defaults(handler=f"{COMMANDS}:cmd_demo")
    slate = commands.add_parser("predict", help="predict a release slate: SLATE.csv in, a report CSV out")
    slate.add_argument("slate", help="CSV with POST /v1/predict's fields as columns (lists separated by ';')")
    slate.add_argument("--out", required=True, help="report CSV: one row per good title")
    slate.add_argument("--top", type=int, default=5, help="comps and markets per row (default 5)")
    slate.add_argument("--quiet", action="store_true", help="no progress bar")
    slate.set_defaults(handler="service.slate_command:cmd_predict")


def _serve_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="listen address (default TITLEGRAPH_API_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default TITLEGRAPH_API_PORT or 8000)")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default TITLEGRAPH_API_WORKERS or 2)")
