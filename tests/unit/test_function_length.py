"""Functions in training/ and graph/ stay short: none over 60 lines (house style, issue 11)."""

import ast

from titlegraph.config import PROJECT_ROOT

MAX_LINES = 60
FOLDERS = ("training", "graph")
def long_functions(root=PROJECT_ROOT) -> list[str]:
    """`path:line name (N lines)` for every function longer than MAX_LINES."""
    found = []
    for folder in FOLDERS:
        for path in sorted((root / folder).rglob("*.py")):
            relative = path.relative_to(root).as_posix()
            for node in ast.walk(ast.parse(path.read_text(), filename=relative)):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    lines = node.end_lineno - node.lineno + 1
                    if lines > MAX_LINES:
                        found.append(f"{relative}:{node.lineno} {node.name} ({lines} lines)")
    return found


def test_no_function_in_training_or_graph_is_over_60_lines():
    assert long_functions() == [], "split these into named steps"
