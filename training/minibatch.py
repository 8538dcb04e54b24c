"""Mini-batch link-prediction training with PyG's `LinkNeighborLoader`, for graphs that outgrow
full-batch training.

Neighbour sampling needs one of PyG's compiled extensions, `pyg-lib` or `torch-sparse`. Neither
is a dependency: their wheels come from data.pyg.org per torch release (PyPI has none for
pyg-lib, and torch-sparse's source release does not build against every torch). So mini-batch
training is an option that applies only where one of them is installed; elsewhere the run says
so and trains full-batch, which fits the shared catalog many times over (README, "Scale").
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
import torch_geometric.typing as pyg_typing
from torch_geometric.data import HeteroData
from torch_geometric.loader import LinkNeighborLoader
from torch_geometric.sampler import NegativeSampling

from training.data import reverse_edge_type
from training.model import LinkPredictor


def sampler_backend() -> str | None:
    """The installed neighbour-sampling extension PyG will use ('pyg-lib', 'torch-sparse'), or None."""
    if pyg_typing.WITH_PYG_LIB:
        return "pyg-lib"
    if pyg_typing.WITH_TORCH_SPARSE:
        return "torch-sparse"
    return None


def use_mini_batch(batch_size: int, echo: Callable[[str], None] = print) -> bool:
    """Whether to train in mini-batches of `batch_size` target edges (0 means full-batch)."""
    if batch_size <= 0:
        return False
    backend = sampler_backend()
    if backend is None:
        echo(f"mini-batch training (batch size {batch_size}) needs pyg-lib or torch-sparse, and "
             "neither is installed: training full-batch")
        return False
    echo(f"mini-batch training: {batch_size} target edges per batch, neighbours sampled by {backend}")
    return True


def title_first(edge_type: tuple, edges: torch.Tensor) -> tuple[tuple, torch.Tensor]:
    """The edge type and edges with the title at the source end (person->title edges are flipped).

    PyG's binary negative sampling corrupts the destination end; flipping keeps negatives on the
    non-title end, as in full-batch training.
    """
    if edge_type[0] == "title":
        return edge_type, edges
    return reverse_edge_type(edge_type), edges.flip(0)


def train_epoch(
    model: LinkPredictor,
    features: torch.Tensor,
    num_nodes: dict[str, int],
    messages: dict[tuple, torch.Tensor],
    targets: dict[tuple, torch.Tensor],
    *,
    batch_size: int,
    num_neighbors: list[int],
    negatives: int,
    optimizer: torch.optim.Optimizer,
) -> float:
    """One epoch over every supervised edge type's targets; returns the mean batch loss.

    Message passing uses only the epoch's message edges (targets are held out of them), as in
    full-batch training; each batch is the sampled neighbourhood of its target and negative edges.
    """
    data = HeteroData()
    for node_type, count in num_nodes.items():
        data[node_type].num_nodes = count
    for edge_type, edges in messages.items():
        data[edge_type].edge_index = edges
    losses = []
    for edge_type, edges in targets.items():
        label_type, label_index = title_first(edge_type, edges)
        loader = LinkNeighborLoader(
            data, num_neighbors=num_neighbors, edge_label_index=(label_type, label_index),
            neg_sampling=NegativeSampling("binary", amount=negatives), batch_size=batch_size, shuffle=True,
        )
        for batch in loader:
            node_ids = {node_type: batch[node_type].n_id for node_type in batch.node_types}
            states = model.encoder(features[node_ids["title"]], batch.edge_index_dict, num_nodes,
                                   node_ids=node_ids)
            pairs = batch[label_type].edge_label_index
            logits = model.decoder(states[label_type[0]][pairs[0]], states[label_type[2]][pairs[1]])
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, batch[label_type].edge_label)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.detach().item())
    return float(np.mean(losses)) if losses else float("nan")
