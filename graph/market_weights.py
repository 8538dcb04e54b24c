"""Market weight of each chart country: its share of viewing hours, learned from the charts.

Only the global weekly top 10 carries hours (per title and week); the per-country top 10s say
where, and at which rank, the title charted that week. A title-week's hours are modelled as the
sum over the countries where it charted of the country's weight times a rank factor:

    hours(t, w) ~ s * sum_c exp(theta_c) * rank(c, t, w) ** -exponent

- `exp(theta_c)` is what a chart entry in country c stands for. Every country's chart has the
  same 20 slots a week, so it is proportional to the hours that country's top 10 represents;
  normalised to sum 1 it is the country's share of the hours: its market weight.
- Residuals are taken on the log scale: hours span two orders of magnitude, and a least-squares
  fit on raw hours lets the few global hits (which chart everywhere and so say nothing about
  where viewing happens) decide every weight; regional titles are what separates countries.
- Prior towards uniform: a penalty `penalty * sum_c theta_c ** 2` (a log-normal prior centred on
  equal weights). A country the data cannot tell apart from its neighbours stays near uniform
  and no country's weight is ever zero, which non-negative least squares gives most of them.
- `exponent` (how fast a chart entry's hours fall with rank) and `penalty` are chosen by
  cross-validation over whole weeks (5 folds, held-out log-RMSE), with the one-standard-error
  rule: the largest penalty whose error is within one standard error of the best, because the
  charts of countries that watch alike (the English-speaking ones; France and its overseas
  departments) cannot be told apart and should then share alike.
- Title-weeks that charted in no country's top 10 (a chart name not matched, or a title below
  every top 10) say nothing about where they were watched and are left out.

Pure: numbers in, numbers out (graph/country_stats.py reads the graph and writes the result).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

EXPONENTS = (0.0, 0.5, 1.0)
PENALTIES = (0.3, 1.0, 3.0, 10.0, 30.0)
FOLDS = 5
# Fewer title-weeks than this (a test graph, a catalog without the global chart): uniform weights.
MIN_TITLE_WEEKS = 50


@dataclass(frozen=True)
class TitleWeek:
    """One title in one week of the global top 10: its hours and its rank in each country's chart."""

    week: str
    hours: float
    ranks: Mapping[str, int]


@dataclass(frozen=True)
class MarketFit:
    """Market weights (sum 1) by country and how they were obtained.

    `basis` is "global_hours" for a fit, "uniform" when there was too little data to fit.
    """

    weights: dict[str, float]
    basis: str
    title_weeks: int
    exponent: float | None = None
    penalty: float | None = None
    cv_log_rmse: float | None = None
    cv_standard_error: float | None = None

    def summary(self) -> str:
        """One line for the ingest and training logs."""
        if self.basis != "global_hours":
            return (f"market weights uniform over {len(self.weights)} chart countries "
                    f"({self.title_weeks} title-weeks with hours and charts; {MIN_TITLE_WEEKS} needed)")
        top = sorted(self.weights.items(), key=lambda item: -item[1])[:5]
        return (f"market weights fitted on {self.title_weeks} title-weeks (rank exponent {self.exponent:g}, "
                f"penalty {self.penalty:g}, held-out log-RMSE {self.cv_log_rmse:.3f} "
                f"+/- {self.cv_standard_error:.3f}); top: "
                + ", ".join(f"{iso2} {weight:.3f}" for iso2, weight in top))


def uniform_weights(countries: Sequence[str]) -> dict[str, float]:
    """Equal weights summing to 1."""
    return {iso2: 1.0 / len(countries) for iso2 in countries} if countries else {}


def design_matrix(title_weeks: Sequence[TitleWeek], countries: Sequence[str], exponent: float) -> np.ndarray:
    """Rows: title-weeks; columns: countries; entries rank ** -exponent where the title charted."""
    column = {iso2: index for index, iso2 in enumerate(countries)}
    matrix = np.zeros((len(title_weeks), len(countries)))
    for row, title_week in enumerate(title_weeks):
        for iso2, rank in title_week.ranks.items():
            if iso2 in column:
                matrix[row, column[iso2]] = float(rank) ** -exponent
    return matrix


def fit_log_weights(matrix: np.ndarray, hours: np.ndarray, penalty: float) -> np.ndarray:
    """Unnormalised weights s * exp(theta) minimising the penalised log-scale residuals.

    L-BFGS on the analytic gradient: each step is two matrix-vector products, so a fit on the
    full charts (900 title-weeks x 94 countries) takes milliseconds.
    """
    log_hours = np.log(hours)

    def objective(params: np.ndarray) -> tuple[float, np.ndarray]:
        theta = params[1:]
        weights = np.exp(params[0] + theta)
        predicted = matrix @ weights
        residual = np.log(predicted) - log_hours
        value = 0.5 * residual @ residual + 0.5 * penalty * theta @ theta
        # d residual_i / d theta_c = matrix_ic * weight_c / predicted_i; d residual_i / d log s = 1.
        gradient = weights * (matrix.T @ (residual / predicted)) + penalty * theta
        return value, np.concatenate([[residual.sum()], gradient])

    start = np.concatenate([[np.mean(log_hours - np.log(matrix.sum(axis=1)))], np.zeros(matrix.shape[1])])
    result = minimize(objective, start, jac=True, method="L-BFGS-B",
                      options={"maxiter": 10_000, "gtol": 1e-9, "ftol": 1e-14})
    return np.exp(result.x[0] + result.x[1:])


def cross_validate(matrix: np.ndarray, hours: np.ndarray, weeks: np.ndarray, penalty: float,
                   folds: int = FOLDS) -> tuple[float, float]:
    """Mean and standard error over folds of the held-out log-RMSE; each fold holds out whole weeks."""
    distinct = np.unique(weeks)
    errors = []
    for fold in range(folds):
        held_out = np.isin(weeks, distinct[fold::folds])
        weights = fit_log_weights(matrix[~held_out], hours[~held_out], penalty)
        predicted = matrix[held_out] @ weights
        errors.append(float(np.sqrt(np.mean((np.log(predicted) - np.log(hours[held_out])) ** 2))))
    return float(np.mean(errors)), float(np.std(errors) / np.sqrt(folds))


def fit_market_weights(title_weeks: Sequence[TitleWeek], countries: Sequence[str], *,
                       exponents: Sequence[float] = EXPONENTS, penalties: Sequence[float] = PENALTIES,
                       folds: int = FOLDS, min_title_weeks: int = MIN_TITLE_WEEKS) -> MarketFit:
    """Each country's share of viewing hours (module docstring); uniform when data are too few."""
    countries = sorted(countries)
    usable = [tw for tw in title_weeks
              if tw.hours and tw.hours > 0 and any(iso2 in tw.ranks for iso2 in countries)]
    if len(usable) < min_title_weeks or len({tw.week for tw in usable}) < folds:
        return MarketFit(uniform_weights(countries), "uniform", len(usable))
    hours = np.array([tw.hours for tw in usable], dtype=float)
    weeks = np.array([tw.week for tw in usable])
    matrices = {exponent: design_matrix(usable, countries, exponent) for exponent in exponents}
    scores = {(exponent, penalty): cross_validate(matrices[exponent], hours, weeks, penalty, folds)
              for exponent in exponents for penalty in penalties}
    best_error, best_se = min(scores.values())
    # One-standard-error rule: the most uniform (largest penalty) fit that is about as good.
    exponent, penalty = max((key for key, (error, _) in scores.items() if error <= best_error + best_se),
                            key=lambda key: (key[1], -scores[key][0]))
    raw = fit_log_weights(matrices[exponent], hours, penalty)
    shares = raw / raw.sum()
    return MarketFit(
        weights={iso2: float(share) for iso2, share in zip(countries, shares, strict=True)},
        basis="global_hours", title_weeks=len(usable), exponent=exponent, penalty=penalty,
        cv_log_rmse=scores[(exponent, penalty)][0], cv_standard_error=scores[(exponent, penalty)][1])
