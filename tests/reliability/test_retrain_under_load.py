"""Retraining while gunicorn (2 workers) serves a bounded load: `titlegraph train` processes
SIGKILLed mid-training and mid-write-back leave the last good version in force everywhere (the
`current` model, SIMILAR_TO and PREDICTED_AUDIENCE as readers see them, the answers), then a
retrain that completes is picked up by every worker, with zero failed requests throughout.

tests/service/test_service_reload.py covers a clean swap; this adds the killed runs (real
processes) and checks the graph state as well as the answers.
"""

from __future__ import annotations

import time

import pytest
import requests

from bench.soak import PacedLoad
from graph import audience as graph_audience
from graph import embeddings as graph_embeddings
from tests.reliability.conftest import NEW_TITLE, sigkill, titlegraph, wait_for_text, write_figures
from tests.service import seed
from tests.service.test_service_gunicorn import Gunicorn
from training import registry

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]

PLAN = [
    ("similar", "GET", "/v1/titles/svc-kr1/similar?k=3", None),
    ("predict", "POST", "/v1/predict?k=3", NEW_TITLE),
    ("similar", "GET", "/v1/titles/svc-sp2/similar?k=2", None),
    ("audience", "GET", "/v1/titles/svc-es1/audience", None),
]
RATE = 30.0
# Kill points, by what `titlegraph train` prints as it reaches them (tqdm bars on stderr).
KILL_MARKERS = ("train:", "write back")
TRAIN_ARGS = ("train", "--epochs", "30", "--hidden", "16", "--out", "8")
SWAP_BOUND_SECONDS = 15.0


def graph_state(driver, models_dir) -> dict:
    """What readers see of each model area: `current`, the version pointers, comps and audiences."""
    current = registry.current_model_dir(models_dir)
    return {
        "current": current.name if current else None,
        "embeddings": graph_embeddings.current_version(driver),
        "audience": graph_audience.current_audience_version(driver),
        "comps": {tid: graph_embeddings.similar_titles(driver, tid, k=10) for tid in seed.TITLE_IDS},
        "audience_edges": graph_audience.predicted_audience_counts(driver),
    }


def _worker_versions(url: str, tries: int = 12) -> set:
    # A fresh connection per request, so both workers answer some of them.
    answers = [requests.get(f"{url}/version", headers={"Connection": "close"}, timeout=10)
               for _ in range(tries)]
    return {answer.json()["model_version"] for answer in answers}


def test_killed_retrains_keep_the_last_good_version_and_a_finished_one_swaps_under_load(
        private_seed, private_neo4j, private_models, trained, tmp_path):
    driver = private_seed
    good_version = trained["version"]
    # The tiny graph has no chart history for an audience head, so the last good audience
    # predictions are written here, as `titlegraph train` would, under the same version.
    graph_audience.write_predicted_audience(
        driver, [(tid, [{"iso2": "KR", "p_chart": 0.5, "weeks": 1.5}]) for tid in seed.TITLE_IDS],
        good_version, progress=False)
    good = graph_state(driver, private_models)
    assert good["current"] == good["embeddings"] == good["audience"] == good_version
    settings = private_neo4j.with_overrides(models_dir=private_models, api_workers=2)
    service = Gunicorn(settings, tmp_path / "gunicorn.log")
    load = None
    kills = []
    try:
        service.wait_ready()
        load = PacedLoad(service.url, PLAN, rate=RATE, threads=4).start()
        started = load.started
        for index, marker in enumerate(KILL_MARKERS):
            log = tmp_path / f"train-{index}.log"
            run = titlegraph(settings, *TRAIN_ARGS, log_path=log)
            wait_for_text(run, log, marker, timeout=180)
            assert sigkill(run), f"train finished before the kill at {marker!r}"
            kills.append({"at": marker, "seconds_from_start": round(time.monotonic() - started, 1)})
            assert graph_state(driver, private_models) == good, f"state changed by a kill at {marker!r}"
        killed_until = time.monotonic() - started

        new_bundle = seed.train(settings, driver)  # a retrain that completes
        published = time.monotonic()
        while _worker_versions(service.url) != {new_bundle.name}:
            assert time.monotonic() - published < SWAP_BOUND_SECONDS, "workers still serve the old model"
            time.sleep(0.2)
        swapped = time.monotonic()
        time.sleep(settings.reload_interval + 2.0)
        outcomes = load.stop()
        load = None
    finally:
        if load is not None:
            load.stop()
        service.stop()

    assert new_bundle.name != good_version
    after = graph_state(driver, private_models)
    assert after["current"] == after["embeddings"] == new_bundle.name
    # The killed runs' staged SIMILAR_TO edges are gone with the old version's.
    assert set(graph_embeddings.similar_to_counts(driver)) == {new_bundle.name}
    assert after["audience"] == good_version  # this retrain wrote no audience head

    failed = [o for o in outcomes if o.status != 200 or o.error]
    assert not failed, failed[:5]
    during_kills = [o for o in outcomes if o.sent < killed_until and o.name != "audience"]
    assert during_kills and {o.model_version for o in during_kills} == {good_version}
    # A worker may have missed the /version probes, and cached comps are keyed by the graph's
    # versions read at most every reload_interval: one more interval, then every answer is new.
    late = [o for o in outcomes if o.sent > swapped - started + settings.reload_interval
            and o.name != "audience"]
    assert late and {o.model_version for o in late} == {new_bundle.name}
    assert {o.name for o in late} == {"similar", "predict"}
    write_figures("reliability_retrain_under_load", {
        "requests": len(outcomes), "failed": len(failed), "rate_target": RATE, "workers": 2,
        "kills": kills, "old_version": good_version, "new_version": new_bundle.name,
        "answers_by_version": {version: sum(o.model_version == version for o in outcomes
                                            if o.name != "audience")
                               for version in (good_version, new_bundle.name)},
        "workers_on_new_model_after_publish_s": round(swapped - published, 2),
        "last_old_answer_after_publish_s": round(max(
            o.sent + o.seconds for o in outcomes if o.model_version == good_version and o.name != "audience")
            - (published - started), 2),
        "max_latency_s": round(max(o.seconds for o in outcomes), 3),
    })
