"""The audience part of `titlegraph evaluate`: baselines and the head in each vector space on a
time split, paired bootstrap comparisons, the pictures, and the report section."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from graph import audience as graph_audience
from titlegraph.config import PROJECT_ROOT
from training.audience_model import HeadConfig, HeadInputs
from training.audience_spaces import EmbeddingSpace, metadata_table, space_from_model
from training.baselines import TitleTable, all_baselines
from training.encoder_tuning import fine_tune_encoder, pretrain_without
from training.fit_head import fit_space_head, select_and_refit, tfidf_head_for_split
from training.jobs.audience_report import MethodResult, render_audience_section, write_audience_section
from training.metrics import (
    REGION_OF,
    mean_auc,
    mean_ndcg,
    paired_bootstrap_delta,
    per_country_auc,
    region_table,
    score_method,
    weeks_spearman,
)
from training.plots import plot_calibration, plot_regions
from training.split import DEFAULT_CUTOFF, time_split
from training.viewing_report import run_viewing_evaluation


def evaluate_methods(
    split,
    metadata: dict[str, dict],
    spaces: Sequence[EmbeddingSpace],
    *,
    samples: int = 200,
    seed: int = 0,
    echo: Callable[[str], None] = print,
) -> list[MethodResult]:
    """Baselines, the TF-IDF head and the head in each embedding space, scored on the test titles."""
    test = split.test
    train_table = metadata_table(metadata, split.train.title_ids)
    test_table = metadata_table(metadata, test.title_ids)

    def scored(name, p_chart, weeks, **extra):
        result = MethodResult(
            name,
            p_chart,
            weeks,
            score_method(
                p_chart,
                weeks,
                test.charted,
                test.points,
                test.weeks,
                test.complete,
                samples=samples,
                seed=seed,
            ),
            **extra,
        )
        echo(
            f"{name:44s} AUC {result.scores.mean_auc}  NDCG@10 {result.scores.ndcg10}  "
            f"AP {result.scores.mean_ap}  Spearman {result.scores.spearman_weeks}"
        )
        return result

    results = []
    for baseline in all_baselines():
        baseline.fit(train_table, split.train)
        results.append(scored(baseline.name, *baseline.predict(test_table), notes="baseline"))
    candidates = [EmbeddingSpace("TF-IDF (no graph)", None, None, None)] + list(spaces)
    for space in candidates:
        validation, label, predictor, test_inputs, seconds = _best_variant(space, split, metadata, test_table,
                                                                           echo)
        p_chart, weeks, hours = predictor.predict(test_inputs)
        results.append(
            scored(
                label,
                p_chart,
                weeks,
                hours=hours,
                seconds=seconds,
                notes=f"validation {validation:.4f}",
                validation=validation,
            )
        )
    if spaces:
        results += _ablations(spaces[0], split, metadata, test_table, scored, echo)
    return results


def _best_variant(space: EmbeddingSpace, split, metadata: dict[str, dict], test_table: TitleTable,
                  echo: Callable[[str], None]) -> tuple:
    """The head in `space` trained on pretrained or re-embedded training vectors, whichever scores
    better on validation: (validation, label, predictor, test inputs, seconds)."""
    variants = [False] if space.known is None else [False, True]
    best = None
    for inductive_train in variants:
        started = time.monotonic()
        if space.known is None:
            predictor, encode = tfidf_head_for_split(split, metadata)
            test_inputs = HeadInputs(encode(test_table), test_table)
        else:
            predictor, test_inputs = fit_space_head(
                space, split, metadata, inductive_train=inductive_train
            )
        seconds = time.monotonic() - started
        label = f"head on {space.name}" + (", trained on re-embedded titles" if inductive_train else "")
        validation = predictor.metrics["validation_score"]
        echo(f"{label}: validation {validation:.4f}, {seconds:.1f}s")
        if best is None or validation > best[0]:
            best = (validation, label, predictor, test_inputs, seconds)
    return best


def _ablations(
    space: EmbeddingSpace,
    split,
    metadata: dict[str, dict],
    test_table: TitleTable,
    scored,
    echo: Callable[[str], None],
) -> list[MethodResult]:
    """What the metadata features and what the embedding add: the head without one of them."""
    train_table = metadata_table(metadata, split.train.title_ids)
    train_vectors = space.known(split.train.title_ids)
    test_vectors = space.new([metadata[i] for i in split.test.title_ids])
    results = []
    for label, config, blank in (
        ("embedding only (no metadata features)", HeadConfig(use_metadata=False), False),
        ("metadata features only (embedding zeroed)", HeadConfig(), True),
    ):

        def vectors(matrix, blank=blank):
            return np.zeros_like(matrix) if blank else matrix

        predictor = select_and_refit(
            HeadInputs(vectors(train_vectors), train_table),
            split.train,
            space.country_vectors,
            split.validation_mask,
            config,
        )
        validation = predictor.metrics["validation_score"]
        echo(f"ablation {label}: validation {validation:.4f}")
        p_chart, weeks, _ = predictor.predict(HeadInputs(vectors(test_vectors), test_table))
        results.append(
            scored(
                f"ablation: {space.name}, {label}",
                p_chart,
                weeks,
                notes=f"ablation, validation {validation:.4f}",
            )
        )
    return results


def _best_baseline(results: Sequence[MethodResult], metric: str) -> MethodResult:
    return max((r for r in results if r.notes == "baseline"), key=lambda r: getattr(r.scores, metric).value)


def compare_to_best_baseline(
    model: MethodResult, results: Sequence[MethodResult], split, *, samples: int = 200, seed: int = 0
) -> list[dict]:
    """Paired bootstrap deltas of `model` for NDCG@10 and mean ROC-AUC against the best baseline
    of each metric and against the head on TF-IDF features (what the graph adds)."""
    test = split.test
    tfidf_head = [r for r in results if r.name.startswith("head on TF-IDF")]
    comparisons = []
    metrics = (("ndcg10", mean_ndcg, test.points), ("mean_auc", mean_auc, test.charted))
    for metric, function, target in metrics:
        for other in [_best_baseline(results, metric), *tfidf_head]:
            delta = paired_bootstrap_delta(
                lambda rows, m=model, f=function, y=target: f(m.p_chart[rows], y[rows]),
                lambda rows, b=other, f=function, y=target: f(b.p_chart[rows], y[rows]),
                len(test.title_ids),
                samples=samples,
                seed=seed,
            )
            comparisons.append({"model": model.name, "metric": metric, "against": other.name, "delta": delta})
    return comparisons


def run_audience_evaluation(
    driver,
    settings,
    *,
    cutoff=None,
    space_factory=None,
    docs_dir: Path | None = None,
    samples: int = 200,
    echo: Callable[[str], None] = print,
) -> dict:
    """Time-split evaluation with baselines; writes the audience part of docs/evaluation.md and PNGs.

    `space_factory(split, metadata, countries)` returns the graph `EmbeddingSpace`s to evaluate
    (pretrained without `split.pretrain_exclude_ids`); without it only baselines and TF-IDF run.
    """
    started = time.monotonic()
    docs_dir = docs_dir or PROJECT_ROOT / "docs"
    records, countries, metadata, split = _read_split(driver, settings.neo4j_database, cutoff, echo)
    spaces = space_factory(split, metadata, countries) if space_factory else []
    if spaces:
        run_viewing_evaluation(records, countries, metadata, spaces[0], docs_dir, settings.reports_dir,
                               cutoff=split.cutoff, echo=echo)
    results = evaluate_methods(split, metadata, spaces, samples=samples, echo=echo)
    heads = [r for r in results if r.validation is not None]
    model = max(heads, key=lambda r: r.validation)
    graph_heads = [r for r in heads if not r.name.startswith("head on TF-IDF")] or [model]
    comparisons = [
        c for head in graph_heads for c in compare_to_best_baseline(head, results, split, samples=samples)
    ]
    best_auc = _best_baseline(results, "mean_auc")
    figures, rows = _draw_figures(results, model, best_auc, split.test, countries, docs_dir)
    notes = _hours_note(model, split.test)
    section = render_audience_section(split, results, model, comparisons, figures,
                                      {"notes": notes, "samples": samples})
    write_audience_section(docs_dir / "evaluation.md", section)
    summary = {
        "split": split.summary(),
        "methods": {r.name: r.scores.to_dict() | {"notes": r.notes, "seconds": r.seconds} for r in results},
        "selected": model.name,
        "comparisons": [c | {"delta": c["delta"].to_dict()} for c in comparisons],
        "regions": rows,
        "regions_baseline": best_auc.name,
        "seconds": time.monotonic() - started,
    }
    settings.reports_dir.mkdir(parents=True, exist_ok=True)
    (settings.reports_dir / "audience_evaluation.json").write_text(json.dumps(summary, indent=1, default=str))
    echo(
        f"audience evaluation done in {summary['seconds']:.0f}s: {model.name} NDCG@10 {model.scores.ndcg10}, "
        f"mean ROC-AUC {model.scores.mean_auc}; report in {docs_dir / 'evaluation.md'}"
    )
    return summary


def _read_split(driver, database: str | None, cutoff, echo: Callable[[str], None]) -> tuple:
    """Chart records, chart countries, title metadata and the time split at `cutoff`."""
    records = graph_audience.chart_records(driver, database=database)
    countries = [iso2 for iso2, _ in graph_audience.chart_countries(driver, database=database)]
    metadata = graph_audience.title_metadata(
        driver, graph_audience.metadata_title_ids(driver, database=database), database=database
    )
    split = time_split(records, countries, cutoff or DEFAULT_CUTOFF)
    echo(
        f"time split at {split.cutoff}: {len(split.train.title_ids)} training titles, "
        f"{len(split.test.title_ids)} test titles, "
        f"{len(split.pretrain_exclude_ids)} excluded from pretraining"
    )
    return records, countries, metadata, split


def _draw_figures(results, model: MethodResult, best_auc: MethodResult, test, countries, docs_dir: Path):
    """The calibration and per-region pictures; returns their file names and the region rows."""
    curves = {
        r.name: (r.p_chart, test.charted)
        for r in results
        if r is model or r.name in ("country prior", "comps average (TF-IDF kNN)")
    }
    rows = region_table(
        per_country_auc(model.p_chart, test.charted),
        per_country_auc(best_auc.p_chart, test.charted),
        countries,
        dict(REGION_OF),
        test.charted.sum(axis=0),
    )
    figures = {"calibration": "audience_calibration.png", "regions": "audience_regions.png"}
    plot_calibration(curves, docs_dir / figures["calibration"])
    plot_regions(rows, docs_dir / figures["regions"], model.name, best_auc.name)
    return figures, rows


def _hours_note(model: MethodResult, test) -> list[str]:
    """The report line on global hours, when the selected head predicts them."""
    if model.hours is None:
        return []
    complete = test.complete
    rho = weeks_spearman(model.hours[complete][:, None], test.global_hours[complete][:, None])
    return [
        f"Global hours (complete test titles, n={int(complete.sum())}): Spearman of predicted vs "
        f"observed hours on the global top 10 = {rho:.3f}."
    ]


def graph_space_factory(
    driver,
    settings,
    work_dir: Path,
    *,
    fine_tune: bool = True,
    progress: bool = True,
    echo: Callable[[str], None] = print,
):
    """The `space_factory` of `titlegraph evaluate`: pretrain without the split's post-cutoff titles
    (bundle in `work_dir/pretrained`), and optionally fine-tune the encoder on the audience loss."""
    def factory(split, metadata, countries):
        started = time.monotonic()
        for name in ("pretrained", "fine-tuned"):
            shutil.rmtree(work_dir / name, ignore_errors=True)
        model, parts = pretrain_without(
            driver, settings, split.pretrain_exclude_ids, work_dir / "pretrained", progress=progress
        )
        echo(
            f"pretrained without {len(split.pretrain_exclude_ids)} post-cutoff titles in "
            f"{time.monotonic() - started:.0f}s ({len(model.title_ids):,} titles)"
        )
        frozen = space_from_model(model, metadata, countries, "GraphSAGE (frozen encoder)")
        if not fine_tune:
            return [frozen]
        tuned = fine_tune_encoder(parts, frozen, split, metadata, work_dir / "fine-tuned", echo=echo)
        return [frozen, space_from_model(tuned, metadata, countries, "GraphSAGE (fine-tuned encoder)")]

    return factory


def evaluate_audience(
    settings,
    driver,
    *,
    docs_dir: Path | None = None,
    progress: bool = True,
    echo: Callable[[str], None] = print,
) -> dict:
    """The audience part of `titlegraph evaluate`: pretrain without the post-cutoff titles, fine-tune,
    score every method on the time split, write docs/evaluation.md (audience part) and the PNGs."""
    factory = graph_space_factory(
        driver, settings, settings.home / "audience-eval", progress=progress, echo=echo
    )
    return run_audience_evaluation(driver, settings, space_factory=factory, docs_dir=docs_dir, echo=echo)
