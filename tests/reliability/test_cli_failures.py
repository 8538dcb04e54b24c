"""A user's mistake on the command line gives one line saying what is wrong and what to do, a
non-zero exit and no traceback: run as real processes, as a new user would run them."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.service.conftest import free_port
from titlegraph.config import PROJECT_ROOT


def _env(settings, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("NEO4J_", "TITLEGRAPH_"))}
    env.update(PYTHONPATH=str(PROJECT_ROOT), HF_HUB_OFFLINE="1", TITLEGRAPH_HOME=str(settings.home),
               TITLEGRAPH_CACHE=str(settings.cache_dir), NEO4J_BOLT_PORT=str(settings.bolt_port),
               NEO4J_HTTP_PORT=str(settings.http_port))
    env.update(extra)
    return env


def _run(command: list[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def titlegraph(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return _run([sys.executable, "-m", "titlegraph", *args], env)


def assert_one_line(result: subprocess.CompletedProcess, *expected: str) -> str:
    """The run failed with its last stderr line naming the problem, and printed no traceback."""
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "Traceback" not in output, output
    line = result.stderr.strip().splitlines()[-1]
    for text in expected:
        assert text in line, output
    return line


@pytest.fixture
def busy_port():
    """A port some other program (this test process) listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


@pytest.mark.parametrize("command", ["serve", "demo"])
def test_busy_api_port_is_one_line_naming_the_holder(settings, busy_port, command):
    started = time.monotonic()
    result = titlegraph(_env(settings), command, "--port", str(busy_port))
    line = assert_one_line(result, f"titlegraph {command}: cannot serve on http://127.0.0.1:{busy_port}",
                           f"pid {os.getpid()}", "--port")
    # Refused before anything starts: no Neo4j start, no gunicorn retrying the port five times.
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert time.monotonic() - started < 30, line


def test_second_demo_while_one_serves_says_so(settings, tmp_path):
    port = free_port()
    env = _env(settings, TITLEGRAPH_API_PORT=str(port), TITLEGRAPH_API_WORKERS="1",
               TITLEGRAPH_MODELS=str(tmp_path / "models"))
    log = (tmp_path / "first.log").open("w")
    first = subprocess.Popen([sys.executable, "-m", "titlegraph", "serve"], cwd=PROJECT_ROOT, env=env,
                             stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while not _answers(port):
            assert first.poll() is None and time.monotonic() < deadline, (tmp_path / "first.log").read_text()
            time.sleep(0.3)
        second = _run(["bash", "scripts/demo.sh"], env)
        assert_one_line(second, "a titlegraph API already serves there", f"http://127.0.0.1:{port}",
                        "kill", "--port")
        assert first.poll() is None  # the first one still serves
    finally:
        first.terminate()
        first.wait(timeout=60)
        log.close()


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/version", timeout=2):
            return True
    except OSError:
        return False


@pytest.mark.parametrize("folder", ["empty", "missing"])
def test_data_folder_without_the_files_is_one_line(settings, tmp_path, folder):
    data = tmp_path / folder
    if folder == "empty":
        data.mkdir()
    result = titlegraph(_env(settings, TITLEGRAPH_DATA=str(data)), "ingest")
    what = "lacks netflix_titles.csv" if folder == "empty" else "does not exist"
    assert_one_line(result, "titlegraph ingest: data folder", str(data), what, "TITLEGRAPH_DATA")


@pytest.mark.neo4j
def test_demo_on_an_empty_graph_without_the_data_is_one_line(clean_graph, settings, tmp_path):
    env = _env(settings, TITLEGRAPH_DATA=str(tmp_path), TITLEGRAPH_API_PORT=str(free_port()))
    result = titlegraph(env, "demo")
    assert_one_line(result, "titlegraph demo: data folder", "lacks", "TITLEGRAPH_DATA")


def test_neo4j_port_taken_is_one_line(settings, busy_port, tmp_path):
    env = _env(settings, TITLEGRAPH_HOME=str(tmp_path), NEO4J_BOLT_PORT=str(busy_port))
    assert_one_line(titlegraph(env, "neo4j", "start"), f"port {busy_port}", f"pid {os.getpid()}",
                    "NEO4J_BOLT_PORT")


def test_unreachable_neo4j_is_one_line(settings):
    env = _env(settings, NEO4J_URI=f"bolt://127.0.0.1:{free_port()}", NEO4J_PASSWORD="x")
    assert_one_line(titlegraph(env, "ingest"), "cannot be reached", "NEO4J_URI")


@pytest.mark.neo4j
def test_wrong_password_is_one_line(neo4j_server, settings):
    env = _env(settings, NEO4J_URI=settings.bolt_uri, NEO4J_PASSWORD=settings.password() + "-wrong")
    assert_one_line(titlegraph(env, "ingest"), "refused user 'neo4j'", "NEO4J_PASSWORD")
