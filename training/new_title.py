"""A new title: the metadata a caller sends about a title the graph has not seen, and the one
converter that builds it from a record (a graph row, a metadata dict, a request body)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from training.features import KINDS, TitleAttributes
from training.viewing import LaunchFacts


@dataclass
class NewTitle:
    """A title described by metadata only (not in the graph).

    Args:
        title: display title (required, non-empty).
        kind: "movie" or "show".
        summary: one or more sentences (may be empty).
        genres: genre names of either vocabulary, matched case-insensitively (default []).
        tags: Tag names; when empty, tags are derived from the summary (default []).
        countries: production countries as ISO2 codes (default []).
        cast: actor names, matched after normalize_name (default []).
        directors: director names, matched the same way (default []).
        year: release year (default None).
        duration_minutes: runtime in minutes (default None).
        rating: US rating such as "TV-MA" (default None: the unknown bucket).
        season: 1 for a new series, 2 or more for a returning season (default None: unknown).
        launch_date: when it launches (default None: now). A missing `year` also means a launch now.
    """

    title: str
    kind: str
    summary: str = ""
    genres: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    cast: list[str] = field(default_factory=list)
    directors: list[str] = field(default_factory=list)
    year: int | None = None
    duration_minutes: int | None = None
    rating: str | None = None
    season: int | None = None
    launch_date: dt.date | None = None

    @property
    def launch_year(self) -> int:
        """The year it launches: `launch_date`'s, else this year (a new title launches now)."""
        return (self.launch_date or dt.date.today()).year

    def launch_facts(self) -> LaunchFacts:
        """What the viewing forecast reads."""
        return LaunchFacts(kind=self.kind, countries=tuple(self.countries), year=self.year,
                           launch_year=self.launch_year, season=self.season,
                           duration_minutes=self.duration_minutes)

    def attributes(self) -> TitleAttributes:
        """What the title featurizer reads."""
        return TitleAttributes(title=self.title, kind=self.kind, summary=self.summary, year=self.year,
                               duration_minutes=self.duration_minutes, rating=self.rating)

    def head_metadata(self) -> dict:
        """The metadata dict the audience head reads."""
        return {
            "title": self.title,
            "kind": self.kind,
            # No year means a launch now, not an old catalog title (the head's recency feature).
            "year": self.year if self.year is not None else self.launch_year,
            "genres": list(self.genres),
            "countries": list(self.countries),
            "summary": self.summary,
        }

    def validate(self) -> None:
        """Raise ValueError naming the first field that is malformed."""
        if not isinstance(self.title, str) or not self.title.strip():
            raise ValueError("title: must be a non-empty string")
        if self.kind not in KINDS:
            raise ValueError(f"kind: must be one of {KINDS}, got {self.kind!r}")
        if not isinstance(self.summary, str):
            raise ValueError("summary: must be a string")
        for name in ("genres", "tags", "countries", "cast", "directors"):
            value = getattr(self, name)
            if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
                raise ValueError(f"{name}: must be a list of strings")
        for name, low, high in (("year", 1800, 2100), ("duration_minutes", 1, 2000)):
            value = getattr(self, name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high
            ):
                raise ValueError(f"{name}: must be an integer in [{low}, {high}] or null")
        if self.rating is not None and not isinstance(self.rating, str):
            raise ValueError("rating: must be a string or null")


# Names a record may use for a field: graph rows and metadata dicts say `kind` and `directors`,
# the API's request body `type` and `director`.
ALIASES = {"kind": ("kind", "type"), "directors": ("directors", "director")}
LIST_FIELDS = ("genres", "tags", "countries", "cast", "directors")
SCALAR_FIELDS = ("year", "rating", "season", "launch_date")


def new_title_from(record, *, derive_tags: bool = False, **overrides) -> NewTitle:
    """The one converter to a `NewTitle`: from a graph row (`graph.embeddings.TitleRow`), a
    metadata dict (`graph.audience.title_metadata`) or an API request body, reading each field by
    name (a missing field takes the NewTitle default).

    `derive_tags=True` leaves the tags to be derived from the summary, as the API does for a new
    title; `overrides` replace fields after reading (the service's matched genres, for example).
    A runtime outside [1, 2000] minutes reads as unknown, not as an error.
    """

    def read(name: str):
        for alias in ALIASES.get(name, (name,)):
            value = record.get(alias) if isinstance(record, Mapping) else getattr(record, alias, None)
            if value is not None:
                return value
        return None

    duration = read("duration_minutes")
    fields = {
        "title": read("title") or read("id"),
        "kind": read("kind") or "movie",
        "summary": read("summary") or "",
        **{name: list(read(name) or []) for name in LIST_FIELDS},
        **{name: read(name) for name in SCALAR_FIELDS},
        "duration_minutes": duration if duration and 1 <= duration <= 2000 else None,
    }
    if derive_tags:
        fields["tags"] = []
    return NewTitle(**(fields | overrides))
