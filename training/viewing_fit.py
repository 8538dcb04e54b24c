"""Fitting the viewing forecast (training.viewing) and its time-split evaluation with baselines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import spearmanr
from sklearn.metrics import roc_auc_score

from training.labels import AudienceLabels, TitleChartRecord
from training.vectors import unit_rows
from training.viewing import (
    FEATURES,
    RIDGE_GRID,
    SPREAD_GRID,
    CompsMemory,
    LaunchFacts,
    ViewingModel,
    ViewingTargets,
    raw_features,
    viewing_targets,
    weekly_floors,
)


def launch_facts(metadata: Mapping[str, dict], title_ids: Sequence[str],
                 launch_weeks: Sequence[dt.date]) -> list[LaunchFacts]:
    """The viewing model's inputs of graph titles launched in `launch_weeks`."""
    return [LaunchFacts.of_graph_title(metadata.get(title_id, {}), week.year)
            for title_id, week in zip(title_ids, launch_weeks, strict=True)]


def runtime_medians(metadata: Mapping[str, dict]) -> dict[str, float]:
    """Median film length and median show episode length (minutes) of the catalog."""
    movies = [row["duration_minutes"] for row in metadata.values()
              if row.get("kind") == "movie" and row.get("duration_minutes")]
    episodes = [row["duration_minutes"] for row in metadata.values()
                if row.get("kind") == "show" and row.get("duration_minutes")]
    return {"movie": float(np.median(movies)) if movies else 100.0,
            "episode": float(np.median(episodes)) if episodes else 45.0}


@dataclass
class ViewingData:
    """Targets, facts and title vectors of one set of labelled titles."""

    targets: ViewingTargets
    facts: list[LaunchFacts]
    vectors: np.ndarray

    def subset(self, keep: np.ndarray) -> ViewingData:
        keep = np.asarray(keep, dtype=bool)
        return ViewingData(self.targets.subset(keep), [f for f, k in zip(self.facts, keep, strict=True) if k],
                           self.vectors[keep])

    @property
    def shows(self) -> np.ndarray:
        return np.array([fact.kind == "show" for fact in self.facts], dtype=bool)

    def memory(self) -> CompsMemory:
        return CompsMemory(unit_rows(self.vectors), self.targets.lower.copy(), self.shows)


def viewing_data(records: Sequence[TitleChartRecord], labels: AudienceLabels, metadata: Mapping[str, dict],
                 vectors: np.ndarray) -> ViewingData:
    """Viewing targets (as of the labels' last week) with the facts and vectors of the same rows."""
    targets = viewing_targets(records, labels.title_ids, labels.launch_weeks, weekly_floors(records),
                              labels.as_of)
    return ViewingData(targets, launch_facts(metadata, labels.title_ids, labels.launch_weeks),
                       np.asarray(vectors, dtype=np.float32))


def training_features(data: ViewingData) -> np.ndarray:
    """Raw features of training rows; each row's comps leave the row itself out."""
    comps = data.memory().features(data.vectors, data.shows, leave_out=np.arange(len(data.facts)))
    return raw_features(data.facts, comps)


def fit_viewing(data: ViewingData, validation: np.ndarray, *, columns: Sequence[int] | None = None,
                runtime_minutes: Mapping[str, float] | None = None) -> ViewingModel:
    """Pick the ridge penalty and a spread factor on the validation rows, then refit on every row.

    The spread factor widens sigma when the fitted model is over-confident on later launches
    (the likelihood is maximised on training titles; validation titles are the latest ones).
    """
    validation = np.asarray(validation, dtype=bool)
    train, held = data.subset(~validation), data.subset(validation)
    memory = train.memory()
    x_train = training_features(train)
    x_held = raw_features(held.facts, memory.features(held.vectors, held.shows))
    scores = {}
    for ridge in RIDGE_GRID:
        probe = ViewingModel.fit(x_train, train.targets, memory, ridge=ridge, columns=columns)
        for spread in SPREAD_GRID:
            scores[(ridge, spread)] = probe.widened(spread).log_likelihood(x_held, held.targets)
    ridge, spread = max(scores, key=scores.get)
    model = ViewingModel.fit(training_features(data), data.targets, data.memory(), ridge=ridge,
                             columns=columns, runtime_minutes=runtime_minutes).widened(spread)
    model.metrics |= {"spread": spread, "validation_titles": int(validation.sum()),
                      "validation_log_likelihood": round(scores[(ridge, spread)], 4)}
    return model


def turnbull_pit(lower: np.ndarray, upper: np.ndarray, bins: int = 100, iterations: int = 300) -> np.ndarray:
    """Distribution of probability-integral-transform values that are known only as intervals.

    A censored title's PIT F(H) is only known to lie in [F(L), F(U)]; Turnbull's nonparametric
    maximum likelihood (EM on a grid of `bins` cells of [0, 1]) estimates the distribution of
    the PITs from those intervals, so censored titles count neither as hits nor as misses by
    fiat. Returns the probability mass of each cell.
    """
    edges = np.linspace(0, 1, bins + 1)
    first = np.clip(np.searchsorted(edges, lower, side="right") - 1, 0, bins - 1)
    last = np.clip(np.searchsorted(edges, upper, side="left") - 1, first, bins - 1)
    member = (np.arange(bins)[None, :] >= first[:, None]) & (np.arange(bins)[None, :] <= last[:, None])
    mass = np.full(bins, 1.0 / bins)
    for _ in range(iterations):
        weights = member * mass
        weights /= weights.sum(axis=1, keepdims=True)
        mass = weights.mean(axis=0)
    return mass


def interval_scores(p10: np.ndarray, p50: np.ndarray, p90: np.ndarray, targets: ViewingTargets,
                    cdf) -> dict:
    """Spearman of p50 with observed hours (titles on the global list), 80% interval coverage.

    Coverage counts censored titles correctly: `cdf(hours)` is the forecast's CDF per title;
    the PITs of the interval-censored hours are estimated with Turnbull's NPMLE
    (`turnbull_pit`) and coverage is the estimated share of PITs in [0.1, 0.9]. Reach AUC: how
    well p50 ranks titles that reached the global list above those that did not.
    """
    reached = targets.reached
    rho = float(spearmanr(p50[reached], targets.lower[reached]).statistic) if reached.sum() > 2 else None
    mass = turnbull_pit(cdf(targets.lower), cdf(targets.upper))
    centres = (np.arange(len(mass)) + 0.5) / len(mass)
    auc = roc_auc_score(reached, p50) if 0 < reached.sum() < len(reached) else None
    with np.errstate(divide="ignore"):
        errors = np.abs(np.log(p50[reached] / targets.lower[reached]))
    return {
        "titles": len(targets.lower), "on_global_list": int(reached.sum()), "exact": int(targets.exact.sum()),
        "spearman_p50": None if rho is None else round(rho, 3),
        "reach_auc": None if auc is None else round(float(auc), 3),
        "coverage_80": round(float(mass[(centres > 0.1) & (centres < 0.9)].sum()), 3),
        "below_p50": round(float(mass[centres < 0.5].sum()), 3),
        "median_abs_log_error": round(float(np.median(errors)), 3) if reached.any() else None,
    }


def empirical_cdf(samples: np.ndarray):
    """Per-row CDF of a forecast given as samples (rows: titles), for the comps baseline."""
    def cdf(hours: np.ndarray) -> np.ndarray:
        below = (samples <= hours[:, None]).mean(axis=1)
        return np.where(np.isinf(hours), 1.0, below)
    return cdf


def comps_average(memory: CompsMemory, vectors: np.ndarray, k: int = 10) -> tuple[dict, object]:
    """Baseline: the mean of the k nearest labelled titles' observed hours, their 10th/90th percentile."""
    hours, _ = memory.nearest_hours(vectors, k=k)
    quantiles = {"p10": np.percentile(hours, 10, axis=1), "p50": hours.mean(axis=1),
                 "p90": np.percentile(hours, 90, axis=1)}
    return quantiles, empirical_cdf(hours)


def evaluate_viewing(train: ViewingData, validation: np.ndarray, test: ViewingData) -> dict[str, dict]:
    """The model and two baselines fitted on `train`, scored once on `test`."""
    kind_only = fit_viewing(train, validation, columns=[FEATURES.index("show")])
    model = fit_viewing(train, validation)
    memory = train.memory()
    x_test = raw_features(test.facts, memory.features(test.vectors, test.shows))
    results = {}
    for name, (predicted, cdf) in (
        ("viewing model (censored log-normal)", (model.quantiles(x_test), model.cdf(x_test))),
        ("median by kind (censored log-normal)", (kind_only.quantiles(x_test), kind_only.cdf(x_test))),
        ("comps average (10 nearest)", comps_average(memory, test.vectors)),
    ):
        results[name] = interval_scores(predicted["p10"], predicted["p50"], predicted["p90"],
                                        test.targets, cdf)
    results["viewing model (censored log-normal)"]["coefficients"] = dict(
        zip(("intercept", *model.features), [round(float(b), 3) for b in model.beta], strict=True))
    results["viewing model (censored log-normal)"] |= {"ridge": model.metrics["ridge"],
                                                       "spread": model.metrics["spread"]}
    return results
