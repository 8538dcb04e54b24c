"""Handler of `titlegraph predict SLATE.csv --out REPORT.csv`: every row through the service's own
`POST /v1/predict?plan=true`, in process (the app and its model load here).
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from tqdm import tqdm

from service.app import close_app, create_app
from service.slate import REPORT_COLUMNS, RowError, read_slate, report_row, request_body, slate_row
from titlegraph.commands import ensure_neo4j
from titlegraph.config import Settings


def cmd_predict(settings: Settings, args: argparse.Namespace) -> int:
    """Predict every row of a slate through the service's own /v1/predict (in process): bad rows are
    reported by line on stderr while the good ones are predicted. Exit 0, or 2 if any row was bad."""
    source = Path(args.slate)
    if not source.is_file():
        raise SystemExit(f"slate {source} does not exist")
    with source.open(newline="", encoding="utf-8") as stream:
        try:
            rows = list(read_slate(stream))
        except RowError as error:
            raise SystemExit(f"{source}: {error}") from None
    ensure_neo4j(settings)
    app = create_app({"SETTINGS": settings})
    client = app.test_client()
    good, bad = [], []
    try:
        for line, row in tqdm(rows, desc="slate", unit="title", disable=args.quiet):
            problem, body, answer = _predict_row(client, row)
            if problem:
                bad.append(f"line {line}: {problem}")
                print(bad[-1], file=sys.stderr)
                continue
            good.append(report_row(line, slate_row(body["title"], body["type"], answer, top=args.top)))
    finally:
        close_app(app)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=REPORT_COLUMNS)
        writer.writeheader()
        writer.writerows(good)
    print(f"slate done: {len(good)} titles predicted, {len(bad)} bad rows; report in {out}")
    return 2 if bad else 0


def _predict_row(client, row: dict) -> tuple[str | None, dict, dict]:
    """(None, request body, answer) or (what is wrong, body, {}) for one slate row."""
    try:
        body = request_body(row)
    except ValueError as error:
        return str(error), {}, {}
    response = client.post("/v1/predict?plan=true", json=body)
    answer = response.get_json(silent=True) or {}
    if response.status_code != 200:
        error = answer.get("error", {})
        field = f"{error['field']}: " if error.get("field") else ""
        return f"{field}{error.get('message', response.status)}", body, {}
    return None, body, answer
