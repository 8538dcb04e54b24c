"""The audience step of `titlegraph train`: fit the head (and the viewing forecast) on a staged
bundle's embeddings, and write PREDICTED_AUDIENCE back to Neo4j."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from graph import audience as graph_audience
from training.audience_model import AudiencePredictor, HeadConfig, HeadInputs, make_comps
from training.audience_spaces import metadata_table, space_from_model
from training.bundle import (
    audience_dir,
    load_bundle,
    save_audience_head,
    save_title_metadata,
    save_viewing_head,
)
from training.fit_head import select_and_refit
from training.labels import AudienceLabels, build_labels
from training.split import VALIDATION_FRACTION, validation_rows
from training.viewing_fit import fit_viewing, runtime_medians, viewing_data


def _names(model) -> dict[str, str]:
    return {row["id"]: row["title"] for row in model.titles}


class NotEnoughLabels(RuntimeError):
    """The graph has too little chart history to train the audience head."""


def train_audience(
    driver,
    model_dir: Path,
    settings,
    *,
    config: HeadConfig | None = None,
    echo: Callable[[str], None] = print,
) -> dict:
    """Train the audience head on a bundle's embeddings and save it into `<bundle>/heads/audience/`.

    Call it after the bundle files are written and before the bundle is finalized and published
    (it works on the staging folder), so `current` never points at a bundle without its head.
    Labels use every chart week; validation (early stopping, choice between the pretrained and
    the re-embedded training vectors) is the latest-launched 20% of the labelled titles.
    """
    started = time.monotonic()
    model = load_bundle(model_dir)
    database = settings.neo4j_database
    countries, records, labels = _chart_labels(driver, model, database)
    metadata = graph_audience.title_metadata(driver, model.title_ids, database=database)
    space = space_from_model(model, metadata, countries, "GraphSAGE")
    validation = validation_rows(labels, VALIDATION_FRACTION)
    table = metadata_table(metadata, labels.title_ids)
    known = space.known(labels.title_ids)
    choices = {"pretrained": known, "re-embedded": space.new([metadata[i] for i in labels.title_ids])}
    fitted = {
        name: select_and_refit(HeadInputs(vectors, table), labels, space.country_vectors, validation, config)
        for name, vectors in choices.items()
    }
    chosen = max(fitted, key=lambda name: fitted[name].metrics["validation_score"])
    predictor = fitted[chosen]
    names = _names(model)
    predictor.comps = make_comps(labels.title_ids, [names.get(i, i) for i in labels.title_ids], known, labels)
    predictor.version = model.version
    predictor.launch_mean_weeks = labels.weeks[labels.complete].mean(axis=0).astype(np.float32)
    viewing = fit_viewing(viewing_data(records, labels, metadata, choices[chosen]), validation,
                          runtime_minutes=runtime_medians(metadata))
    save_viewing_head(model_dir, viewing)
    predictor.metrics |= {
        "training_vectors": chosen,
        "labels": labels.summary(),
        "validation_scores": {n: p.metrics["validation_score"] for n, p in fitted.items()},
        "seconds_total": time.monotonic() - started,
    }
    save_audience_head(model_dir, predictor)
    # The heads' inputs per title, so a service answers /audience from the bundle while Neo4j is away.
    save_title_metadata(model_dir, metadata)
    echo(
        f"audience head trained in {time.monotonic() - started:.1f}s on {len(labels.title_ids)} titles "
        f"({labels.summary()['charting']} charting) x {len(countries)} countries; training vectors: "
        f"{chosen}; validation NDCG/AUC score {predictor.metrics['validation_score']:.3f}; "
        f"viewing forecast on {viewing.metrics['titles']} titles (ridge {viewing.metrics['ridge']}, "
        f"spread {viewing.metrics['spread']}); saved in {audience_dir(model_dir).parent}"
    )
    return predictor.metrics


def _chart_labels(driver, model, database: str | None) -> tuple[list[str], list, AudienceLabels]:
    """Chart countries, chart records of the model's titles and their labels; too few labelled
    titles raise NotEnoughLabels."""
    countries = [iso2 for iso2, _ in graph_audience.chart_countries(driver, database=database)]
    records = [
        r
        for r in graph_audience.chart_records(driver, database=database)
        if r.title_id in model.index["title"]
    ]
    labels = build_labels(records, countries)
    if len(labels.title_ids) < 20:
        raise NotEnoughLabels(
            f"only {len(labels.title_ids)} labelled titles launched in the chart window; the "
            "audience head needs chart history (run `titlegraph ingest` on the full data)"
        )
    return countries, records, labels


def predict_catalog(
    model,
    predictor: AudiencePredictor,
    metadata: dict[str, dict],
    *,
    min_p_chart: float = 0.1,
    always_top: int = 3,
    batch: int = 2000,
):
    """Yield (title id, [{iso2, p_chart, weeks}]) for every title of the model: countries with
    p_chart >= min_p_chart, and at least each title's `always_top` best countries."""
    for start in range(0, len(model.title_ids), batch):
        title_ids = [t for t in model.title_ids[start : start + batch] if t in metadata]
        table = metadata_table(metadata, title_ids)
        vectors = model.title_embeddings[[model.index["title"][t] for t in title_ids]]
        p_chart, weeks, _ = predictor.predict(HeadInputs(np.asarray(vectors, dtype=np.float32), table))
        for row, title_id in enumerate(title_ids):
            order = np.argsort(-p_chart[row], kind="stable")
            keep = [c for rank, c in enumerate(order) if rank < always_top or p_chart[row, c] >= min_p_chart]
            yield (
                title_id,
                [
                    {
                        "iso2": predictor.countries[c],
                        "p_chart": round(float(p_chart[row, c]), 5),
                        "weeks": round(float(weeks[row, c]), 4),
                    }
                    for c in keep
                ],
            )


def write_audience_back(
    driver,
    model_dir: Path,
    settings,
    *,
    min_p_chart: float = 0.1,
    progress: bool = True,
    echo: Callable[[str], None] = print,
) -> dict:
    """Write PREDICTED_AUDIENCE for every title of the bundle and publish its version (see graph.audience)."""
    started = time.monotonic()
    model = load_bundle(model_dir)
    predictor = AudiencePredictor.load(audience_dir(model_dir))
    metadata = graph_audience.title_metadata(driver, model.title_ids, database=settings.neo4j_database)
    counts = graph_audience.write_predicted_audience(
        driver,
        predict_catalog(model, predictor, metadata, min_p_chart=min_p_chart),
        model.version,
        total=len(model.title_ids),
        database=settings.neo4j_database,
        progress=progress,
    )
    echo(
        f"PREDICTED_AUDIENCE written in {time.monotonic() - started:.1f}s: {counts['written']:,} edges of "
        "version "
        f"{model.version} for {len(model.title_ids):,} titles (p_chart >= {min_p_chart} or a title's top 3), "
        f"{counts['deleted']:,} edges of older versions deleted"
    )
    return counts
