"""`titlegraph train`: read the graph, train, score the comps, stage the bundle with its content
model and audience head, publish it, and write embeddings, comps, tags and audiences back."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from tqdm import tqdm

from graph.country_stats import refresh_country_stats
from graph.embeddings import read_chart_countries, write_embeddings, write_vocabulary_tags
from training import registry
from training.bundle import save_content, stage_bundle
from training.content import SPARE_PLACES
from training.content_fit import build_content
from training.content_model import ContentModel
from training.data import build_graph, read_snapshot
from training.evaluate import comps_metrics
from training.jobs.audience_retrain import NotEnoughLabels, train_audience, write_audience_back
from training.layout import build_layout
from training.train import TrainConfig, fit_features, top_k_comps, train_model

# Content comps stored per title: more than the audience's 10, so type and country filters
# of GET /similar still find k of them among the stored ones.
CONTENT_COMPS_K = {"netflix": 30, "all": 10}


def explained_audience_comps(content: ContentModel, title_ids: list[str],
                             comps: list[list[tuple[str, float]]]) -> list[list[dict]]:
    """Audience comps with the same explanation as content comps (shared tags, genres, people),
    production place included: it may shape audience comps."""
    index = content.index
    explained = []
    for title_id, title_comps in zip(title_ids, comps, strict=True):
        own = index.titles[index.position[title_id]]
        explained.append([
            {"id": comp_id, "score": score, **index.explain(own, index.position[comp_id], place=True)}
            for comp_id, score in title_comps
        ])
    return explained


def write_tags_and_country_stats(driver, content_model, settings, *,
                                 echo: Callable[[str], None] = print) -> None:
    """Write the vocabulary tags (Tag nodes, TAGGED edges) of a content model, then recompute the
    country stats: tag affinity counts the TAGGED edges (genres and market weights come along)."""
    vocabulary = content_model.assigner.vocabulary
    tagged = write_vocabulary_tags(
        driver, vocabulary.version,
        [{"name": t.name, "facet": t.facet, "definition": t.definition} for t in vocabulary.tags],
        {t.id: t.tags for t in content_model.index.titles}, database=settings.neo4j_database)
    echo(f"vocabulary tags written: {tagged['tags']} Tag nodes with facets, "
         f"{tagged['tagged']:,} TAGGED edges")
    refresh_country_stats(driver, min_support=settings.affinity_min_support,
                          database=settings.neo4j_database, echo=echo)


def run_training(
    settings,
    driver,
    config: TrainConfig,
    *,
    write_back: bool = True,
    progress: bool = True,
    echo: Callable[[str], None] = print,
) -> Path:
    """Read the graph, train, evaluate comps, write and publish the bundle, write back; return its folder."""
    started = time.monotonic()
    snapshot = _read_graph(settings, driver, progress)
    graph = build_graph(snapshot, min_person_titles=config.min_person_titles)
    featurizer, title_x = fit_features(graph, config, settings.cache_dir)
    result = train_model(graph, title_x, config, progress=progress)
    models_dir = settings.models_path
    models_dir.mkdir(parents=True, exist_ok=True)
    version = registry.unique_version(models_dir, graph.data_hash)
    metrics = _training_metrics(driver, settings.neo4j_database, graph, result, config)
    content = build_content(graph.titles, settings.cache_dir, echo=echo)
    metrics["tagging"] = content.tag_metrics
    staging = stage_bundle(models_dir, version, snapshot, graph, config, featurizer, title_x, result,
                           metrics)
    content.model.layout = build_layout(content.model.index, seed=config.seed)  # the map of GET /v1/map
    save_content(staging, content.model)
    # The audience head goes into the staging bundle, so `current` never lacks it.
    has_audience = _train_audience_head(driver, staging, settings, echo)
    version_dir = registry.finalize(staging, models_dir, version)
    written = {}
    if write_back:
        written = _write_back(driver, settings, version, graph, result, content.model, config.comps_k,
                              progress=progress, echo=echo)
        if has_audience:
            write_audience_back(driver, version_dir, settings, progress=progress, echo=echo)
    # `current` moves last, so a run killed before the write-back's flip leaves the previous model
    # in force beside its own comps and audiences (tests/reliability/test_retrain_under_load.py).
    registry.publish(models_dir, version_dir)
    seconds = time.monotonic() - started
    echo(_done_line(seconds, version, version_dir, graph, config, result, metrics, written))
    return version_dir


def _read_graph(settings, driver, progress: bool):
    """The graph snapshot the model trains on; an empty graph says to ingest first."""
    with tqdm(desc="read graph", unit="title", disable=not progress, mininterval=1.0) as bar:
        snapshot = read_snapshot(driver, database=settings.neo4j_database, on_batch=bar.update,
                                 catalog=settings.pretrain_catalog)
    if not snapshot.titles:
        raise RuntimeError("the graph holds no titles with metadata; run `titlegraph ingest` first")
    return snapshot


def _training_metrics(driver, database: str | None, graph, result, config: TrainConfig) -> dict:
    """metrics.json of the bundle: training losses and time, graph sizes, comps chart Jaccard."""
    return {
        "train_seconds": round(result.seconds, 1),
        "epochs": config.epochs,
        "loss_first": result.losses[0],
        "loss_last": result.losses[-1],
        "nodes": {t: len(keys) for t, keys in graph.keys.items()},
        "edges": {
            "/".join(et): int(graph.data[et].edge_index.size(1))
            for et in graph.data.edge_types
            if not et[1].startswith("rev_")
        },
        "comps_chart_jaccard": comps_metrics(
            graph.title_ids,
            result.title_embeddings,
            graph.titles,
            read_chart_countries(driver, database=database),
            config.comps_k,
            config.seed,
        ),
    }


def _train_audience_head(driver, staging: Path, settings, echo: Callable[[str], None]) -> bool:
    """Fit the audience head into the staging bundle; False when the graph has too little chart history."""
    try:
        train_audience(driver, staging, settings, echo=echo)
        return True
    except NotEnoughLabels as reason:
        # A graph without chart history (a tiny test graph, a catalog without charts) still
        # gets embeddings; the service reports that no audience model is loaded.
        echo(f"audience head skipped: {reason}")
        return False


def _write_back(driver, settings, version: str, graph, result, content_model: ContentModel, comps_k: int, *,
                progress: bool, echo: Callable[[str], None]) -> dict:
    """Embeddings, audience and content comps, vocabulary tags and country stats into Neo4j."""
    # Audience comps are Netflix titles: the only ones whose audience the charts show.
    # Spare places for what the list rules leave out: a work listed twice (language versions, one
    # summary under two names) takes one, a children's title sits beside no adult one
    # (ContentIndex.by_list_rules).
    index = content_model.index
    nearest = top_k_comps(graph.title_ids, result.title_embeddings, comps_k + SPARE_PLACES,
                          candidates=index.on_netflix)
    nearest = [index.by_list_rules(ranked, comps_k, seen=[title_id], audience=index.audience_of(title_id))
               for title_id, ranked in zip(graph.title_ids, nearest, strict=True)]
    comps = explained_audience_comps(content_model, graph.title_ids, nearest)
    echo(f"content comps of {len(graph.title_ids):,} titles among Netflix's titles and all services'")
    content_comps = {scope: content_model.comps_of_all(k, scope=scope)
                     for scope, k in CONTENT_COMPS_K.items()}
    with tqdm(
        total=len(comps), desc="write back", unit="title", disable=not progress, mininterval=1.0
    ) as bar:
        written = write_embeddings(
            driver,
            version,
            graph.title_ids,
            result.title_embeddings,
            comps,
            content_comps=content_comps,
            database=settings.neo4j_database,
            progress=bar.update,
        )
    write_tags_and_country_stats(driver, content_model, settings, echo=echo)
    return written


def _done_line(seconds: float, version: str, version_dir: Path, graph, config: TrainConfig, result,
               metrics: dict, written: dict) -> str:
    """The closing line of `titlegraph train`."""
    jaccard = metrics["comps_chart_jaccard"]
    return (
        f"train done in {seconds:.1f}s: version {version}, "
        f"{len(graph.title_ids):,} titles, {config.epochs} epochs in {result.seconds:.1f}s, "
        f"loss {result.losses[0]:.3f} -> {result.losses[-1]:.3f}"
        + (
            f", comps chart Jaccard {jaccard['graphsage']:.3f} (TF-IDF-kNN {jaccard['tfidf_knn']:.3f})"
            if jaccard
            else ""
        )
        + (f", {written['published']:,} embeddings and SIMILAR_TO written" if written else "")
        + f"; current -> {version_dir}"
    )
