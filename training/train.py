"""Self-supervised training of the title embeddings, and the `titlegraph train` pipeline.

Each epoch a random `target_fraction` of every supervised edge type is hidden from message
passing and predicted against negatives drawn by corrupting the non-title end (uniformly over
that node type); the rest carries the messages. Hiding the targets keeps the model from
reading an edge off its own input and trains it to infer links from the other evidence, which
is the situation of a new title.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from training import minibatch
from training.data import SUPERVISED_EDGE_TYPES, TitleGraph, reverse_edge_type
from training.features import TitleFeaturizer, make_encoder
from training.model import HeteroSageEncoder, LinkPredictor, link_loss
from training.vectors import top_k, unit_rows


@dataclass
class TrainConfig:
    """Hyperparameters of one training run (written to config.json).

    Args:
        encoder: text encoder name, 'tfidf-svd' or 'minilm-l6-v2' (default 'tfidf-svd').
        text_dimensions: TF-IDF SVD width (default 128).
        hidden: GraphSAGE hidden width (default 64).
        out: embedding width (default 64).
        layers: SAGE layers (default 2).
        dropout: dropout between layers (default 0.1).
        epochs: full-batch epochs (default 100).
        lr: Adam learning rate (default 0.01).
        weight_decay: Adam weight decay (default 0.0).
        target_fraction: share of each supervised edge type predicted per epoch (default 0.3).
        negatives: negatives per positive edge (default 2).
        min_person_titles: keep people with at least this many titles (default 2).
        seed: seeds torch, numpy and random (default 7).
        threads: torch intra-op threads, fixed for reproducible sums (default 2).
        comps_k: SIMILAR_TO comps per title (default 10).
        person_dropout: share of titles trained each epoch without their cast and director
            edges, so titles described without known people embed by their other metadata
            (default 0.5).
        batch_size: target edges per mini-batch; 0 trains full-batch (default 0). Applies only
            where pyg-lib or torch-sparse is installed (training/minibatch.py).
        num_neighbors: neighbours sampled per layer in mini-batch training (default 15, 10).
    """

    encoder: str = "tfidf-svd"
    text_dimensions: int = 128
    hidden: int = 64
    out: int = 64
    layers: int = 2
    dropout: float = 0.1
    epochs: int = 100
    lr: float = 0.01
    weight_decay: float = 0.0
    target_fraction: float = 0.3
    negatives: int = 2
    min_person_titles: int = 2
    seed: int = 7
    threads: int = 2
    comps_k: int = 10
    person_dropout: float = 0.5
    batch_size: int = 0
    num_neighbors: tuple[int, ...] = (15, 10)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class TrainResult:
    """A trained model and what it produced.

    Args:
        model: the trained `LinkPredictor` (eval mode).
        title_embeddings: L2-normalised final title states (numpy, index order of the graph).
        layer_states: per layer, the states of every non-title node type (for inductive use).
        losses: loss per epoch.
        seconds: wall time of the epochs.
    """

    model: LinkPredictor
    title_embeddings: np.ndarray
    layer_states: list[dict[str, np.ndarray]]
    losses: list[float] = field(default_factory=list)
    seconds: float = 0.0


def set_determinism(seed: int, threads: int) -> torch.Generator:
    """Seed every generator, fix the thread count and ask torch for deterministic kernels."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True, warn_only=True)
    return torch.Generator().manual_seed(seed)


def num_nodes_of(graph: TitleGraph) -> dict[str, int]:
    """Node counts per type."""
    return {node_type: len(keys) for node_type, keys in graph.keys.items()}


def build_model(graph: TitleGraph, title_features: int, config: TrainConfig) -> LinkPredictor:
    """A fresh model sized for `graph`."""
    encoder = HeteroSageEncoder(
        graph.data.edge_types,
        num_nodes_of(graph),
        title_features,
        hidden=config.hidden,
        out=config.out,
        layers=config.layers,
        dropout=config.dropout,
    )
    return LinkPredictor(encoder)


def _epoch_split(graph: TitleGraph, fraction: float, generator: torch.Generator, person_dropout: float = 0.0):
    """Message edges (both directions) and target edges for one epoch.

    `person_dropout`: share of titles whose cast and director edges are left out of this epoch's
    messages (they stay targets). A new title usually comes with no people the model knows;
    without this, titles without people form their own region of the map and a new title lands
    there, among unrelated titles that merely lack cast data, instead of next to its genres.
    """
    dropped = torch.rand(graph.data["title"].num_nodes, generator=generator) < person_dropout
    messages, targets = {}, {}
    for edge_type in SUPERVISED_EDGE_TYPES:
        edges = graph.data[edge_type].edge_index
        order = torch.randperm(edges.size(1), generator=generator)
        cut = int(round(fraction * edges.size(1)))
        targets[edge_type] = edges[:, order[:cut]]
        kept = edges[:, order[cut:]]
        if edge_type[0] == "person" and person_dropout > 0:
            kept = kept[:, ~dropped[kept[1]]]
        messages[edge_type] = kept
        messages[reverse_edge_type(edge_type)] = kept.flip(0)
    return messages, targets


def _negatives(
    edge_type: tuple,
    positives: torch.Tensor,
    count: int,
    num_nodes: dict[str, int],
    generator: torch.Generator,
) -> torch.Tensor:
    """Corrupt the non-title end of each positive edge, `count` times."""
    src_type, _, dst_type = edge_type
    repeated = positives.repeat(1, count)
    corrupt_row = 1 if src_type == "title" else 0
    other_type = dst_type if src_type == "title" else src_type
    repeated[corrupt_row] = torch.randint(num_nodes[other_type], (repeated.size(1),), generator=generator)
    return repeated


def full_edge_index(graph: TitleGraph) -> dict[tuple, torch.Tensor]:
    """Every edge type of the graph (message passing at inference)."""
    return {edge_type: graph.data[edge_type].edge_index for edge_type in graph.data.edge_types}


def train_model(
    graph: TitleGraph,
    title_x: np.ndarray,
    config: TrainConfig,
    *,
    progress: bool = True,
    echo: Callable[[str], None] = print,
) -> TrainResult:
    """Train on CPU (full-batch, or mini-batch where `config.batch_size` applies); return the model,
    embeddings and per-layer states."""
    generator = set_determinism(config.seed, config.threads)
    mini_batch = minibatch.use_mini_batch(config.batch_size, echo)
    features = torch.from_numpy(title_x)
    num_nodes = num_nodes_of(graph)
    model = build_model(graph, features.size(1), config)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    supervised = [et for et in SUPERVISED_EDGE_TYPES if graph.data[et].edge_index.size(1) > 0]
    losses: list[float] = []
    started = time.monotonic()
    bar = tqdm(range(config.epochs), desc="train", unit="epoch", disable=not progress, mininterval=1.0)
    for _ in bar:
        model.train()
        messages, targets = _epoch_split(graph, config.target_fraction, generator, config.person_dropout)
        if mini_batch:
            losses.append(minibatch.train_epoch(
                model, features, num_nodes, messages, {et: targets[et] for et in supervised},
                batch_size=config.batch_size, num_neighbors=list(config.num_neighbors),
                negatives=config.negatives, optimizer=optimizer))
            bar.set_postfix(loss=f"{losses[-1]:.4f}")
            continue
        losses.append(_full_batch_step(model, features, num_nodes, messages,
                                       {et: targets[et] for et in supervised}, config, generator, optimizer))
        bar.set_postfix(loss=f"{losses[-1]:.4f}")
    bar.close()
    seconds = time.monotonic() - started
    title_embeddings, layer_states = embed_graph(model, graph, title_x)
    return TrainResult(
        model=model,
        title_embeddings=title_embeddings,
        layer_states=layer_states,
        losses=losses,
        seconds=seconds,
    )


def _full_batch_step(model: LinkPredictor, features: torch.Tensor, num_nodes: dict[str, int], messages: dict,
                     targets: dict, config: TrainConfig, generator: torch.Generator, optimizer) -> float:
    """One full-batch epoch: positive target edges against sampled negatives; returns the loss."""
    pairs = {}
    for edge_type, positives in targets.items():
        pairs[("pos",) + edge_type] = positives
        pairs[("neg",) + edge_type] = _negatives(edge_type, positives, config.negatives, num_nodes, generator)
    states = model.encoder(features, messages, num_nodes)
    # Mean over edge types: genre (61 nodes) and country edges weigh as much as tags.
    loss = torch.stack(
        [
            link_loss(
                model.decoder(states[et[0]][pairs[("pos",) + et][0]], states[et[2]][pairs[("pos",) + et][1]]),
                model.decoder(states[et[0]][pairs[("neg",) + et][0]], states[et[2]][pairs[("neg",) + et][1]]),
            )
            for et in targets
        ]
    ).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.detach().item()


@torch.no_grad()
def embed_graph(model: LinkPredictor, graph: TitleGraph, title_x: np.ndarray):
    """Final L2-normalised title embeddings and every layer's non-title states (all edges)."""
    model.eval()
    final, layers = model.encoder(
        torch.from_numpy(title_x), full_edge_index(graph), num_nodes_of(graph), return_layers=True
    )
    # The new title's neighbours are never titles, so only the other types' states are kept.
    layer_states = [
        {node_type: states[node_type].numpy().copy() for node_type in states if node_type != "title"}
        for states in layers[:-1]
    ]
    return unit_rows(final["title"].numpy()), layer_states


def top_k_comps(
    title_ids: list[str], embeddings: np.ndarray, k: int, chunk: int = 1024,
    candidates: np.ndarray | None = None,
) -> list[list[tuple[str, float]]]:
    """Each title's k nearest other titles by cosine (chunked: 9k x 9k scores do not fit at once),
    among the `candidates` (a boolean mask; default every title)."""
    comps = []
    allowed = np.ones(len(title_ids), dtype=bool) if candidates is None else candidates
    k = min(k, int(allowed.sum()) - 1)
    for start in range(0, len(title_ids), chunk):
        scores = embeddings[start : start + chunk] @ embeddings.T
        scores[:, ~allowed] = -np.inf
        rows = np.arange(scores.shape[0])
        scores[rows, rows + start] = -np.inf
        for row in rows:
            comps.append([(title_ids[j], float(scores[row, j])) for j in top_k(scores[row], k)])
    return comps


def fit_features(graph: TitleGraph, config: TrainConfig, cache_dir: Path | None):
    """Fit the featurizer on the graph's titles only; return it and the title feature matrix."""
    encoder = make_encoder(
        config.encoder, cache_dir=cache_dir, seed=config.seed, dimensions=config.text_dimensions
    )
    featurizer = TitleFeaturizer(encoder).fit(graph.titles)
    return featurizer, featurizer.transform(graph.titles)
