"""Access: the write key guards every write and admin operation (constant-time comparison), the
Neo4j password never shows in logs, answers or tracked files, and the service and the Neo4j
launcher listen on loopback by default.
"""

from __future__ import annotations

import hmac
import ipaddress
import re
import runpy
import secrets
import signal
import subprocess
import sys
import time

import psutil
import pytest
import requests

from graph import server
from service import context
from tests.reliability.conftest import command_env, free_port, titlegraph
from titlegraph.config import PROJECT_ROOT, Settings, load_settings

NEW_TITLE = {"title": "Seoul Night Shift", "type": "show", "summary": "A detective hunts a serial killer."}


def _is_loopback(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    # Java listens on IPv6 sockets; 127.0.0.1 then shows as ::ffff:127.0.0.1.
    mapped = getattr(ip, "ipv4_mapped", None)
    return ip.is_loopback or (mapped is not None and mapped.is_loopback)


def _listening_addresses(pid: int) -> set[str]:
    """IP addresses the process and its children listen on (TCP)."""
    processes = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    return {conn.laddr.ip for process in processes for conn in process.net_connections(kind="inet")
            if conn.status == psutil.CONN_LISTEN}


# --- write key ---------------------------------------------------------------------------------
@pytest.mark.neo4j
def test_every_write_operation_of_the_contract_needs_the_key(model_client, openapi):
    secured = [(method, path) for path, item in openapi["paths"].items() for method, operation in item.items()
               if {"writeKey": []} in operation.get("security", [])]
    assert ("post", "/v1/admin/reload") in secured and ("post", "/v1/predict") in secured
    for method, path in secured:
        url = path + ("?save=true" if path == "/v1/predict" else "")
        response = model_client.open(url, method=method.upper(), json=NEW_TITLE)
        assert response.status_code == 401, (path, response.get_json())
        assert response.get_json()["error"]["field"] == "X-Write-Key"
        response = model_client.open(url, method=method.upper(), json=NEW_TITLE,
                                     headers={"X-Write-Key": "test-write-kez"})
        assert response.status_code == 403


@pytest.mark.neo4j
def test_write_key_is_compared_in_constant_time(model_client, monkeypatch):
    compared = []
    real_compare = hmac.compare_digest

    def spy(supplied, expected):
        compared.append((supplied, expected))
        return real_compare(supplied, expected)

    monkeypatch.setattr(context.hmac, "compare_digest", spy)
    assert model_client.post("/v1/admin/reload", headers={"X-Write-Key": "wrong"}).status_code == 403
    assert model_client.post("/v1/predict?save=true", json=NEW_TITLE,
                             headers={"X-Write-Key": "test-write-key-longer"}).status_code == 403
    assert model_client.post("/v1/admin/reload", headers={"X-Write-Key": "test-write-key"}).status_code == 200
    assert compared == [(b"wrong", b"test-write-key"), (b"test-write-key-longer", b"test-write-key"),
                        (b"test-write-key", b"test-write-key")]


# --- the Neo4j password ------------------------------------------------------------------------
def test_no_default_password_and_a_generated_one_is_random_and_owner_only(tmp_path):
    assert Settings().neo4j_password is None and load_settings({}).neo4j_password is None
    first = Settings(home=tmp_path / "a")
    second = Settings(home=tmp_path / "b")
    password = first.password()
    assert len(password) >= 20 and password != second.password()
    assert first.password() == password  # kept, not regenerated
    assert (first.neo4j_home / "password").stat().st_mode & 0o777 == 0o600


# Credentials written as literals: `password = "..."`, an NEO4J_AUTH value that is not a
# variable, a shell `NEO4J_PASSWORD=...` assignment, a driver auth tuple of two string literals.
_LITERAL_CREDENTIALS = [
    re.compile(r"""(?i)password["']?\s*[:=]\s*["'][^"'\s${}]{4,}["']"""),
    re.compile(r"""NEO4J_AUTH["']?\s*[:=]\s*["']?neo4j/(?!\$)"""),
    re.compile(r"""(?m)^\s*(export\s+)?NEO4J_PASSWORD=[A-Za-z0-9]"""),
    re.compile(r"""auth\s*=\s*\(\s*["'][^"']*["']\s*,\s*["']"""),
]
_ALLOWED_LITERALS = {'password="unused"'}


@pytest.mark.neo4j
def test_no_password_in_tracked_files(settings, neo4j_server):
    try:
        tracked = subprocess.run(["git", "ls-files", "-z"], cwd=PROJECT_ROOT, capture_output=True,
                                 check=True).stdout.decode().split("\0")
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    secrets_in_use = {settings.password()}
    hits = []
    for name in filter(None, tracked):
        path = PROJECT_ROOT / name
        if not path.is_file() or path.suffix in {".png", ".jar"}:
            continue
        text = path.read_text(errors="replace")
        hits += [f"{name}: the test server's password" for secret in secrets_in_use if secret in text]
        hits += [f"{name}: {match.group(0)!r}" for pattern in _LITERAL_CREDENTIALS
                 for match in pattern.finditer(text) if match.group(0) not in _ALLOWED_LITERALS]
    assert not hits, hits
    ignored = subprocess.run(["git", "check-ignore", "-q", str(settings.neo4j_home / "password")],
                             cwd=PROJECT_ROOT)
    assert ignored.returncode == 0 or not settings.neo4j_home.is_relative_to(PROJECT_ROOT)


def _serve(settings, log_path, **extra: str) -> tuple[subprocess.Popen, str]:
    """`titlegraph serve` (one worker) with the listen host left at its default."""
    port = free_port()
    env = command_env(settings, **extra)
    env.pop("TITLEGRAPH_API_HOST")
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "titlegraph", "serve", "--port", str(port), "--workers", "1"],
            cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    return process, f"http://127.0.0.1:{port}"


def _wait_up(process: subprocess.Popen, url: str, log_path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, log_path.read_text()[-3000:]
        try:
            if requests.get(f"{url}/version", timeout=2).ok:
                return
        except requests.RequestException:  # still booting
            pass
        time.sleep(0.2)
    raise AssertionError(log_path.read_text()[-3000:])


def _stop(process: subprocess.Popen) -> None:
    # `titlegraph serve` forwards SIGTERM to gunicorn and waits for it.
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.mark.neo4j
@pytest.mark.slow
def test_password_never_logged_and_service_and_neo4j_listen_on_loopback(private_seed, private_neo4j,
                                                                       private_models, tmp_path):
    password = private_neo4j.password()
    wrong_password = secrets.token_urlsafe(16)  # random, so no literal credential sits in the repo
    settings = private_neo4j.with_overrides(models_dir=private_models)
    logs = []
    for action in ("status", "start"):
        logs.append(tmp_path / f"neo4j-{action}.log")
        assert titlegraph(settings, "neo4j", action, log_path=logs[-1]).wait(timeout=120) == 0

    logs += [tmp_path / "serve.log", tmp_path / "serve-wrong-credentials.log"]
    good, good_url = _serve(settings, logs[-2])
    # Another user name, so the failed logins cannot lock out the `neo4j` user the other tests use.
    bad, bad_url = _serve(settings, logs[-1], NEO4J_USER="intruder", NEO4J_PASSWORD=wrong_password)
    bodies = []
    try:
        _wait_up(good, good_url, logs[-2])
        _wait_up(bad, bad_url, logs[-1])
        service_addresses = _listening_addresses(good.pid)
        assert service_addresses and all(map(_is_loopback, service_addresses)), service_addresses
        for url in (good_url, bad_url):
            bodies += [requests.get(f"{url}/health", timeout=30),
                       requests.get(f"{url}/v1/titles/svc-kr1", timeout=30),
                       requests.post(f"{url}/v1/predict", json=NEW_TITLE, timeout=30),
                       requests.post(f"{url}/v1/admin/reload", headers={"X-Write-Key": "nope"}, timeout=30)]
    finally:
        _stop(good)
        _stop(bad)
    assert [response.status_code for response in bodies[:4]] == [200, 200, 200, 403]
    assert [response.status_code for response in bodies[4:6]] == [503, 503]
    assert "authentication failed" in bodies[4].json()["neo4j"]["error"]

    neo4j_pid = server.status(private_neo4j).pid
    neo4j_addresses = _listening_addresses(neo4j_pid)
    assert neo4j_addresses and all(map(_is_loopback, neo4j_addresses)), neo4j_addresses
    neo4j_logs = sorted((private_neo4j.neo4j_home / "logs").glob("*.log"))
    assert neo4j_logs
    texts = {str(path): path.read_text(errors="replace") for path in logs + neo4j_logs}
    texts.update({f"answer {index}": response.text for index, response in enumerate(bodies)})
    leaks = [name for name, text in texts.items() if password in text or wrong_password in text]
    assert not leaks, leaks


# --- loopback by default -----------------------------------------------------------------------
def test_service_and_neo4j_default_to_loopback(monkeypatch):
    defaults = load_settings({})
    assert defaults.api_host == "127.0.0.1" and defaults.neo4j_host == "127.0.0.1"
    listen = [line for line in server._config_text(defaults).splitlines() if "_address=" in line]
    assert len(listen) == 4 and all(line.split("=", 1)[1].split(":")[0] == "127.0.0.1" for line in listen)
    for name in ("TITLEGRAPH_API_HOST", "TITLEGRAPH_API_PORT"):
        monkeypatch.delenv(name, raising=False)
    gunicorn_conf = runpy.run_path(str(PROJECT_ROOT / "service" / "gunicorn.conf.py"))
    assert gunicorn_conf["bind"] == "127.0.0.1:8000"


@pytest.mark.neo4j
def test_the_config_the_launcher_wrote_listens_on_loopback(private_neo4j):
    conf = (private_neo4j.neo4j_home / "conf" / "neo4j.conf").read_text()
    addresses = dict(line.split("=", 1) for line in conf.splitlines() if "listen_address=" in line)
    assert addresses == {
        "server.default_listen_address": "127.0.0.1",
        "server.bolt.listen_address": f"127.0.0.1:{private_neo4j.bolt_port}",
        "server.http.listen_address": f"127.0.0.1:{private_neo4j.http_port}",
    }
    assert "0.0.0.0" not in conf


@pytest.mark.neo4j
@pytest.mark.slow
def test_a_password_that_begins_with_a_dash_sets_up_and_connects(settings, tmp_path):
    # One generated password in 64 begins with "-"; the admin tool once read it as an option.
    from graph.driver import create_driver

    password = "-" + secrets.token_urlsafe(12)
    own = settings.with_overrides(home=tmp_path / "dash", neo4j_uri=None, neo4j_password=password,
                                  bolt_port=free_port(), http_port=free_port(), neo4j_heap="256m",
                                  neo4j_pagecache="64m", models_dir=None)
    server.start(own)
    try:
        with create_driver(own) as driver:
            records, _, _ = driver.execute_query("RETURN 1 AS one")
        assert records[0]["one"] == 1
    finally:
        server.stop(own)
