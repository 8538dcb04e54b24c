"""`titlegraph backup` and `titlegraph restore`: the graph (Neo4j's own dump and load) and the
models folder, written atomically and verified.

A backup is `<backups>/<UTC time>/` holding `graph/neo4j.dump`, `models/` (a copy, symlinks kept)
and `manifest.json`: node counts per label, relationship counts per type, a checksum of every node
and relationship with its properties (graph.maintenance.graph_checksum), and the SHA-256 of every
file. It is written into a hidden `.partial-*` folder that is renamed when complete, so a killed
backup is never listed or restored. Restore checks every file before it touches anything, loads
the dump, and compares the restored graph with the manifest: any difference is an error.

Community Neo4j dumps and loads a database only while the server is stopped, so both commands stop
the project's own server (the API answers 503 meanwhile) and start it again.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from graph import server
from graph.driver import create_driver
from graph.maintenance import graph_checksum, graph_counts
from titlegraph.config import NEO4J_VERSION, Settings
from titlegraph.errors import UserError

MANIFEST = "manifest.json"
FORMAT = 1
GRAPH, MODELS = "graph", "models"


class BackupError(UserError):
    """A backup is damaged, or the restored graph differs from the backup's manifest."""


def _log(message: str) -> None:
    print(message, flush=True)


@contextlib.contextmanager
def _exclusive(root: Path) -> Iterator[None]:
    """One backup or restore at a time per backups folder (the lock dies with its process)."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".lock").open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UserError(f"another backup or restore is running on {root}; wait for it") from None
        yield


def _require_own_neo4j(settings: Settings) -> None:
    if not settings.manages_neo4j:
        raise UserError(f"NEO4J_URI is set ({settings.neo4j_uri}): backup and restore work on titlegraph's "
                        "own Neo4j only; back up that server with its neo4j-admin")


# --- files ------------------------------------------------------------------------------------
def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_digests(folder: Path) -> dict[str, dict]:
    """Every file below `folder` by relative path: its size and SHA-256, or a symlink's target."""
    entries = {}
    for path in sorted(folder.rglob("*")):
        name = str(path.relative_to(folder))
        if path.is_symlink():
            entries[name] = {"link": os.readlink(path)}
        elif path.is_file():
            entries[name] = {"bytes": path.stat().st_size, "sha256": _sha256(path)}
    return entries


def _fsync_tree(folder: Path) -> None:
    """Flush every file and folder below `folder` to disk, so a completed backup survives a crash."""
    for path in [*folder.rglob("*"), folder]:
        if path.is_symlink():
            continue
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _copy_models(source: Path, target: Path) -> bool:
    """Copy the models folder (symlinks as symlinks, no hidden staging folders); False if there is none."""
    if not source.is_dir():
        return False
    shutil.copytree(source, target, symlinks=True, ignore=lambda _, names: [n for n in names if n[0] == "."])
    return True


def _bytes(entries: dict[str, dict]) -> int:
    return sum(entry.get("bytes", 0) for entry in entries.values())


# --- the graph --------------------------------------------------------------------------------
def graph_state(settings: Settings) -> dict:
    """Counts per label and type and the checksum of the running project's graph."""
    with create_driver(settings) as driver:
        nodes, relationships = graph_counts(driver, settings.neo4j_database)
        checksum = graph_checksum(driver, settings.neo4j_database)
    return {"nodes": nodes, "relationships": relationships, "checksum": checksum}


def state_differences(expected: dict, found: dict) -> list[str]:
    """What differs between two graph states, in words (empty when they are equal)."""
    differences = []
    for part in ("nodes", "relationships"):
        for key in sorted(set(expected[part]) | set(found[part])):
            want, got = expected[part].get(key, 0), found[part].get(key, 0)
            if want != got:
                differences.append(f"{part} {key}: {want:,} in the backup, {got:,} now")
    if expected["checksum"] != found["checksum"]:
        differences.append("the checksum over every property differs")
    return differences


def _dump(settings: Settings, target: Path, echo: Callable[[str], None]) -> dict:
    """Stop Neo4j, dump the graph into `target`, start it again; the graph state that was dumped."""
    was_running = server.status(settings).running
    # Read while it still serves; compared again after the restart, so a write made while the
    # backup ran is caught rather than recorded as a state the dump does not hold.
    before = graph_state(settings) if was_running else None
    echo("[backup] stopping Neo4j: Community dumps only a stopped database")
    server.stop(settings)
    try:
        echo("[backup] dumping the graph with neo4j-admin database dump ...")
        server.dump_database(settings, target)
    finally:
        server.start(settings)
    try:
        after = graph_state(settings)
    finally:
        if not was_running:
            server.stop(settings)
    if before is not None and state_differences(before, after):
        raise BackupError("the graph changed while the backup ran (" + "; ".join(
            state_differences(before, after)[:3]) + "); run `titlegraph backup` again")
    return after


# --- backup -----------------------------------------------------------------------------------
def good_backups(root: Path) -> list[Path]:
    """Complete backups in `root`, oldest first (a folder is complete once it has its final name)."""
    if not root.is_dir():
        return []
    return sorted(path for path in root.iterdir()
                  if path.is_dir() and not path.name.startswith(".") and (path / MANIFEST).is_file())


def describe(folder: Path) -> str:
    """One line about a backup: name, graph size, files, when."""
    manifest = json.loads((folder / MANIFEST).read_text())
    graph = manifest["graph"]
    models = "none" if manifest["models"] is None else f"{_bytes(manifest['models']) / 1e6:.1f} MB"
    return (f"{folder.name}: {sum(graph['nodes'].values()):,} nodes, "
            f"{sum(graph['relationships'].values()):,} relationships, "
            f"dump {manifest['dump_bytes'] / 1e6:.1f} MB, models {models}, "
            f"checksum {graph['checksum'][:12]}, created {manifest['created_at']}")


def _new_name(root: Path) -> str:
    name = base = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    counter = 1
    while (root / name).exists():
        name, counter = f"{base}-{counter}", counter + 1
    return name


def create_backup(settings: Settings, echo: Callable[[str], None] = _log) -> Path:
    """Dump the graph and copy the models folder into a new backup folder; return it."""
    _require_own_neo4j(settings)
    root = settings.backups_path
    with _exclusive(root):
        for stale in root.glob(".partial-*"):
            echo(f"[backup] removing {stale.name}, left by a backup that did not finish")
            shutil.rmtree(stale)
        started = time.monotonic()
        name = _new_name(root)
        partial = root / f".partial-{name}-{os.getpid()}"
        partial.mkdir()
        graph = _dump(settings, partial / GRAPH, echo)
        dumped = time.monotonic()
        echo(f"[backup] copying the models folder {settings.models_path} ...")
        has_models = _copy_models(settings.models_path, partial / MODELS)
        dump_entries = file_digests(partial / GRAPH)
        manifest = {
            "format": FORMAT, "name": name, "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "neo4j_version": NEO4J_VERSION, "database": settings.neo4j_database, "graph": graph,
            "dump": dump_entries, "dump_bytes": _bytes(dump_entries),
            "models": file_digests(partial / MODELS) if has_models else None,
            "seconds": {"graph": round(dumped - started, 1), "total": round(time.monotonic() - started, 1)},
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
        _fsync_tree(partial)
        os.rename(partial, root / name)  # the one step that makes it a backup
        _fsync_tree(root)
    echo(f"[backup] {describe(root / name)}, in {manifest['seconds']['total']:.1f}s: {root / name}")
    return root / name


# --- restore ----------------------------------------------------------------------------------
def _choose(root: Path, name: str | None) -> Path:
    backups = good_backups(root)
    if name is None:
        if not backups:
            raise UserError(f"no complete backup in {root}; make one with `titlegraph backup`")
        return backups[-1]
    folder = Path(name) if Path(name).is_dir() else root / name
    if not (folder / MANIFEST).is_file() or folder.name.startswith("."):
        raise UserError(f"{name} is not a complete backup in {root}; `titlegraph restore --list` lists them")
    return folder


def verify_files(folder: Path) -> dict:
    """The backup's manifest, after checking every file against it (BackupError if one differs)."""
    manifest = json.loads((folder / MANIFEST).read_text())
    expected = {f"{GRAPH}/{path}": entry for path, entry in manifest["dump"].items()}
    found = {f"{GRAPH}/{path}": entry for path, entry in file_digests(folder / GRAPH).items()}
    if manifest["models"] is not None:
        expected |= {f"{MODELS}/{path}": entry for path, entry in manifest["models"].items()}
        found |= {f"{MODELS}/{path}": entry for path, entry in file_digests(folder / MODELS).items()}
    damaged = sorted(path for path in set(expected) | set(found) if expected.get(path) != found.get(path))
    if damaged:
        raise BackupError(f"backup {folder} is damaged: {', '.join(damaged[:5])} "
                          f"{'differs' if len(damaged) == 1 else 'differ'} from its manifest; "
                          "restore another one (`titlegraph restore --list`)")
    return manifest


def _restore_models(folder: Path, manifest: dict, models_path: Path) -> None:
    """Replace the models folder with the backup's copy: staged beside it, checked, then renamed."""
    staged = models_path.parent / f".{models_path.name}.restoring-{os.getpid()}"
    replaced = models_path.parent / f".{models_path.name}.replaced-{os.getpid()}"
    shutil.rmtree(staged, ignore_errors=True)
    models_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(folder / MODELS, staged, symlinks=True)
    if file_digests(staged) != manifest["models"]:
        shutil.rmtree(staged)
        raise BackupError(f"the models copied from {folder} differ from its manifest; nothing was replaced")
    _fsync_tree(staged)
    if models_path.exists():
        os.rename(models_path, replaced)
    os.rename(staged, models_path)
    shutil.rmtree(replaced, ignore_errors=True)


def restore_backup(settings: Settings, name: str | None = None, echo: Callable[[str], None] = _log) -> Path:
    """Load a backup (default: the newest complete one), verify it, and leave Neo4j running."""
    _require_own_neo4j(settings)
    root = settings.backups_path
    with _exclusive(root):
        folder = _choose(root, name)
        started = time.monotonic()
        echo(f"[restore] checking {folder.name} against its manifest ...")
        manifest = verify_files(folder)
        echo("[restore] stopping Neo4j: Community loads only into a stopped server")
        server.stop(settings)
        try:
            echo("[restore] loading the graph with neo4j-admin database load ...")
            server.load_database(settings, folder / GRAPH)
        finally:
            server.start(settings)
        differences = state_differences(manifest["graph"], graph_state(settings))
        if differences:
            raise BackupError(f"the restored graph differs from backup {folder.name}: "
                              + "; ".join(differences[:5]))
        if manifest["models"] is None:
            models = f"the backup has no models folder, {settings.models_path} left as it is"
        else:
            _restore_models(folder, manifest, settings.models_path)
            models = f"models restored to {settings.models_path}"
    echo(f"[restore] {describe(folder)}: graph counts and checksum verified, {models}, "
         f"in {time.monotonic() - started:.1f}s")
    return folder
