"""A tiny synthetic catalog: three clusters of titles sharing genres, tags, countries and people."""

from __future__ import annotations

import numpy as np
import pytest

from graph.embeddings import TitleRow
from graph.normalize import normalize_name
from training.data import GraphSnapshot
from training.train import TrainConfig

CLUSTERS = [
    # (genre, country, tag words, summary words)
    ("Horror Movies", "US", ["ghost", "haunted house", "curse"], "ghost haunted house curse night fear"),
    ("Romantic Comedies", "FR", ["wedding", "romance", "paris"], "wedding romance paris love chef"),
    ("Korean TV Shows", "KR", ["detective", "murder", "seoul"], "detective murder seoul police case"),
]


def tiny_snapshot(titles_per_cluster: int = 12, seed: int = 0) -> GraphSnapshot:
    """36 titles in 3 clusters; people appear in 2-3 titles of their cluster."""
    rng = np.random.default_rng(seed)
    titles = []
    for c, (genre, country, tags, words) in enumerate(CLUSTERS):
        for i in range(titles_per_cluster):
            vocabulary = words.split()
            summary = " ".join(rng.choice(vocabulary, size=6)) + f" {genre.lower()}"
            cast = [f"Actor {c}-{(i + j) % 6}" for j in range(2)]
            titles.append(
                TitleRow(
                    id=f"t{c}-{i:02d}",
                    title=f"Title {c} {i}",
                    kind="show" if c == 2 else "movie",
                    year=2000 + i,
                    summary=summary,
                    rating="TV-MA" if c == 0 else "PG",
                    duration_minutes=90 + i,
                    tags=[tags[i % 3], tags[(i + 1) % 3]],
                    genres=[genre],
                    countries=[country],
                    directors=[f"Director {c}-{i % 3}"],
                    cast=[normalize_name(name) for name in cast],
                )
            )
    # Person keys are normalized names in the graph.
    for row in titles:
        row.directors = [normalize_name(d) for d in row.directors]
    tag_counts = {}
    for row in titles:
        for tag in row.tags:
            tag_counts[tag] = tag_counts.get(tag, 0) + 1
    return GraphSnapshot(
        titles=titles,
        tag_counts=tag_counts,
        genres=[c[0] for c in CLUSTERS] + ["Dramas"],
        countries=["FR", "KR", "US", "DE"],
    )


@pytest.fixture
def snapshot() -> GraphSnapshot:
    return tiny_snapshot()


@pytest.fixture
def tiny_config() -> TrainConfig:
    """Small and fast: trains in well under a second."""
    return TrainConfig(text_dimensions=8, hidden=16, out=8, epochs=30, threads=1, seed=3)
