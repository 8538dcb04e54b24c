"""Fixtures of the service tests: the tiny seeded graph, apps built on it, and a test client.

The graph is seeded once and reused while it is intact; a test that writes (predict with
`save=true`) or any other test file that wipes the database makes the next user reseed.
"""

from __future__ import annotations

import datetime as dt
import shutil
import socket

import numpy as np
import pytest

from graph.audience import title_metadata
from graph.embeddings import read_chart_countries
from tests.service import seed


@pytest.fixture(scope="session")
def trained(tmp_path_factory) -> dict:
    """The session's tiny trained model: {"models_dir", "bundle", "version"} once trained."""
    return {"models_dir": tmp_path_factory.mktemp("trained-models")}


@pytest.fixture
def seeded_graph(driver, graph_state, settings, trained):
    """The tiny seed graph with the session's tiny model trained on it and written back."""
    current = seed.state(driver)
    if current is None:
        # The shared full_graph fixture must re-ingest after this wipe.
        graph_state.full_ingest = None
        seed.seed_graph(driver)
    if "bundle" not in trained:
        trained["bundle"] = seed.train(settings.with_overrides(models_dir=trained["models_dir"]), driver)
        trained["version"] = trained["bundle"].name
    elif current != trained["version"]:
        seed.republish(driver, trained["bundle"], settings)
    return driver


@pytest.fixture
def bare_graph(driver, graph_state):
    """The tiny seed graph before any model wrote to it (no embeddings, no comps)."""
    if seed.state(driver) != "bare":
        graph_state.full_ingest = None
        seed.seed_graph(driver)
    return driver


@pytest.fixture
def models_dir(tmp_path):
    """An empty models folder (no trained model)."""
    path = tmp_path / "models"
    path.mkdir()
    return path


@pytest.fixture
def app_settings(settings, models_dir):
    """Test settings with a private (empty) models folder and a short reload interval."""
    return settings.with_overrides(models_dir=models_dir, reload_interval=0.2, max_body_bytes=16 * 1024)


@pytest.fixture
def model_settings(app_settings, trained, seeded_graph):
    """Test settings whose models folder holds the session's tiny trained model."""
    return app_settings.with_overrides(models_dir=trained["models_dir"])


@pytest.fixture
def model_app(model_settings):
    """An app on the seeded graph serving the tiny trained model."""
    from service.app import close_app, create_app

    application = create_app({"SETTINGS": model_settings, "TESTING": True})
    yield application
    close_app(application)


@pytest.fixture
def model_client(model_app):
    """A Flask test client of `model_app`."""
    return model_app.test_client()


@pytest.fixture
def app(app_settings, seeded_graph):
    """An app on the seeded graph (comps written to the graph) whose own models folder is empty."""
    from service.app import close_app, create_app

    application = create_app({"SETTINGS": app_settings, "TESTING": True})
    yield application
    close_app(application)


@pytest.fixture
def client(app):
    """A Flask test client of `app`."""
    return app.test_client()


@pytest.fixture
def bare_client(app_settings, bare_graph):
    """A test client of an app on the graph before any training (no model anywhere)."""
    from service.app import close_app, create_app

    application = create_app(app_settings)
    yield application.test_client()
    close_app(application)


def free_port() -> int:
    """A TCP port nobody listens on right now (for servers started by a test)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def openapi(settings):
    """The OpenAPI document (building an app touches neither Neo4j nor a model folder's content)."""
    from service.app import close_app, create_app
    from service.contract import openapi_document

    application = create_app(settings)
    document = openapi_document(application)
    close_app(application)
    return document


@pytest.fixture
def conforms(openapi):
    """`conforms(response, "/v1/titles/{title_id}", "get")`: the body matches the documented schema."""
    from jsonschema import Draft202012Validator

    document = openapi

    def check(response, path: str, method: str = "get") -> dict:
        operation = document["paths"][path][method]
        documented = operation["responses"].get(str(response.status_code))
        assert documented is not None, f"{response.status_code} is not documented for {method} {path}"
        media = documented["content"]["application/json"]
        schema = {**media["schema"], "components": document["components"]}
        body = response.get_json()
        Draft202012Validator(schema).validate(body)
        return body

    return check


@pytest.fixture
def headed_models(trained, seeded_graph, tmp_path_factory):
    """A models folder whose `current` is the session's tiny model plus an audience head fitted on
    the seed's chart countries (the tiny graph is too small for `titlegraph train` to fit one)."""
    if "headed_models" not in trained:
        from training import registry
        from training.audience_model import HeadConfig, HeadInputs, make_comps
        from training.audience_spaces import country_vectors_from_titles, metadata_table
        from training.bundle import load_bundle, save_audience_head, save_title_metadata
        from training.fit_head import fit_head
        from training.labels import AudienceLabels

        folder = tmp_path_factory.mktemp("headed-models")
        bundle = shutil.copytree(trained["bundle"], folder / trained["version"])
        model = load_bundle(bundle)
        ids, countries = model.title_ids, sorted(seed.COUNTRIES)
        charts = read_chart_countries(seeded_graph)
        charted = np.array([[float(c in charts.get(i, ())) for c in countries] for i in ids],
                           dtype=np.float32)
        labels = AudienceLabels(ids, countries, [seed.FIRST_WEEK] * len(ids), np.full(len(ids), 8), charted,
                                charted * 3, charted * 20, np.zeros(len(ids)), as_of=dt.date(2021, 12, 26))
        metadata = title_metadata(seeded_graph, ids)
        table = metadata_table(metadata, ids)
        vectors = model.title_embeddings
        predictor = fit_head(HeadInputs(vectors, table), labels,
                             country_vectors_from_titles(vectors, table.countries, countries),
                             train_rows=np.ones(len(ids), dtype=bool), config=HeadConfig(epochs=40),
                             epochs=40)
        predictor.comps = make_comps(ids, [title["title"] for title in model.titles], vectors, labels)
        predictor.version = model.version
        save_audience_head(bundle, predictor)
        save_title_metadata(bundle, metadata)  # as `titlegraph train` does beside its head
        registry.publish(folder, bundle)
        trained["headed_models"] = folder
    return trained["headed_models"]
