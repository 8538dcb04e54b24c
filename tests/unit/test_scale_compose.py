"""docker-compose.scale.yml (N API replicas behind HAProxy) agrees with docker-compose.yml and with
its balancer config. No Docker engine runs here, so this is what can be checked without one: the
YAML, the references between the files, and HAProxy's own syntax check where haproxy is installed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
import yaml

from titlegraph.config import PROJECT_ROOT

HAPROXY_DIR = PROJECT_ROOT / "deploy" / "haproxy"


def _services(name: str) -> dict:
    return yaml.safe_load((PROJECT_ROOT / name).read_text())["services"]


def test_scale_replicas_run_the_api_of_docker_compose_yml_behind_the_balancer_only():
    single, scaled = _services("docker-compose.yml"), _services("docker-compose.scale.yml")
    assert scaled["neo4j"] == single["neo4j"]
    api = scaled["api"]
    # The same image, settings and volumes (the models folder every replica reads) as the single API.
    for key in ("build", "image", "environment", "depends_on"):
        assert api[key] == single["api"][key], key
    assert {v.split(":")[0] for v in api["volumes"]} == {v.split(":")[0] for v in single["api"]["volumes"]}
    assert "ports" not in api and api["deploy"]["replicas"] >= 2
    assert api["expose"] == [api["environment"]["TITLEGRAPH_API_PORT"]]
    # Only the balancer publishes the API port, on loopback, as the single compose file does.
    assert scaled["lb"]["ports"] == single["api"]["ports"]
    assert scaled["lb"]["depends_on"] == ["api"]


def test_the_balancer_config_targets_the_api_replicas_and_checks_an_endpoint_without_neo4j():
    lb = _services("docker-compose.scale.yml")["lb"]
    mounted = [volume.split(":") for volume in lb["volumes"]]
    assert [source for source, target, *_ in mounted if target.endswith("haproxy.cfg")] == [
        "./deploy/haproxy/haproxy.cfg"]
    api_port = _services("docker-compose.scale.yml")["api"]["environment"]["TITLEGRAPH_API_PORT"]
    config = (HAPROXY_DIR / "haproxy.cfg").read_text()
    template = re.search(r"^\s*server-template \S+ (\d+) (\w+):(\d+) ", config, re.MULTILINE)
    assert template is not None
    assert template.group(2) == "api" and template.group(3) == api_port
    assert int(template.group(1)) >= _services("docker-compose.scale.yml")["api"]["deploy"]["replicas"]
    published = lb["ports"][0].rsplit(":", 1)[1]
    assert re.search(rf"^\s*bind :{published}$", config, re.MULTILINE)
    for cfg in ("haproxy.cfg", "local.cfg"):
        # /version answers without Neo4j (service/views/meta.py), so degraded instances stay in.
        assert "http-check send meth GET uri /version" in (HAPROXY_DIR / cfg).read_text()
    assert '@bp.get("/version")' in (PROJECT_ROOT / "service" / "views" / "meta.py").read_text()


@pytest.mark.skipif(shutil.which("haproxy") is None,
                    reason="haproxy is not installed (apt-get install -y haproxy): no syntax check")
@pytest.mark.parametrize("name", ["haproxy.cfg", "local.cfg"])
def test_haproxy_accepts_the_configs(name):
    env = {**os.environ, "TITLEGRAPH_LB_BIND": "127.0.0.1:1", "TITLEGRAPH_LB_API1": "127.0.0.1:2",
           "TITLEGRAPH_LB_API2": "127.0.0.1:3"}
    checked = subprocess.run(["haproxy", "-c", "-f", str(HAPROXY_DIR / name)], env=env,
                             capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stdout + checked.stderr
