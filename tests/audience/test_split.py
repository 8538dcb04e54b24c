"""The time split: who trains, who tests, and proof that a post-cutoff title cannot reach training."""

import copy
import datetime as dt

import numpy as np
import pytest
import torch

from training.audience_model import HeadConfig, HeadInputs
from training.audience_spaces import metadata_table
from training.fit_head import tfidf_head_for_split
from training.labels import TitleChartRecord
from training.split import time_split

COUNTRIES = ["ES", "FR", "IN", "US"]
CUTOFF = dt.date(2021, 9, 5)
WORDS = {
    "ES": "flamenco madrid heist",
    "FR": "paris romance cafe",
    "IN": "bollywood mumbai dance",
    "US": "texas cowboy sheriff",
}


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def synthetic_catalog(seed: int = 0):
    """Titles launched weekly from July to December; each charts at home and sometimes in the US."""
    rng = np.random.default_rng(seed)
    records, metadata = [], {}
    weeks = [d("2021-07-11") + dt.timedelta(weeks=w) for w in range(22)]
    for index in range(88):
        home = COUNTRIES[index % 4]
        launch = weeks[index % len(weeks)]
        title_id = f"t{index}"
        charts = {}
        if index % 3:
            charts[home] = [(launch, int(rng.integers(1, 10))), (launch + dt.timedelta(weeks=1), 5)]
            if index % 2:
                charts["US"] = [(launch, 3)]
        records.append(
            TitleChartRecord(title_id, "movie", date_added=launch - dt.timedelta(days=2), charts=charts)
        )
        metadata[title_id] = {
            "id": title_id,
            "title": f"Title {index}",
            "kind": "movie",
            "year": 2021,
            "summary": f"{WORDS[home]} story number {index % 5}",
            "genres": ["drama"],
            "countries": [home],
        }
    for index in range(40):  # catalogue titles that pretraining sees but nobody labels
        home = COUNTRIES[index % 4]
        metadata[f"old{index}"] = {
            "id": f"old{index}",
            "title": f"Old {index}",
            "kind": "movie",
            "year": 2010,
            "summary": f"{WORDS[home]} classic",
            "genres": ["comedy"],
            "countries": [home],
        }
    return records, metadata


def test_cutoff_must_be_a_sunday():
    records, _ = synthetic_catalog()
    with pytest.raises(ValueError, match="Sunday"):
        time_split(records, COUNTRIES, d("2021-09-06"))


def test_train_and_test_are_separated_by_launch_week_and_labels_stop_before_the_cutoff():
    records, _ = synthetic_catalog()
    split = time_split(records, COUNTRIES, CUTOFF)
    assert all(week < CUTOFF for week in split.train.launch_weeks)
    assert all(week >= CUTOFF for week in split.test.launch_weeks)
    assert not set(split.train.title_ids) & set(split.test.title_ids)
    assert split.train.as_of == CUTOFF - dt.timedelta(weeks=1)
    assert set(split.test.title_ids) <= set(split.pretrain_exclude_ids)
    assert not set(split.train.title_ids) & set(split.pretrain_exclude_ids)
    assert split.validation_mask.any() and not split.validation_mask.all()
    validation_weeks = [w for w, v in zip(split.train.launch_weeks, split.validation_mask, strict=True) if v]
    training_weeks = [
        w for w, v in zip(split.train.launch_weeks, split.validation_mask, strict=True) if not v
    ]
    assert min(validation_weeks) >= max(training_weeks)


def _train(records, metadata):
    split = time_split(records, COUNTRIES, CUTOFF)
    config = HeadConfig(epochs=40, eval_every=5, patience=100)
    predictor, encode = tfidf_head_for_split(split, metadata, config)
    table = metadata_table(metadata, split.train.title_ids)
    p_chart, weeks, _ = predictor.predict(HeadInputs(encode(table), table))
    return split, predictor, p_chart, weeks


def test_a_post_cutoff_title_cannot_influence_training():
    records, metadata = synthetic_catalog()
    split, predictor, p_chart, weeks = _train(records, metadata)
    test_id = split.test.title_ids[0]
    train_id = split.train.title_ids[0]

    changed_records = copy.deepcopy(records)
    changed_metadata = copy.deepcopy(metadata)
    # Rewrite the test title completely: text, countries, genres and chart history...
    changed_metadata[test_id].update(
        summary="entirely different words about submarines and aliens",
        countries=["FR", "IN"],
        genres=["horror", "scifi"],
    )
    for index, record in enumerate(changed_records):
        if record.title_id == test_id:
            changed_records[index] = TitleChartRecord(
                test_id, "movie", date_added=record.date_added, charts={c: [(CUTOFF, 1)] for c in COUNTRIES}
            )
        if record.title_id == train_id:
            # ...and give a training title a chart run after the cutoff, which training must not see.
            record.charts["FR"] = [(CUTOFF + dt.timedelta(weeks=1), 1)]
    changed_split, changed_predictor, changed_p, changed_weeks = _train(changed_records, changed_metadata)

    assert changed_split.train.title_ids == split.train.title_ids
    assert np.array_equal(changed_split.train.weeks, split.train.weeks)
    before, after = predictor.head.state_dict(), changed_predictor.head.state_dict()
    assert all(torch.equal(before[name], after[name]) for name in before)
    assert np.array_equal(p_chart, changed_p) and np.array_equal(weeks, changed_weeks)


def test_excluded_titles_leave_no_trace_in_the_pretraining_graph():
    from graph.embeddings import TitleRow
    from training.data import GraphSnapshot, build_graph

    def snapshot(test_summary: str, test_cast: list[str]) -> GraphSnapshot:
        rows = [
            TitleRow(
                "a",
                "A",
                "movie",
                2020,
                "heist in madrid",
                None,
                90,
                ["heist"],
                ["drama"],
                ["ES"],
                ["dir x"],
                ["actor y", "actor z"],
            ),
            TitleRow(
                "b",
                "B",
                "movie",
                2020,
                "heist in paris",
                None,
                95,
                ["heist"],
                ["drama"],
                ["FR"],
                ["dir x"],
                ["actor y"],
            ),
            TitleRow(
                "post",
                "P",
                "movie",
                2021,
                test_summary,
                None,
                100,
                ["heist"],
                ["comedy"],
                ["US"],
                [],
                test_cast,
            ),
        ]
        return GraphSnapshot(
            titles=rows, tag_counts={"heist": 3}, genres=["comedy", "drama"], countries=["ES", "FR", "US"]
        )

    first = build_graph(snapshot("one text", ["actor z"]), exclude_title_ids=["post"])
    second = build_graph(
        snapshot("another text", ["actor z", "actor y", "new star"]), exclude_title_ids=["post"]
    )
    assert first.data_hash == second.data_hash
    assert first.keys == second.keys
