"""`titlegraph serve` and `titlegraph demo` are registered; the demo's curl lines are ready to paste."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys

import pytest

from service.commands import SAMPLE_NEW_TITLE, demo_curls, gunicorn_command
from titlegraph.cli import build_parser, resolve_handler
from titlegraph.config import PROJECT_ROOT, Settings


def test_serve_and_demo_are_subcommands():
    parser = build_parser()
    assert parser.parse_args(["serve", "--port", "8123"]).port == 8123
    assert resolve_handler(parser.parse_args(["demo"]).handler).__name__ == "cmd_demo"


def test_gunicorn_command_uses_the_repo_config_and_settings():
    command = gunicorn_command(Settings(api_host="127.0.0.1", api_port=8123, api_workers=3))
    assert command[command.index("-c") + 1].endswith("service/gunicorn.conf.py")
    assert command[command.index("--bind") + 1] == "127.0.0.1:8123"
    assert command[command.index("--workers") + 1] == "3"
    assert command[-1] == "service.app:create_app()"


def test_demo_curls_parse_as_shell_and_json():
    similar, predict = demo_curls("http://127.0.0.1:8000", "s34")
    assert shlex.split(similar) == ["curl", "-s", "http://127.0.0.1:8000/v1/titles/s34/similar?k=5"]
    words = shlex.split(predict)
    assert words[:4] == ["curl", "-s", "-X", "POST"]
    assert json.loads(words[words.index("-d") + 1]) == SAMPLE_NEW_TITLE


@pytest.mark.parametrize(("statement", "modules"), [
    # `titlegraph neo4j status` must not load torch, Flask or sklearn: the parser names handlers,
    # and the handler's module is imported only when its command runs.
    ("from titlegraph.cli import build_parser; build_parser()",
     ("torch", "flask", "sklearn", "service.app", "training.commands")),
    # `serve` and `demo` leave the model to gunicorn's workers (demo's ingest does use sklearn).
    ("import service.commands", ("torch", "flask", "service.app", "training.commands")),
])
def test_the_parser_and_the_serve_handlers_import_no_model_or_app_code(statement, modules):
    code = f"import sys; {statement}; print(','.join(m for m in {modules!r} if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=PROJECT_ROOT)
    assert result.stdout.strip() == ""


def test_every_command_names_a_handler_that_exists():
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices
    for name, sub in commands.items():
        handler = resolve_handler(sub.get_default("handler"))
        assert callable(handler), name
