"""Encoders for the audience evaluation: pretrain GraphSAGE without the post-cutoff titles, and
fine-tune the encoder jointly with a head on the audience loss."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

from training.audience_model import HeadConfig, HeadInputs
from training.audience_spaces import EmbeddingSpace, metadata_table
from training.bundle import load_bundle, save_trained
from training.data import build_graph, read_snapshot
from training.fit_head import fit_head, head_loss, head_targets
from training.train import TrainConfig, embed_graph, fit_features, full_edge_index, num_nodes_of, train_model


def pretrain_without(
    driver, settings, exclude_ids: Sequence[str], folder: Path, *, config=None, progress: bool = True
):
    """Pretrain with `exclude_ids` left out entirely; return the loaded TitleModel and its parts."""
    config = config or TrainConfig()
    snapshot = read_snapshot(driver, database=settings.neo4j_database, catalog=settings.pretrain_catalog)
    graph = build_graph(snapshot, exclude_title_ids=exclude_ids, min_person_titles=config.min_person_titles)
    featurizer, title_x = fit_features(graph, config, settings.cache_dir)
    result = train_model(graph, title_x, config, progress=progress)
    save_trained(folder, "pretrained-without-test", snapshot, graph, config, featurizer, title_x.shape[1],
                 result.model, result.title_embeddings, result.layer_states, {})
    parts = {
        "graph": graph,
        "title_x": title_x,
        "result": result,
        "config": config,
        "featurizer": featurizer,
        "snapshot": snapshot,
    }
    return load_bundle(folder), parts


def fine_tune_encoder(
    parts: dict,
    space: EmbeddingSpace,
    split,
    metadata: dict[str, dict],
    folder: Path,
    *,
    epochs: int = 30,
    lr: float = 1e-3,
    config: HeadConfig | None = None,
    echo: Callable[[str], None] = print,
):
    """Fine-tune the GraphSAGE encoder jointly with a head on the audience loss; return the new TitleModel."""
    config = config or HeadConfig()
    graph, title_x = parts["graph"], torch.from_numpy(parts["title_x"])
    model = copy.deepcopy(parts["result"].model)
    table = metadata_table(metadata, split.train.title_ids)
    frozen_vectors = space.known(split.train.title_ids)
    training_rows = ~np.asarray(split.validation_mask, dtype=bool)
    predictor = fit_head(
        HeadInputs(frozen_vectors, table),
        split.train,
        space.country_vectors,
        train_rows=training_rows,
        config=config,
        epochs=100,
    )
    started = time.monotonic()
    targets = head_targets(split.train, training_rows, predictor.hours_scale)
    positions = torch.tensor([graph.index["title"][title_id] for title_id in split.train.title_ids])
    _tune_jointly(model, predictor, HeadInputs(frozen_vectors, table), (title_x, graph, positions), targets,
                  epochs=epochs, lr=lr, config=config)
    embeddings, layer_states = embed_graph(model, graph, parts["title_x"])
    echo(f"fine-tuned the encoder on the audience loss: {epochs} epochs in {time.monotonic() - started:.1f}s")
    save_trained(folder, "fine-tuned-without-test", parts["snapshot"], graph, parts["config"],
                 parts["featurizer"], parts["title_x"].shape[1], model, embeddings, layer_states, {})
    return load_bundle(folder)


def _tune_jointly(model, predictor, inputs: HeadInputs, encoded: tuple, targets: dict, *, epochs: int,
                  lr: float, config: HeadConfig) -> None:
    """Train the encoder and the head together on the audience loss; `encoded` is (title features,
    graph, positions of the training titles)."""
    title_x, graph, positions = encoded
    head = predictor.head
    _, side, produced, countries = predictor.head_tensors(inputs)
    mean, std = (torch.from_numpy(predictor.title_scaler.mean), torch.from_numpy(predictor.title_scaler.std))
    optimizer = torch.optim.Adam(
        list(model.encoder.parameters()) + list(head.parameters()), lr=lr, weight_decay=config.weight_decay
    )
    edges, num_nodes = full_edge_index(graph), num_nodes_of(graph)
    for _ in range(epochs):
        model.train()
        head.train()
        states = model.encoder(title_x, edges, num_nodes)["title"][positions]
        vectors = (nn.functional.normalize(states, dim=1) - mean) / std
        loss = head_loss(head(vectors, side, produced, countries), targets, config)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
