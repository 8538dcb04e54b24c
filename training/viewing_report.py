"""`titlegraph evaluate-viewing`: the viewing forecast on the time split, rendered into docs/evaluation.md.

The embedding space is the one the audience evaluation uses: pretrained without every title
first seen from the cutoff on, test titles embedded inductively from their metadata. Choices
(ridge, spread) are made on the latest training launches; the test titles are scored once.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from training.report import write_report
from training.split import DEFAULT_CUTOFF, time_split
from training.viewing import FEATURES, HORIZON_WEEKS
from training.viewing_fit import evaluate_viewing, viewing_data

START, END = "<!-- viewing:start -->", "<!-- viewing:end -->"
MODEL = "viewing model (censored log-normal)"


def run_viewing_evaluation(records, countries, metadata, space, docs_dir: Path, reports_dir: Path, *,
                           cutoff=DEFAULT_CUTOFF, echo: Callable[[str], None] = print) -> dict:
    """Fit on the training launches, score the test launches, write the `viewing` section."""
    started = time.monotonic()
    split = time_split(records, countries, cutoff)
    train = viewing_data(records, split.train, metadata, space.known(split.train.title_ids))
    test = viewing_data(records, split.test, metadata, space.new([metadata[i] for i in split.test.title_ids]))
    echo(f"viewing: {len(train.facts)} training launches ({int(train.targets.reached.sum())} on the global "
         f"list), {len(test.facts)} test launches ({int(test.targets.reached.sum())} on it)")
    results = evaluate_viewing(train, split.validation_mask, test)
    summary = {"cutoff": split.cutoff.isoformat(), "space": space.name, "results": results,
               "seconds": round(time.monotonic() - started, 1)}
    write_report(docs_dir / "evaluation.md", render_viewing_section(summary, train, test), START, END)
    reports_dir.mkdir(parents=True, exist_ok=True)
    (reports_dir / "viewing_evaluation.json").write_text(json.dumps(summary, indent=1))
    best = results[MODEL]
    echo(f"viewing evaluation done in {summary['seconds']}s: Spearman(p50, hours) {best['spearman_p50']}, "
         f"80% interval coverage {best['coverage_80']}, reach AUC {best['reach_auc']}")
    return summary


def _cell(value) -> str:
    return "n/a" if value is None else f"{value}"


def render_viewing_section(summary: dict, train, test) -> str:
    """Markdown of the viewing part of docs/evaluation.md, every figure from `summary`."""
    results = summary["results"]
    model = results[MODEL]
    lines = [
        "## Viewing forecast (issue 13)",
        "",
        "Produced by `titlegraph evaluate-viewing` (training/viewing_report.py); `titlegraph evaluate` runs",
        "it too. Method and censoring: training/viewing.py's module docstring.",
        "",
        f"- Target: worldwide hours viewed in the launch week and the {HORIZON_WEEKS - 1} weeks after it,",
        "  from the global weekly top 10.",
        "  A week off the list is censored below that week's number 10 of its list, so each title's hours",
        "  are an interval; a log-normal regression is fitted to the intervals by maximum likelihood.",
        f"- Time split at {summary['cutoff']}: {len(train.facts)} training launches "
        f"({int(train.targets.reached.sum())} reached the global list), {len(test.facts)} test launches "
        f"({int(test.targets.reached.sum())} reached it, {int(test.targets.exact.sum())} on it all four "
        "weeks).",
        f"- Embedding space: {summary['space']}; features: {', '.join(FEATURES)}.",
        f"- Chosen on the validation launches: ridge {model['ridge']}, interval spread x{model['spread']}.",
        "",
        "| method | Spearman p50 vs hours (on the list) | median abs log error | reach AUC | "
        "80% interval coverage | share below p50 |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, scores in results.items():
        cells = [scores[key] for key in ("spearman_p50", "median_abs_log_error", "reach_auc", "coverage_80",
                                         "below_p50")]
        lines.append(f"| {name} | " + " | ".join(_cell(value) for value in cells) + " |")
    lines += [
        "",
        "Spearman and the log error use the titles that reached the global list (their hours are known",
        "at least in part). Reach AUC: p50 ranking titles that reached the list above those that did",
        "not. Coverage counts censored titles correctly: the forecast's CDF at each title's lower and",
        "upper bound gives an interval for its PIT, Turnbull's estimator turns those intervals into a",
        "PIT distribution, and coverage is its mass between 0.1 and 0.9 (0.8 is calibrated; the share",
        "below p50 should be 0.5).",
        "",
        "Coefficients of the model (standardized features, log-hours scale): "
        + ", ".join(f"{name} {value}" for name, value in model["coefficients"].items()) + ".",
    ]
    return "\n".join(lines)
