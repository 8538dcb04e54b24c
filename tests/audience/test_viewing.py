"""The viewing forecast: censored targets from the global top 10, the censored fit, its scores."""

import datetime as dt
import math

import numpy as np
import pytest

from training.labels import TitleChartRecord
from training.viewing import (
    FEATURES,
    CompsMemory,
    LaunchFacts,
    ViewingModel,
    ViewingTargets,
    english_production,
    viewing_targets,
    weekly_floors,
)
from training.viewing_fit import ViewingData, evaluate_viewing, fit_viewing, interval_scores, turnbull_pit

W0 = dt.date(2021, 7, 4)


def week(n: int) -> dt.date:
    return W0 + dt.timedelta(weeks=n)


def _lister(title_id: str, weeks_hours: list[tuple[int, int]], name="Films (English)") -> TitleChartRecord:
    return TitleChartRecord(title_id, "movie", global_weeks=[(week(n), h) for n, h in weeks_hours],
                            global_list=name)


def test_targets_are_exact_on_the_list_and_censored_below_the_weekly_floor():
    records = [
        _lister("a", [(0, 50), (1, 40), (2, 30), (3, 20)]),
        _lister("b", [(0, 10), (1, 9), (2, 8), (3, 7)]),  # the number 10 of every week
        _lister("c", [(1, 25)]),  # on the list in its second week only
        _lister("x", [(0, 99), (1, 99), (2, 99), (3, 99)], name="Films (Non-English)"),
        TitleChartRecord("d", "movie"),  # never on a global list
    ]
    floors = weekly_floors(records)
    assert floors[("Films (English)", week(0))] == 10
    targets = viewing_targets(records, ["a", "c", "d"], [week(0)] * 3, floors, as_of=week(10))
    assert (targets.lower[0], targets.upper[0]) == (140, 140)
    assert targets.exact.tolist() == [True, False, False]
    # c: 25 known, the other three weeks below that week's English floor (10, 8, 7).
    assert (targets.lower[1], targets.upper[1]) == (25, 25 + 10 + 8 + 7)
    # d: no list known, so the larger floor of the two film lists bounds each week.
    assert (targets.lower[2], targets.upper[2]) == (0, 4 * 99)
    assert targets.reached.tolist() == [True, True, False]


def test_weeks_after_the_data_end_leave_the_interval_open():
    records = [_lister("a", [(0, 50), (1, 40)]), _lister("b", [(0, 10), (1, 9)])]
    targets = viewing_targets(records, ["a"], [week(0)], weekly_floors(records), as_of=week(1))
    assert targets.lower[0] == 90 and math.isinf(targets.upper[0])


def test_english_production_reads_cldr():
    assert english_production(["US"]) and english_production(["KR", "GB"])
    assert not english_production(["IN"]) and not english_production(["ES"]) and not english_production([])


def test_launch_facts_new_release_and_returning_season():
    assert LaunchFacts("movie", year=2021, launch_year=2021).new_release
    assert not LaunchFacts("movie", year=2012, launch_year=2021).new_release
    assert LaunchFacts("movie").new_release  # no year: a launch now
    assert LaunchFacts("show", season=3).returning and not LaunchFacts("show", season=1).returning
    assert not LaunchFacts("show").returning and not LaunchFacts("movie", season=2).returning


def synthetic(n: int, seed: int, floor: float = 5e5) -> tuple[ViewingData, np.ndarray]:
    """Titles whose log hours depend on kind and on returning; below `floor` a week is censored."""
    rng = np.random.default_rng(seed)
    shows = rng.random(n) < 0.5
    returning = shows & (rng.random(n) < 0.4)
    true_log = 14.5 + 0.8 * shows + 1.2 * returning + rng.normal(0, 0.7, n)
    hours = np.exp(true_log)
    reached = hours >= 4 * floor
    lower = np.where(reached, hours, 0.0)
    upper = np.where(reached, hours, 4 * floor)
    facts = [LaunchFacts("show" if s else "movie", ("US",), 2021, 2021, season=2 if r else 1)
             for s, r in zip(shows, returning, strict=True)]
    vectors = rng.normal(size=(n, 8)).astype(np.float32)
    return ViewingData(ViewingTargets([f"t{i}" for i in range(n)], lower, upper), facts, vectors), hours


def test_the_censored_fit_recovers_the_median_and_covers_80_percent():
    train, _ = synthetic(600, 0)
    test, true_hours = synthetic(400, 1)
    validation = np.arange(600) >= 480
    model = fit_viewing(train, validation)
    assert model.metrics["converged"]
    x = np.concatenate([np.array([[f.kind == "show", 1, 1, f.returning] for f in test.facts], float),
                        train.memory().features(test.vectors, test.shows)], axis=1)
    quantiles = model.quantiles(x)
    truth = np.exp(14.5 + 0.8 * test.shows + 1.2 * np.array([f.returning for f in test.facts]))
    assert np.median(np.abs(np.log(quantiles["p50"] / truth))) < 0.25
    inside = (true_hours >= quantiles["p10"]) & (true_hours <= quantiles["p90"])
    assert 0.7 <= inside.mean() <= 0.9
    # A naive fit that reads censored titles as zeros-or-floors would put the median far off.
    assert quantiles["p50"][~test.shows].mean() < quantiles["p50"][test.shows].mean()


def test_turnbull_counts_censored_titles_neither_as_hits_nor_misses():
    rng = np.random.default_rng(3)
    pit = rng.random(2000)
    exact = turnbull_pit(pit, pit)
    centres = (np.arange(100) + 0.5) / 100
    assert exact[(centres > 0.1) & (centres < 0.9)].sum() == pytest.approx(0.8, abs=0.03)
    # Hide the exact PIT of the lower half inside [0, 0.5]: the estimate must not change much.
    lower = np.where(pit < 0.5, 0.0, pit)
    upper = np.where(pit < 0.5, 0.5, pit)
    censored = turnbull_pit(lower, upper)
    assert censored[centres > 0.5].sum() == pytest.approx(exact[centres > 0.5].sum(), abs=0.02)


def test_evaluation_beats_the_kind_median_when_features_matter():
    train, _ = synthetic(600, 0)
    test, _ = synthetic(400, 1)
    results = evaluate_viewing(train, np.arange(600) >= 480, test)
    model = results["viewing model (censored log-normal)"]
    kind = results["median by kind (censored log-normal)"]
    assert model["spearman_p50"] > kind["spearman_p50"]
    assert 0.7 <= model["coverage_80"] <= 0.92
    assert set(model["coefficients"]) == {"intercept", *FEATURES}


def test_interval_scores_count_coverage_and_errors_from_the_pits():
    # a = 10 sits at its forecast's median (PIT 0.5, inside [p10, p90]); b = 20 is below its p10 (PIT 0).
    targets = ViewingTargets(["a", "b"], np.array([10.0, 20.0]), np.array([10.0, 20.0]))
    scores = interval_scores(np.array([5.0, 30.0]), np.array([10.0, 40.0]), np.array([15.0, 50.0]), targets,
                             lambda hours: np.where(hours == 10.0, 0.5, 0.0))
    assert scores["exact"] == 2 and scores["on_global_list"] == 2
    assert scores["coverage_80"] == pytest.approx(0.5, abs=0.01)
    assert scores["below_p50"] == pytest.approx(0.5, abs=0.01)
    assert scores["median_abs_log_error"] == pytest.approx(round(math.log(2) / 2, 3))


def test_forecast_saves_and_loads_and_views_are_hours_over_runtime(tmp_path):
    train, _ = synthetic(300, 0)
    model = fit_viewing(train, np.arange(300) >= 240, runtime_minutes={"movie": 120.0, "episode": 30.0})
    movie = LaunchFacts("movie", ("US",), 2021, 2021, duration_minutes=90)
    vector = np.ones(8, dtype=np.float32)
    forecast = model.forecast(movie, vector)
    assert forecast["horizon_weeks"] == 4
    hours, views = forecast["hours"], forecast["views"]
    assert hours["p10"] < hours["p50"] < hours["p90"]
    assert views["p50"] == pytest.approx(hours["p50"] / 1.5, rel=0.01)
    show = LaunchFacts("show", ("US",), 2021, 2021)  # no runtime: 8 episodes of the median 30 minutes
    assert model.forecast(show, vector)["views"]["p50"] == pytest.approx(
        model.forecast(show, vector)["hours"]["p50"] / 4.0, rel=0.01)
    loaded = ViewingModel.load(model.save(tmp_path / "viewing"))
    assert loaded.forecast(movie, vector) == forecast
    returning = LaunchFacts("show", ("US",), 2021, 2021, season=2)
    assert model.forecast(returning, vector)["hours"]["p50"] > model.forecast(show, vector)["hours"]["p50"]


def test_comps_memory_keeps_kinds_apart_and_leaves_a_row_out():
    vectors = np.eye(3, dtype=np.float32)
    memory = CompsMemory(vectors, np.array([100.0, 0.0, 50.0]), np.array([True, False, True]))
    features = memory.features(vectors, np.array([True, False, True]), leave_out=np.arange(3))
    # Row 0 (a show) sees only row 2 (the other show): reached, log1p(50).
    assert features[0].tolist() == pytest.approx([1.0, math.log1p(50.0)])
    # Row 1 (the only film) has no other film: nothing found.
    assert features[1].tolist() == [0.0, 0.0]
