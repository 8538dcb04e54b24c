"""A new title: the metadata a caller sends about a title the graph has not seen, and the one
converter that builds it from a record (a graph row, a metadata dict, a request body)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from training.features import KINDS
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

    @classmethod
    def from_row(cls, row, *, tags: bool = True) -> NewTitle:
        """The metadata of a graph title (`graph.embeddings.TitleRow`) as a new title.

        `tags=False` leaves tags to be derived from the summary, as the API does for a new title.
        """
        return cls(
            title=row.title, kind=row.kind, summary=row.summary or "", genres=list(row.genres),
            tags=list(row.tags) if tags else [], countries=list(row.countries), cast=list(row.cast),
            directors=list(row.directors), year=row.year, duration_minutes=row.duration_minutes,
            rating=row.rating,
        )

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
