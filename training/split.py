"""Time split for the audience head: train on titles launched before a cutoff, test on the rest.

Nothing from the cutoff week on reaches training:
- training labels are computed with `as_of` = the last week before the cutoff, so a title
  launched just before the cutoff is labelled only with the weeks seen by then;
- every title launched, added, or first on a chart from the cutoff on is listed in
  `pretrain_exclude_ids`, which the pretraining leaves out entirely (graph edges and the
  text-encoder fit); test titles are then embedded inductively from their metadata.
The validation split (frozen vs fine-tuned encoder, early stopping) is the latest-launched
part of the training titles, so it also looks forward in time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from training.labels import WINDOW_END, AudienceLabels, TitleChartRecord, build_labels, debut_week, week_of

DEFAULT_CUTOFF = dt.date(2021, 9, 19)
VALIDATION_FRACTION = 0.2


@dataclass
class TimeSplit:
    """Labels of the training, validation and test titles of one cutoff.

    Args:
        cutoff: first week (a Sunday) of the test period.
        train: labels of titles launched before the cutoff, seen as of the week before it.
        validation_mask: rows of `train` used for validation (the latest launches).
        test: labels of titles launched from the cutoff on, seen as of the window end.
        pretrain_exclude_ids: every title that must not reach pretraining.
    """

    cutoff: dt.date
    train: AudienceLabels
    validation_mask: np.ndarray
    test: AudienceLabels
    pretrain_exclude_ids: list[str]

    def summary(self) -> dict:
        """Counts for the evaluation doc."""
        return {
            "cutoff": self.cutoff.isoformat(),
            "train_as_of": self.train.as_of.isoformat(),
            "train": self.train.summary(),
            "validation_titles": int(self.validation_mask.sum()),
            "test": self.test.summary(),
            "pretrain_excluded_titles": len(self.pretrain_exclude_ids),
        }


def post_cutoff_ids(records: Sequence[TitleChartRecord], cutoff: dt.date) -> list[str]:
    """Titles first seen (added to Netflix or on a chart, whichever is earlier) from the cutoff on."""
    excluded = []
    for record in records:
        seen = [
            week
            for week in (
                debut_week(record, WINDOW_END),
                week_of(record.date_added) if record.date_added else None,
            )
            if week
        ]
        if seen and min(seen) >= cutoff:
            excluded.append(record.title_id)
    return sorted(excluded)


def time_split(
    records: Sequence[TitleChartRecord],
    countries: Sequence[str],
    cutoff: dt.date = DEFAULT_CUTOFF,
    *,
    validation_fraction: float = VALIDATION_FRACTION,
) -> TimeSplit:
    """Split the launched titles at `cutoff` (a Sunday) with no information from after it in training."""
    if cutoff.weekday() != 6:
        raise ValueError(f"cutoff must be a Sunday (chart weeks end on Sundays), got {cutoff}")
    last_train_week = cutoff - dt.timedelta(weeks=1)
    seen = build_labels(records, countries, as_of=last_train_week)
    everything = build_labels(records, countries, as_of=WINDOW_END)
    train = seen.subset(np.array([week < cutoff for week in seen.launch_weeks], dtype=bool))
    test = everything.subset(np.array([week >= cutoff for week in everything.launch_weeks], dtype=bool))
    overlap = set(train.title_ids) & set(test.title_ids)
    if overlap:
        raise AssertionError(f"titles in both train and test: {sorted(overlap)[:5]}")
    excluded = sorted(set(post_cutoff_ids(records, cutoff)) | set(test.title_ids))
    leaked = set(train.title_ids) & set(excluded)
    if leaked:
        raise AssertionError(f"training titles first seen after the cutoff: {sorted(leaked)[:5]}")
    return TimeSplit(
        cutoff=cutoff,
        train=train,
        validation_mask=validation_rows(train, validation_fraction),
        test=test,
        pretrain_exclude_ids=excluded,
    )


def validation_rows(labels: AudienceLabels, fraction: float) -> np.ndarray:
    """The latest-launched `fraction` of the rows (ties by launch week stay together)."""
    if not 0 < fraction < 1:
        raise ValueError(f"validation_fraction must be in (0, 1), got {fraction}")
    weeks = np.array([week.toordinal() for week in labels.launch_weeks])
    if weeks.size == 0:
        return np.zeros(0, dtype=bool)
    threshold = np.quantile(weeks, 1 - fraction)
    mask = weeks >= threshold
    # Keep at least one training row when every title launched in the same week.
    return mask if not mask.all() else weeks > threshold
