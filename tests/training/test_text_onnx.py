"""The ONNX Runtime sentence encoder gives the vectors PyTorch gives, so the service may use it."""

from __future__ import annotations

import numpy as np
import pytest

from training.features import MiniLmEncoder
from training.text_onnx import onnx_path

TEXTS = [
    "A detective returns to her island home to solve a string of disappearances.",
    "Stand-up.",
    # Longer than the encoder's 256 tokens: both runtimes must cut it at the same place.
    "A family saga across three generations of winemakers in a valley of feuds and floods. " * 30,
]


@pytest.fixture(scope="module")
def encoders(tmp_path_factory):
    onnx_dir = tmp_path_factory.mktemp("onnx")
    return MiniLmEncoder(), MiniLmEncoder(onnx_dir=onnx_dir), onnx_dir


def test_onnx_vectors_match_pytorch_one_text_at_a_time(encoders):
    torch_encoder, onnx_encoder, _ = encoders
    for text in TEXTS:
        expected, got = torch_encoder.transform([text]), onnx_encoder.transform([text])
        assert got.shape == (1, 384) and got.dtype == np.float32
        assert float(np.abs(got - expected).max()) < 1e-4, text[:40]


def test_onnx_batch_with_padding_matches_single_texts(encoders):
    _, onnx_encoder, _ = encoders
    batch = onnx_encoder.transform(TEXTS)
    singles = np.vstack([onnx_encoder.transform([text]) for text in TEXTS])
    # Padding tokens must not enter the mean: the short text's row is its own vector.
    assert float(np.abs(batch - singles).max()) < 1e-4
    assert np.allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-5)


def test_export_is_written_once_and_reused(encoders):
    _, onnx_encoder, onnx_dir = encoders
    onnx_encoder.transform(["warm"])
    path = onnx_path(onnx_dir)
    assert path.is_file() and path.stat().st_size > 10_000_000
    stamp = path.stat().st_mtime_ns
    again = MiniLmEncoder(onnx_dir=onnx_dir)
    again.transform(["a second process finds the export and does not write it again"])
    assert path.stat().st_mtime_ns == stamp
    # No temp files are left beside it.
    assert [p.name for p in path.parent.iterdir()] == [path.name]
