"""Every metric of the evaluations, as pure functions: the embeddings' (ROC-AUC, filtered rank,
hits@k, Jaccard of comps, top-k overlap) and the audience head's with their bootstrap intervals.

Every audience metric takes plain arrays shaped [titles, countries]:
- `scores`: what the model ranks countries by (p_chart),
- `charted`: 0/1, whether the title charted in the country within its label window,
- `gains`: graded relevance for NDCG (chart points, sum of 11 - rank),
- `mask`: optional 0/1 of the cells that count (titles with enough observed weeks).
Intervals resample titles (rows) with replacement, because titles are the sampled unit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
from scipy.stats import rankdata, spearmanr

_REGION_MEMBERS = {
    "North America": "US CA",
    "Latin America & Caribbean": "AR BO BR BS CL CO CR DO EC GP GT HN JM MQ MX NI PA PE PY SV TT UY VE",
    "Western Europe": "AT BE CH CY DE DK ES FI FR GB GR IE IS IT LU MT NL NO PT SE",
    "Central & Eastern Europe": "BG CZ EE HR HU LT LV PL RO RS RU SI SK UA",
    "Middle East & North Africa": "AE BH EG IL JO KW LB MA OM QA SA TR",
    "Sub-Saharan Africa & Indian Ocean": "KE MU NG RE ZA",
    "South Asia": "BD IN LK MV PK",
    "East & Southeast Asia": "HK ID JP KR MY PH SG TH TW VN",
    "Oceania": "AU NC NZ",
}
# ISO2 -> region of the 94 chart countries (read-only).
REGION_OF = MappingProxyType(
    {iso2: region for region, members in _REGION_MEMBERS.items() for iso2 in members.split()}
)


@dataclass(frozen=True)
class Interval:
    """A point estimate with a percentile bootstrap interval.

    Args:
        value: the metric on the full sample.
        low: lower bound (2.5th percentile by default).
        high: upper bound (97.5th percentile by default).
    """

    value: float
    low: float
    high: float

    def __str__(self) -> str:
        return f"{self.value:.3f} [{self.low:.3f}, {self.high:.3f}]"

    def to_dict(self) -> dict[str, float]:
        """The interval as a JSON-ready dict."""
        return {"value": self.value, "low": self.low, "high": self.high}


def per_country_auc(scores: np.ndarray, charted: np.ndarray, min_positives: int = 2) -> np.ndarray:
    """ROC-AUC per country (column); NaN where a column has too few positives or negatives."""
    # Mann-Whitney form with average ranks for ties: equal to sklearn's roc_auc_score, vectorised.
    labels = charted > 0
    positives = labels.sum(axis=0)
    negatives = labels.shape[0] - positives
    ranks = rankdata(scores, axis=0)
    rank_sums = np.where(labels, ranks, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        auc = (rank_sums - positives * (positives + 1) / 2) / (positives * negatives)
    return np.where((positives >= min_positives) & (negatives >= min_positives), auc, np.nan)


def per_country_ap(scores: np.ndarray, charted: np.ndarray, min_positives: int = 2) -> np.ndarray:
    """Average precision per country (column); NaN where a column has too few positives."""
    return _per_column(scores, charted, average_precision, min_positives)


def average_precision(labels: np.ndarray, scores: np.ndarray) -> float:
    """Average precision as sklearn computes it (ties form one threshold), in plain numpy."""
    order = np.argsort(-scores, kind="stable")
    sorted_scores, sorted_labels = scores[order], labels[order] > 0
    last_of_threshold = np.r_[np.flatnonzero(np.diff(sorted_scores)), len(sorted_scores) - 1]
    true_positives = np.cumsum(sorted_labels)[last_of_threshold]
    precision = true_positives / (last_of_threshold + 1)
    recall = true_positives / max(true_positives[-1], 1)
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def _per_column(scores: np.ndarray, charted: np.ndarray, metric: Callable, min_positives: int) -> np.ndarray:
    values = np.full(charted.shape[1], np.nan)
    for column in range(charted.shape[1]):
        labels = charted[:, column]
        positives = int(labels.sum())
        # Too few positives or negatives make the per-country figure noise, not a measurement.
        if positives >= min_positives and len(labels) - positives >= min_positives:
            values[column] = metric(labels, scores[:, column])
    return values


def mean_auc(scores: np.ndarray, charted: np.ndarray) -> float:
    """Mean of the per-country ROC-AUCs that are defined."""
    return float(np.nanmean(per_country_auc(scores, charted)))


def mean_ap(scores: np.ndarray, charted: np.ndarray) -> float:
    """Mean of the per-country average precisions that are defined."""
    return float(np.nanmean(per_country_ap(scores, charted)))


def ndcg_at_k(scores: np.ndarray, gains: np.ndarray, k: int = 10) -> np.ndarray:
    """NDCG@k of the country ranking of each title (row); NaN for rows without any gain."""
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    ranked_gains = np.take_along_axis(gains, order, axis=1)
    dcg = (ranked_gains * discounts[: ranked_gains.shape[1]]).sum(axis=1)
    ideal = -np.sort(-gains, axis=1)[:, :k]
    idcg = (ideal * discounts[: ideal.shape[1]]).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(idcg > 0, dcg / np.where(idcg > 0, idcg, 1.0), np.nan)


def mean_ndcg(scores: np.ndarray, gains: np.ndarray, k: int = 10) -> float:
    """Mean NDCG@k over the titles that charted somewhere."""
    return float(np.nanmean(ndcg_at_k(scores, gains, k)))


def weeks_spearman(
    predicted_weeks: np.ndarray, observed_weeks: np.ndarray, mask: np.ndarray | None = None
) -> float:
    """Spearman correlation of predicted and observed weeks over all (title, country) cells."""
    keep = np.ones_like(observed_weeks, dtype=bool) if mask is None else mask.astype(bool)
    predicted, observed = predicted_weeks[keep], observed_weeks[keep]
    if predicted.size < 3 or np.ptp(observed) == 0 or np.ptp(predicted) == 0:
        return float("nan")
    return float(spearmanr(predicted, observed).statistic)


def bootstrap(
    metric: Callable[[np.ndarray], float],
    n_rows: int,
    *,
    samples: int = 200,
    seed: int = 0,
    level: float = 0.95,
) -> Interval:
    """Percentile interval of `metric(row_indices)` over bootstrap resamples of the rows."""
    rng = np.random.default_rng(seed)
    value = metric(np.arange(n_rows))
    draws = []
    for _ in range(samples):
        value_b = metric(rng.integers(0, n_rows, n_rows))
        if np.isfinite(value_b):
            draws.append(value_b)
    if not draws:
        return Interval(value, float("nan"), float("nan"))
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(draws, [tail, 100 - tail])
    return Interval(float(value), float(low), float(high))


def paired_bootstrap_delta(
    metric_a: Callable[[np.ndarray], float],
    metric_b: Callable[[np.ndarray], float],
    n_rows: int,
    *,
    samples: int = 200,
    seed: int = 0,
) -> Interval:
    """Interval of metric_a - metric_b on the same resamples (is A better than B?)."""
    return bootstrap(lambda rows: metric_a(rows) - metric_b(rows), n_rows, samples=samples, seed=seed)


@dataclass(frozen=True)
class AudienceScores:
    """All headline metrics of one method with bootstrap intervals.

    Args:
        mean_auc: mean per-country ROC-AUC of "charts in this country".
        mean_ap: mean per-country average precision.
        ndcg10: mean NDCG@10 of the country ranking per title (gain = chart points).
        spearman_weeks: Spearman of predicted vs observed weeks (complete windows only).
    """

    mean_auc: Interval
    mean_ap: Interval
    ndcg10: Interval
    spearman_weeks: Interval

    def to_dict(self) -> dict[str, dict[str, float]]:
        """All intervals as a JSON-ready dict."""
        return {
            name: getattr(self, name).to_dict()
            for name in ("mean_auc", "mean_ap", "ndcg10", "spearman_weeks")
        }


def score_method(
    p_chart: np.ndarray,
    weeks: np.ndarray,
    charted: np.ndarray,
    gains: np.ndarray,
    observed_weeks: np.ndarray,
    complete: np.ndarray,
    *,
    samples: int = 200,
    seed: int = 0,
) -> AudienceScores:
    """Every headline metric with a bootstrap interval over test titles (same seed for all methods)."""
    n_rows = charted.shape[0]
    complete_cells = np.repeat(complete[:, None], charted.shape[1], axis=1)

    def auc(rows):
        return mean_auc(p_chart[rows], charted[rows])

    def ap(rows):
        return mean_ap(p_chart[rows], charted[rows])

    def ndcg(rows):
        return mean_ndcg(p_chart[rows], gains[rows])

    def spearman(rows):
        return weeks_spearman(weeks[rows], observed_weeks[rows], complete_cells[rows])

    return AudienceScores(
        mean_auc=bootstrap(auc, n_rows, samples=samples, seed=seed),
        mean_ap=bootstrap(ap, n_rows, samples=samples, seed=seed),
        ndcg10=bootstrap(ndcg, n_rows, samples=samples, seed=seed),
        spearman_weeks=bootstrap(spearman, n_rows, samples=samples, seed=seed),
    )


def calibration_bins(p_chart: np.ndarray, charted: np.ndarray, bins: int = 10) -> list[dict]:
    """Mean predicted vs observed chart rate per probability bin (equal width)."""
    predicted, observed = p_chart.ravel(), charted.ravel().astype(float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(predicted, edges[1:-1]), 0, bins - 1)
    rows = []
    for index in range(bins):
        inside = which == index
        if inside.any():
            rows.append(
                {
                    "low": float(edges[index]),
                    "high": float(edges[index + 1]),
                    "count": int(inside.sum()),
                    "predicted": float(predicted[inside].mean()),
                    "observed": float(observed[inside].mean()),
                }
            )
    return rows


def expected_calibration_error(p_chart: np.ndarray, charted: np.ndarray, bins: int = 10) -> float:
    """Count-weighted mean |predicted - observed| over the calibration bins."""
    rows = calibration_bins(p_chart, charted, bins)
    total = sum(row["count"] for row in rows)
    return float(sum(row["count"] * abs(row["predicted"] - row["observed"]) for row in rows) / total)


def region_table(
    per_country_model: np.ndarray,
    per_country_baseline: np.ndarray,
    countries: Sequence[str],
    region_of: dict[str, str],
    positives: np.ndarray,
) -> list[dict]:
    """Mean per-country AUC of the model and of a baseline, grouped by region."""
    rows = []
    for region in sorted(set(region_of.get(country, "Other") for country in countries)):
        columns = [i for i, country in enumerate(countries) if region_of.get(country, "Other") == region]
        model_values = per_country_model[columns]
        baseline_values = per_country_baseline[columns]
        defined = np.isfinite(model_values)
        rows.append(
            {
                "region": region,
                "countries": len(columns),
                "scored": int(defined.sum()),
                "positives": int(positives[columns].sum()),
                "model_auc": float(np.nanmean(model_values)) if defined.any() else float("nan"),
                "baseline_auc": float(np.nanmean(baseline_values)) if defined.any() else float("nan"),
            }
        )
    return rows


def roc_auc(positive_scores: Sequence[float], negative_scores: Sequence[float]) -> float:
    """Probability that a random positive outscores a random negative (ties count half)."""
    positive = np.asarray(positive_scores, dtype=np.float64)
    negative = np.asarray(negative_scores, dtype=np.float64)
    if len(positive) == 0 or len(negative) == 0:
        raise ValueError("roc_auc needs at least one positive and one negative score")
    scores = np.concatenate([positive, negative])
    order = scores.argsort(kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    # Average ranks over ties (Mann-Whitney U).
    unique, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    average = first + (counts + 1) / 2.0
    ranks[order] = np.repeat(average, counts)
    u = ranks[: len(positive)].sum() - len(positive) * (len(positive) + 1) / 2.0
    return float(u / (len(positive) * len(negative)))


def filtered_rank(scores: np.ndarray, target: int, known: Sequence[int] = ()) -> int:
    """1-based rank of `target` among all candidates, ignoring other known true candidates."""
    mask = np.ones(len(scores), dtype=bool)
    mask[list(known)] = False
    mask[target] = True
    return int((scores[mask] > scores[target]).sum()) + 1


def hits_at_k(ranks: Sequence[int], k: int = 10) -> float:
    """Share of ranks that are at most k."""
    ranks = np.asarray(ranks)
    if len(ranks) == 0:
        raise ValueError("hits_at_k needs at least one rank")
    return float((ranks <= k).mean())


def jaccard(first: set, second: set) -> float:
    """|A & B| / |A | B| (0 when both are empty)."""
    union = first | second
    return len(first & second) / len(union) if union else 0.0


def comps_jaccard(comps: Mapping[str, Sequence[str]], labels: Mapping[str, set]) -> float:
    """Mean over query titles of the mean Jaccard between its label set and each comp's."""
    per_title = [
        np.mean([jaccard(labels[query], labels.get(comp, set())) for comp in comp_ids])
        for query, comp_ids in comps.items()
        if comp_ids
    ]
    if not per_title:
        raise ValueError("comps_jaccard needs at least one title with comps")
    return float(np.mean(per_title))


def topk_overlap(first: Sequence[str], second: Sequence[str]) -> float:
    """|A & B| / k for two top-k lists of the same length k."""
    if len(first) != len(second) or not first:
        raise ValueError("topk_overlap needs two non-empty lists of the same length")
    return len(set(first) & set(second)) / len(first)
