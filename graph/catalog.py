"""Merging the two catalogs into one Title per real title, and matching chart names to them.

Catalog merge, first by name: entries pair on (normalized title, kind), closest release years
first, each entry at most once. The years must agree within 2 when the key has exactly one
candidate on each side, within 1 otherwise. For shows only the lower bound applies (the netflix
year may be at most 2, resp. 1, years before the JustWatch year, but any number of years after
it), because netflix_titles.csv dates a show by its latest season and JustWatch by its first
(Atypical: 2021 vs 2017).

Catalog merge, then by credits (unless ``pair_by_credits=False``): entries still unpaired are
paired when they have the same kind, share at least 5 credited people (normalized names) and
their years agree within 1 (same rule for shows), most shared people first. This joins
translated or retitled entries ("La casa de papel" / "Money Heist") at the cost of a few wrong
pairs inside a franchise with a fixed cast.

Catalog merge, last by summary (with the credits pass): entries still unpaired are paired when
their summaries are the same text (compared as lower-case words, at least 12 of them), their kinds
agree, their years agree within 3 (same rule for shows) and no other unpaired entry of either
catalog has that text. JustWatch copies Netflix's summary, so this joins retitled entries that
share too few credits: "Tiger King" / "Tiger King: Murder, Mayhem and Madness", "Lovefucked" /
"Jaoon Kahan Bata Ae Dil" (35 pairs on the shared data). A summary two entries of one catalog
share (specials of one series) pairs nothing.

Chart matching: a chart key (kind, show_title) matches catalog titles of the same kind
whose alias has the same normalized name; failing that, for shows, the name without a
trailing season marker (": Season 2", ": Limited Series", ": Part 3", ...); failing that,
the name with a leading "the" removed or added.
"""

import dataclasses
import hashlib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from graph.normalize import normalize_name, normalize_title, summary_words
from graph.sources import CatalogTitle

_SINGLE_PAIR_MAX_YEAR_GAP = 2
_MULTI_PAIR_MAX_YEAR_GAP = 1
_CREDITS_PAIR_MIN_SHARED_PEOPLE = 5
_SUMMARY_PAIR_MAX_YEAR_GAP = 3
NETFLIX = "Netflix"

# Applied to normalized names, so ": Season 2" has already become " season 2".
_SEASON_MARKER = re.compile(
    r"^(?P<series>.+?) (?:(?:season|series|part|volume|vol|book|chapter|collection) \d+"
    r"|limited series)$"
)


@dataclass
class Title:
    """One real title: both catalogs merged, or a chart-only title."""

    id: str
    title: str
    aliases: list[str]
    kind: str
    # Earliest release year of the merged entries; None for a chart-only title.
    year: int | None
    # The longer of the two catalog summaries.
    summary: str
    summary_netflix: str
    summary_justwatch: str
    genres: list[str]
    countries: list[str]
    directors: list[str]
    cast: list[str]
    person_ids: dict[str, str]
    rating: str | None
    # Movie minutes; for a show known only to JustWatch, the runtime of one episode.
    duration_minutes: int | None
    seasons: int | None
    date_added: str | None
    imdb_id: str | None
    imdb_score: float | None
    imdb_votes: float | None
    tmdb_popularity: float | None
    tmdb_score: float | None
    netflix_id: str | None
    justwatch_id: str | None
    chart_only: bool = False
    # Streaming services that list the title (every title of the Netflix files is on Netflix).
    services: list[str] = field(default_factory=lambda: [NETFLIX])


@dataclass
class MatchReport:
    """How chart keys (kind, show_title) were matched to catalog title ids."""

    matched: dict[tuple[str, str], str] = field(default_factory=dict)
    ambiguous: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    unmatched: list[tuple[str, str]] = field(default_factory=list)
    # Which rule matched each key: "exact", "season" (marker stripped) or "article" ("the").
    rules: dict[tuple[str, str], str] = field(default_factory=dict)

    def summary(self) -> dict:
        """Return counts of chart keys by outcome and by matching rule."""
        rule_counts: dict[str, int] = defaultdict(int)
        for rule in self.rules.values():
            rule_counts[rule] += 1
        return {
            "chart_keys": len(self.matched) + len(self.unmatched),
            "matched": len(self.matched),
            "ambiguous": len(self.ambiguous),
            "unmatched": len(self.unmatched),
            "matched_by_rule": dict(sorted(rule_counts.items())),
        }

    def to_json(self) -> str:
        """Return the report as stable JSON (keys and lists sorted)."""
        document = {
            "summary": self.summary(),
            "matched": [
                {"kind": kind, "show_title": name, "title_id": title_id,
                 "rule": self.rules.get((kind, name))}
                for (kind, name), title_id in sorted(self.matched.items())
            ],
            "ambiguous": [
                {"kind": kind, "show_title": name, "title_ids": sorted(title_ids)}
                for (kind, name), title_ids in sorted(self.ambiguous.items())
            ],
            "unmatched": [
                {"kind": kind, "show_title": name} for kind, name in sorted(self.unmatched)
            ],
        }
        return json.dumps(document, sort_keys=True, ensure_ascii=False, indent=2)


def _unique(values: Iterable[str]) -> list[str]:
    """Return values without exact repeats, first occurrence kept."""
    return list(dict.fromkeys(values))


def _unique_people(*name_lists: list[str]) -> list[str]:
    """Union of name lists by normalize_name, keeping the first spelling met."""
    names_by_key: dict[str, str] = {}
    for names in name_lists:
        for name in names:
            names_by_key.setdefault(normalize_name(name), name)
    return list(names_by_key.values())


def _first_present(*values):
    """Return the first value that is not None."""
    return next((value for value in values if value is not None), None)


def _merged_title(netflix: CatalogTitle | None, justwatch: CatalogTitle | None) -> Title:
    """Build one Title from a netflix entry, a JustWatch entry, or both."""
    sources = [source for source in (netflix, justwatch) if source is not None]
    primary = sources[0]
    summary_netflix = netflix.summary if netflix else ""
    summary_justwatch = justwatch.summary if justwatch else ""
    directors = _unique_people(*(source.directors for source in sources))
    cast = _unique_people(*(source.cast for source in sources))
    kept_spelling = {normalize_name(name): name for name in directors + cast}
    person_ids = {}
    if justwatch:
        for name, person_id in justwatch.person_ids.items():
            person_ids.setdefault(kept_spelling.get(normalize_name(name), name), person_id)
    return Title(
        id=primary.source_id,
        title=primary.title,
        aliases=_unique(source.title for source in sources),
        kind=primary.kind,
        # Earliest year: netflix dates a show by its latest season, JustWatch by its first.
        year=min(source.year for source in sources),
        # Ties go to netflix, whose one-sentence summaries are written for this catalog.
        summary=max(summary_netflix, summary_justwatch, key=len),
        summary_netflix=summary_netflix,
        summary_justwatch=summary_justwatch,
        genres=_unique(genre for source in sources for genre in source.genres),
        countries=_unique(code for source in sources for code in source.countries),
        directors=directors,
        cast=cast,
        person_ids=person_ids,
        rating=_first_present(*(source.rating for source in sources)),
        duration_minutes=_first_present(*(source.duration_minutes for source in sources)),
        # Netflix first: JustWatch counts seasons as of July 2022, after the data cut-off.
        seasons=_first_present(*(source.seasons for source in sources)),
        date_added=netflix.date_added if netflix else None,
        imdb_id=justwatch.imdb_id if justwatch else None,
        imdb_score=justwatch.imdb_score if justwatch else None,
        imdb_votes=justwatch.imdb_votes if justwatch else None,
        tmdb_popularity=justwatch.tmdb_popularity if justwatch else None,
        tmdb_score=justwatch.tmdb_score if justwatch else None,
        netflix_id=netflix.source_id if netflix else None,
        justwatch_id=justwatch.source_id if justwatch else None,
    )


def _years_compatible(netflix: CatalogTitle, justwatch: CatalogTitle, max_gap: int) -> bool:
    """Tell whether two catalog entries' release years allow them to be one title."""
    year_gap = netflix.year - justwatch.year
    if netflix.kind == "show":
        # Netflix dates a show by its latest season, so any later netflix year is fine.
        return year_gap >= -max_gap
    return abs(year_gap) <= max_gap


def _pair_greedily(scored_pairs: list[tuple]) -> list[tuple[CatalogTitle, CatalogTitle]]:
    """Take (sort key..., netflix, justwatch) tuples best first, each entry used at most once."""
    pairs, used_ids = [], set()
    for *_, netflix, justwatch in sorted(scored_pairs, key=lambda scored: scored[:-2]):
        if netflix.source_id not in used_ids and justwatch.source_id not in used_ids:
            pairs.append((netflix, justwatch))
            used_ids.update((netflix.source_id, justwatch.source_id))
    return pairs


def _pair_candidates(
    netflix_candidates: list[CatalogTitle], justwatch_candidates: list[CatalogTitle]
) -> list[tuple[CatalogTitle, CatalogTitle]]:
    """Pair the candidates of one (normalized title, kind) key by closest release year."""
    single_each = len(netflix_candidates) == 1 and len(justwatch_candidates) == 1
    max_gap = _SINGLE_PAIR_MAX_YEAR_GAP if single_each else _MULTI_PAIR_MAX_YEAR_GAP
    return _pair_greedily([
        (abs(netflix.year - justwatch.year), netflix.source_id, justwatch.source_id,
         netflix, justwatch)
        for netflix in netflix_candidates
        for justwatch in justwatch_candidates
        if _years_compatible(netflix, justwatch, max_gap)
    ])


def _people(entry: CatalogTitle) -> set[str]:
    """Return the normalized names of an entry's directors and cast."""
    return {normalize_name(name) for name in entry.directors + entry.cast}


def _pair_by_credits(
    netflix: list[CatalogTitle], justwatch: list[CatalogTitle]
) -> list[tuple[CatalogTitle, CatalogTitle]]:
    """Pair differently named entries that share many credited people (translated titles)."""
    justwatch_by_person: dict[str, list[CatalogTitle]] = defaultdict(list)
    for justwatch_title in justwatch:
        for person in _people(justwatch_title):
            justwatch_by_person[person].append(justwatch_title)
    scored_pairs = []
    for netflix_title in netflix:
        credited_with = [
            justwatch_title
            for person in _people(netflix_title)
            for justwatch_title in justwatch_by_person.get(person, [])
        ]
        shared_people = Counter(justwatch_title.source_id for justwatch_title in credited_with)
        scored_pairs += [
            (-shared_people[justwatch_id], abs(netflix_title.year - justwatch_title.year),
             netflix_title.source_id, justwatch_id, netflix_title, justwatch_title)
            for justwatch_id, justwatch_title in {
                candidate.source_id: candidate for candidate in credited_with
            }.items()
            if shared_people[justwatch_id] >= _CREDITS_PAIR_MIN_SHARED_PEOPLE
            and justwatch_title.kind == netflix_title.kind
            and _years_compatible(netflix_title, justwatch_title, _MULTI_PAIR_MAX_YEAR_GAP)
        ]
    return _pair_greedily(scored_pairs)


def _pair_by_summary(
    netflix: list[CatalogTitle], justwatch: list[CatalogTitle]
) -> list[tuple[CatalogTitle, CatalogTitle]]:
    """Pair differently named entries whose summaries are one text held by one entry on each side."""
    def unique_by_text(entries: list[CatalogTitle]) -> dict[str, CatalogTitle]:
        by_text: dict[str, list[CatalogTitle]] = defaultdict(list)
        for entry in entries:
            text = summary_words(entry.summary)
            if text is not None:
                by_text[text].append(entry)
        return {text: found[0] for text, found in by_text.items() if len(found) == 1}

    justwatch_by_text = unique_by_text(justwatch)
    return [
        (netflix_title, justwatch_title)
        for text, netflix_title in sorted(unique_by_text(netflix).items())
        if (justwatch_title := justwatch_by_text.get(text)) is not None
        and justwatch_title.kind == netflix_title.kind
        and _years_compatible(netflix_title, justwatch_title, _SUMMARY_PAIR_MAX_YEAR_GAP)
    ]


def _by_key(titles: list[CatalogTitle]) -> dict[tuple[str, str], list[CatalogTitle]]:
    """Group catalog titles by (normalized title, kind)."""
    groups: dict[tuple[str, str], list[CatalogTitle]] = defaultdict(list)
    for title in titles:
        groups[(normalize_title(title.title), title.kind)].append(title)
    return groups


def merge_catalogs(
    netflix: list[CatalogTitle], justwatch: list[CatalogTitle], *, pair_by_credits: bool = True
) -> list[Title]:
    """Merge both catalogs into one Title per real title, sorted by id.

    Args:
        netflix: entries of netflix_titles.csv.
        justwatch: entries of titles.csv.
        pair_by_credits: also pair entries left unpaired by the name rule when they share at
            least 5 credited people and their years agree (default True; on the shared data it
            joins 178 retitled or translated entries, about 3 of them wrongly), then those that
            still are when their summaries are one text (35 more; module docstring).
    """
    justwatch_by_key = _by_key(justwatch)
    pairs = [
        pair
        for key, netflix_candidates in _by_key(netflix).items()
        for pair in _pair_candidates(netflix_candidates, justwatch_by_key.get(key, []))
    ]
    paired_ids = {entry.source_id for pair in pairs for entry in pair}
    if pair_by_credits:
        pairs += _pair_by_credits(
            [title for title in netflix if title.source_id not in paired_ids],
            [title for title in justwatch if title.source_id not in paired_ids],
        )
        paired_ids = {entry.source_id for pair in pairs for entry in pair}
        pairs += _pair_by_summary(
            [title for title in netflix if title.source_id not in paired_ids],
            [title for title in justwatch if title.source_id not in paired_ids],
        )
        paired_ids = {entry.source_id for pair in pairs for entry in pair}
    merged = [_merged_title(netflix_title, justwatch_title) for netflix_title, justwatch_title in pairs]
    merged += [_merged_title(title, None) for title in netflix if title.source_id not in paired_ids]
    merged += [_merged_title(None, title) for title in justwatch if title.source_id not in paired_ids]
    return sorted(merged, key=lambda title: title.id)


def _service_title(entry: CatalogTitle, service: str) -> Title:
    """A title known only to another service's catalog."""
    return Title(
        id=entry.source_id, title=entry.title, aliases=[entry.title], kind=entry.kind, year=entry.year,
        summary=entry.summary, summary_netflix="", summary_justwatch="", genres=list(entry.genres),
        countries=list(entry.countries), directors=list(entry.directors), cast=list(entry.cast),
        person_ids={}, rating=entry.rating, duration_minutes=entry.duration_minutes,
        seasons=entry.seasons, date_added=None, imdb_id=None, imdb_score=None, imdb_votes=None,
        tmdb_popularity=None, tmdb_score=None, netflix_id=None, justwatch_id=None, services=[service])


def merge_other_services(titles: list[Title], others: dict[str, list[CatalogTitle]]) -> list[Title]:
    """Add the other services' catalogs: an entry with the same kind, normalised name (title or
    alias) and a year at most 2 apart joins the title already there (it gains the service);
    the others become titles of their own. `others` maps a service name to its entries."""
    by_key: dict[tuple[str, str], list[Title]] = {}
    for title in titles:
        if not title.chart_only:
            for name in title.aliases or [title.title]:
                by_key.setdefault((title.kind, normalize_title(name)), []).append(title)
    added: list[Title] = []
    for service, entries in others.items():
        for entry in entries:
            key = (entry.kind, normalize_title(entry.title))
            same = [title for title in by_key.get(key, [])
                    if title.year is None or abs(title.year - entry.year) <= _SINGLE_PAIR_MAX_YEAR_GAP]
            if same:
                if service not in same[0].services:
                    same[0].services.append(service)
                continue
            title = _service_title(entry, service)
            by_key.setdefault(key, []).append(title)
            added.append(title)
    return titles + sorted(added, key=lambda title: title.id)


def _name_variants(kind: str, name: str, try_article: bool) -> list[tuple[str, str]]:
    """Return (rule, normalized name) fallbacks to try after the exact name, in order."""
    variants = []
    names = [name]
    season_match = _SEASON_MARKER.match(name) if kind == "show" else None
    if season_match:
        variants.append(("season", season_match.group("series")))
        names.append(season_match.group("series"))
    for base in names if try_article else []:
        without_article = base.removeprefix("the ")
        variants.append(("article", without_article if without_article != base else "the " + base))
    return variants


def _best_candidate(candidates: list[Title]) -> Title:
    """Pick the most recent title, then the most popular on TMDB, then the smallest id."""
    return min(
        candidates,
        key=lambda title: (
            -(title.year if title.year is not None else -1),
            -(title.tmdb_popularity if title.tmdb_popularity is not None else -1.0),
            title.id,
        ),
    )


def match_chart_titles(
    titles: list[Title], chart_keys: Iterable[tuple[str, str]], *, try_article: bool = False
) -> MatchReport:
    """Match chart keys (kind, show_title) to catalog titles of the same kind.

    Args:
        titles: catalog titles (merge_catalogs output).
        chart_keys: (kind, show_title) pairs; repeats are ignored.
        try_article: as a last resort, add or remove a leading "the" (default True; on the
            shared data 7 keys match only this way, and most of them look wrong).
    """
    titles_by_name: dict[tuple[str, str], dict[str, Title]] = defaultdict(dict)
    for title in titles:
        for alias in title.aliases:
            titles_by_name[(title.kind, normalize_title(alias))][title.id] = title
    report = MatchReport()
    for kind, show_title in sorted(set(chart_keys)):
        key = (kind, show_title)
        name = normalize_title(show_title)
        attempts = [("exact", name)] + _name_variants(kind, name, try_article)
        for rule, candidate_name in attempts:
            candidates = titles_by_name.get((kind, candidate_name))
            if candidates:
                report.matched[key] = _best_candidate(list(candidates.values())).id
                report.rules[key] = rule
                if len(candidates) > 1:
                    report.ambiguous[key] = sorted(candidates)
                break
        else:
            report.unmatched.append(key)
    return report


def add_chart_aliases(titles: list[Title], report: MatchReport) -> list[Title]:
    """Return copies of titles with the chart names matched to them added to their aliases."""
    chart_names_by_id: dict[str, list[str]] = defaultdict(list)
    for (_, show_title), title_id in sorted(report.matched.items()):
        chart_names_by_id[title_id].append(show_title)
    return [
        dataclasses.replace(title, aliases=_unique(title.aliases + chart_names_by_id[title.id]))
        if title.id in chart_names_by_id else title
        for title in titles
    ]


def chart_title_id(kind: str, show_title: str) -> str:
    """Return the id of a chart-only title: "chart-<kind>-<normalized-title-slug>"."""
    slug = normalize_title(show_title).replace(" ", "-")
    if not slug:
        # A name of punctuation only still needs a stable, unique id.
        slug = hashlib.sha1(show_title.encode("utf-8")).hexdigest()[:12]
    return f"chart-{kind}-{slug}"


def chart_only_titles(
    report: MatchReport, kinds_years: dict[tuple[str, str], int | None] | None = None
) -> list[Title]:
    """Return one chart-only Title per unmatched chart key (keys with one slug share one)."""
    kinds_years = kinds_years or {}
    titles_by_id: dict[str, Title] = {}
    for kind, show_title in sorted(report.unmatched):
        title_id = chart_title_id(kind, show_title)
        if title_id in titles_by_id:
            titles_by_id[title_id].aliases.append(show_title)
            continue
        titles_by_id[title_id] = Title(
            id=title_id, title=show_title, aliases=[show_title], kind=kind,
            year=kinds_years.get((kind, show_title)), summary="", summary_netflix="",
            summary_justwatch="", genres=[], countries=[], directors=[], cast=[],
            person_ids={}, rating=None, duration_minutes=None, seasons=None, date_added=None,
            imdb_id=None, imdb_score=None, imdb_votes=None, tmdb_popularity=None,
            tmdb_score=None, netflix_id=None, justwatch_id=None, chart_only=True,
        )
    return sorted(titles_by_id.values(), key=lambda title: title.id)
