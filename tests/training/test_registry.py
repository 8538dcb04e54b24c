"""Bundles and the `current` pointer: never pointing at a partial bundle."""

from __future__ import annotations

import os

import pytest

from training import registry


def _bundle(models_dir, version, files=("model.pt", "config.json")):
    staging = registry.staging_dir(models_dir, version)
    for name in files:
        (staging / name).write_text(name)
    return registry.finalize(staging, models_dir, version)


def test_publish_moves_current_atomically(tmp_path):
    first = _bundle(tmp_path, "20260101-000000-aaaa")
    assert registry.current_model_dir(tmp_path) is None
    registry.publish(tmp_path, first)
    assert registry.current_model_dir(tmp_path) == first
    second = _bundle(tmp_path, "20260102-000000-bbbb")
    registry.publish(tmp_path, second)
    assert registry.current_model_dir(tmp_path) == second
    assert os.readlink(tmp_path / "current") == second.name  # relative target
    assert registry.list_versions(tmp_path) == [first.name, second.name]


def test_partial_bundles_are_never_published(tmp_path):
    good = _bundle(tmp_path, "20260101-000000-aaaa")
    registry.publish(tmp_path, good)
    # A crash while writing leaves only a hidden staging folder: no version, pointer unchanged.
    staging = registry.staging_dir(tmp_path, "20260102-000000-bbbb")
    (staging / "model.pt").write_text("half")
    assert registry.list_versions(tmp_path) == [good.name]
    with pytest.raises(ValueError, match="not a complete bundle"):
        registry.publish(tmp_path, staging)
    # A finished folder that lost a listed file is refused too.
    broken = _bundle(tmp_path, "20260103-000000-cccc")
    (broken / "model.pt").unlink()
    with pytest.raises(ValueError, match="not a complete bundle"):
        registry.publish(tmp_path, broken)
    assert registry.current_model_dir(tmp_path) == good


def test_a_pointer_to_a_damaged_bundle_resolves_to_none(tmp_path):
    bundle = _bundle(tmp_path, "20260101-000000-aaaa")
    registry.publish(tmp_path, bundle)
    (bundle / "config.json").unlink()
    assert registry.current_model_dir(tmp_path) is None


def test_versions_are_unique_within_a_second(tmp_path):
    first = registry.unique_version(tmp_path, "abcdef123456")
    (tmp_path / first).mkdir()
    second = registry.unique_version(tmp_path, "abcdef123456")
    assert second != first and second.startswith(first)


def test_train_killed_before_publish_keeps_current(tmp_path, monkeypatch, snapshot, tiny_config):
    """run_training dies while saving the bundle: `current` still points at the old version."""
    from training import bundle
    from training.jobs import retrain

    good = _bundle(tmp_path, "20260101-000000-aaaa")
    registry.publish(tmp_path, good)

    def dying_save(folder, **_):
        (folder / "model.pt").write_text("partial")
        raise KeyboardInterrupt

    # Patched where the job and the stager look them up (imported at their module tops).
    monkeypatch.setattr(bundle, "save_bundle", dying_save)
    monkeypatch.setattr(retrain, "read_snapshot", lambda *a, **k: snapshot)
    monkeypatch.setattr(retrain, "read_chart_countries", lambda *a, **k: {})

    class Local:
        neo4j_database = None
        models_path = tmp_path
        cache_dir = None
        pretrain_catalog = "all"

    with pytest.raises(KeyboardInterrupt):
        retrain.run_training(Local(), None, tiny_config, write_back=False, progress=False,
                             echo=lambda _: None)
    assert registry.current_model_dir(tmp_path) == good
    assert registry.list_versions(tmp_path) == [good.name]
