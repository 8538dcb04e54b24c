"""Handlers of the graph-side sub-commands: neo4j start|stop|status|install, ingest, country-stats,
backup, restore; and the two helpers every area's handlers share (`ensure_neo4j`, `open_driver`).

Handlers take `(settings, args)` and return an exit code; `titlegraph.cli` imports this module
only when one of these commands runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import neo4j

from graph import saved_titles, server
from graph.country_stats import refresh_country_stats
from graph.driver import create_driver
from graph.ingest import ingest, require_data_files
from graph.maintenance import clear_graph
from titlegraph import backup
from titlegraph.config import Settings
from titlegraph.errors import UserError


def open_driver(settings: Settings) -> neo4j.Driver:
    return create_driver(settings)


def ensure_neo4j(settings: Settings) -> None:
    """Start the project's Neo4j unless NEO4J_URI points elsewhere."""
    if settings.manages_neo4j:
        server.start(settings)


def cmd_neo4j(settings: Settings, args: argparse.Namespace) -> int:
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
    backup.create_backup(settings)
    return 0


def cmd_restore(settings: Settings, args: argparse.Namespace) -> int:
    if args.list:
        for folder in backup.good_backups(settings.backups_path):
            print(backup.describe(folder))
        return 0
    backup.restore_backup(settings, args.backup)
    return 0


def cmd_country_stats(settings: Settings, args: argparse.Namespace) -> int:
    ensure_neo4j(settings)
    with open_driver(settings) as driver:
        refresh_country_stats(driver, min_support=settings.affinity_min_support,
                              database=settings.neo4j_database)
    return 0
