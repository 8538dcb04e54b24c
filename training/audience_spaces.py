"""Vector spaces the audience head reads: title tables from metadata, country vectors, and the
TF-IDF and graph-embedding spaces (training titles as pretrained, new titles from metadata)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from training.baselines import TitleTable, tfidf_title_vectors
from training.new_title import new_title_from


def country_vectors_from_titles(
    title_vectors: np.ndarray, produced_in: Sequence[Sequence[str]], countries: Sequence[str]
) -> np.ndarray:
    """Each country's vector: the mean embedding of the titles produced there (zero if none)."""
    column = {iso2: index for index, iso2 in enumerate(countries)}
    sums = np.zeros((len(countries), title_vectors.shape[1]), dtype=np.float64)
    counts = np.zeros(len(countries))
    for row, codes in enumerate(produced_in):
        for code in codes:
            if code in column:
                sums[column[code]] += title_vectors[row]
                counts[column[code]] += 1
    return (sums / np.maximum(counts, 1)[:, None]).astype(np.float32)


def metadata_table(metadata: dict[str, dict], title_ids: Sequence[str]) -> TitleTable:
    """The `TitleTable` of `title_ids` from metadata dicts keyed by id."""
    missing = [title_id for title_id in title_ids if title_id not in metadata]
    if missing:
        raise KeyError(
            f"no metadata for {len(missing)} titles, e.g. {missing[:3]}; read them with "
            "graph.audience.title_metadata"
        )
    return TitleTable.from_metadata([metadata[title_id] for title_id in title_ids])


def tfidf_space(
    metadata: dict[str, dict],
    exclude_ids: Sequence[str],
    countries: Sequence[str],
    *,
    dimensions: int = 64,
    seed: int = 0,
) -> tuple[Callable[[TitleTable], np.ndarray], np.ndarray]:
    """TF-IDF + SVD title vectors fitted without the excluded titles, and country vectors in that space."""
    excluded = set(exclude_ids)
    fit_ids = sorted(title_id for title_id in metadata if title_id not in excluded)
    fit_table = metadata_table(metadata, fit_ids)
    encode_texts = tfidf_title_vectors(fit_table.texts, dimensions=dimensions, seed=seed)
    country_vectors = country_vectors_from_titles(
        encode_texts(fit_table.texts), fit_table.countries, countries
    )
    return (lambda table: encode_texts(table.texts)), country_vectors


@dataclass
class EmbeddingSpace:
    """Title vectors for one time split.

    Args:
        name: label in the report.
        known: title ids -> vectors, for titles the pretraining saw (training titles).
        new: metadata dicts -> vectors, for titles described by metadata only (test titles).
        country_vectors: [countries, dim] country vectors in the same space.
    """

    name: str
    known: Callable[[list[str]], np.ndarray]
    new: Callable[[list[dict]], np.ndarray]
    country_vectors: np.ndarray


def space_from_model(model, metadata: dict[str, dict], countries: Sequence[str], name: str) -> EmbeddingSpace:
    """An `EmbeddingSpace` over a loaded `TitleModel` (countries: mean embedding of their productions)."""
    embeddings = np.asarray(model.title_embeddings, dtype=np.float32)
    produced_in = [metadata.get(title_id, {}).get("countries") or [] for title_id in model.title_ids]

    def known(title_ids: list[str]) -> np.ndarray:
        return embeddings[[model.index["title"][title_id] for title_id in title_ids]]

    cache: dict[str, np.ndarray] = {}

    def new(rows: list[dict]) -> np.ndarray:
        # Ids key the cache: the evaluation embeds the same test titles for several heads.
        for row in rows:
            if row["id"] not in cache:
                cache[row["id"]] = model.embed_new(new_title_from(row, derive_tags=True))[0]
        return np.stack([cache[row["id"]] for row in rows]).astype(np.float32)

    return EmbeddingSpace(name, known, new, country_vectors_from_titles(embeddings, produced_in, countries))
