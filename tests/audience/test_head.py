"""The audience head: learns a planted signal, outputs probabilities, explains, saves and loads."""

import datetime as dt

import numpy as np
import pytest

from training.audience_model import AudiencePredictor, HeadConfig, HeadInputs, make_comps
from training.audience_spaces import country_vectors_from_titles
from training.baselines import TitleTable
from training.fit_head import fit_head
from training.labels import AudienceLabels
from training.metrics import mean_auc

COUNTRIES = ["BR", "ES", "IN", "KR", "MX", "US"]
# Titles from a country chart there and in its "neighbours": the structure the head must find.
REACH = {
    "BR": ["BR", "MX"],
    "ES": ["ES", "MX"],
    "IN": ["IN"],
    "KR": ["KR", "US"],
    "MX": ["MX", "ES"],
    "US": ["US", "BR", "ES", "MX"],
}


def planted(count: int, seed: int):
    rng = np.random.default_rng(seed)
    homes = [COUNTRIES[i % len(COUNTRIES)] for i in range(count)]
    centre_rng = np.random.default_rng(99)
    centres = {c: centre_rng.normal(size=8) for c in COUNTRIES}
    vectors = np.stack([centres[h] + 0.5 * rng.normal(size=8) for h in homes]).astype(np.float32)
    charted = np.zeros((count, len(COUNTRIES)), dtype=np.float32)
    for row, home in enumerate(homes):
        if rng.random() < 0.8:
            for country in REACH[home]:
                charted[row, COUNTRIES.index(country)] = 1.0
    weeks = charted * rng.integers(1, 8, size=charted.shape)
    labels = AudienceLabels(
        title_ids=[f"t{i}" for i in range(count)],
        countries=list(COUNTRIES),
        launch_weeks=[dt.date(2021, 8, 1)] * count,
        observed_weeks=np.full(count, 8),
        charted=charted,
        weeks=weeks.astype(np.float32),
        points=(weeks * 5).astype(np.float32),
        global_hours=(charted.sum(axis=1) * 1e6).astype(np.float64),
    )
    table = TitleTable(
        title_ids=labels.title_ids,
        kinds=["movie"] * count,
        years=[2021] * count,
        genres=[["drama"]] * count,
        countries=[[h] for h in homes],
        texts=[""] * count,
    )
    return HeadInputs(vectors, table), labels


@pytest.fixture(scope="module")
def trained():
    inputs, labels = planted(240, seed=0)
    country_vectors = country_vectors_from_titles(inputs.title_vectors, inputs.table.countries, COUNTRIES)
    validation = np.arange(240) >= 200
    predictor = fit_head(
        inputs,
        labels,
        country_vectors,
        train_rows=~validation,
        validation_rows=validation,
        config=HeadConfig(epochs=150, patience=200),
    )
    predictor.comps = make_comps(
        labels.title_ids, [f"Title {i}" for i in range(240)], inputs.title_vectors, labels
    )
    predictor.version = "v-test"
    return predictor, country_vectors


def test_the_head_learns_which_countries_a_title_reaches(trained):
    predictor, _ = trained
    inputs, labels = planted(120, seed=1)
    p_chart, _, _ = predictor.predict(inputs)
    assert mean_auc(p_chart, labels.charted) > 0.85


def test_predictions_are_probabilities_and_sum_sensibly(trained):
    predictor, _ = trained
    inputs, labels = planted(60, seed=2)
    p_chart, weeks, hours = predictor.predict(inputs)
    assert p_chart.shape == (60, len(COUNTRIES))
    assert ((p_chart >= 0) & (p_chart <= 1)).all()
    # Expected chart countries per title is close to what titles really reach (~1.9 here).
    expected_countries = p_chart.sum(axis=1).mean()
    assert abs(expected_countries - labels.charted.sum(axis=1).mean()) < 0.6
    # Expected weeks lie between p_chart (charting for one week) and 8 p_chart (all 8 weeks).
    assert (weeks >= p_chart - 1e-6).all() and (weeks <= 8 * p_chart + 1e-6).all()
    assert (hours >= 0).all()


def test_every_country_comes_back_ranked_with_supporting_comps(trained):
    predictor, _ = trained
    inputs, _ = planted(6, seed=3)
    entries = predictor.audience(
        inputs.title_vectors[2], {"kind": "movie", "year": 2021, "countries": inputs.table.countries[2]}
    )
    assert sorted(entry["country"] for entry in entries) == sorted(COUNTRIES)
    assert [e["p_chart"] for e in entries] == sorted((e["p_chart"] for e in entries), reverse=True)
    top = entries[0]
    assert top["comps"], "the top country is explained by comps that charted there"
    assert all(comp["weeks"] > 0 for comp in top["comps"])


def test_save_and_load_round_trip_keeps_version_and_predictions(trained, tmp_path):
    predictor, _ = trained
    folder = predictor.save(tmp_path / "audience")
    loaded = AudiencePredictor.load(folder)
    assert loaded.version == "v-test"
    assert loaded.countries == COUNTRIES
    inputs, _ = planted(10, seed=4)
    assert np.allclose(loaded.predict(inputs)[0], predictor.predict(inputs)[0])
    assert loaded.audience(inputs.title_vectors[0]) == predictor.audience(inputs.title_vectors[0])


def test_loading_a_folder_without_a_head_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="titlegraph train"):
        AudiencePredictor.load(tmp_path)
