"""A 2-D map of the catalog's content vectors, saved with each model version (`content/layout.json`).

t-SNE, after PCA to at most 50 dimensions, places the titles; KMeans on the content vectors groups
them ("facet clusters"), and each cluster is named by its most characteristic subject, format,
audience and mood tags: those whose share of the cluster most exceeds their share of the catalog
(its genres, where no tag stands out).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE

from training.content import ContentIndex, ContentTitle, content_genres, content_tags

LAYOUT_FILE = "layout.json"
# Mood joins subject, format and audience: no other tag stands out among comedies, thrillers or
# romances ("funny", "suspenseful", "romantic"). Settings name places, not kinds of title.
NAME_FACETS = ("subject", "format", "audience", "mood")
NAME_PARTS = 2
PCA_DIMENSIONS = 50
# 400 iterations (the first 250 are early exaggeration; sklearn's default is 1000) keep the whole
# layout of the 9.5k-title catalog at about 25 s on two cores.
TSNE_ITERATIONS = 400
MAX_PERPLEXITY = 30.0
MAX_CLUSTERS = 14
# A tag names a cluster only if enough of its titles carry it (a rare tag has a huge lift) and
# it stands out enough; below that, the cluster's genres name it.
MIN_SHARE = 0.08
MIN_LIFT = 1.5
MIN_SCORE = 0.25
GENERIC_WORDS = frozenset({"&", "and", "tv", "show", "movie"})


@dataclass
class MapCluster:
    """One facet cluster: its number, its name, the tags the name is made of, its size."""

    id: int
    name: str
    tags: list[str]
    size: int


@dataclass
class Layout:
    """Map coordinates and facet clusters of the catalog's titles, in content-index order.

    Args:
        ids: title ids.
        x: horizontal coordinates, in [-1, 1].
        y: vertical coordinates, in [-1, 1].
        cluster: each title's cluster id.
        clusters: the clusters, by id.
        seed: the seed of t-SNE and KMeans (default 0).
    """

    ids: list[str]
    x: np.ndarray
    y: np.ndarray
    cluster: np.ndarray
    clusters: list[MapCluster]
    seed: int = 0

    def save(self, folder: Path) -> None:
        """`layout.json` in `folder` (the bundle's content folder)."""
        folder.mkdir(parents=True, exist_ok=True)
        stored = {
            "seed": self.seed,
            "ids": self.ids,
            "x": [round(float(value), 4) for value in self.x],
            "y": [round(float(value), 4) for value in self.y],
            "cluster": [int(value) for value in self.cluster],
            "clusters": [asdict(c) for c in self.clusters],
        }
        (folder / LAYOUT_FILE).write_text(json.dumps(stored))

    @classmethod
    def load(cls, folder: Path) -> Layout:
        """The layout a bundle saved."""
        stored = json.loads((folder / LAYOUT_FILE).read_text())
        return cls(
            ids=stored["ids"],
            x=np.array(stored["x"], dtype=np.float32),
            y=np.array(stored["y"], dtype=np.float32),
            cluster=np.array(stored["cluster"], dtype=np.int64),
            clusters=[MapCluster(**c) for c in stored["clusters"]],
            seed=stored["seed"],
        )


def cluster_count(titles: int) -> int:
    """Clusters for a catalog of this size: 3/4 of the square root (3 for 20 titles), at most 14."""
    return max(1, min(MAX_CLUSTERS, round(0.75 * math.sqrt(titles))))


def map_points(vectors: np.ndarray, seed: int = 0, iterations: int = TSNE_ITERATIONS) -> np.ndarray:
    """2-D t-SNE coordinates of the rows (PCA first), centred and scaled into [-1, 1]."""
    count = len(vectors)
    if count < 2:
        return np.zeros((count, 2), dtype=np.float32)
    dimensions = min(PCA_DIMENSIONS, count, vectors.shape[1])
    reduced = PCA(n_components=dimensions, random_state=seed).fit_transform(vectors)
    if count < 4:
        # Too few titles for t-SNE (perplexity must stay below the count): the first two components.
        points = np.zeros((count, 2))
        points[:, : min(2, dimensions)] = reduced[:, :2]
    else:
        points = TSNE(
            n_components=2,
            init="pca",
            perplexity=min(MAX_PERPLEXITY, (count - 1) / 3),
            learning_rate="auto",
            max_iter=iterations,
            random_state=seed,
        ).fit_transform(reduced)
    points = points - (points.max(axis=0) + points.min(axis=0)) / 2
    scale = np.abs(points).max()
    return (points / scale if scale > 0 else points).astype(np.float32)


def cluster_titles(vectors: np.ndarray, clusters: int, seed: int = 0) -> np.ndarray:
    """KMeans cluster of each row, clusters numbered largest first."""
    if clusters <= 1:
        return np.zeros(len(vectors), dtype=np.int64)
    labels = KMeans(n_clusters=clusters, n_init=2, random_state=seed).fit_predict(vectors)
    by_size = np.argsort(-np.bincount(labels, minlength=clusters), kind="stable")
    renumber = np.empty(clusters, dtype=np.int64)
    renumber[by_size] = np.arange(clusters)
    return renumber[labels]


def characteristic(
    member_sets: Sequence[set[str]], catalog: Counter, catalog_size: int
) -> list[tuple[float, str]]:
    """(score, name) of the names a cluster's titles carry more often than the catalog's, best first.

    Score: share in the cluster times log of the lift, so a tag every member has outranks a rare
    tag a few members have; names below MIN_SHARE of the cluster or MIN_LIFT are left out.
    """
    inside = Counter(name for names in member_sets for name in names)
    scored = []
    for name, count in inside.items():
        share = count / len(member_sets)
        lift = share / (catalog[name] / catalog_size)
        if share >= MIN_SHARE and lift >= MIN_LIFT:
            scored.append((share * math.log(lift), name))
    return sorted(scored, key=lambda pair: (-pair[0], pair[1]))


def _words(name: str) -> set[str]:
    return {word.rstrip("s") for word in name.lower().split()} - GENERIC_WORDS


def pick_names(scored: list[tuple[float, str]]) -> list[str]:
    """Up to NAME_PARTS names scoring MIN_SCORE or more, none repeating a word of an earlier one."""
    chosen: list[str] = []
    for score, name in scored:
        if score < MIN_SCORE or len(chosen) == NAME_PARTS:
            break
        # "Action & Adventure" then "action" says one thing twice.
        if not any(_words(name) & _words(other) for other in chosen):
            chosen.append(name)
    return chosen


def name_clusters(labels: np.ndarray, titles: Sequence[ContentTitle], tag_facets: dict[str, str]) -> list[
        MapCluster]:
    """Each cluster named by its most characteristic tags, or genres where no tag stands out: those
    the content vectors read (a production-place label such as "International TV Shows" names no
    cluster of a map that does not read it)."""
    tag_sets = [{name for name, _ in content_tags(t.tags) if tag_facets.get(name) in NAME_FACETS}
                for t in titles]
    genre_sets = [set(content_genres(t.genres)) for t in titles]
    tag_catalog = Counter(name for names in tag_sets for name in names)
    genre_catalog = Counter(name for names in genre_sets for name in names)
    count = len(titles)
    named, used = [], set()
    for cluster in range(int(labels.max()) + 1 if len(labels) else 0):
        members = np.flatnonzero(labels == cluster)
        tags = pick_names(characteristic([tag_sets[i] for i in members], tag_catalog, count))
        parts = tags or pick_names(characteristic([genre_sets[i] for i in members], genre_catalog, count))
        name = " · ".join(parts) or f"cluster {cluster + 1}"
        if name in used:
            name = f"{name} ({cluster + 1})"
        used.add(name)
        named.append(MapCluster(cluster, name, tags, len(members)))
    return named


def build_layout(
    index: ContentIndex,
    seed: int = 0,
    clusters: int | None = None,
    iterations: int = TSNE_ITERATIONS,
) -> Layout:
    """The map of a content index: t-SNE coordinates and named KMeans clusters of its titles."""
    points = map_points(index.matrix, seed, iterations)
    count = len(index.ids)
    labels = cluster_titles(index.matrix, min(clusters or cluster_count(count), max(1, count)), seed)
    return Layout(
        ids=list(index.ids),
        x=points[:, 0],
        y=points[:, 1],
        cluster=labels,
        clusters=name_clusters(labels, index.titles, index.tag_facets),
        seed=seed,
    )
