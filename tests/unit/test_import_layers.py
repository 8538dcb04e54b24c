"""The import contracts in pyproject.toml ([tool.importlinter]): training/ is a stack of layers,
and graph/ never imports training/ or service/. A cycle or an upward import fails this test."""

import shutil
import subprocess
import tomllib

import grimp
import pytest
from importlinter import configuration
from importlinter.contracts.forbidden import ForbiddenContract
from importlinter.contracts.layers import LayersContract

from titlegraph.config import PROJECT_ROOT

# The contract classes read their timer and settings from importlinter's configuration.
configuration.configure()


def test_lint_imports_keeps_every_contract():
    lint_imports = shutil.which("lint-imports")
    if lint_imports is None:
        pytest.fail("lint-imports is missing: install the dev extras (pip install -e '.[dev]')")
    # No cache: a stale import graph could hide a new upward import.
    completed = subprocess.run(
        [lint_imports, "--no-cache"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


# The contracts themselves, checked on the project's import graph with one import added: each
# must fail on the import it exists to forbid (a contract that can never break checks nothing).
SERVICE_CONTRACT = "service imports only bundle, registry and new_title from training"
LAYERS_CONTRACT = "training is a stack of layers"


def _contract(name: str):
    options = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    kinds = {"forbidden": ForbiddenContract, "layers": LayersContract}
    # lint-imports reads TOML booleans as the strings its fields parse.
    spec = next(
        {key: str(value).lower() if isinstance(value, bool) else value for key, value in contract.items()}
        for contract in options["contracts"]
        if contract["name"] == name
    )
    contract = kinds[spec["type"]](
        name=name, session_options={"root_packages": options["root_packages"]}, contract_options=spec
    )
    return contract, options["root_packages"]


def _kept(name: str, added: tuple[str, str] | None = None) -> bool:
    contract, packages = _contract(name)
    graph = grimp.build_graph(*packages)
    if added is not None:
        graph.add_import(importer=added[0], imported=added[1], line_number=1, line_contents="import")
    return contract.check(graph, verbose=False).kept


@pytest.mark.parametrize("module", ["training.bundle", "training.registry", "training.new_title"])
def test_the_service_may_import_bundle_registry_and_new_title(module):
    assert _kept(SERVICE_CONTRACT, ("service.views.predict", module))


@pytest.mark.parametrize("module", ["training.title_model", "training.train", "training.audience_model"])
def test_the_service_may_not_import_the_rest_of_training(module):
    assert not _kept(SERVICE_CONTRACT, ("service.views.predict", module))


def test_a_model_importing_the_bundle_breaks_the_layers():
    assert _kept(LAYERS_CONTRACT)
    assert not _kept(LAYERS_CONTRACT, ("training.title_model", "training.bundle"))
