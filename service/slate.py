"""A release slate: one short row per title out of a full prediction (for the batch endpoint and
`titlegraph predict SLATE.csv`), and the CSV both ends of that command read and write."""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from typing import TextIO

TOP = 5
LANGUAGES = 3


def slate_row(title: str, kind: str, answer: Mapping, *, top: int = TOP) -> dict:
    """Title, top content comps, top markets (by expected audience), viewing interval, first languages."""
    audience = answer.get("audience") or []
    by_audience = sorted(audience, key=lambda entry: (-(entry.get("expected_hours") or 0.0),
                                                      -entry["p_chart"], entry["country"]))
    plan = answer.get("plan") or {}
    languages = [language for language in plan.get("languages", []) if language["treatment"] != "original"]
    return {
        "title": title,
        "type": kind,
        "comps": [{"id": comp["id"], "title": comp["title"]} for comp in answer["similar"][:top]],
        "markets": [{key: entry.get(key) for key in ("country", "name", "p_chart", "expected_hours",
                                                     "audience_index")} for entry in by_audience[:top]],
        "viewing": answer.get("viewing"),
        "original_languages": plan.get("original_languages", []),
        "first_languages": [{"language": language["language"], "name": language["name"],
                             "treatment": language["treatment"],
                             "cumulative_share": language["cumulative_share"]}
                            for language in languages[:LANGUAGES]],
        "warnings": [warning["code"] for warning in answer.get("warnings", [])],
    }


# Slate CSV columns are the fields of POST /v1/predict; list fields hold values separated by ";".
LIST_FIELDS = ("genres", "tags", "countries", "cast", "director")
INTEGER_FIELDS = ("year", "duration_minutes", "season")
REPORT_COLUMNS = ("line", "title", "type", "comps", "markets", "hours_p10", "hours_p50", "hours_p90",
                  "views_p10", "views_p50", "views_p90", "original_languages", "first_languages", "warnings")


class RowError(ValueError):
    """A slate row that cannot become a request body; the message names the column."""


def read_slate(stream: TextIO) -> Iterator[tuple[int, dict]]:
    """(line number, request body) per data row; raises RowError naming the line's bad column."""
    reader = csv.DictReader(stream)
    unknown = set(reader.fieldnames or ()) - set(LIST_FIELDS) - set(INTEGER_FIELDS) - {
        "title", "type", "summary", "rating", "launch_date"}
    if unknown:
        raise RowError(f"line 1: unknown columns {sorted(unknown)}; "
                       "the columns are POST /v1/predict's fields")
    for row in reader:
        yield reader.line_num, row


def request_body(row: Mapping[str, str]) -> dict:
    """A POST /v1/predict body from one CSV row (empty cells are left out)."""
    body: dict = {}
    for column, value in row.items():
        value = (value or "").strip()
        if not value or column is None:
            continue
        if column in LIST_FIELDS:
            body[column] = [part.strip() for part in value.split(";") if part.strip()]
        elif column in INTEGER_FIELDS:
            try:
                body[column] = int(value)
            except ValueError:
                raise RowError(f"{column}: not a whole number: {value!r}") from None
        else:
            body[column] = value
    return body


def report_row(line: int, row: Mapping) -> dict:
    """A slate row flattened for the report CSV."""
    viewing = row.get("viewing") or {}
    hours, views = viewing.get("hours", {}), viewing.get("views", {})
    return {
        "line": line, "title": row["title"], "type": row["type"],
        "comps": "; ".join(comp["title"] for comp in row["comps"]),
        "markets": "; ".join(f"{market['country']} {_hours(market.get('expected_hours'))}"
                             for market in row["markets"]),
        **{f"hours_{q}": hours.get(q, "") for q in ("p10", "p50", "p90")},
        **{f"views_{q}": views.get(q, "") for q in ("p10", "p50", "p90")},
        "original_languages": "; ".join(row["original_languages"]),
        "first_languages": "; ".join(f"{language['name']} ({language['treatment']}, "
                                     f"{language['cumulative_share']:.0%})"
                                     for language in row["first_languages"]),
        "warnings": "; ".join(row["warnings"]),
    }


def _hours(value) -> str:
    return "" if value is None else f"{value / 1e6:.1f}M h"
