"""`titlegraph backup` / `restore` on a Neo4j of the tests' own: a backup killed half-way is never
taken as good and the last good one restores with the same counts and checksum; a damaged backup
or a restore that does not match its manifest fails loudly. And `ingest --fresh` keeps the titles
saved through the API, even when it is killed between the wipe and the ingest.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from graph import reads, saved_titles, server
from graph.ingest import ingest
from graph.maintenance import clear_graph, graph_checksum, graph_counts
from tests.reliability.conftest import command_env, sigkill, titlegraph, wait_for_text, write_figures
from tests.reliability.sample import write_sample
from titlegraph import backup
from titlegraph.config import PROJECT_ROOT

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]

SAVED_ID = "api-backup-test"


@pytest.fixture
def sample(data_dir, tmp_path):
    folder = tmp_path / "data"
    write_sample(data_dir, folder)
    return folder


@pytest.fixture
def sample_graph(private_neo4j, private_driver, sample, tmp_path):
    """The private Neo4j holding the sample ingest plus one title saved through the API."""
    clear_graph(private_driver)
    ingest(private_driver, sample, tmp_path / "reports", progress=False, echo=lambda _: None)
    save_title(private_driver)
    return private_driver


def save_title(driver) -> None:
    """What `POST /v1/predict?save=true` writes, with links to the sample's nodes and a new person."""
    records, _, _ = driver.execute_query(
        "MATCH (c:Country)<-[:CHARTED_IN]-(t:Title)-[:IN_GENRE]->(g:Genre), (t)-[:HAS_TERM]->(x:Term) "
        "RETURN t.id AS comp, g.name AS genre, x.name AS term, c.iso2 AS iso2 ORDER BY comp LIMIT 1")
    found = records[0]
    title = {"id": SAVED_ID, "title": "Saved Through The API", "kind": "show", "year": 2022,
             "summary": "A detective returns home.", "genres": [found["genre"]], "countries": [found["iso2"]],
             "tags": [found["term"]], "cast": ["Ada Example"], "directors": ["Bo Example"],
             "embedding": [0.25, -0.5]}
    comp = {"id": found["comp"], "basis": "content", "scope": "netflix", "score": 0.9, "rank": 1,
            "why": "shared tags", "shared_tags": [found["term"]], "shared_facets": [],
            "shared_genres": [found["genre"]], "shared_people": []}
    reads.save_predicted_title(driver, title=title, similar=[comp], version="test-version",
                               audience=[{"country": found["iso2"], "p_chart": 0.4, "expected_weeks": 1.5}])


def make_models(models_dir, version: str) -> None:
    """A models folder shaped like a real one: a version with files, `current` pointing at it."""
    folder = models_dir / version
    folder.mkdir(parents=True)
    (folder / "weights.pt").write_bytes(os.urandom(256 * 1024))
    (folder / "config.json").write_text(json.dumps({"version": version}))
    current = models_dir / "current"
    current.unlink(missing_ok=True)
    current.symlink_to(version)


def state(settings) -> dict:
    return backup.graph_state(settings)


def run(settings, tmp_path, *args: str, timeout: float = 300) -> tuple[int, str, float]:
    log = tmp_path / f"{args[0]}-{time.monotonic_ns()}.log"
    started = time.monotonic()
    process = titlegraph(settings, *args, log_path=log)
    code = process.wait(timeout=timeout)
    return code, log.read_text(), time.monotonic() - started


def test_a_killed_backup_is_never_taken_and_the_last_good_one_restores(private_neo4j, sample_graph, tmp_path):
    settings = private_neo4j
    shutil.rmtree(settings.backups_path, ignore_errors=True)
    shutil.rmtree(settings.models_path, ignore_errors=True)
    make_models(settings.models_path, "v1")
    (settings.models_path / ".staging-v2-1").mkdir()  # a crashed train's leftovers: not backed up
    before = state(settings)

    code, output, backup_seconds = run(settings, tmp_path, "backup")
    assert code == 0, output
    [good] = backup.good_backups(settings.backups_path)
    manifest = json.loads((good / backup.MANIFEST).read_text())
    assert manifest["graph"] == before == state(settings)  # and Neo4j runs again
    assert set(manifest["models"]) == {"current", "v1/config.json", "v1/weights.pt"}

    # The graph and the models move on after the good backup.
    sample_graph.execute_query("MATCH (x:Term) DETACH DELETE x")
    make_models(settings.models_path, "v2")
    assert state(settings) != before

    # A backup killed once neo4j-admin has written part of the dump (the whole process group, as a
    # crash would); if the dump is already whole by then, the kill lands in the restart after it.
    log = (tmp_path / "killed-backup.log").open("w")
    killed = subprocess.Popen([sys.executable, "-m", "titlegraph", "backup"], cwd=PROJECT_ROOT,
                              env=command_env(settings), stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    deadline = time.monotonic() + 120
    while not _written(settings.backups_path.glob(".partial-*/graph/*.dump")):
        assert killed.poll() is None and time.monotonic() < deadline, log.name
        time.sleep(0.005)
    os.killpg(killed.pid, signal.SIGKILL)
    killed.wait(timeout=30)
    log.close()
    [partial] = settings.backups_path.glob(".partial-*")
    partial_bytes = sum(path.stat().st_size for path in partial.rglob("*") if path.is_file())
    assert backup.good_backups(settings.backups_path) == [good]  # the half-written one is not listed
    assert not server.status(settings).running  # the kill left Neo4j stopped, as a crash would

    code, output, restore_seconds = run(settings, tmp_path, "restore")
    assert code == 0, output
    assert good.name in output and "verified" in output
    assert state(settings) == before
    assert backup.file_digests(settings.models_path) == manifest["models"]
    assert os.readlink(settings.models_path / "current") == "v1"

    # The next backup clears the killed one's leftovers.
    code, output, _ = run(settings, tmp_path, "backup")
    assert code == 0, output
    assert len(backup.good_backups(settings.backups_path)) == 2
    assert not list(settings.backups_path.glob(".partial-*"))

    write_figures("reliability_backup", {
        "nodes": sum(before["nodes"].values()), "relationships": sum(before["relationships"].values()),
        "dump_bytes": manifest["dump_bytes"], "models_bytes": sum(
            entry.get("bytes", 0) for entry in manifest["models"].values()),
        "backup_seconds_cli": round(backup_seconds, 1), "backup_seconds_inside": manifest["seconds"],
        "restore_seconds_cli": round(restore_seconds, 1), "killed_partial_bytes": partial_bytes,
        "checksum": before["checksum"], "restored_equal": True,
    })


def _written(paths) -> bool:
    try:
        return any(path.stat().st_size > 0 for path in paths)
    except FileNotFoundError:  # renamed or removed between the listing and the stat
        return False


def test_a_damaged_backup_or_a_mismatch_fails_loudly(private_neo4j, sample_graph, tmp_path):
    settings = private_neo4j
    code, output, _ = run(settings, tmp_path, "backup")
    assert code == 0, output
    good = backup.good_backups(settings.backups_path)[-1]
    before = state(settings)

    damaged = tmp_path / "damaged"
    shutil.copytree(good, damaged, symlinks=True)
    dump = next((damaged / backup.GRAPH).glob("*.dump"))
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))
    code, output, _ = run(settings, tmp_path, "restore", str(damaged))
    assert code == 1 and "Traceback" not in output
    assert "is damaged: graph/neo4j.dump differs from its manifest" in output.strip().splitlines()[-1]
    assert server.status(settings).running and state(settings) == before  # nothing was touched

    # Files intact, but the graph they load is not the one the manifest describes.
    mismatched = tmp_path / "mismatched"
    shutil.copytree(good, mismatched, symlinks=True)
    manifest = json.loads((mismatched / backup.MANIFEST).read_text())
    manifest["graph"]["nodes"]["Title"] += 1
    (mismatched / backup.MANIFEST).write_text(json.dumps(manifest))
    code, output, _ = run(settings, tmp_path, "restore", str(mismatched))
    assert code == 1 and "Traceback" not in output
    line = output.strip().splitlines()[-1]
    assert "the restored graph differs from backup mismatched" in line and "nodes Title" in line


def saved(driver) -> list[dict]:
    return saved_titles.export_saved_titles(driver)


def test_fresh_ingest_keeps_the_saved_titles_even_when_killed(private_neo4j, sample_graph, sample, tmp_path):
    settings = private_neo4j
    args = ("ingest", "--data", str(sample), "--quiet")
    kept, counts, checksum = saved(sample_graph), graph_counts(sample_graph), graph_checksum(sample_graph)
    assert [title["id"] for title in kept] == [SAVED_ID]
    assert all(kept[0][link] for link in saved_titles.LINKS)

    code, output, _ = run(settings, tmp_path, *args, "--fresh")
    assert code == 0, output
    assert "1 saved titles written back" in output
    assert saved(sample_graph) == kept
    assert graph_counts(sample_graph) == counts and graph_checksum(sample_graph) == checksum

    # Killed after the wipe: the stash holds them, and the next ingest writes them back.
    log = tmp_path / "killed-fresh.log"
    killed = titlegraph(settings, *args, "--fresh", log_path=log)
    wait_for_text(killed, log, "graph cleared")
    assert sigkill(killed)
    assert saved(sample_graph) == [] and settings.saved_titles_stash.exists()
    code, output, _ = run(settings, tmp_path, *args)
    assert code == 0, output
    assert saved(sample_graph) == kept and not settings.saved_titles_stash.exists()
    assert graph_checksum(sample_graph) == checksum

    code, output, _ = run(settings, tmp_path, *args, "--fresh", "--drop-saved")
    assert code == 0, output
    assert saved(sample_graph) == []
    assert graph_counts(sample_graph)[0]["Title"] == counts[0]["Title"] - 1
