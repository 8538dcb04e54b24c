"""The import contracts in pyproject.toml ([tool.importlinter]): training/ is a stack of layers,
and graph/ never imports training/ or service/. A cycle or an upward import fails this test."""

import shutil
import subprocess

import pytest

from titlegraph.config import PROJECT_ROOT


def test_lint_imports_keeps_every_contract():
    lint_imports = shutil.which("lint-imports")
    if lint_imports is None:
        pytest.fail("lint-imports is missing: install the dev extras (pip install -e '.[dev]')")
    # No cache: a stale import graph could hide a new upward import.
    completed = subprocess.run(
        [lint_imports, "--no-cache"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
