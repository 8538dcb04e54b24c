"""Pure audience metrics: AUC, AP, NDCG@10, Spearman, bootstrap intervals, calibration."""

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

from training.metrics import (
    bootstrap,
    calibration_bins,
    mean_ndcg,
    ndcg_at_k,
    per_country_ap,
    per_country_auc,
    weeks_spearman,
)


def test_per_country_auc_equals_sklearn_with_ties():
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 4, (120, 5)).astype(float)
    charted = (rng.random((120, 5)) < 0.3).astype(float)
    expected = [roc_auc_score(charted[:, j], scores[:, j]) for j in range(5)]
    assert np.allclose(per_country_auc(scores, charted), expected)


def test_per_country_ap_equals_sklearn_with_ties():
    rng = np.random.default_rng(3)
    scores = rng.integers(0, 6, (150, 4)).astype(float)
    charted = (rng.random((150, 4)) < 0.2).astype(float)
    expected = [average_precision_score(charted[:, j], scores[:, j]) for j in range(4)]
    assert np.allclose(per_country_ap(scores, charted), expected)


def test_columns_with_too_few_positives_are_nan():
    charted = np.zeros((10, 2))
    charted[0, 0] = 1
    charted[:5, 1] = 1
    values = per_country_auc(np.random.default_rng(1).random((10, 2)), charted)
    assert np.isnan(values[0]) and np.isfinite(values[1])
    assert np.isnan(per_country_ap(np.ones((10, 2)), charted)[0])


def test_ndcg_is_one_for_the_ideal_ranking_and_lower_otherwise():
    gains = np.array([[10.0, 0, 3, 0], [0, 0, 0, 0]])
    assert ndcg_at_k(gains, gains, k=10)[0] == 1.0
    assert np.isnan(ndcg_at_k(gains, gains)[1])
    reversed_scores = -gains
    assert ndcg_at_k(reversed_scores, gains)[0] < 1.0
    assert mean_ndcg(gains, gains) == 1.0


def test_spearman_uses_the_mask():
    observed = np.array([[1.0, 2, 3], [4, 5, 6]])
    predicted = observed.copy()
    predicted[1] = [100, 0, -5]
    mask = np.array([[True] * 3, [False] * 3])
    assert weeks_spearman(predicted, observed, mask) == 1.0
    assert weeks_spearman(predicted, observed) < 1.0


def test_bootstrap_interval_brackets_the_mean():
    values = np.random.default_rng(2).normal(size=300)
    interval = bootstrap(lambda rows: float(values[rows].mean()), len(values), samples=200, seed=0)
    assert interval.low <= interval.value <= interval.high
    assert interval.high - interval.low < 0.5


def test_calibration_bins_report_observed_rates():
    p_chart = np.array([0.05, 0.05, 0.95, 0.95])
    charted = np.array([0, 0, 1, 0])
    rows = calibration_bins(p_chart, charted, bins=10)
    assert [row["observed"] for row in rows] == [0.0, 0.5]
    assert sum(row["count"] for row in rows) == 4
