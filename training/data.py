"""The graph from Neo4j as a PyTorch Geometric `HeteroData`, with id maps both ways.

`read_snapshot` streams titles (with their tags, genres, countries and people) in batches and
returns plain values; `build_graph` turns a snapshot into a `TitleGraph`. Chart edges are never
read here: they are the labels of the audience model.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import neo4j
import torch
from torch_geometric.data import HeteroData
from torch_geometric.transforms import ToUndirected

from graph.catalog import NETFLIX
from graph.embeddings import TitleRow, iter_title_batches, read_vocabularies

# (source type, relation, destination type) -> which TitleRow list holds the neighbour keys.
EDGE_TYPES = {
    ("title", "has_tag", "tag"): "tags",
    ("title", "in_genre", "genre"): "genres",
    ("title", "produced_in", "country"): "countries",
    ("person", "directed", "title"): "directors",
    ("person", "acted_in", "title"): "cast",
}
def reverse_edge_type(edge_type: tuple) -> tuple:
    """The reverse of an edge type as ToUndirected names it: (dst, "rev_<relation>", src)."""
    src, relation, dst = edge_type
    return (dst, f"rev_{relation}", src)


# Edge types learnt by link prediction; directed/acted_in together are "title-person".
SUPERVISED_EDGE_TYPES = list(EDGE_TYPES)


@dataclass
class GraphSnapshot:
    """Plain values read from Neo4j: titles with metadata and the vocabularies.

    Args:
        titles: every title that is not chart-only, in id order.
        tag_counts: Tag name -> number of titles it tags (for summary-derived tags).
        genres: Genre names.
        countries: Country ISO2 codes.
    """

    titles: list[TitleRow]
    tag_counts: dict[str, int]
    genres: list[str]
    countries: list[str]


@dataclass
class TitleGraph:
    """A `HeteroData` (undirected) plus node keys per type and their inverse maps.

    Args:
        data: node counts, `title.x` is left to the featurizer; edges in both directions.
        keys: node type -> Neo4j keys in index order (title id, tag name, genre name, ISO2,
            person key).
        titles: the TitleRow of each title node, in index order.
        data_hash: sha256 of sorted node keys, edges and title metadata.
        index: node type -> key -> index (built from `keys`).
    """

    data: HeteroData
    keys: dict[str, list[str]]
    titles: list[TitleRow]
    data_hash: str
    index: dict[str, dict[str, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.index = {
            node_type: {key: i for i, key in enumerate(keys)} for node_type, keys in self.keys.items()
        }

    @property
    def title_ids(self) -> list[str]:
        return self.keys["title"]


def read_snapshot(
    driver: neo4j.Driver,
    *,
    database: str | None = None,
    batch_size: int = 2000,
    on_batch: Callable[[int], None] | None = None,
    catalog: str = "all",
) -> GraphSnapshot:
    """Stream the embedding graph out of Neo4j (titles in batches, then the vocabularies);
    catalog 'netflix' keeps the titles on Netflix only."""
    titles: list[TitleRow] = []
    for batch in iter_title_batches(driver, batch_size=batch_size, database=database):
        if catalog == "netflix":
            # Titles read before services existed (no AVAILABLE_ON) came from the Netflix files.
            batch = [row for row in batch if not row.services or NETFLIX in row.services]
        titles.extend(batch)
        if on_batch is not None:
            on_batch(len(batch))
    vocabularies = read_vocabularies(driver, database)
    return GraphSnapshot(
        titles=titles,
        tag_counts=vocabularies["tags"],
        genres=vocabularies["genres"],
        countries=vocabularies["countries"],
    )


def data_hash(
    keys: dict[str, list[str]], edges: dict[tuple, list[tuple[int, int]]], titles: Iterable[TitleRow]
) -> str:
    """A stable sha256 of sorted node keys, edges (as key pairs) and title metadata."""
    digest = hashlib.sha256()
    for node_type in sorted(keys):
        digest.update(json.dumps([node_type, sorted(keys[node_type])]).encode())
    for edge_type in sorted(edges):
        src, _, dst = edge_type
        pairs = sorted((keys[src][s], keys[dst][d]) for s, d in edges[edge_type])
        digest.update(json.dumps([list(edge_type), pairs]).encode())
    # Text and attributes feed the title features: a changed summary changes the embeddings.
    for row in sorted(titles, key=lambda r: r.id):
        digest.update(
            json.dumps(
                [row.id, row.title, row.kind, row.year, row.summary, row.rating, row.duration_minutes]
            ).encode()
        )
    return digest.hexdigest()


def build_graph(
    snapshot: GraphSnapshot,
    *,
    exclude_title_ids: Iterable[str] = (),
    min_person_titles: int = 2,
    drop_edges: dict[tuple, set[tuple[str, str]]] | None = None,
) -> TitleGraph:
    """Build the undirected `TitleGraph`, leaving excluded titles and given edges out entirely.

    People linked to fewer than `min_person_titles` kept titles are dropped (a person with one
    title links nothing). Tag, genre and country nodes are the full vocabularies, so a new
    title can use a tag whose titles were all excluded. `drop_edges` maps an edge type to
    (title id, neighbour key) pairs removed before training (held-out link prediction).
    """
    excluded = set(exclude_title_ids)
    drop_edges = drop_edges or {}
    titles = [row for row in snapshot.titles if row.id not in excluded]
    person_titles = Counter(key for row in titles for key in set(row.directors) | set(row.cast))
    keys = {
        "title": [row.id for row in titles],
        "tag": sorted(snapshot.tag_counts),
        "genre": sorted(snapshot.genres),
        "country": sorted(snapshot.countries),
        "person": sorted(key for key, count in person_titles.items() if count >= min_person_titles),
    }
    index = {node_type: {key: i for i, key in enumerate(node_keys)} for node_type, node_keys in keys.items()}
    edges: dict[tuple, list[tuple[int, int]]] = {}
    for edge_type, attribute in EDGE_TYPES.items():
        src_type, _, dst_type = edge_type
        other_type = dst_type if src_type == "title" else src_type
        dropped = drop_edges.get(edge_type, set())
        pairs = set()
        for t_index, row in enumerate(titles):
            for key in getattr(row, attribute):
                o_index = index[other_type].get(key)
                if o_index is None or (row.id, key) in dropped:
                    continue
                pairs.add((t_index, o_index) if src_type == "title" else (o_index, t_index))
        edges[edge_type] = sorted(pairs)
    data = HeteroData()
    for node_type, node_keys in keys.items():
        data[node_type].num_nodes = len(node_keys)
    for edge_type, pairs in edges.items():
        data[edge_type].edge_index = (
            torch.tensor(pairs, dtype=torch.long).t().contiguous()
            if pairs
            else torch.empty((2, 0), dtype=torch.long)
        )
    data = ToUndirected()(data)
    return TitleGraph(data=data, keys=keys, titles=titles, data_hash=data_hash(keys, edges, titles))
