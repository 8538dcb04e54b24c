"""The audience section's prose: every figure comes from the run's inputs (split, results, head
config), and the choices section cites validation figures only."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import numpy as np

from training.audience_model import HeadConfig
from training.jobs.audience_report import MethodResult, choice_lines, render_audience_section


def _labels(titles: int, charting: int, as_of: dt.date, seed: int):
    charted = (np.random.default_rng(seed).random((titles, 3)) < 0.3).astype(np.float32)
    summary = {"titles": titles, "charting": charting, "never_charting": titles - charting, "complete": 7,
               "positive_cells": int(charted.sum())}
    return SimpleNamespace(title_ids=[f"t{i}" for i in range(titles)], countries=["FR", "KR", "US"],
                           charted=charted, as_of=as_of, summary=lambda: summary)


def _split():
    return SimpleNamespace(
        cutoff=dt.date(2021, 9, 19), train=_labels(40, 30, dt.date(2021, 9, 12), 0),
        test=_labels(12, 9, dt.date(2021, 12, 26), 1), validation_mask=np.arange(40) >= 32,
        pretrain_exclude_ids=["x"] * 17)


def _result(name: str, validation: float | None, notes: str, test: np.ndarray) -> MethodResult:
    scores = SimpleNamespace(mean_auc="0.61 [0.5, 0.7]", mean_ap="0.2", ndcg10="0.3", spearman_weeks="0.1")
    return MethodResult(name, test, test, scores, notes=notes, validation=validation)


def test_the_choices_cite_this_runs_validation_and_config_not_test_figures():
    split = _split()
    p_chart = np.full((12, 3), 0.25, dtype=np.float32)
    results = [_result("baseline", None, "baseline", p_chart),
               _result("head (frozen)", 0.6123, "validation 0.6123", p_chart),
               _result("head (fine-tuned)", 0.5987, "validation 0.5987", p_chart)]
    config = HeadConfig(hidden=24, dropout=0.4)
    text = "\n".join(choice_lines(split, results, results[1], config))
    assert "**head (frozen)**, validation 0.6123" in text
    assert "hidden 24, dropout 0.4" in text and "Platt scaling (`HeadConfig.calibrate`) is off" in text
    positives = split.train.charted.sum(axis=0).mean()
    assert f"40 training titles with\n  {positives:.0f} positives per country" in text
    # No sentence justifies a choice with a test figure, and no stale claim of Platt scaling.
    assert not re.search(r"test (ECE|AUC)[^.]*\d", text) and "Platt-scaled" not in text

    figures = {"calibration": "c.png", "regions": "r.png"}
    section = render_audience_section(split, results, results[1], [], figures, {"notes": [], "samples": 50})
    assert "(95% bootstrap intervals over titles, 50 resamples)" in section
    assert "Chart weeks 2021-07-04 .. 2021-12-26 (3 countries)" in section
    assert "Training: 40 titles (30 charting, 10 never charting; 8 of them validation)" in section
    assert "17 titles first seen from the cutoff on" in section
