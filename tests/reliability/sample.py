"""A small, consistent sample of the shared data files, so a whole `titlegraph ingest` takes seconds.

Catalog rows are cut with the csv module (descriptions hold quoted line breaks); the chart
files are tab-separated without quoting and are cut line by line, keeping their bytes.
"""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

from graph.ingest import DATA_FILES

# Chart countries kept: enough for CHARTED_IN edges in several countries, few rows.
SAMPLE_COUNTRIES = ("KR", "US", "GB")


def _copy_csv_rows(source: Path, target: Path, keep) -> list[dict]:
    """Copy the header and the rows for which `keep(row)` is true; return the kept rows."""
    kept = []
    with source.open(newline="", encoding="utf-8") as reader_file, \
            target.open("w", newline="", encoding="utf-8") as writer_file:
        reader = csv.DictReader(reader_file)
        writer = csv.DictWriter(writer_file, fieldnames=reader.fieldnames)
        writer.writeheader()
        for row in reader:
            if keep(row):
                writer.writerow(row)
                kept.append(row)
    return kept


def _copy_tsv_lines(source: Path, target: Path, keep) -> int:
    """Copy the header line and the lines whose fields satisfy `keep(fields)`; return the count."""
    count = 0
    with source.open(encoding="utf-8", newline="") as reader, target.open("w", encoding="utf-8",
                                                                          newline="") as writer:
        writer.write(next(reader))
        for line in reader:
            if keep(line.rstrip("\r\n").split("\t")):
                writer.write(line)
                count += 1
    return count


def _first(limit: int):
    """A row predicate that keeps the first `limit` rows it is asked about."""
    seen = itertools.count(1)
    return lambda _row: next(seen) <= limit


def write_sample(data_dir: Path, target: Path, netflix_rows: int = 150, justwatch_rows: int = 60,
                 global_rows: int = 120) -> dict[str, int]:
    """Write a sample of the five ingest files of `data_dir` into `target`; return rows per file."""
    target.mkdir(parents=True, exist_ok=True)
    counts = {}
    netflix = _copy_csv_rows(data_dir / DATA_FILES["netflix"], target / DATA_FILES["netflix"],
                             _first(netflix_rows))
    counts["netflix"] = len(netflix)
    titles = _copy_csv_rows(data_dir / DATA_FILES["justwatch_titles"],
                            target / DATA_FILES["justwatch_titles"], _first(justwatch_rows))
    counts["justwatch_titles"] = len(titles)
    title_ids = {row["id"] for row in titles}
    counts["justwatch_credits"] = len(_copy_csv_rows(
        data_dir / DATA_FILES["justwatch_credits"], target / DATA_FILES["justwatch_credits"],
        lambda row: row["id"] in title_ids))
    counts["country_charts"] = _copy_tsv_lines(
        data_dir / DATA_FILES["country_charts"], target / DATA_FILES["country_charts"],
        lambda fields: fields[1] in SAMPLE_COUNTRIES)
    counts["global_chart"] = _copy_tsv_lines(
        data_dir / DATA_FILES["global_chart"], target / DATA_FILES["global_chart"],
        _first(global_rows))
    return counts
