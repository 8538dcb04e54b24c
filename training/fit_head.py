"""Fitting the audience head: targets and loss, the early-stopped fit, select-and-refit on the
validation rows, Platt scaling, and the head fitted in one vector space for a time split."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np
import torch
from scipy.optimize import minimize
from torch import nn

from training.audience_model import AudienceHead, AudiencePredictor, HeadConfig, HeadInputs, Scaler
from training.audience_spaces import EmbeddingSpace, metadata_table, tfidf_space
from training.baselines import TitleTable
from training.labels import AudienceLabels
from training.metrics import mean_auc, mean_ndcg


def fit_head(
    inputs: HeadInputs,
    labels: AudienceLabels,
    country_vectors: np.ndarray,
    *,
    train_rows: np.ndarray,
    validation_rows: np.ndarray | None = None,
    config: HeadConfig | None = None,
    epochs: int | None = None,
) -> AudiencePredictor:
    """Train the head on `train_rows`; early-stop on `validation_rows` (or run `epochs` when None)."""
    config = config or HeadConfig()
    if len(inputs.table) != labels.charted.shape[0]:
        raise ValueError(f"inputs have {len(inputs.table)} titles but labels have {labels.charted.shape[0]}")
    started = time.monotonic()
    torch.manual_seed(config.seed)
    train_rows = np.asarray(train_rows, dtype=bool)
    hours_scale = _hours_scale(labels, train_rows)
    predictor = AudiencePredictor(
        head=None,
        config=config,
        countries=list(labels.countries),
        title_scaler=Scaler.fit(inputs.title_vectors[train_rows]),
        country_vectors=Scaler.fit(country_vectors)(country_vectors),
        hours_scale=hours_scale,
    )
    tensors = predictor.head_tensors(inputs)
    predictor.head = head = AudienceHead(
        tensors[0].shape[1],
        tensors[1].shape[1],
        tensors[3].shape[1],
        len(labels.countries),
        config.hidden,
        config.dropout,
        config.affinity,
    )
    _init_biases(head, labels, train_rows, tensors[2].numpy())
    targets = head_targets(labels, train_rows, hours_scale)
    max_epochs = epochs if epochs is not None else config.epochs
    validation = None if validation_rows is None else _validation_set(tensors, labels, validation_rows)
    best, history = _train_epochs(head, tensors, targets, config, max_epochs, validation)
    if best[2] is not None:
        head.load_state_dict(best[2])
    head.eval()
    predictor.metrics = {
        "best_epoch": best[1] if best[2] is not None else max_epochs,
        "validation_score": best[0] if best[2] is not None else None,
        "train_titles": int(train_rows.sum()),
        "seconds": time.monotonic() - started,
        "history": history[-5:],
    }
    return predictor


def _hours_scale(labels: AudienceLabels, train_rows: np.ndarray) -> tuple[float, float]:
    """(mean, std) of log1p global hours over the complete training titles; (0, 1) when none."""
    log_hours = np.log1p(labels.global_hours)
    complete = labels.complete & train_rows
    return (
        float(log_hours[complete].mean()) if complete.any() else 0.0,
        float(max(log_hours[complete].std(), 1e-6)) if complete.any() else 1.0,
    )


def _validation_set(tensors: tuple, labels: AudienceLabels, validation_rows: np.ndarray) -> tuple:
    """The head's inputs, chart flags and chart points of the validation titles."""
    validation_rows = np.asarray(validation_rows, dtype=bool)
    picked = torch.from_numpy(validation_rows)
    # The first three tensors are per title; the country vectors are shared.
    return (
        (*(t[picked] for t in tensors[:3]), tensors[3]),
        labels.charted[validation_rows],
        labels.points[validation_rows],
    )


def _train_epochs(
    head: AudienceHead, tensors: tuple, targets: dict, config: HeadConfig, max_epochs: int, validation
) -> tuple[tuple, list[dict]]:
    """Full-batch epochs; with a validation set, early stopping. Returns (best score, its epoch,
    its weights or None) and the validation history."""
    optimizer = _optimizer(head, config)
    best = (-math.inf, 0, None)
    history = []
    for epoch in range(1, max_epochs + 1):
        head.train()
        optimizer.zero_grad()
        loss = head_loss(head(*tensors), targets, config)
        loss.backward()
        optimizer.step()
        if validation is not None and (epoch % config.eval_every == 0 or epoch == max_epochs):
            score = _validation_score(head, *validation)
            history.append({"epoch": epoch, "loss": float(loss.detach()), "validation": score})
            if score > best[0]:
                best = (score, epoch, {k: v.detach().clone() for k, v in head.state_dict().items()})
            elif epoch - best[1] >= config.patience:
                break
    return best, history


def _validation_score(head: AudienceHead, tensors: tuple, charted: np.ndarray, points: np.ndarray) -> float:
    head.eval()
    with torch.no_grad():
        p_chart = torch.sigmoid(head(*tensors)[0]).numpy()
    return 0.5 * (mean_ndcg(p_chart, points) + mean_auc(p_chart, charted))


def _table_rows(table: TitleTable, rows: np.ndarray) -> TitleTable:
    keep = np.flatnonzero(rows)
    return TitleTable(
        *[
            [column[i] for i in keep]
            for column in (
                table.title_ids,
                table.kinds,
                table.years,
                table.genres,
                table.countries,
                table.texts,
            )
        ]
    )


def _init_biases(head: AudienceHead, labels: AudienceLabels, rows: np.ndarray, produced: np.ndarray) -> None:
    # Start at each country's base rate so early epochs learn titles, not the prior, and at the
    # observed home-market lift, which countries with few productions could not learn alone.
    rate = labels.charted[rows].mean(axis=0).clip(1e-3, 1 - 1e-3)
    home_cells = (produced > 0) & rows[:, None]
    home_rate = float(np.clip(labels.charted[home_cells].mean() if home_cells.any() else 0.5, 1e-3, 1 - 1e-3))
    lift = np.log(home_rate / (1 - home_rate)) - np.log(rate / (1 - rate))
    with torch.no_grad():
        head.chart_bias.copy_(torch.from_numpy(np.log(rate / (1 - rate)).astype(np.float32)))
        head.chart_home.copy_(torch.from_numpy(np.clip(lift, 0.0, 8.0).astype(np.float32)))


# Per-country offsets are not shrunk to zero: zero is not a neutral value for them.
_NO_DECAY = ("chart_bias", "chart_home", "weeks_bias", "weeks_home")


def _optimizer(head: AudienceHead, config: HeadConfig) -> torch.optim.Optimizer:
    decayed = [p for name, p in head.named_parameters() if name not in _NO_DECAY]
    offsets = [p for name, p in head.named_parameters() if name in _NO_DECAY]
    return torch.optim.Adam(
        [{"params": decayed, "weight_decay": config.weight_decay}, {"params": offsets, "weight_decay": 0.0}],
        lr=config.lr,
    )


def head_targets(labels: AudienceLabels, rows: np.ndarray, hours_scale: tuple[float, float]) -> dict:
    complete = labels.complete & rows
    charted_complete = (labels.charted > 0) & complete[:, None]
    mean, std = hours_scale
    return {
        "rows": torch.from_numpy(rows),
        "charted": torch.from_numpy(labels.charted.astype(np.float32)),
        "weeks_cells": torch.from_numpy(charted_complete),
        "log_weeks": torch.from_numpy(np.log1p(labels.weeks).astype(np.float32)),
        "hours_rows": torch.from_numpy(complete),
        "rank_rows": torch.from_numpy(rows & (labels.points.sum(axis=1) > 0)),
        "rank_target": torch.from_numpy(
            (labels.points / np.maximum(labels.points.sum(axis=1, keepdims=True), 1e-9)).astype(np.float32)
        ),
        "hours": torch.from_numpy(((np.log1p(labels.global_hours) - mean) / std).astype(np.float32)),
    }


def head_loss(outputs, targets: dict, config: HeadConfig) -> torch.Tensor:
    logits, weeks_if_chart, hours = outputs
    rows = targets["rows"]
    loss = nn.functional.binary_cross_entropy_with_logits(logits[rows], targets["charted"][rows])
    cells = targets["weeks_cells"]
    if cells.any():
        loss = loss + config.weeks_weight * nn.functional.mse_loss(
            torch.log1p(weeks_if_chart[cells]), targets["log_weeks"][cells]
        )
    rank_rows = targets["rank_rows"]
    if config.rank_weight and rank_rows.any():
        # ListNet: countries of one title compete for its chart points (what NDCG@10 rewards).
        log_share = torch.log_softmax(logits[rank_rows], dim=1)
        loss = loss + config.rank_weight * -(targets["rank_target"][rank_rows] * log_share).sum(dim=1).mean()
    hours_rows = targets["hours_rows"]
    if hours_rows.any():
        loss = loss + config.hours_weight * nn.functional.mse_loss(
            hours[hours_rows], targets["hours"][hours_rows]
        )
    return loss


def select_and_refit(
    inputs: HeadInputs,
    labels: AudienceLabels,
    country_vectors: np.ndarray,
    validation_rows: np.ndarray,
    config: HeadConfig | None = None,
) -> AudiencePredictor:
    """Early-stop on the validation rows, then refit on all rows for the chosen number of epochs."""
    config = config or HeadConfig()
    validation_rows = np.asarray(validation_rows, dtype=bool)
    probe = fit_head(
        inputs,
        labels,
        country_vectors,
        train_rows=~validation_rows,
        validation_rows=validation_rows,
        config=config,
    )
    calibration = platt_scaling(probe, inputs, labels, validation_rows) if config.calibrate else (1.0, 0.0)
    epochs = max(int(probe.metrics["best_epoch"]), config.eval_every)
    final = fit_head(
        inputs,
        labels,
        country_vectors,
        train_rows=np.ones(len(labels.title_ids), dtype=bool),
        config=config,
        epochs=epochs,
    )
    final.calibration = calibration
    final.metrics |= {
        "validation_score": probe.metrics["validation_score"],
        "best_epoch": epochs,
        "selection_seconds": probe.metrics["seconds"],
    }
    return final


def platt_scaling(
    predictor: AudiencePredictor, inputs: HeadInputs, labels: AudienceLabels, rows: np.ndarray
) -> tuple[float, float]:
    """Slope and intercept mapping the head's chart logits to calibrated ones on `rows`."""
    rows = np.asarray(rows, dtype=bool)
    subset = HeadInputs(inputs.title_vectors[rows], _table_rows(inputs.table, rows))
    predictor.head.eval()
    with torch.no_grad():
        logits = predictor.head(*predictor.head_tensors(subset))[0].numpy().ravel().astype(np.float64)
    target = labels.charted[rows].ravel().astype(np.float64)

    def loss(params):
        z = params[0] * logits + params[1]
        return float(np.mean(np.logaddexp(0, z) - target * z))

    fitted = minimize(loss, x0=np.array([1.0, 0.0]), method="Nelder-Mead")
    slope, intercept = (float(v) for v in fitted.x)
    # A non-positive slope would reverse the ranking: keep the head uncalibrated instead.
    return (slope, intercept) if slope > 0 else (1.0, 0.0)


def tfidf_head_for_split(
    split, metadata: dict[str, dict], config: HeadConfig | None = None
) -> tuple[AudiencePredictor, Callable[[TitleTable], np.ndarray]]:
    """The head on TF-IDF features (no graph) trained on a time split's training titles."""
    encode, country_vectors = tfidf_space(metadata, split.pretrain_exclude_ids, split.train.countries)
    table = metadata_table(metadata, split.train.title_ids)
    predictor = select_and_refit(
        HeadInputs(encode(table), table), split.train, country_vectors, split.validation_mask, config
    )
    return predictor, encode


def fit_space_head(
    space: EmbeddingSpace,
    split,
    metadata: dict[str, dict],
    *,
    inductive_train: bool,
    config: HeadConfig | None = None,
) -> tuple[AudiencePredictor, HeadInputs]:
    """Train the head in `space` (training titles embedded as pretrained, or re-embedded from metadata)."""
    train_table = metadata_table(metadata, split.train.title_ids)
    vectors = (
        space.new([metadata[i] for i in split.train.title_ids])
        if inductive_train
        else space.known(split.train.title_ids)
    )
    predictor = select_and_refit(
        HeadInputs(vectors, train_table), split.train, space.country_vectors, split.validation_mask, config
    )
    test_table = metadata_table(metadata, split.test.title_ids)
    return predictor, HeadInputs(space.new([metadata[i] for i in split.test.title_ids]), test_table)
