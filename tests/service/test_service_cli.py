"""`titlegraph serve` and `titlegraph demo` are registered; the demo's curl lines are ready to paste."""

from __future__ import annotations

import json
import shlex

from service.cli import SAMPLE_NEW_TITLE, demo_curls, gunicorn_command
from titlegraph.cli import build_parser
from titlegraph.config import Settings


def test_serve_and_demo_are_subcommands():
    parser = build_parser()
    assert parser.parse_args(["serve", "--port", "8123"]).port == 8123
    assert parser.parse_args(["demo"]).handler.__name__ == "cmd_demo"


def test_gunicorn_command_uses_the_repo_config_and_settings():
    command = gunicorn_command(Settings(api_host="127.0.0.1", api_port=8123, api_workers=3))
    assert command[command.index("-c") + 1].endswith("service/gunicorn.conf.py")
    assert command[command.index("--bind") + 1] == "127.0.0.1:8123"
    assert command[command.index("--workers") + 1] == "3"
    assert command[-1] == "service:create_app()"


def test_demo_curls_parse_as_shell_and_json():
    similar, predict = demo_curls("http://127.0.0.1:8000", "s34")
    assert shlex.split(similar) == ["curl", "-s", "http://127.0.0.1:8000/v1/titles/s34/similar?k=5"]
    words = shlex.split(predict)
    assert words[:4] == ["curl", "-s", "-X", "POST"]
    assert json.loads(words[words.index("-d") + 1]) == SAMPLE_NEW_TITLE
