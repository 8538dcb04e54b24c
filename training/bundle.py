"""A model version's files on disk: the one module that names, writes, stages and loads them.

A bundle (`models/<version>/`, see training/registry.py for staging and the `current` pointer):

    config.json           version, hyperparameters, seed, data hash, model sizes
    model.pt              GraphSAGE encoder weights
    id_maps.json          node type -> keys in index order
    titles.json           per title: id, title, kind, year, genres
    title_embeddings.npy  L2-normalised title embeddings, in id-map order
    layer_states.npz      per layer, the non-title nodes' states (to embed a new title)
    vocabulary.json       tag counts and the title count (tags of a new title's summary)
    metrics.json          training metrics
    featurizer/           the fitted title featurizer (it writes its own files)
    content/              content comps (optional; ContentModel writes its own files)
    heads/audience/       the audience head (optional; AudiencePredictor writes its own files)
    heads/viewing/        the viewing forecast (optional; ViewingModel writes its own files)
    COMPLETE              written last by registry.finalize: the list of files above

Each part serialises itself into the folder this module gives it; which parts a bundle has,
and where, is decided here only.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from training import registry
from training.audience_model import AudiencePredictor
from training.content_model import ContentModel
from training.features import TitleFeaturizer
from training.model import HeteroSageEncoder, LinkPredictor
from training.title_model import TitleModel
from training.viewing import ViewingModel

CONFIG = "config.json"
WEIGHTS = "model.pt"
ID_MAPS = "id_maps.json"
TITLES = "titles.json"
EMBEDDINGS = "title_embeddings.npy"
LAYER_STATES = "layer_states.npz"
VOCABULARY = "vocabulary.json"
METRICS = "metrics.json"
FEATURIZER = "featurizer"
CONTENT = "content"
HEADS = "heads"  # optional heads, one sub-folder each
AUDIENCE = "audience"
VIEWING = "viewing"
# What the heads read of each catalog title (production countries, launch year, ...), written with
# the audience head, so the model alone can forecast a known title while Neo4j is away.
TITLE_METADATA = "title_metadata.json"
TITLE_METADATA_FIELDS = ("kind", "year", "genres", "countries", "launch_year", "returning",
                         "duration_minutes")


def audience_dir(folder: Path) -> Path:
    """Where a bundle keeps its audience head."""
    return Path(folder) / HEADS / AUDIENCE


def viewing_dir(folder: Path) -> Path:
    """Where a bundle keeps its viewing forecast."""
    return Path(folder) / HEADS / VIEWING


def title_metadata_path(folder: Path) -> Path:
    """Where a bundle keeps what the heads read of each catalog title."""
    return Path(folder) / HEADS / TITLE_METADATA


def content_dir(folder: Path) -> Path:
    """Where a bundle keeps its content comps."""
    return Path(folder) / CONTENT


# --- writing ----------------------------------------------------------------------------------
def bundle_config(version: str, graph, config, title_features: int) -> dict:
    """config.json: version, hyperparameters (a `TrainConfig`), seed, data hash and the model sizes."""
    return {
        "version": version,
        "data_hash": graph.data_hash,
        "seed": config.seed,
        "train": config.to_dict(),
        "model": {
            "edge_types": [list(et) for et in graph.data.edge_types],
            "hidden": config.hidden,
            "out": config.out,
            "layers": config.layers,
            "dropout": config.dropout,
            "num_nodes": {t: len(keys) for t, keys in graph.keys.items()},
            "title_features": title_features,
        },
        "versions": {"torch": torch.__version__, "numpy": np.__version__},
    }


def save_bundle(
    folder: Path,
    *,
    model: LinkPredictor,
    config: dict,
    keys: dict[str, list[str]],
    titles: Sequence,
    featurizer: TitleFeaturizer,
    title_embeddings: np.ndarray,
    layer_states: list[dict[str, np.ndarray]],
    vocabulary: dict,
    metrics: dict,
) -> None:
    """Write the title model's files into `folder` (the registry finalizes and publishes it)."""
    torch.save(model.encoder.state_dict(), folder / WEIGHTS)
    (folder / CONFIG).write_text(json.dumps(config, indent=1, sort_keys=True))
    (folder / ID_MAPS).write_text(json.dumps(keys))
    (folder / METRICS).write_text(json.dumps(metrics, indent=1, sort_keys=True))
    (folder / TITLES).write_text(
        json.dumps(
            [
                {"id": t.id, "title": t.title, "kind": t.kind, "year": t.year, "genres": t.genres}
                for t in titles
            ]
        )
    )
    (folder / VOCABULARY).write_text(json.dumps(vocabulary))
    np.save(folder / EMBEDDINGS, title_embeddings)
    np.savez(
        folder / LAYER_STATES,
        **{
            f"{layer}/{node_type}": states
            for layer, by_type in enumerate(layer_states)
            for node_type, states in by_type.items()
        },
    )
    featurizer.save(folder / FEATURIZER)


def save_trained(folder: Path, version: str, snapshot, graph, config, featurizer, title_features: int,
                 model: LinkPredictor, title_embeddings: np.ndarray, layer_states, metrics: dict) -> Path:
    """Write a trained model of `graph` (read from `snapshot`, hyperparameters `config`) into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    save_bundle(
        folder,
        model=model,
        config=bundle_config(version, graph, config, title_features),
        keys=graph.keys,
        titles=graph.titles,
        featurizer=featurizer,
        title_embeddings=title_embeddings,
        layer_states=layer_states,
        vocabulary={"tag_counts": snapshot.tag_counts, "title_count": len(graph.titles)},
        metrics=metrics,
    )
    return folder


def stage_bundle(models_dir: Path, version: str, snapshot, graph, config, featurizer, title_x: np.ndarray,
                 result, metrics: dict) -> Path:
    """Save a trained model (a `TrainResult`) as the staging bundle of `version` under `models_dir`;
    return its folder. `registry.finalize` then makes it a version; training, evaluation and tests
    all stage this way."""
    return save_trained(registry.staging_dir(models_dir, version), version, snapshot, graph, config,
                        featurizer, title_x.shape[1], result.model, result.title_embeddings,
                        result.layer_states, metrics)


def save_audience_head(folder: Path, predictor: AudiencePredictor) -> Path:
    """Write the audience head into the bundle at `folder`; return its sub-folder."""
    return predictor.save(audience_dir(folder))


def save_title_metadata(folder: Path, metadata: dict[str, dict]) -> Path:
    """Write the TITLE_METADATA_FIELDS the heads read, per title id, into the bundle at `folder`."""
    path = title_metadata_path(folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({title_id: {name: row.get(name) for name in TITLE_METADATA_FIELDS}
                                for title_id, row in metadata.items()}))
    return path


def save_viewing_head(folder: Path, viewing: ViewingModel) -> Path:
    """Write the viewing forecast into the bundle at `folder`; return its sub-folder."""
    return viewing.save(viewing_dir(folder))


def save_content(folder: Path, content: ContentModel) -> Path:
    """Write the content comps into the bundle at `folder`; return their sub-folder."""
    content.save(content_dir(folder))
    return content_dir(folder)


# --- loading ----------------------------------------------------------------------------------
def load_encoder(folder: Path, sizes: dict) -> HeteroSageEncoder:
    """The GraphSAGE encoder of a bundle (eval mode), built from config.json's model sizes."""
    encoder = HeteroSageEncoder(
        [tuple(et) for et in sizes["edge_types"]],
        sizes["num_nodes"],
        sizes["title_features"],
        hidden=sizes["hidden"],
        out=sizes["out"],
        layers=sizes["layers"],
        dropout=sizes["dropout"],
    )
    encoder.load_state_dict(torch.load(folder / WEIGHTS, weights_only=True))
    encoder.eval()
    return encoder


def load_layer_states(folder: Path, layers: int) -> list[dict[str, torch.Tensor]]:
    """Per layer, node type -> the non-title nodes' states."""
    layer_states: list[dict[str, torch.Tensor]] = [{} for _ in range(layers)]
    with np.load(folder / LAYER_STATES) as stored:
        for name in stored.files:
            layer, node_type = name.split("/")
            layer_states[int(layer)][node_type] = torch.from_numpy(stored[name])
    return layer_states


def load_audience_head(folder: Path, version: str) -> AudiencePredictor | None:
    """The bundle's audience head, or None; a head trained for another version is refused."""
    if not audience_dir(folder).is_dir():
        return None
    head = AudiencePredictor.load(audience_dir(folder))
    if head.version != version:
        raise ValueError(f"{audience_dir(folder)} was trained for model {head.version}, not {version}; "
                         "re-run `titlegraph train`")
    return head


def is_bundle(folder: Path) -> bool:
    """Whether `folder` holds a title model's files (staged, finalized or a work folder)."""
    return (Path(folder) / CONFIG).is_file()


def load_bundle(model_dir: Path, *, onnx_dir: Path | None = None) -> TitleModel:
    """Load a `models/<version>/` folder: the title model with the heads and content comps it carries
    (their sentence encoder run by ONNX Runtime from `onnx_dir` when given, as the service does)."""
    folder = Path(model_dir)
    if not is_bundle(folder):
        raise FileNotFoundError(f"{folder} is not a model bundle (no {CONFIG}); run `titlegraph train`")
    config = json.loads((folder / CONFIG).read_text())
    return TitleModel(
        folder=folder,
        config=config,
        encoder=load_encoder(folder, config["model"]),
        featurizer=TitleFeaturizer.load(folder / FEATURIZER),
        keys=json.loads((folder / ID_MAPS).read_text()),
        titles=json.loads((folder / TITLES).read_text()),
        title_embeddings=np.load(folder / EMBEDDINGS),
        layer_states=load_layer_states(folder, config["model"]["layers"]),
        vocabulary=json.loads((folder / VOCABULARY).read_text()),
        metrics=json.loads((folder / METRICS).read_text()),
        audience_head=load_audience_head(folder, config["version"]),
        viewing_head=ViewingModel.load(viewing_dir(folder)) if viewing_dir(folder).is_dir() else None,
        content=(ContentModel.load(content_dir(folder), onnx_dir=onnx_dir)
                 if content_dir(folder).is_dir() else None),
        title_metadata_path=title_metadata_path(folder),
    )
