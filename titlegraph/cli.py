"""`titlegraph` command line: neo4j start|stop|status, ingest, country-stats, backup, restore, train,
evaluate, serve, demo.

Handlers take `(settings, args)` and return an exit code; they import their modules lazily so
`titlegraph neo4j status` does not pay for torch.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from titlegraph.config import Settings, load_settings
from titlegraph.errors import UserError, explain

# Modules with a `register(subparsers)` function; imported only when the parser is built.
AREAS = ["training.cli", "service.cli"]


def open_driver(settings: Settings):
    from graph.driver import create_driver

    return create_driver(settings)


def ensure_neo4j(settings: Settings) -> None:
    """Start the project's Neo4j unless NEO4J_URI points elsewhere."""
    if settings.manages_neo4j:
        from graph import server

        server.start(settings)


def cmd_neo4j(settings: Settings, args: argparse.Namespace) -> int:
    from graph import server

    if args.action == "start":
        state = server.start(settings)
        print(f"Neo4j running: bolt {state.bolt_uri}  browser {state.browser_url}  "
              f"user {settings.neo4j_user}, password in {settings.neo4j_home / 'password'}"
              if settings.neo4j_password is None else
              f"Neo4j running: bolt {state.bolt_uri}  browser {state.browser_url}")
    elif args.action == "stop":
        print("stopped" if server.stop(settings) else "not running")
    elif args.action == "install":
        print(f"Neo4j jars in {server.install(settings)}")
    else:
        state = server.status(settings)
        print(f"{'running' if state.running else 'stopped'}  pid {state.pid}  bolt {state.bolt_uri}  "
              f"browser {state.browser_url}  home {state.home}")
        return 0 if state.running else 3
    return 0


def cmd_ingest(settings: Settings, args: argparse.Namespace) -> int:
    from graph import saved_titles
    from graph.ingest import ingest, require_data_files

    if args.drop_saved and not args.fresh:
        raise UserError("--drop-saved goes with --fresh (a plain ingest deletes nothing)")
    data_dir = Path(args.data).resolve() if args.data else settings.data_dir
    require_data_files(data_dir)
    ensure_neo4j(settings)
    database, stash = settings.neo4j_database, settings.saved_titles_stash
    with open_driver(settings) as driver:
        if args.fresh:
            _wipe(driver, settings, drop_saved=args.drop_saved)
        ingest(driver, data_dir, settings.reports_dir, database=database,
               progress=not args.quiet, batch_size=settings.ingest_batch_size,
               affinity_min_support=settings.affinity_min_support)
        # Also after a fresh ingest that was killed between the wipe and this point.
        titles, left_out = saved_titles.restore_saved_titles(driver, stash, database)
        if titles:
            print(f"[ingest] {titles} saved titles written back"
                  + (f"; {left_out} of their links left out (the other end is not in the new data)"
                     if left_out else ""), flush=True)
    return 0


def _wipe(driver, settings: Settings, *, drop_saved: bool) -> None:
    """Empty the graph for `ingest --fresh`, stashing the titles saved through the API first."""
    from graph import saved_titles
    from graph.maintenance import clear_graph

    stash = settings.saved_titles_stash
    if drop_saved:
        stash.unlink(missing_ok=True)
    else:
        kept = saved_titles.stash_saved_titles(driver, stash, settings.neo4j_database)
        if kept:
            print(f"[ingest] {kept} titles saved through the API kept in {stash} during the rebuild "
                  "(--drop-saved drops them)", flush=True)
    deleted = clear_graph(driver, settings.neo4j_database)
    print(f"[ingest] graph cleared: {deleted:,} nodes deleted", flush=True)


def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    from titlegraph import backup

    backup.create_backup(settings)
    return 0


def cmd_restore(settings: Settings, args: argparse.Namespace) -> int:
    from titlegraph import backup

    if args.list:
        for folder in backup.good_backups(settings.backups_path):
            print(backup.describe(folder))
        return 0
    backup.restore_backup(settings, args.backup)
    return 0


def cmd_country_stats(settings: Settings, args: argparse.Namespace) -> int:
    from graph.country_stats import refresh_country_stats

    ensure_neo4j(settings)
    with open_driver(settings) as driver:
        refresh_country_stats(driver, min_support=settings.affinity_min_support,
                              database=settings.neo4j_database)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="titlegraph", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    neo4j_cmd = commands.add_parser("neo4j", help="the project's own Neo4j server")
    neo4j_cmd.add_argument("action", choices=["start", "stop", "status", "install"])
    neo4j_cmd.set_defaults(handler=cmd_neo4j)

    ingest_cmd = commands.add_parser("ingest", help="load the public data files into Neo4j")
    ingest_cmd.add_argument("--data", help="folder with the data files (default: TITLEGRAPH_DATA)")
    ingest_cmd.add_argument("--quiet", action="store_true", help="no progress bar")
    ingest_cmd.add_argument("--fresh", action="store_true",
                            help="empty the graph first (titles saved through the API are kept)")
    ingest_cmd.add_argument("--drop-saved", action="store_true",
                            help="with --fresh: drop the titles saved through the API too")
    ingest_cmd.set_defaults(handler=cmd_ingest)

    stats_cmd = commands.add_parser(
        "country-stats", help="recompute market weights and genre/tag affinity from the graph "
                              "(ingest and train do it too)")
    stats_cmd.set_defaults(handler=cmd_country_stats)
    backup_cmd = commands.add_parser("backup", help="dump the graph (Neo4j stopped meanwhile) and copy the "
                                     "models folder into TITLEGRAPH_BACKUPS, verified")
    backup_cmd.set_defaults(handler=cmd_backup)
    restore_cmd = commands.add_parser("restore", help="load a backup's graph and models, then verify the "
                                      "counts and checksum against its manifest")
    restore_cmd.add_argument("backup", nargs="?",
                             help="a backup's name or folder (default: the newest good one)")
    restore_cmd.add_argument("--list", action="store_true", help="list the good backups and exit")
    restore_cmd.set_defaults(handler=cmd_restore)

    # Each area adds its own sub-commands (train/evaluate, serve, demo) next to its code.
    for area in AREAS:
        importlib.import_module(area).register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `titlegraph` command."""
    args = build_parser().parse_args(argv)
    settings = load_settings()
    try:
        return args.handler(settings, args)
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
