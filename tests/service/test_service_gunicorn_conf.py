"""service/gunicorn.conf.py names only settings gunicorn knows: gunicorn skips unknown names in a
config file without a word, so a misspelt setting silently keeps the default."""

from __future__ import annotations

import os
import runpy
import types

from gunicorn.config import Config

from titlegraph.config import PROJECT_ROOT

CONF = PROJECT_ROOT / "service" / "gunicorn.conf.py"


def _conf_settings(monkeypatch) -> dict:
    # The file sets thread-count defaults in os.environ; keep them out of this test process.
    monkeypatch.setattr(os, "environ", dict(os.environ))
    namespace = runpy.run_path(str(CONF), run_name="gunicorn_conf")
    return {name: value for name, value in namespace.items()
            if not name.startswith("_") and not isinstance(value, types.ModuleType)
            and getattr(value, "__module__", "gunicorn_conf") == "gunicorn_conf"}


def test_every_name_in_the_gunicorn_conf_is_a_gunicorn_setting(monkeypatch):
    settings = _conf_settings(monkeypatch)
    assert {"workers", "worker_class", "post_fork", "control_socket_disable"} <= set(settings)
    unknown = set(settings) - set(Config().settings)
    assert not unknown, f"gunicorn ignores these names: {sorted(unknown)}"


def test_the_service_opens_no_control_socket(monkeypatch):
    config = Config()
    for name, value in _conf_settings(monkeypatch).items():
        config.set(name, value)
    assert config.control_socket_disable is True
