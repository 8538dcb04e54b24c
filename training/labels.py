"""Audience labels: per title and chart country, what the title did in its first 8 chart weeks.

Definitions (docs/evaluation.md, "Audience", repeats them):

- Weeks are named by their last day, a Sunday. The chart window is 2021-07-04 .. 2021-12-26.
- Debut week: the first week the title is on any chart (a country's top 10 or the global one),
  looking only at weeks up to ``as_of``.
- Launch week: the debut week, or the week containing the Netflix ``date_added`` when that
  week is in the window and earlier (a title added in July that first charts in October
  launched in July and did nothing in its first 8 weeks).
- Launched in the window (the label population): titles with metadata (not chart-only) whose
  launch week is in the window and not after ``as_of``, except titles on the chart in the very
  first week without a ``date_added`` in that week: they may have launched weeks earlier, so
  their first 8 weeks are unknown (left-censored). Titles added in the window that never chart
  are real zeros in every country.
- Horizon: the launch week and the 7 weeks after it. Observed weeks: those not after
  ``min(as_of, window end)``. Per (title, country): weeks in the top 10, chart points
  (sum of 11 - rank) and charted-at-all within the observed horizon.
- Global hours: hours viewed summed over the horizon weeks on the global top 10 (0 when the
  title is not on it: the global chart has no hours for the rest, so this is a lower bound).
- Right-censoring: a title is kept when at least ``min_observed_weeks`` of its horizon are
  observed (90% of country debuts happen within 2 weeks of the global debut); week, point and
  hour targets are used only where the whole horizon is observed (``complete``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from graph.audience import WINDOW_END, WINDOW_START, TitleChartRecord

HORIZON_WEEKS = 8
MIN_OBSERVED_WEEKS = 2


@dataclass
class AudienceLabels:
    """Labels of the launched titles, rows aligned with `title_ids`, columns with `countries`.

    Args:
        title_ids: the labelled titles.
        countries: the chart countries (ISO2), the columns of every matrix.
        launch_weeks: launch week of each title.
        observed_weeks: how many of the 8 horizon weeks are observed.
        charted: 0/1, charted in the country within the observed horizon.
        weeks: weeks in the country's top 10 within the observed horizon.
        points: chart points (sum of 11 - rank) within the observed horizon.
        global_hours: global-chart hours within the observed horizon (0 when never on it).
        excluded: why other titles are not labelled (reason -> count).
        as_of: the last chart week the labels could see.
    """

    title_ids: list[str]
    countries: list[str]
    launch_weeks: list[dt.date]
    observed_weeks: np.ndarray
    charted: np.ndarray
    weeks: np.ndarray
    points: np.ndarray
    global_hours: np.ndarray
    excluded: dict[str, int] = field(default_factory=dict)
    as_of: dt.date = WINDOW_END

    @property
    def complete(self) -> np.ndarray:
        """True for titles whose whole 8-week horizon is observed."""
        return self.observed_weeks >= HORIZON_WEEKS

    def subset(self, keep: np.ndarray | Sequence[bool]) -> AudienceLabels:
        """The labels of the rows where `keep` is true."""
        keep = np.asarray(keep, dtype=bool)
        return AudienceLabels(
            title_ids=[t for t, k in zip(self.title_ids, keep, strict=True) if k],
            countries=list(self.countries),
            launch_weeks=[w for w, k in zip(self.launch_weeks, keep, strict=True) if k],
            observed_weeks=self.observed_weeks[keep],
            charted=self.charted[keep],
            weeks=self.weeks[keep],
            points=self.points[keep],
            global_hours=self.global_hours[keep],
            excluded=dict(self.excluded),
            as_of=self.as_of,
        )

    def summary(self) -> dict:
        """Counts for the evaluation doc."""
        charting = self.charted.any(axis=1)
        return {
            "titles": len(self.title_ids),
            "charting": int(charting.sum()),
            "never_charting": int((~charting).sum()),
            "complete": int(self.complete.sum()),
            "positive_cells": int(self.charted.sum()),
            "cells": int(self.charted.size),
            "excluded": dict(self.excluded),
            "as_of": self.as_of.isoformat(),
        }


def week_of(day: dt.date) -> dt.date:
    """The Sunday ending the Monday-Sunday week that contains `day`."""
    return day + dt.timedelta(days=6 - day.weekday())


def debut_week(record: TitleChartRecord, as_of: dt.date) -> dt.date | None:
    """First week on any chart up to `as_of`, or None."""
    weeks = [week for entries in record.charts.values() for week, _ in entries if week <= as_of]
    weeks += [week for week, _ in record.global_weeks if week <= as_of]
    return min(weeks) if weeks else None


def launch_week(
    record: TitleChartRecord,
    as_of: dt.date = WINDOW_END,
    window: tuple[dt.date, dt.date] = (WINDOW_START, WINDOW_END),
) -> tuple[dt.date | None, str]:
    """The title's launch week and "launched", or None and the reason it is not labelled."""
    if record.chart_only:
        return None, "chart-only (no metadata)"
    start, end = window
    as_of = min(as_of, end)
    debut = debut_week(record, as_of)
    added = week_of(record.date_added) if record.date_added else None
    added_in_window = added if added is not None and start <= added <= as_of else None
    if debut == start and added_in_window != start:
        return None, "left-censored (on the chart in the first week, launched earlier)"
    candidates = [week for week in (debut, added_in_window) if week is not None]
    if not candidates:
        return None, "not launched in the window"
    return min(candidates), "launched"


def build_labels(
    records: Iterable[TitleChartRecord],
    countries: Sequence[str],
    *,
    as_of: dt.date = WINDOW_END,
    horizon_weeks: int = HORIZON_WEEKS,
    min_observed_weeks: int = MIN_OBSERVED_WEEKS,
    window: tuple[dt.date, dt.date] = (WINDOW_START, WINDOW_END),
) -> AudienceLabels:
    """Labels for every launched title, seeing only chart weeks up to `as_of`."""
    if not countries:
        raise ValueError("countries is empty: pass the chart countries (ISO2) as label columns")
    column = {iso2: index for index, iso2 in enumerate(countries)}
    last_seen = min(as_of, window[1])
    excluded: Counter[str] = Counter()
    rows = []
    for record in records:
        launch, reason = launch_week(record, as_of, window)
        if launch is None:
            excluded[reason] += 1
            continue
        horizon_end = launch + dt.timedelta(weeks=horizon_weeks - 1)
        observed = min(horizon_weeks, (last_seen - launch).days // 7 + 1)
        if observed < min_observed_weeks:
            excluded[f"fewer than {min_observed_weeks} observed weeks (right-censored)"] += 1
            continue
        rows.append(_label_row(record, launch, min(horizon_end, last_seen), observed, column))
    size = (len(rows), len(countries))
    labels = AudienceLabels(
        title_ids=[row[0] for row in rows],
        countries=list(countries),
        launch_weeks=[row[1] for row in rows],
        observed_weeks=np.array([row[2] for row in rows], dtype=np.int64),
        charted=np.zeros(size, dtype=np.float32),
        weeks=np.zeros(size, dtype=np.float32),
        points=np.zeros(size, dtype=np.float32),
        global_hours=np.array([row[4] for row in rows], dtype=np.float64),
        excluded=dict(sorted(excluded.items())),
        as_of=last_seen,
    )
    for index, row in enumerate(rows):
        for country, (weeks, points) in row[3].items():
            labels.weeks[index, country] = weeks
            labels.points[index, country] = points
    labels.charted = (labels.weeks > 0).astype(np.float32)
    return labels


def _label_row(
    record: TitleChartRecord, launch: dt.date, last: dt.date, observed: int, column: dict[str, int]
) -> tuple:
    per_country = {}
    for iso2, entries in record.charts.items():
        if iso2 not in column:
            continue
        # One entry per week (ingest keeps a show's best-ranked season per week).
        best = {}
        for week, rank in entries:
            if launch <= week <= last:
                best[week] = min(rank, best.get(week, 99))
        if best:
            per_country[column[iso2]] = (len(best), sum(11 - rank for rank in best.values()))
    hours = sum(hours or 0 for week, hours in record.global_weeks if launch <= week <= last)
    return record.title_id, launch, observed, per_country, float(hours)
