"""The content map (training/layout.py): shapes, the seed, cluster names from tags, tiny catalogs,
the save/load round trip. Tiny synthetic indexes, no database."""

from __future__ import annotations

import numpy as np
import pytest

from training.content import ContentIndex, ContentTitle
from training.layout import Layout, build_layout, cluster_count

# (tag, its facet, genre) of each group of look-alike titles.
GROUPS = [("heist", "subject", "Crime TV Shows"), ("baking", "subject", "Reality TV"),
          ("stand-up", "format", "Stand-Up Comedy")]
FACETS = {"heist": "subject", "baking": "subject", "stand-up": "format", "funny": "mood", "paris": "setting"}


def _index(per_group: int = 10, tagged: bool = True, seed: int = 0, place: bool = False) -> ContentIndex:
    """Three groups of titles whose summary vectors sit around three far-apart centres."""
    rng = np.random.default_rng(seed)
    titles, vectors = [], []
    for group, (tag, _, genre) in enumerate(GROUPS):
        for i in range(per_group):
            # "funny" on every title and "paris" on a few: common or off-facet tags never name a cluster.
            tags = [(tag, 1.0), ("funny", 0.5)] + ([("paris", 0.5)] if i % 3 == 0 else [])
            genres = [genre] + (["International TV Shows"] if place and group == 0 else [])
            titles.append(ContentTitle(f"g{group}-{i}", f"Title {group} {i}", "show", "TV-14", genres,
                                       tags if tagged else []))
            centre = np.zeros(16)
            centre[group] = 5.0
            vectors.append(centre + rng.normal(scale=0.3, size=16))
    return ContentIndex(titles, np.array(vectors, dtype=np.float32), FACETS)


def test_every_title_gets_a_point_in_the_unit_square_and_a_cluster():
    index = _index()
    layout = build_layout(index, seed=3, clusters=3)
    assert layout.ids == index.ids
    assert layout.x.shape == layout.y.shape == layout.cluster.shape == (30,)
    assert np.abs(np.concatenate([layout.x, layout.y])).max() == pytest.approx(1.0)
    assert [c.id for c in layout.clusters] == [0, 1, 2]
    assert sum(c.size for c in layout.clusters) == 30
    assert np.bincount(layout.cluster).tolist() == [c.size for c in layout.clusters]


def test_the_same_seed_gives_the_same_map():
    first, second = build_layout(_index(), seed=5), build_layout(_index(), seed=5)
    np.testing.assert_array_equal(first.x, second.x)
    np.testing.assert_array_equal(first.y, second.y)
    np.testing.assert_array_equal(first.cluster, second.cluster)
    assert [c.name for c in first.clusters] == [c.name for c in second.clusters]


def test_clusters_are_the_groups_and_named_by_their_tags():
    layout = build_layout(_index(), seed=0, clusters=3)
    groups_of = {c.id: {title_id[:2] for title_id, label in zip(layout.ids, layout.cluster, strict=True)
                        if label == c.id} for c in layout.clusters}
    assert sorted(len(groups) for groups in groups_of.values()) == [1, 1, 1], "a cluster mixes groups"
    for cluster in layout.clusters:
        group = int(next(iter(groups_of[cluster.id]))[1])
        assert cluster.name == GROUPS[group][0]
        assert cluster.tags == [GROUPS[group][0]]


def test_without_tags_a_cluster_is_named_by_its_genres():
    layout = build_layout(_index(tagged=False), seed=0, clusters=3)
    assert sorted(c.name for c in layout.clusters) == sorted(genre for _, _, genre in GROUPS)
    assert all(c.tags == [] for c in layout.clusters)


def test_a_production_place_label_names_no_cluster():
    # The content vectors do not read where a title was made, so the map does not name it either.
    layout = build_layout(_index(tagged=False, place=True), seed=0, clusters=3)
    assert sorted(c.name for c in layout.clusters) == sorted(genre for _, _, genre in GROUPS)


@pytest.mark.parametrize("titles", [1, 2, 3, 5, 8])
def test_tiny_catalogs_get_a_map(titles):
    index = _index(per_group=3)
    small = ContentIndex(index.titles[:titles], index.summary_vectors[:titles], FACETS)
    layout = build_layout(small, seed=0)
    assert layout.x.shape == (titles,) and np.isfinite(layout.x).all() and np.isfinite(layout.y).all()
    assert len(layout.clusters) == cluster_count(titles) <= titles


def test_cluster_count_grows_slowly_with_the_catalog():
    assert [cluster_count(n) for n in (1, 3, 8, 20, 100, 400, 9_447)] == [1, 1, 2, 3, 8, 14, 14]


def test_a_saved_layout_loads_the_same(tmp_path):
    layout = build_layout(_index(), seed=1, clusters=3)
    layout.save(tmp_path)
    loaded = Layout.load(tmp_path)
    assert loaded.ids == layout.ids and loaded.seed == 1
    np.testing.assert_allclose(loaded.x, layout.x, atol=1e-4)
    np.testing.assert_allclose(loaded.y, layout.y, atol=1e-4)
    np.testing.assert_array_equal(loaded.cluster, layout.cluster)
    assert loaded.clusters == layout.clusters
