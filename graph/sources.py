"""Readers for the public data files (see the data README for their quirks).

Every reader returns ``(records, bad_rows)``: a row that cannot be parsed is reported as a
``BadRow`` with the 1-based physical line where it starts (the header is line 1) and skipped,
so one bad row never stops an ingest.
"""

import ast
import csv
import datetime
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from graph.normalize import CountryResolver

_MIN_YEAR, _MAX_YEAR = 1880, 2030
UNKNOWN_COUNTRY = "XX"

_NETFLIX_COLUMNS = (
    "show_id", "type", "title", "director", "cast", "country", "date_added",
    "release_year", "rating", "duration", "listed_in", "description",
)
_JUSTWATCH_COLUMNS = (
    "id", "title", "type", "description", "release_year", "age_certification", "runtime",
    "genres", "production_countries", "seasons", "imdb_id", "imdb_score", "imdb_votes",
    "tmdb_popularity", "tmdb_score",
)
_CREDITS_COLUMNS = ("person_id", "id", "name", "character", "role")
_COUNTRY_CHART_COLUMNS = (
    "country_name", "country_iso2", "week", "category", "weekly_rank", "show_title",
    "season_title", "cumulative_weeks_in_top_10",
)
_GLOBAL_CHART_COLUMNS = (
    "week", "category", "weekly_rank", "show_title", "season_title", "weekly_hours_viewed",
    "runtime", "weekly_views", "cumulative_weeks_in_top_10",
)

_NETFLIX_KINDS = MappingProxyType({"Movie": "movie", "TV Show": "show"})
_JUSTWATCH_KINDS = MappingProxyType({"MOVIE": "movie", "SHOW": "show"})
_CHART_KINDS = MappingProxyType({"Films": "movie", "TV": "show"})
_MINUTES = re.compile(r"(\d+) min")
_SEASONS = re.compile(r"(\d+) Seasons?")


class _RowError(ValueError):
    """A field of one row cannot be parsed; the message is the BadRow reason."""


@dataclass(frozen=True)
class BadRow:
    """A skipped row: file name, 1-based physical line where it starts, and why."""

    file: str
    line: int
    reason: str


@dataclass
class CatalogTitle:
    """One title as listed by one catalog (netflix_titles.csv or JustWatch titles.csv)."""

    source_id: str
    source: str
    title: str
    kind: str
    year: int
    summary: str
    genres: list[str]
    countries: list[str]
    directors: list[str]
    cast: list[str]
    rating: str | None
    # Movie minutes; for JustWatch shows the runtime of one episode; None for netflix shows.
    duration_minutes: int | None
    seasons: int | None
    date_added: str | None
    imdb_id: str | None
    imdb_score: float | None
    imdb_votes: float | None
    tmdb_popularity: float | None
    tmdb_score: float | None
    line: int
    person_ids: dict[str, str] = field(default_factory=dict)


@dataclass
class ChartRow:
    """One row of the per-country weekly top 10."""

    line: int
    country_iso2: str
    country_name: str
    week: datetime.date
    kind: str
    rank: int
    show_title: str
    season_title: str | None
    cumulative_weeks: int


@dataclass
class GlobalChartRow:
    """One row of the global weekly top 10 (the only chart with hours viewed)."""

    line: int
    week: datetime.date
    kind: str
    language: str
    rank: int
    show_title: str
    season_title: str | None
    hours_viewed: int | None
    cumulative_weeks: int


def _rows(
    path: Path | str, expected_columns: tuple[str, ...], bad_rows: list[BadRow], **csv_options
) -> Iterator[tuple[int, list[str]]]:
    """Yield (start line, fields) for each data row with the expected column count."""
    file_name = Path(path).name
    # utf-8-sig: copies saved by spreadsheet software start with a byte-order mark.
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle, **csv_options)
        header = next(reader, None)
        if header is None or tuple(header) != expected_columns:
            bad_rows.append(BadRow(file_name, 1, f"unexpected header {header!r}"))
            return
        # A record starts on the physical line after the one where the previous record ended.
        start_line = reader.line_num + 1
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                # The reader recovers on the next line (e.g. after an oversized field).
                fields = None
                bad_rows.append(BadRow(file_name, start_line, f"unreadable row: {error}"))
            if fields and len(fields) != len(expected_columns):
                reason = f"expected {len(expected_columns)} columns, found {len(fields)}"
                bad_rows.append(BadRow(file_name, start_line, reason))
            elif fields:
                yield start_line, fields
            start_line = reader.line_num + 1


def _parse_rows(
    path: Path | str,
    expected_columns: tuple[str, ...],
    parse_row: Callable[[int, list[str]], Any],
    **csv_options,
) -> tuple[list, list[BadRow]]:
    """Parse every row with parse_row(line, fields); a _RowError makes the row a BadRow."""
    records, bad_rows = [], []
    file_name = Path(path).name
    for line, fields in _rows(path, expected_columns, bad_rows, **csv_options):
        try:
            records.append(parse_row(line, fields))
        except _RowError as error:
            bad_rows.append(BadRow(file_name, line, str(error)))
    return records, bad_rows


def _required(value: str, what: str) -> str:
    """Return the stripped value, or fail the row when it is empty."""
    value = value.strip()
    if not value:
        raise _RowError(f"missing {what}")
    return value


def _year(text: str) -> int:
    """Parse a release year in the plausible range."""
    try:
        year = int(text.strip())
    except ValueError:
        raise _RowError(f"malformed year {text!r}") from None
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        raise _RowError(f"year {year} outside {_MIN_YEAR}..{_MAX_YEAR}")
    return year


def _int(text: str, what: str, minimum: int, maximum: int | None = None) -> int:
    """Parse an integer field with bounds."""
    try:
        value = int(text.strip())
    except ValueError:
        raise _RowError(f"malformed {what} {text!r}") from None
    if value < minimum or (maximum is not None and value > maximum):
        raise _RowError(f"{what} {value} out of range")
    return value


def _optional_float(text: str, what: str) -> float | None:
    """Parse an optional float field (empty means unknown)."""
    if not text.strip():
        return None
    try:
        return float(text)
    except ValueError:
        raise _RowError(f"malformed {what} {text!r}") from None


def _optional_int_from_float(text: str, what: str) -> int | None:
    """Parse counts stored as floats ("2.0") by the JustWatch export."""
    value = _optional_float(text, what)
    if value is None:
        return None
    if not value.is_integer() or value < 0:
        raise _RowError(f"malformed {what} {text!r}")
    return int(value)


def _week(text: str) -> datetime.date:
    """Parse a chart week, which is named by the Sunday that ends it."""
    try:
        week = datetime.date.fromisoformat(text.strip())
    except ValueError:
        raise _RowError(f"malformed week {text!r}") from None
    if week.weekday() != 6:
        raise _RowError(f"week {week} is not a Sunday")
    return week


def _comma_list(text: str) -> list[str]:
    """Split a netflix comma-separated field, dropping empty items and duplicates."""
    return list(dict.fromkeys(item.strip() for item in text.split(",") if item.strip()))


def _literal_list(text: str, what: str) -> list[str]:
    """Parse a Python-style list of strings ("['drama', 'crime']") without evaluating code."""
    try:
        value = ast.literal_eval(text.strip() or "[]")
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        raise _RowError(f"malformed {what} list {text!r}") from None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _RowError(f"{what} is not a list of strings: {text!r}")
    return [item.strip() for item in value if item.strip()]


def _countries(names_or_codes: list[str], resolver: CountryResolver) -> list[str]:
    """Resolve production countries to ISO2 codes, keeping order and dropping repeats."""
    codes = []
    for name_or_code in names_or_codes:
        # JustWatch writes "XX" for "production country not known": no country, not a bad row.
        if name_or_code.strip().upper() == UNKNOWN_COUNTRY:
            continue
        code = resolver.iso2(name_or_code)
        if code is None:
            raise _RowError(f"unknown country {name_or_code!r}")
        codes.append(code)
    return list(dict.fromkeys(codes))


def _date_added(text: str) -> str | None:
    """Turn "September 25, 2021" (sometimes with a leading space) into "2021-09-25"."""
    text = text.strip()
    if not text:
        return None
    try:
        return datetime.datetime.strptime(text, "%B %d, %Y").date().isoformat()
    except ValueError:
        raise _RowError(f"malformed date_added {text!r}") from None


def _kind(text: str, kinds: Mapping[str, str]) -> str:
    """Map a source's type label to "movie" or "show"."""
    try:
        return kinds[text.strip()]
    except KeyError:
        raise _RowError(f"unknown type {text!r}") from None


def _display_title(text: str) -> str:
    """Collapse whitespace: one netflix title contains a line break."""
    return " ".join(_required(text, "title").split())


def _netflix_duration(rating: str, duration: str, kind: str) -> tuple[str | None, int | None, int | None]:
    """Return (rating, duration_minutes, seasons) from the netflix rating and duration fields."""
    rating, duration = rating.strip(), duration.strip()
    # Three Louis C.K. rows carry the duration in the rating column.
    if _MINUTES.fullmatch(rating) and not duration:
        rating, duration = "", rating
    minutes = _MINUTES.fullmatch(duration)
    seasons = _SEASONS.fullmatch(duration)
    if duration and not (minutes if kind == "movie" else seasons):
        raise _RowError(f"malformed duration {duration!r} for a {kind}")
    return (
        rating or None,
        int(minutes.group(1)) if minutes else None,
        int(seasons.group(1)) if seasons else None,
    )


# The other services' files (other_services/README.md): netflix_titles.csv's columns, with the
# genre column named `genre` (Prime Video, Disney+) or `listed_in` (Hulu).
OTHER_SERVICES = MappingProxyType({
    "prime": ("Prime Video", "amazon_prime_titles.csv"),
    "disney": ("Disney+", "disney_plus_titles.csv"),
    "hulu": ("Hulu", "hulu_titles.csv"),
})
# Prime Video's own age labels, read as the nearest US rating (the audience-age rules use them).
_SERVICE_RATINGS = MappingProxyType({
    "ALL": "TV-G", "ALL_AGES": "TV-G", "7+": "TV-Y7", "13+": "TV-14", "16+": "TV-MA", "18+": "TV-MA",
    "AGES_16_": "TV-MA", "AGES_18_": "TV-MA", "NOT_RATE": None, "UNRATED": None, "TV-NR": None,
})


def _service_duration(rating: str, duration: str) -> tuple[str | None, int | None, int | None]:
    """(rating, minutes, seasons) of another service's row; Hulu rows sometimes carry the
    duration in the rating column."""
    rating, duration = rating.strip(), duration.strip()
    if not duration and (_MINUTES.fullmatch(rating) or _SEASONS.fullmatch(rating)):
        rating, duration = "", rating
    minutes, seasons = _MINUTES.fullmatch(duration), _SEASONS.fullmatch(duration)
    rating = _SERVICE_RATINGS.get(rating, rating) or None
    return rating, int(minutes.group(1)) if minutes else None, int(seasons.group(1)) if seasons else None


def read_other_service(path: Path | str, prefix: str) -> tuple[list[CatalogTitle], list[BadRow]]:
    """Read one other service's catalog (ids become `<prefix>-<show_id>`), reporting bad rows.

    Its `date_added` is not kept: only Netflix's own dates say when a title launched there,
    which the audience labels read.
    """
    resolver = CountryResolver()
    with open(path, newline="", encoding="utf-8-sig") as handle:
        header = tuple(next(csv.reader(handle), ()))
    columns = header if header[:10] == _NETFLIX_COLUMNS[:10] and len(header) == 12 else _NETFLIX_COLUMNS

    def parse(line: int, fields: list[str]) -> CatalogTitle:
        row = dict(zip(_NETFLIX_COLUMNS, fields, strict=True))
        kind = _kind(row["type"], _NETFLIX_KINDS)
        rating, minutes, seasons = _service_duration(row["rating"], row["duration"])
        return CatalogTitle(
            source_id=f"{prefix}-{_required(row['show_id'], 'id')}", source=prefix,
            title=_display_title(row["title"]), kind=kind, year=_year(row["release_year"]),
            summary=row["description"].strip(), genres=_comma_list(row["listed_in"]),
            countries=_countries(_comma_list(row["country"]), resolver),
            directors=_comma_list(row["director"]), cast=_comma_list(row["cast"]), rating=rating,
            duration_minutes=minutes if kind == "movie" else None, seasons=seasons, date_added=None,
            imdb_id=None, imdb_score=None, imdb_votes=None, tmdb_popularity=None, tmdb_score=None,
            line=line)

    return _parse_rows(path, columns, parse)


def read_netflix_titles(path: Path | str) -> tuple[list[CatalogTitle], list[BadRow]]:
    """Read netflix_titles.csv into CatalogTitles, reporting unparseable rows."""
    resolver = CountryResolver()

    def parse(line: int, fields: list[str]) -> CatalogTitle:
        row = dict(zip(_NETFLIX_COLUMNS, fields, strict=True))
        source_id = _required(row["show_id"], "id")
        title = _display_title(row["title"])
        kind = _kind(row["type"], _NETFLIX_KINDS)
        rating, minutes, seasons = _netflix_duration(row["rating"], row["duration"], kind)
        return CatalogTitle(
            source_id=source_id,
            source="netflix",
            title=title,
            kind=kind,
            year=_year(row["release_year"]),
            summary=row["description"].strip(),
            genres=_comma_list(row["listed_in"]),
            countries=_countries(_comma_list(row["country"]), resolver),
            directors=_comma_list(row["director"]),
            cast=_comma_list(row["cast"]),
            rating=rating,
            duration_minutes=minutes,
            seasons=seasons,
            date_added=_date_added(row["date_added"]),
            imdb_id=None,
            imdb_score=None,
            imdb_votes=None,
            tmdb_popularity=None,
            tmdb_score=None,
            line=line,
        )

    return _parse_rows(path, _NETFLIX_COLUMNS, parse)


@dataclass
class _Credits:
    """Directors, cast and person ids of one JustWatch title, in file order."""

    directors: list[str] = field(default_factory=list)
    cast: list[str] = field(default_factory=list)
    person_ids: dict[str, str] = field(default_factory=dict)


def _read_credits(path: Path | str) -> tuple[dict[str, _Credits], list[BadRow]]:
    """Group credits.csv by title id."""
    credits_by_title: dict[str, _Credits] = {}

    def parse(line: int, fields: list[str]) -> None:
        row = dict(zip(_CREDITS_COLUMNS, fields, strict=True))
        person_id = _required(row["person_id"], "person_id")
        title_id = _required(row["id"], "id")
        name = " ".join(_required(row["name"], "name").split())
        role = row["role"].strip()
        if role not in ("ACTOR", "DIRECTOR"):
            raise _RowError(f"unknown role {role!r}")
        credits = credits_by_title.setdefault(title_id, _Credits())
        people = credits.directors if role == "DIRECTOR" else credits.cast
        # An actor playing two characters is listed twice.
        if name not in people:
            people.append(name)
        credits.person_ids.setdefault(name, person_id)

    _, bad_rows = _parse_rows(path, _CREDITS_COLUMNS, parse)
    return credits_by_title, bad_rows


def read_justwatch(
    titles_path: Path | str, credits_path: Path | str
) -> tuple[list[CatalogTitle], list[BadRow]]:
    """Read JustWatch titles.csv and credits.csv into CatalogTitles, reporting bad rows."""
    resolver = CountryResolver()
    credits_by_title, bad_rows = _read_credits(credits_path)

    def parse(line: int, fields: list[str]) -> CatalogTitle:
        row = dict(zip(_JUSTWATCH_COLUMNS, fields, strict=True))
        title_id = _required(row["id"], "id")
        credits = credits_by_title.get(title_id, _Credits())
        runtime_minutes = _int(row["runtime"], "runtime", 0) if row["runtime"].strip() else 0
        return CatalogTitle(
            source_id=title_id,
            source="justwatch",
            title=_display_title(row["title"]),
            kind=_kind(row["type"], _JUSTWATCH_KINDS),
            year=_year(row["release_year"]),
            summary=row["description"].strip(),
            genres=_literal_list(row["genres"], "genres"),
            countries=_countries(_literal_list(row["production_countries"], "countries"), resolver),
            directors=list(credits.directors),
            cast=list(credits.cast),
            rating=row["age_certification"].strip() or None,
            # JustWatch writes 0 when the runtime is unknown (9 shows).
            duration_minutes=runtime_minutes or None,
            seasons=_optional_int_from_float(row["seasons"], "seasons"),
            date_added=None,
            imdb_id=row["imdb_id"].strip() or None,
            imdb_score=_optional_float(row["imdb_score"], "imdb_score"),
            imdb_votes=_optional_float(row["imdb_votes"], "imdb_votes"),
            tmdb_popularity=_optional_float(row["tmdb_popularity"], "tmdb_popularity"),
            tmdb_score=_optional_float(row["tmdb_score"], "tmdb_score"),
            line=line,
            person_ids=dict(credits.person_ids),
        )

    titles, title_bad_rows = _parse_rows(titles_path, _JUSTWATCH_COLUMNS, parse)
    return titles, title_bad_rows + bad_rows


def _season_title(text: str) -> str | None:
    """Return the season name, or None for the "N/A" of films and specials."""
    text = text.strip()
    return None if text in ("", "N/A") else text


def read_country_charts(path: Path | str) -> tuple[list[ChartRow], list[BadRow]]:
    """Read top10_countries_2021.tsv into ChartRows, reporting unparseable rows."""
    resolver = CountryResolver()

    def parse(line: int, fields: list[str]) -> ChartRow:
        row = dict(zip(_COUNTRY_CHART_COLUMNS, fields, strict=True))
        code = row["country_iso2"].strip()
        # The column must hold a code: a country name here would mean shifted columns.
        if len(code) != 2 or resolver.iso2(code) != code.upper():
            raise _RowError(f"unknown country code {code!r}")
        return ChartRow(
            line=line,
            country_iso2=code.upper(),
            country_name=row["country_name"].strip(),
            week=_week(row["week"]),
            kind=_kind(row["category"], _CHART_KINDS),
            rank=_int(row["weekly_rank"], "rank", 1, 10),
            show_title=_required(row["show_title"], "title"),
            season_title=_season_title(row["season_title"]),
            cumulative_weeks=_int(row["cumulative_weeks_in_top_10"], "cumulative weeks", 1),
        )

    return _parse_rows(
        path, _COUNTRY_CHART_COLUMNS, parse, delimiter="\t", quoting=csv.QUOTE_NONE
    )


def _global_category(text: str) -> tuple[str, str]:
    """Split "Films (Non-English)" into ("movie", "Non-English")."""
    match = re.fullmatch(r"(Films|TV) \((English|Non-English)\)", text.strip())
    if not match:
        raise _RowError(f"unknown category {text!r}")
    return _CHART_KINDS[match.group(1)], match.group(2)


def read_global_chart(path: Path | str) -> tuple[list[GlobalChartRow], list[BadRow]]:
    """Read top10_global_2021.tsv into GlobalChartRows, reporting unparseable rows."""

    def parse(line: int, fields: list[str]) -> GlobalChartRow:
        row = dict(zip(_GLOBAL_CHART_COLUMNS, fields, strict=True))
        kind, language = _global_category(row["category"])
        hours = row["weekly_hours_viewed"].strip()
        return GlobalChartRow(
            line=line,
            week=_week(row["week"]),
            kind=kind,
            language=language,
            rank=_int(row["weekly_rank"], "rank", 1, 10),
            show_title=_required(row["show_title"], "title"),
            season_title=_season_title(row["season_title"]),
            hours_viewed=_int(hours, "hours viewed", 0) if hours else None,
            cumulative_weeks=_int(row["cumulative_weeks_in_top_10"], "cumulative weeks", 1),
        )

    return _parse_rows(
        path, _GLOBAL_CHART_COLUMNS, parse, delimiter="\t", quoting=csv.QUOTE_NONE
    )
