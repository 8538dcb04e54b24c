"""Audience labels on hand-made chart rows: the launch population, the 8-week horizon, censoring."""

import datetime as dt

import numpy as np
import pytest

from training.labels import TitleChartRecord, build_labels, launch_week, week_of

COUNTRIES = ["ES", "FR", "US"]


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def labels_by_id(records, **kwargs):
    labels = build_labels(records, COUNTRIES, **kwargs)
    return labels, {title_id: row for row, title_id in enumerate(labels.title_ids)}


def test_week_of_is_the_sunday_ending_the_week():
    assert week_of(d("2021-08-02")) == d("2021-08-08")  # Monday
    assert week_of(d("2021-08-08")) == d("2021-08-08")  # Sunday


def test_weeks_and_points_count_only_the_first_eight_weeks():
    record = TitleChartRecord(
        "a",
        "movie",
        charts={
            "ES": [(d("2021-08-01"), 1), (d("2021-08-08"), 3), (d("2021-10-03"), 2)],  # last one is week 10
            "FR": [(d("2021-08-08"), 10)],
        },
    )
    labels, row = labels_by_id([record])
    i = row["a"]
    assert labels.weeks[i].tolist() == [2, 1, 0]
    assert labels.points[i].tolist() == [10 + 8, 1, 0]
    assert labels.charted[i].tolist() == [1, 1, 0]
    assert labels.launch_weeks[i] == d("2021-08-01")
    assert labels.complete[i]


def test_a_week_counts_once_at_its_best_rank():
    record = TitleChartRecord("a", "show", charts={"ES": [(d("2021-08-01"), 4), (d("2021-08-01"), 2)]})
    labels, row = labels_by_id([record])
    assert labels.weeks[row["a"], 0] == 1
    assert labels.points[row["a"], 0] == 9


def test_titles_added_in_the_window_that_never_chart_are_real_zeros():
    record = TitleChartRecord("quiet", "movie", date_added=d("2021-08-10"))
    labels, row = labels_by_id([record])
    assert "quiet" in row
    assert labels.charted[row["quiet"]].sum() == 0
    assert labels.launch_weeks[row["quiet"]] == d("2021-08-15")


def test_a_late_bloomer_launches_when_added_and_its_late_chart_run_is_outside_the_horizon():
    record = TitleChartRecord(
        "late", "movie", date_added=d("2021-07-20"), charts={"US": [(d("2021-10-31"), 5)]}
    )
    labels, row = labels_by_id([record])
    assert labels.launch_weeks[row["late"]] == d("2021-07-25")
    assert labels.charted[row["late"]].sum() == 0


def test_left_censored_first_week_titles_are_excluded_unless_added_that_week():
    old = TitleChartRecord("old", "show", date_added=d("2019-05-01"), charts={"US": [(d("2021-07-04"), 1)]})
    new = TitleChartRecord("new", "show", date_added=d("2021-07-02"), charts={"US": [(d("2021-07-04"), 1)]})
    labels, row = labels_by_id([old, new])
    assert "old" not in row and "new" in row
    assert any(reason.startswith("left-censored") for reason in labels.excluded)


def test_chart_only_titles_and_titles_outside_the_window_are_not_labelled():
    chart_only = TitleChartRecord("c", "movie", chart_only=True, charts={"US": [(d("2021-08-01"), 1)]})
    before = TitleChartRecord("b", "movie", date_added=d("2021-03-01"))
    labels, row = labels_by_id([chart_only, before])
    assert row == {}
    assert labels.excluded["chart-only (no metadata)"] == 1
    assert labels.excluded["not launched in the window"] == 1


def test_right_censoring_marks_incomplete_windows_and_drops_titles_seen_too_briefly():
    recent = TitleChartRecord("recent", "movie", charts={"ES": [(d("2021-12-19"), 1)]})
    last_week = TitleChartRecord("last", "movie", charts={"ES": [(d("2021-12-26"), 1)]})
    labels, row = labels_by_id([recent, last_week])
    assert labels.observed_weeks[row["recent"]] == 2
    assert not labels.complete[row["recent"]]
    assert "last" not in row


def test_as_of_hides_later_weeks_and_later_launches():
    record = TitleChartRecord(
        "a",
        "movie",
        charts={"ES": [(d("2021-08-01"), 1), (d("2021-08-22"), 1)], "FR": [(d("2021-08-29"), 1)]},
    )
    future = TitleChartRecord("f", "movie", charts={"ES": [(d("2021-09-26"), 1)]})
    labels, row = labels_by_id([record, future], as_of=d("2021-08-15"))
    assert labels.weeks[row["a"]].tolist() == [1, 0, 0]
    assert labels.observed_weeks[row["a"]] == 3
    assert "f" not in row


def test_global_hours_are_summed_over_the_horizon():
    record = TitleChartRecord(
        "a",
        "show",
        charts={"US": [(d("2021-08-01"), 1)]},
        global_weeks=[(d("2021-08-01"), 1_000), (d("2021-08-08"), 500), (d("2021-11-07"), 99)],
    )
    labels, row = labels_by_id([record])
    assert labels.global_hours[row["a"]] == 1_500


def test_subset_keeps_rows_aligned():
    records = [
        TitleChartRecord(name, "movie", charts={"ES": [(d("2021-08-01"), rank)]})
        for name, rank in (("a", 1), ("b", 5))
    ]
    labels = build_labels(records, COUNTRIES)
    kept = labels.subset(np.array([False, True]))
    assert kept.title_ids == ["b"]
    assert kept.points[0, 0] == 6


def test_no_countries_is_a_clear_error():
    with pytest.raises(ValueError, match="countries"):
        build_labels([], [])


def test_launch_week_reports_the_reason():
    assert launch_week(TitleChartRecord("x", "movie")) == (None, "not launched in the window")
