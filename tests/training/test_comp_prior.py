"""Prominence and hubness: the per-candidate terms of content comps (training/comp_prior.py)."""

from __future__ import annotations

import numpy as np
import pytest

from training.comp_prior import hubness, prominence
from training.content import ContentIndex, ContentTitle, ContentWeights
from training.evaluate_comps import (
    HOLDOUT_JUDGMENTS_PATH,
    JUDGMENTS_PATH,
    VALIDATION_JUDGMENTS_PATH,
    Signals,
    content_scorer,
    franchise_ceiling,
    franchise_recall,
    load_judgments,
    render,
    top_ids,
    with_franchise_bonus,
)


def test_prominence_is_log_votes_scaled_and_unknown_is_the_median():
    scores = prominence([999.0, None, 9.0, 0.0, 99.0])
    assert scores[0] == pytest.approx(1.0)
    assert scores[2] == pytest.approx(np.log(10) / np.log(1000))
    assert scores[4] == pytest.approx(np.log(100) / np.log(1000))
    # No votes, or zero, is not known to be obscure: the median of the known titles.
    assert scores[1] == scores[3] == pytest.approx(np.log(100) / np.log(1000))
    assert prominence([None, None]).tolist() == [0.0, 0.0]


def test_hubness_is_the_mean_of_a_titles_best_scores_without_itself():
    rows = np.array([[1.0, 0.0], [0.8, 0.6], [0.6, 0.8], [0.0, 1.0]], dtype=np.float32)
    hubs = hubness(rows, np.arange(4), k=2)
    # Row 1 sits between its neighbours (0.96 to row 2, 0.8 to row 0); row 0 at an end (0.8, 0.6).
    assert hubs[1] == pytest.approx((0.96 + 0.8) / 2, abs=1e-6)
    assert hubs[0] == pytest.approx((0.8 + 0.6) / 2, abs=1e-6)
    assert hubs[1] > hubs[0]
    # Candidates may be a subset: a row outside it still gets its best scores among them.
    assert hubness(rows, np.array([0, 3]), k=1)[1] == pytest.approx(0.8, abs=1e-6)


def _index(weights: ContentWeights, votes=(None, 1000.0, 10.0, None)) -> ContentIndex:
    titles = [
        ContentTitle(f"t{i}", name, "show", "TV-MA", ["TV Dramas"], [], votes=v)
        for i, (name, v) in enumerate(zip(["Anchor", "Known Drama", "Obscure Drama", "Far Show"], votes,
                                          strict=True))
    ]
    vectors = np.array([[1.0, 0.0, 0.0], [0.90, 0.44, 0.0], [0.92, 0.39, 0.0], [0.0, 0.0, 1.0]],
                       dtype=np.float32)
    return ContentIndex(titles, vectors, {}, weights)


def test_prominence_puts_a_known_title_before_an_obscure_one_just_as_close():
    plain = _index(ContentWeights(neighbours=0.0, prominence=0.0, hub=0.0))
    assert [plain.ids[j] for j, _ in plain.comps_of("t0", k=2)] == ["t2", "t1"]
    known = plain.reweighted(ContentWeights(neighbours=0.0, prominence=0.2, hub=0.0))
    assert [known.ids[j] for j, _ in known.comps_of("t0", k=2)] == ["t1", "t2"]


def test_prominence_lifts_only_the_pool_of_best_candidates_by_content():
    # The famous title (t3, far from the anchor) would come second ungated; with a pool of 2 the two
    # closest titles are reordered by prominence and t3 is left where its content puts it.
    votes = (None, 10.0, 100.0, 1_000_000.0)
    ungated = _index(ContentWeights(neighbours=0.0, prominence=2.0, hub=0.0, prominence_pool=0), votes)
    assert [ungated.ids[j] for j, _ in ungated.comps_of("t0", k=3)] == ["t3", "t2", "t1"]
    pooled = ungated.reweighted(ContentWeights(neighbours=0.0, prominence=2.0, hub=0.0, prominence_pool=2))
    assert [pooled.ids[j] for j, _ in pooled.comps_of("t0", k=3)] == ["t2", "t1", "t3"]
    candidates = np.array([1, 2, 3])
    lifted = pooled.prior(candidates, pooled.matrix[candidates] @ pooled.matrix[0])
    assert lifted[0] > 0 and lifted[1] > 0 and lifted[2] == 0


def test_the_hub_penalty_lowers_a_title_close_to_everything(tmp_path):
    names = ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]
    titles = [ContentTitle(f"t{i}", name, "movie", "R", ["Dramas"], []) for i, name in enumerate(names)]
    # t4 sits in the middle of the others: the best second comp of t0 without the penalty.
    vectors = np.array([[1, 0, 0], [0.9, 0.1, 0], [0, 1, 0], [0, 0, 1], [0.6, 0.6, 0.6]], dtype=np.float32)
    plain = ContentIndex(titles, vectors, {}, ContentWeights(neighbours=0.0, prominence=0.0, hub=0.0))
    assert plain.hubs is None
    assert not plain.prior(np.arange(5), plain.matrix @ plain.matrix[0]).any()
    assert [plain.ids[j] for j, _ in plain.comps_of("t0", k=2)] == ["t1", "t4"]
    penalised = plain.reweighted(ContentWeights(neighbours=0.0, prominence=0.0, hub=2.0))
    assert int(np.argmax(penalised.hubs)) == 4
    assert [penalised.ids[j] for j, _ in penalised.comps_of("t0", k=4)] == ["t1", "t3", "t2", "t4"]
    # The bundle keeps the hubness: a loaded index ranks the same without recomputing it.
    penalised.save(tmp_path)
    loaded = ContentIndex.load(tmp_path)
    assert np.allclose(loaded.hubs, penalised.hubs)
    assert [j for j, _ in loaded.comps_of("t0", k=4)] == [j for j, _ in penalised.comps_of("t0", k=4)]


def test_the_validation_judgments_are_other_anchors_judged_like_the_test_set():
    # Weights are chosen on the validation set; an anchor in both would leak the test into them.
    validation = load_judgments(VALIDATION_JUDGMENTS_PATH)
    test = load_judgments(JUDGMENTS_PATH)
    assert not set(validation) & set(test)
    assert len(validation) >= 25
    for judged in validation.values():
        assert len(judged["good"]) >= 5 and len(judged["wrong"]) >= 2
        assert not judged["good"] & judged["wrong"]


def test_the_second_test_set_judges_anchors_of_its_own():
    holdout = load_judgments(HOLDOUT_JUDGMENTS_PATH)
    earlier = set(load_judgments(JUDGMENTS_PATH)) | set(load_judgments(VALIDATION_JUDGMENTS_PATH))
    assert not set(holdout) & earlier
    assert len(holdout) >= 40
    for anchor, judged in holdout.items():
        assert len(judged["good"]) >= 5 and len(judged["wrong"]) >= 2
        assert not judged["good"] & judged["wrong"] and anchor not in judged["good"] | judged["wrong"]


def _franchise_catalog() -> ContentIndex:
    """A franchise of four works (one of them in two language versions) and unrelated dramas."""
    names = ["Saga", "Saga 2", "Saga 3", "Saga 4", "Saga 4 (Hindi Version)"]
    names += [f"Other {i}" for i in range(12)]
    titles = [ContentTitle(f"t{i}", name, "movie", "R", ["Dramas"], []) for i, name in enumerate(names)]
    rng = np.random.default_rng(0)
    return ContentIndex(titles, rng.normal(size=(len(titles), 6)).astype(np.float32), {},
                        ContentWeights(hub=0.0, prominence=0.0))


def test_a_partner_is_found_by_any_entry_of_its_work():
    index = _franchise_catalog()
    pairs = [(0, 3)]

    def hindi_version_first(anchor: int) -> np.ndarray:
        scores = np.zeros(len(index.titles), dtype=np.float32)
        scores[4 if anchor == 0 else 0] = 1.0
        return scores

    # Saga's list holds "Saga 4 (Hindi Version)": that is Saga 4, found.
    assert franchise_recall(index, hindi_version_first, pairs) == 1.0


def test_the_franchise_ceiling_is_what_two_places_per_franchise_allow():
    index = _franchise_catalog()
    works = [0, 1, 2, 3]
    pairs = [(a, b) for i, a in enumerate(works) for b in works[i + 1:]]
    # Each of the four works has three partners and room for two of them.
    assert franchise_ceiling(index, pairs) == pytest.approx(2 / 3)


def test_the_evaluation_ranks_content_comps_as_the_service_does_franchise_bonus_included():
    # The measured lists must be the served ones: evaluate-comps' scorer and ContentIndex.comps_of.
    names = ["Harbour Lights", "Harbour Lights: The Series", "Night Harbour", "Quiet Harbour", "Bay Watchers",
             "Lighthouse Keepers", "Tide Story"]
    degrees = [0, 70, 20, 25, 30, 35, 85]
    titles = [ContentTitle(f"h{i}", name, "movie" if i == 0 else "show", "TV-14", ["TV Dramas"], [],
                           people=["ana"] if i in (0, 4) else [], votes=100.0 * (i + 1))
              for i, name in enumerate(names)]
    vectors = np.array([[np.cos(np.radians(d)), np.sin(np.radians(d)), 0.0] for d in degrees],
                       dtype=np.float32)
    index = ContentIndex(titles, vectors, {}, ContentWeights(neighbours=0.0, prominence=0.1, hub=0.0))
    signals = Signals(index, None, {t.id: "a harbour town drama of a harbour town" for t in titles})
    scorer = content_scorer(index, signals)
    served = [index.ids[j] for j, _ in index.comps_of("h0", k=5, scope="netflix")]
    assert [index.ids[j] for j in top_ids(index, scorer, 0, k=5)] == served
    assert served[0] == "h1", "the spin-off series, lifted by the franchise bonus"
    # A baseline given the same bonus lifts the same title by the same amount.
    plain = lambda a: (index.matrix @ index.matrix[a]).astype(np.float32)  # noqa: E731
    lifted = with_franchise_bonus(index, plain)(0) - plain(0)
    assert lifted.tolist() == pytest.approx([0, index.weights.franchise, 0, 0, 0, 0, 0])


def test_the_comps_report_renders_every_method_and_the_bounds_of_the_franchise_goal():
    measures = {"franchise_recall@10": 0.5, "hits@10": 0.25, "pairwise": 0.75, "holdout hits@10": 0.125,
                "holdout pairwise": 0.875, "holdout anchors": 45}
    report = {
        "seconds": 1.0, "validation_pairs": 454, "validation_anchors": 27, "weights": {"franchise": 0.5},
        "validation": {"chosen": (0.51, 0.67, 0.35), "without prior": (0.47, 0.67, 0.27), "coverage": 4748,
                       "coverage without prior": 4690},
        "validation franchise": {"chosen": (0.55, 0.75, 0.35), "without": (0.51, 0.67, 0.35)},
        "validation bounds": {"ceiling": 0.793, "plain hybrid": 0.675},
        "test_pairs": 815, "franchise_ceiling": 0.585,
        "methods": {"content comps (this model)": measures, "MiniLM kNN on summaries": dict(measures, **{
            "franchise_recall@10": 0.358})},
        "side_by_side": [["Narcos", "Narcos: Mexico", "El Chema", "El Cartel"]],
    }
    text = render(report)
    assert "| content comps (this model) | 0.500 | 0.250 | 0.750 | 0.125 | 0.875 |" in text
    assert "| MiniLM kNN on summaries | 0.358 |" in text
    assert "plain hybrid reaches 0.675: 20% more is 0.810, where the list rules allow at most 0.793" in text
    assert "(0.55, 0.75, 0.35) with it" in text
    assert "| Narcos | Narcos: Mexico | El Chema | El Cartel |" in text
