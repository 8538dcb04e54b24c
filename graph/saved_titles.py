"""Titles saved through the API survive `ingest --fresh`.

`POST /v1/predict?save=true` writes the one kind of user data the graph holds: a title marked
`source: 'api'` with its genres, countries, tags, people, comps and audience. Before the wipe they
are written to a stash file (atomically, so the wipe never starts without them on disk); after
the ingest they are written back and the stash is removed. A fresh ingest killed in between leaves
the stash, and the next `titlegraph ingest` writes it back.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import neo4j

from graph import queries

BATCH_SIZE = 500
LINKS = ("genres", "countries", "terms", "people", "similar", "audience")


def export_saved_titles(driver: neo4j.Driver, database: str | None = None) -> list[dict]:
    """Every saved title: id, properties (saved_at as ISO text) and its links by the other ends' keys."""
    records, _, _ = driver.execute_query(queries.SAVED_TITLES_EXPORT, database_=database, routing_="r")
    return [record.data() for record in records]


def write_stash(path: Path, titles: list[dict]) -> None:
    """Write `titles` to `path` through a temporary file and a rename: whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with temporary.open("w", encoding="utf-8") as handle:
        json.dump({"titles": titles}, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def stash_saved_titles(driver: neo4j.Driver, path: Path, database: str | None = None) -> int:
    """Stash the saved titles before a wipe; an earlier, unfinished run's stash is kept as it is
    (the graph it came from may be gone). Returns the titles in the stash."""
    if not path.exists():
        write_stash(path, export_saved_titles(driver, database))
    return len(json.loads(path.read_text(encoding="utf-8"))["titles"])


def restore_saved_titles(driver: neo4j.Driver, path: Path, database: str | None = None) -> tuple[int, int]:
    """Write the stashed titles back, then remove the stash; returns (titles, links left out
    because their other end is not in the new graph). Without a stash, (0, 0)."""
    if not path.exists():
        return 0, 0
    titles = [_present_form(title) for title in json.loads(path.read_text(encoding="utf-8"))["titles"]]
    # Every title first, so a comp that is itself a saved title is there when the links are written.
    for start in range(0, len(titles), BATCH_SIZE):
        driver.execute_query(queries.RESTORE_SAVED_TITLES, titles=titles[start:start + BATCH_SIZE],
                             database_=database)
    written = 0
    for start in range(0, len(titles), BATCH_SIZE):
        records, _, _ = driver.execute_query(queries.RESTORE_SAVED_TITLE_LINKS,
                                             titles=titles[start:start + BATCH_SIZE], database_=database)
        written += records[0]["links"] or 0
    expected = sum(len(title[link]) for title in titles for link in LINKS)
    path.unlink()
    return len(titles), expected - written


def _present_form(title: dict) -> dict:
    """A stashed title as this version writes it: a stash made before summary terms had their own
    label holds them as `tags` (links and property)."""
    title = dict(title, props=dict(title["props"]))
    if "tags" in title:
        title.setdefault("terms", title.pop("tags"))
    if "tags" in title["props"]:
        title["props"].setdefault("terms", title["props"].pop("tags"))
    return title
