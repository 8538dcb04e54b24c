"""The audience section of docs/evaluation.md: its renderer; training/report.py writes it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from graph.audience import WINDOW_END, WINDOW_START
from training.audience_model import HeadConfig
from training.labels import HORIZON_WEEKS, MIN_OBSERVED_WEEKS
from training.metrics import expected_calibration_error
from training.report import MARK_END, MARK_START, write_report
from training.split import VALIDATION_FRACTION

DOC_START = "<!-- audience:start -->"
DOC_END = "<!-- audience:end -->"
NDCG_K = 10  # as metrics.mean_ndcg and score_method compute it
ECE_BINS = 10


@dataclass
class MethodResult:
    """One method's test predictions and scores."""

    name: str
    p_chart: np.ndarray
    weeks: np.ndarray
    scores: object
    hours: np.ndarray | None = None
    notes: str = ""
    seconds: float | None = None
    validation: float | None = None


def write_audience_section(path: Path, section: str) -> None:
    """Write the audience section of docs/evaluation.md, leaving every other line as it is."""
    if not path.exists() or not path.read_text().strip():
        # A new document gets the embeddings markers first, so that section stays above this one.
        write_report(path, "", MARK_START, MARK_END)
    write_report(path, section, DOC_START, DOC_END)


def render_audience_section(
    split,
    results: Sequence[MethodResult],
    model: MethodResult,
    comparisons: dict,
    figures: dict[str, str],
    extra: dict,
) -> str:
    """Markdown of the audience part of docs/evaluation.md."""
    lines = _setup_lines(split, extra.get("samples", 200))
    for result in results:
        s = result.scores
        bold = "**" if result is model else ""
        ece = expected_calibration_error(result.p_chart, split.test.charted, ECE_BINS)
        lines.append(
            f"| {bold}{result.name}{bold} | {s.mean_auc} | {s.mean_ap} | {s.ndcg10} | "
            f"{s.spearman_weeks} | {ece:.3f} | {result.notes} |"
        )
    lines += [
        "",
        f"Selected on validation: **{model.name}**. Paired bootstrap differences (same resampled test",
        "titles for both sides; an interval above 0 means better):",
        "",
    ]
    for comparison in comparisons:
        label = f"NDCG@{NDCG_K}" if comparison["metric"] == "ndcg10" else "mean ROC-AUC"
        lines.append(f"- {comparison['model']}, {label}: {comparison['delta']} vs {comparison['against']}")
    for key, value in extra.get("bullets", {}).items():
        lines.append(f"- {key}: {value}")
    lines += [
        "",
        f"![calibration]({figures['calibration']})",
        "",
        f"![per-region ROC-AUC]({figures['regions']})",
        "",
    ]
    lines += extra.get("notes", [])
    lines += ["", *choice_lines(split, results, model)]
    return "\n".join(lines)


def _setup_lines(split, samples: int) -> list[str]:
    """The report's labels, time split and metric definitions, with the split's own counts."""
    return [
        "## Audience by country (issue 4)",
        "",
        "Produced by `titlegraph evaluate` (training.jobs.evaluate_audience.run_audience_evaluation).",
        "Figures come from one run on a shared 2-core CPU; timings are noisy.",
        "",
        *_label_lines(split),
        "",
        *_split_lines(split),
        "",
        f"### Results on the test titles (95% bootstrap intervals over titles, {samples} resamples)",
        "",
        "Mean ROC-AUC and AP: per country 'charts in this country' (countries with >= 2 positives and",
        f"negatives), then averaged. NDCG@{NDCG_K}: countries ranked by p(chart) per title, "
        "gain = chart points,",
        "titles that charted somewhere. Spearman: predicted vs observed weeks over (title, country) cells of",
        f"titles with complete windows. ECE: expected calibration error of p(chart), {ECE_BINS} equal bins.",
        "",
        f"| method | mean ROC-AUC | mean AP | NDCG@{NDCG_K} | Spearman weeks | ECE | notes |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]


def _label_lines(split) -> list[str]:
    """How titles are labelled: the chart window, horizon and censoring rules."""
    return [
        "### Labels",
        "",
        f"- Chart weeks {WINDOW_START} .. {WINDOW_END} ({len(split.test.countries)} countries). "
        "Per title and",
        "  country: weeks in the top 10 and chart points (sum of 11 - rank) in the title's first "
        f"{HORIZON_WEEKS}",
        "  weeks, and charted-at-all.",
        "- Launch week: the first week on any chart, or the week of the Netflix `date_added` when that is",
        "  inside the window and earlier. Launched in the window = titles with metadata whose launch week",
        "  is in the window; titles added in the window that never chart are real zeros in every",
        "  country. Excluded: chart-only titles (no metadata) and titles already on the chart in the",
        "  first week unless added that week (left-censored: they may have launched earlier).",
        f"- Right-censoring: a title needs {MIN_OBSERVED_WEEKS} observed weeks (most country entries "
        "come within",
        "  a week of the global debut); week, point and hour targets use only titles whose "
        f"{HORIZON_WEEKS} weeks",
        "  are all observed (`complete`). Global hours = hours on the global top 10 within the "
        f"{HORIZON_WEEKS}",
        "  weeks (a lower bound: 0 when never on it).",
    ]


def _split_lines(split) -> list[str]:
    """The time split with its own counts."""
    train, test = split.train.summary(), split.test.summary()
    return [
        "### Time split",
        "",
        f"- Cutoff {split.cutoff} (chosen from title counts, before any test score). Training titles",
        f"  launched before it, labelled with chart weeks up to {split.train.as_of} only; test titles",
        f"  launched from it on, labelled with every week to {split.test.as_of}. Validation = the",
        f"  latest-launched {VALIDATION_FRACTION:.0%} of training titles.",
        f"- Training: {train['titles']} titles ({train['charting']} charting, {train['never_charting']} never"
        f" charting; {int(split.validation_mask.sum())} of them validation). Test: {test['titles']} titles"
        f" ({test['charting']} charting, {test['never_charting']} never charting, {test['complete']} with"
        f" complete {HORIZON_WEEKS}-week windows).",
        f"- {len(split.pretrain_exclude_ids)} titles first seen from the cutoff on (test titles, later chart",
        "  debuts, later additions) are left out of pretraining entirely (graph edges and text-encoder",
        "  fit) and embedded inductively from their metadata, like a new title at `POST /v1/predict`.",
    ]


def choice_lines(split, results: Sequence[MethodResult], model: MethodResult,
                 config: HeadConfig | None = None) -> list[str]:
    """How each choice was made. Figures are this run's; none is a test-split figure, because no
    choice reads the test titles: they are scored once, after everything is fixed."""
    config = config or HeadConfig()
    train = split.train.summary()
    positives = train["positive_cells"] / len(split.train.countries)
    on_off = {True: "on", False: "off"}
    return [
        "### How the choices were made (validation split only)",
        "",
        "No choice below reads a test figure: the test titles are scored once, after every choice.",
        "",
        f"- Head size and regularisation (`HeadConfig`): {train['titles']} training titles with",
        f"  {positives:.0f} positives per country on average overfit a wide head, so it is small and",
        f"  strongly regularised: hidden {config.hidden}, dropout {config.dropout}, weight decay",
        f"  {config.weight_decay}, learning rate {config.lr}. These defaults come from a validation grid run",
        "  when the head was built (hidden width, dropout, weight decay, learning rate); a run does not",
        "  repeat the grid. Per-country biases and home-market offsets are not weight-decayed and start at",
        "  the observed base rate and home-market lift.",
        f"- Listwise (ListNet) ranking term, weight {config.rank_weight}, and the production-country ->",
        f"  chart-country affinity matrix ({on_off[config.affinity]}): chosen on the validation score (mean",
        f"  of NDCG@{NDCG_K} and mean ROC-AUC) when the head was built; a run does not repeat the "
        "comparison.",
        f"- Calibration: Platt scaling (`HeadConfig.calibrate`) is {on_off[config.calibrate]}. "
        "The chart loss is",
        "  unweighted, so p(chart) is a probability as trained. Platt scaling would be fitted on the",
        "  validation titles, which at `titlegraph train` time are the latest launches and nearly all",
        "  charting, so it would inflate p(chart). The calibration plot and the ECE column show the test",
        "  titles; they describe the result and decided nothing.",
        "- Training vectors: the pretrained (transductive) embeddings of the training titles, or the same",
        "  titles re-embedded from metadata like serving does; chosen per run on validation (both listed",
        "  in the log of `titlegraph evaluate`).",
        "- Frozen vs fine-tuned encoder, and the head in bold: the higher validation score (the notes",
        f"  column). In this run: **{model.name}**, validation {model.validation:.4f}. "
        "The fine-tuned variant",
        "  trains the GraphSAGE encoder and a head jointly on the audience loss (validation titles held",
        "  out), then fits the head again on the tuned embeddings.",
        "- `titlegraph train` ships the frozen encoder whatever this table says: the encoder is shared with",
        "  the comps (SIMILAR_TO, vector index), and fine-tuning it for audience would move the similarity",
        "  map.",
        "- Validation and test titles differ: validation titles (the latest launches before the cutoff)",
        "  include many never-charting new additions, test titles (launched from the cutoff on, after the",
        "  catalogue snapshot) are mostly charting, often library titles that chart in one or two",
        "  countries. New releases added after the snapshot are not in the catalogues at all (chart-only),",
        "  so the test set under-represents exactly the new originals that `POST /v1/predict` will see.",
        "  Validation scores are therefore not comparable with test scores.",
        "- Ablations (same head, frozen space; listed in the table, not used for selection): the head",
        "  without the metadata features, and the head with the embedding zeroed. `POST /v1/predict` must",
        "  pass the NewTitle: `model.audience(embedding, new_title)`.",
        "- Leakage checks: labels of training titles stop at the week before the cutoff; post-cutoff",
        "  titles are excluded from the graph and the text-encoder fit (tests/audience/test_split.py",
        "  rewrites a post-cutoff title and shows identical training labels, head weights and",
        "  predictions, and an identical pretraining graph). One residual path is outside this code:",
        "  ingest extracts summary tags with corpus-wide document frequencies (graph/tags.py), so",
        "  post-cutoff summaries influence which tags exist; it carries no chart information.",
    ]
