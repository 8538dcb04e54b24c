"""`titlegraph` command line: neo4j start|stop|status, ingest, country-stats, backup, restore, train,
evaluate, serve, demo.

The parser is built from light modules only (this one, training/cli.py, service/cli.py). Each
sub-command names its handler as "module:function", a handler taking `(settings, args)` and
returning an exit code, and `main` imports that module when the command runs: the one import
made late, so `titlegraph neo4j status` does not load torch and `train` does not load gunicorn.
Handler modules (titlegraph/commands.py, training/commands.py, service/commands.py) import
everything at their top.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings
from collections.abc import Callable

from titlegraph.config import Settings, load_settings
from titlegraph.errors import explain

# Modules with a `register(subparsers)` function that adds their area's sub-commands.
AREAS = ["training.cli", "service.cli"]
COMMANDS = "titlegraph.commands"


def resolve_handler(name: str) -> Callable[[Settings, argparse.Namespace], int]:
    """The function a "module:function" handler name points to, its module imported now."""
    module, _, function = name.partition(":")
    return getattr(importlib.import_module(module), function)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="titlegraph", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    neo4j_cmd = commands.add_parser("neo4j", help="the project's own Neo4j server")
    neo4j_cmd.add_argument("action", choices=["start", "stop", "status", "install"])
    neo4j_cmd.set_defaults(handler=f"{COMMANDS}:cmd_neo4j")

    ingest_cmd = commands.add_parser("ingest", help="load the public data files into Neo4j")
    ingest_cmd.add_argument("--data", help="folder with the data files (default: TITLEGRAPH_DATA)")
    ingest_cmd.add_argument("--quiet", action="store_true", help="no progress bar")
    ingest_cmd.add_argument("--fresh", action="store_true",
                            help="empty the graph first (titles saved through the API are kept)")
    ingest_cmd.add_argument("--drop-saved", action="store_true",
                            help="with --fresh: drop the titles saved through the API too")
    ingest_cmd.set_defaults(handler=f"{COMMANDS}:cmd_ingest")

    stats_cmd = commands.add_parser(
        "country-stats", help="recompute market weights and genre/tag affinity from the graph "
                              "(ingest and train do it too)")
    stats_cmd.set_defaults(handler=f"{COMMANDS}:cmd_country_stats")
    backup_cmd = commands.add_parser("backup", help="dump the graph (Neo4j stopped meanwhile) and copy the "
                                     "models folder into TITLEGRAPH_BACKUPS, verified")
    backup_cmd.set_defaults(handler=f"{COMMANDS}:cmd_backup")
    restore_cmd = commands.add_parser("restore", help="load a backup's graph and models, then verify the "
                                      "counts and checksum against its manifest")
    restore_cmd.add_argument("backup", nargs="?",
                             help="a backup's name or folder (default: the newest good one)")
    restore_cmd.add_argument("--list", action="store_true", help="list the good backups and exit")
    restore_cmd.set_defaults(handler=f"{COMMANDS}:cmd_restore")

    # Each area adds its own sub-commands (train/evaluate, serve, demo) next to its code.
    for area in AREAS:
        importlib.import_module(area).register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `titlegraph` command."""
    args = build_parser().parse_args(argv)
    # torch's own deprecation notices (torch.jit.script, reached through torch_geometric) are not
    # the user's to act on, and would stand before a command's one-line answer on stderr.
    warnings.filterwarnings("ignore", category=FutureWarning, module=r"torch(\.|$)")
    settings = load_settings()
    try:
        return resolve_handler(args.handler)(settings, args)
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        # A user's mistake is one line saying what to do; anything else is a bug and keeps its traceback.
        message = explain(error, settings)
        if message is None:
            raise
        print(f"titlegraph {args.command}: {message}", file=sys.stderr, flush=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
