"""Market weights fitted from global hours and country charts (graph/market_weights.py): synthetic data."""

from __future__ import annotations

import numpy as np
import pytest

from graph.market_weights import TitleWeek, fit_market_weights

TRUE_WEIGHTS = {"BR": 0.30, "ES": 0.25, "JP": 0.20, "KR": 0.15, "NO": 0.10}


def _title_weeks(seed: int = 0, weeks: int = 12, per_week: int = 15, noise: float = 0.05) -> list[TitleWeek]:
    """Titles charting in random sets of countries at random ranks; hours from TRUE_WEIGHTS."""
    rng = np.random.default_rng(seed)
    rows = []
    for week in range(weeks):
        for _ in range(per_week):
            countries = [c for c in TRUE_WEIGHTS if rng.random() < 0.4] or ["NO"]
            ranks = {c: int(rng.integers(1, 11)) for c in countries}
            hours = sum(TRUE_WEIGHTS[c] * 1e7 * rank ** -0.5 for c, rank in ranks.items())
            rows.append(TitleWeek(f"2021-w{week:02d}", hours * float(np.exp(rng.normal(0, noise))), ranks))
    return rows


def test_weights_recover_the_countries_shares_and_sum_to_one():
    fit = fit_market_weights(_title_weeks(), list(TRUE_WEIGHTS))
    assert fit.basis == "global_hours" and fit.exponent == 0.5
    assert sum(fit.weights.values()) == pytest.approx(1.0)
    assert sorted(fit.weights, key=fit.weights.get, reverse=True) == list(TRUE_WEIGHTS)
    for iso2, weight in TRUE_WEIGHTS.items():
        assert fit.weights[iso2] == pytest.approx(weight, abs=0.03)
    assert fit.cv_log_rmse < 0.2 and "BR" in fit.summary()


def test_a_country_without_data_keeps_a_weight_near_uniform_not_zero():
    fit = fit_market_weights(_title_weeks(), [*TRUE_WEIGHTS, "LU"])
    others = [weight for iso2, weight in fit.weights.items() if iso2 != "LU"]
    # Its weight is the prior's (the common scale), between the smallest and largest fitted ones.
    assert min(others) < fit.weights["LU"] < max(others)
    assert sum(fit.weights.values()) == pytest.approx(1.0)


def test_too_few_title_weeks_give_uniform_weights():
    fit = fit_market_weights(_title_weeks(weeks=2, per_week=5), list(TRUE_WEIGHTS))
    assert fit.basis == "uniform" and set(fit.weights.values()) == {0.2}
    assert "uniform" in fit.summary()


def test_title_weeks_that_charted_nowhere_are_ignored():
    rows = _title_weeks()
    extra = [TitleWeek("2021-w00", 5e9, {}), TitleWeek("2021-w01", 5e9, {"XX": 1})]
    countries = list(TRUE_WEIGHTS)
    assert fit_market_weights(rows + extra, countries) == fit_market_weights(rows, countries)
