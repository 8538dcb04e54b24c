"""The Dockerfile and docker-compose.yml agree with each other and with titlegraph/config.py."""

from __future__ import annotations

import re

import yaml

from titlegraph.config import PROJECT_ROOT

CONFIG_NAMES = set(re.findall(r'(?:env\.get\(|_env_\w+\(env, )"([A-Z0-9_]+)"',
                              (PROJECT_ROOT / "titlegraph" / "config.py").read_text()))


def _compose() -> dict:
    return yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())


def test_compose_uses_the_settings_names_and_official_neo4j():
    services = _compose()["services"]
    assert services["neo4j"]["image"] == "neo4j:5.26-community"
    assert services["neo4j"]["environment"]["NEO4J_AUTH"].startswith("neo4j/${NEO4J_PASSWORD")
    api_env = services["api"]["environment"]
    assert set(api_env) <= CONFIG_NAMES, set(api_env) - CONFIG_NAMES
    assert api_env["NEO4J_URI"] == "bolt://neo4j:7687"
    assert any(volume.endswith(":/data:ro") for volume in services["api"]["volumes"])
    assert api_env["TITLEGRAPH_DATA"] == "/data"
    for service in services.values():
        assert all(port.startswith("127.0.0.1:") for port in service["ports"])


def test_dockerfile_runs_gunicorn_as_non_root_with_a_health_check():
    text = (PROJECT_ROOT / "Dockerfile").read_text()
    users = re.findall(r"^USER (\S+)", text, re.MULTILINE)
    assert users and users[-1] not in ("root", "0")
    assert "HEALTHCHECK" in text and "/health" in text
    assert 'CMD ["gunicorn", "-c", "service/gunicorn.conf.py", "service.app:create_app()"]' in text
    env_names = set(re.findall(r"\b((?:TITLEGRAPH|NEO4J)_[A-Z0-9_]+)=", text))
    assert env_names <= CONFIG_NAMES, env_names - CONFIG_NAMES
    api_env = _compose()["services"]["api"]["environment"]
    assert re.search(r"EXPOSE (\d+)", text).group(1) == api_env["TITLEGRAPH_API_PORT"]
