"""Request and response schemas: pydantic models that validate input and generate /openapi.json.

Query-string models are lax (values arrive as strings); the JSON body model is strict about
types (no "2020" for a year, no true for a number) and forbids unknown fields, so a typo such
as `genre` is reported instead of silently ignored.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

Kind = Literal["movie", "show"]


def _upper(value: str) -> str:
    return value.upper()


Iso2 = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z]{2}$"),
    AfterValidator(_upper),
    Field(description="ISO 3166-1 alpha-2 country code (case-insensitive)", examples=["KR"]),
]


# A character that is not blank to any reader of the pattern: `\s` is not the same set in the
# JSON Schema (ECMA-262) regexes clients generate from, in Python's str.strip, which cuts the text
# here, and in the Rust regex pydantic checks it with. ECMA's leaves out U+0085 and U+001C-U+001F,
# Rust's U+001C-U+001F, so they are named: a title of U+0085 alone was valid to the document
# (schemathesis sent it) and blank after the strip (a 422).
NOT_BLANK = r"[^\s\x1c-\x1f\x85]"


def _text(max_length: int):
    """Stripped text that must not be blank. The pattern says so in /openapi.json too: without it a
    lone vertical tab met minLength there and got a 422 here (schemathesis' positive_data_acceptance)."""
    return Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length,
                                            pattern=NOT_BLANK)]


ShortText = _text(100)
TitleText = _text(300)
SummaryText = _text(5000)


def _integral(value):
    """551.0 is an integer to JSON Schema (schemathesis sends it): accept it, still refuse 551.5 and true."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _calendar_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"not a calendar date (YYYY-MM-DD): {value!r}") from None


# The bounds come before the BeforeValidator: after it, pydantic writes them into the JSON schema as
# `ge`/`le` (not JSON Schema), so /openapi.json called year 10000 valid and the API refused it.
StrictYear = Annotated[int, Field(strict=True, ge=1880, le=2100), BeforeValidator(_integral)]
# The model (training.new_title.NewTitle.validate) accepts 1..2000 minutes; a wider bound here let
# 2001..10000 through to a 500 (found by schemathesis, tests/reliability/test_hostile_input.py).
StrictMinutes = Annotated[int, Field(strict=True, ge=1, le=2_000), BeforeValidator(_integral)]
Season = Annotated[int, Field(strict=True, ge=1, le=100), BeforeValidator(_integral)]
IsoDate = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$"), AfterValidator(_calendar_date),
                    Field(json_schema_extra={"format": "date"}, examples=["2022-03-18"])]


class _Query(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    # Responses may gain fields; clients must ignore the ones they do not know.
    model_config = ConfigDict(extra="allow")


# --- queries ---------------------------------------------------------------------------------
class TitleSearchQuery(_Query):
    q: str = Field(min_length=1, max_length=200, description="title words; accents and case are ignored, "
                   "the last word may be a prefix, misspellings are tolerated", examples=["squid gam"])
    type: Kind | None = Field(None, description="only movies or only shows")
    limit: int = Field(10, ge=1, le=50)


Basis = Literal["content", "audience"]
Scope = Literal["netflix", "all"]
Rating = Literal["G", "PG", "PG-13", "R", "NC-17", "NR", "TV-Y", "TV-Y7", "TV-Y7-FV", "TV-G", "TV-PG",
                 "TV-14", "TV-MA"]


class SimilarQuery(_Query):
    k: int = Field(10, ge=1, le=100, description="number of comps")
    basis: Basis = Field("content", description=(
        "`content`: titles like it in story, theme, tone, audience age and format (production "
        "country plays no part); `audience`: titles watched like it (graph embedding, shaped by "
        "where titles are made and charted)"))
    scope: Scope = Field("netflix", description=(
        "`netflix`: comps among Netflix's titles; `all`: also titles of Prime Video, Disney+ and "
        "Hulu (their 2021 catalogs). Audience comps of `all` come from the vector index."))
    type: Kind | None = Field(None, description="only comps of this kind")
    country: Iso2 | None = Field(None, description="only comps that charted in this country's top 10")


class AudienceQuery(_Query):
    country: Iso2 | None = Field(None, description="one country instead of all")


class CountryPath(_Query):
    iso2: Iso2


class CountryTitlesQuery(_Query):
    limit: int = Field(20, ge=1, le=200)
    type: Kind | None = None


class CountryAffinityQuery(_Query):
    facet: Literal["genre", "tag"] = Field("genre", description=(
        "`genre`: genres of both catalogs; `tag`: the curated vocabulary's tags (written by "
        "`titlegraph train`)"))
    limit: int = Field(20, ge=1, le=200, description="entries in each of `over` and `under`")


class PredictQuery(_Query):
    k: int = Field(10, ge=1, le=100, description="number of comps")
    type: Kind | None = Field(None, description="only comps of this kind")
    scope: Scope = Field("netflix", description=(
        "comps among Netflix's titles (`netflix`) or also the other services' (`all`)"))
    save: bool = Field(False, description="write the title and its predictions to the graph "
                       "(needs the X-Write-Key header)")
    plan: bool = Field(False, description="add a localization `plan` (languages to dub or subtitle "
                       "first) built from the predicted audience")


class BatchQuery(_Query):
    k: int = Field(10, ge=1, le=100, description="content comps computed per title")
    top: int = Field(5, ge=1, le=20, description="comps and markets listed per row")
    scope: Scope = Field("netflix", description="comps among Netflix's titles or also the other services'")


# --- request body ----------------------------------------------------------------------------
class PredictRequest(_Body):
    """A new title described only by its metadata."""

    title: TitleText
    type: Kind
    summary: SummaryText
    genres: list[ShortText] = Field(default_factory=list, max_length=30, description=(
        "genre names in either catalog's vocabulary, case-insensitive; unknown ones come back "
        "in `warnings`"), examples=[["Dramas", "thriller"]])
    tags: list[ShortText] = Field(default_factory=list, max_length=50)
    countries: list[Iso2] = Field(default_factory=list, max_length=30,
                                  description="production countries, ISO 3166-1 alpha-2")
    cast: list[ShortText] = Field(default_factory=list, max_length=100)
    director: list[ShortText] = Field(default_factory=list, max_length=20)
    year: StrictYear | None = None
    duration_minutes: StrictMinutes | None = None
    rating: Rating | None = Field(None, description=(
        "US age rating; keeps children's titles out of an adult title's comps and the reverse"))
    season: Season | None = Field(None, description=(
        "1 = a new series, 2 or more = a returning season (shows); omitted = unknown"))
    launch_date: IsoDate | None = Field(None, description=(
        "launch date (YYYY-MM-DD); omitted = a launch now. A missing `year` also means a new title"))

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "title": "The Last Lighthouse", "type": "show",
        "summary": "A detective returns to her island home to solve a string of disappearances.",
        "genres": ["Crime TV Shows", "thriller"], "countries": ["GB"], "year": 2022,
    }]})


class BatchRequest(_Body):
    """A release slate: up to 100 new titles, each as the body of `POST /v1/predict`."""

    titles: list[PredictRequest] = Field(min_length=1, max_length=100)

    model_config = ConfigDict(extra="forbid")


# --- responses -------------------------------------------------------------------------------
class ApiWarning(_Out):
    code: str = Field(description=(
        "stable code, e.g. `graph_unavailable`: Neo4j is unreachable and the answer comes from the "
        "loaded model version alone, with only the fields the model can give"))
    message: str
    field: str | None = None


class ErrorDetail(_Out):
    code: str
    message: str
    field: str | None
    details: list[dict] | None = None


class ErrorResponse(_Out):
    error: ErrorDetail


class TitleHit(_Out):
    id: str
    title: str
    kind: Kind
    year: int | None = None
    chart_only: bool | None = None
    aliases: list[str] | None = None
    score: float


class SearchResponse(_Out):
    query: str
    results: list[TitleHit]
    warnings: list[ApiWarning] = Field([], description=(
        "present only while Neo4j is unreachable (`graph_unavailable`: the model version's titles "
        "were searched)"))


class TitleDetail(_Out):
    id: str
    title: str
    kind: Kind
    year: int | None = None
    summary: str | None = None
    tags: list[str] = Field([], description=(
        "the curated vocabulary's tags (subject, mood, setting, audience, format), heaviest first; "
        "written by `titlegraph train`"))
    terms: list[str] = Field([], description=(
        "the words and phrases that set its summary apart (the graph embedding's input), best first"))
    aliases: list[str] = []
    genres: list[str]
    countries: list[str]
    directors: list[str]
    cast: list[str]
    chart_countries: int = Field(description="countries whose weekly top 10 listed the title")
    chart_only: bool | None = None


class Comp(_Out):
    id: str
    title: str
    kind: Kind
    year: int | None = None
    score: float = Field(description=(
        "similarity on the answer's basis: for content, the weighted sum of summary, tag, genre "
        "and kind similarity plus a shared-people bonus, a bonus for a title of the same franchise "
        "and the prior of known titles (so it may pass 1); for audience, the embeddings' cosine (a "
        "new title's `similar_audience`: the cosine plus its content score, as its embedding from "
        "metadata alone places it less well)"))
    rank: int = Field(description="position in this answer, 1 = most similar")
    source: Literal["stored", "vector_index", "model"] | None = Field(None, description=(
        "`stored`: a SIMILAR_TO comp written by `titlegraph train`; `vector_index`: a nearer "
        "title found because filters left too few stored comps; `model`: nearest to a new title"))
    shared_tags: list[str]
    shared_genres: list[str]
    shared_tags_by_facet: dict[str, list[str]] = Field({}, description=(
        "the shared vocabulary tags grouped by facet (subject, mood, setting, audience, format)"))
    shared_people: list[str] = Field([], description="cast and crew both titles share")
    why: str | None = Field(None, description="why it is a comp, in plain words")


class SimilarResponse(_Out):
    id: str
    title: str
    model_version: str
    similar: list[Comp]
    warnings: list[ApiWarning] = []


class ChartHistory(_Out):
    country: str
    name: str | None = None
    weeks_in_top10: int
    best_rank: int
    first_week: str
    last_week: str
    points: int = Field(description="sum over chart weeks of 11 - rank")
    weeks: list[str] | None = Field(None, description="chart weeks (only with ?country=)")
    ranks: list[int] | None = Field(None, description="rank in each of `weeks` (only with ?country=)")


class AudienceEntry(_Out):
    country: str = Field(description="ISO 3166-1 alpha-2")
    name: str | None = None
    p_chart: float = Field(ge=0, le=1, description="probability of entering the weekly top 10")
    expected_weeks: float = Field(ge=0, description="expected weeks in the top 10")
    audience_index: float | None = Field(None, ge=0, description=(
        "expected weeks relative to an average launched title in that country (1.0 = average)"))
    expected_hours: float | None = Field(None, ge=0, description=(
        "the country's part of the viewing forecast's median hours (first 4 weeks): split by expected "
        "weeks x market weight; null without a viewing forecast"))
    observed_weeks: int | None = Field(None, description="weeks it actually charted (existing titles)")


class Quantiles(_Out):
    p10: float = Field(ge=0)
    p50: float = Field(ge=0)
    p90: float = Field(ge=0)


class Viewing(_Out):
    """Worldwide viewing in the first weeks after launch: median and 80% interval."""

    horizon_weeks: int = Field(description="weeks from launch the forecast covers (launch week included)")
    hours: Quantiles = Field(description="hours viewed worldwide")
    views: Quantiles = Field(description="views: hours / runtime (a film, or a season of a show)")


class AudienceResponse(_Out):
    id: str
    title: str
    model_version: str | None = Field(description="version of the predictions; null when none exist")
    audience: list[AudienceEntry] = Field(description=(
        "predicted audience, highest p_chart first; EMPTY (with a warning) until an audience "
        "model has written predictions: observed history is never passed off as a prediction"))
    observed: list[ChartHistory] | None = Field(None, description=(
        "chart history, most points first; absent while Neo4j is unreachable (`graph_unavailable`)"))
    viewing: Viewing | None = Field(None, description=(
        "forecast of its first 4 weeks after launch; null while the model has no viewing forecast"))
    warnings: list[ApiWarning] = []


class SupportingComp(_Out):
    id: str
    title: str
    score: float = Field(description="cosine of the audience embeddings")
    weeks: int = Field(description="weeks the comp spent in the country's top 10")


class PlanCountryLanguage(_Out):
    language: str = Field(description="CLDR language code, e.g. `es`, `zh_Hant`")
    name: str
    population_share: float = Field(ge=0, description="CLDR share of the country's people who speak it")
    official_status: str | None = Field(description="CLDR status: official, de_facto_official, "
                                        "official_regional, or null")
    reach: float = Field(ge=0, le=1, description=(
        "share of the country's audience a version in it reaches: the population share, halved "
        "where the language is not official"))


class PlanCountry(_Out):
    country: str
    name: str | None = None
    audience: float = Field(ge=0, description="expected audience, in the unit of `audience_basis`")
    share: float = Field(ge=0, le=1, description="its share of the title's total expected audience")
    p_chart: float | None = None
    expected_weeks: float | None = None
    expected_hours: float | None = None
    market_weight: float | None = None
    languages: list[PlanCountryLanguage] = Field(description="its languages reaching 5% or more")
    comps: list[SupportingComp] = Field([], description="comps that charted there (the market's evidence)")


class PlanLanguageCountry(_Out):
    country: str
    name: str | None = None
    audience: float = Field(description="audience this language adds there at its step")


class PlanLanguage(_Out):
    language: str
    name: str
    treatment: Literal["original", "dub", "subtitles"] = Field(description=(
        "`original`: a language of the production countries (no work); `dub`: most of what it adds "
        "is where it is official; `subtitles`: most is where it is a second language"))
    audience: float = Field(ge=0, description="expected audience it adds to the languages before it")
    share: float = Field(ge=0, le=1, description="that audience as a share of the total")
    cumulative_share: float = Field(ge=0, le=1, description="share reached by it and the languages before it")
    countries: list[PlanLanguageCountry] = Field(description="where it adds most, up to 10")
    more_countries: int = Field(description="further countries where it adds a little")


class LocalizationPlan(_Out):
    audience_basis: Literal["expected_hours", "expected_weeks_x_market_weight", "expected_weeks"] = Field(
        description=("how a country's expected audience is counted: the title's expected hours there; "
                     "else expected weeks in the top 10 x the country's market weight; else weeks alone"))
    total_audience: float = Field(ge=0)
    original_languages: list[str] = Field(description="assumed languages of the title (most spoken "
                                          "official language of each production country)")
    languages: list[PlanLanguage] = Field(description="in order: the title's own, then the language "
                                          "adding the most audience at each step")
    countries: list[PlanCountry] = Field(description="highest expected audience first")
    unreached_share: float = Field(ge=0, le=1, description="audience the listed languages do not reach")


class LocalizationResponse(_Out):
    id: str
    title: str
    model_version: str | None = Field(description="version of the audience predictions; null when none")
    source: Literal["model", "stored", "none"] = Field(description=(
        "`model`: the loaded model's audience head on the title's embedding (every chart country, with "
        "comps); `stored`: PREDICTED_AUDIENCE in the graph (a title the loaded model does not know); "
        "`none`: no predictions (with a warning)"))
    plan: LocalizationPlan
    warnings: list[ApiWarning] = []


class PredictResponse(_Out):
    model_version: str
    similar: list[Comp] = Field(description=(
        "content comps: titles like it in story, theme, tone, audience age and format"))
    similar_audience: list[Comp] = Field([], description="audience comps: titles watched like it")
    audience: list[AudienceEntry] = Field(description=(
        "one entry per country the audience model knows, highest p_chart first; empty (with a "
        "warning) while the loaded model has no audience head"))
    viewing: Viewing | None = Field(None, description=(
        "worldwide hours and views in the first 4 weeks; null (with a warning) without a forecast"))
    warnings: list[ApiWarning] = []
    saved_id: str | None = Field(None, description="id of the saved title (only with ?save=true)")
    plan: LocalizationPlan | None = Field(None, description="localization plan (only with ?plan=true)")


class Country(_Out):
    iso2: str
    name: str | None = None
    charted_titles: int
    produced_titles: int
    market_weight: float | None = Field(None, description=(
        "the country's share of viewing hours (chart countries, sum 1), fitted on the global "
        "top 10's hours; null for countries without a chart"))


class CountriesResponse(_Out):
    countries: list[Country]


class CountryTitle(_Out):
    id: str
    title: str
    kind: Kind
    year: int | None = None
    p_chart: float | None = None
    expected_weeks: float | None = None
    observed_weeks: int | None = None


class CountryTitlesResponse(_Out):
    country: str
    name: str | None = None
    basis: Literal["predicted", "observed"] = Field(description=(
        "`predicted`: ranked by p_chart of the current model; `observed`: no predictions yet, "
        "ranked by chart points (a warning says so)"))
    model_version: str | None = None
    titles: list[CountryTitle]
    warnings: list[ApiWarning] = []


class AffinityEntry(_Out):
    name: str = Field(description="the genre or tag")
    vocabulary: str | None = Field(None, description="genres: `netflix` or `justwatch`")
    tag_facet: str | None = Field(None, description="tags: subject, mood, setting, audience or format")
    lift: float = Field(ge=0, description="share of the country's charting titles with it over its "
                        "share across all chart countries")
    log_lift: float = Field(description="natural log of the lift (0.5 titles used when none charted)")
    low: float = Field(ge=0, description="95% interval of the lift, lower end (Wald, on the log scale)")
    high: float = Field(ge=0, description="95% interval of the lift, upper end")
    titles: int = Field(ge=0, description="charting titles there with it")
    expected: float = Field(ge=0, description="titles expected at the all-country share")
    country_titles: int = Field(ge=0, description="charting titles there with any value of the facet")
    share: float = Field(ge=0, le=1)
    global_share: float = Field(ge=0, le=1)
    weeks: int = Field(ge=0, description="top-10 weeks of those titles there")


class AffinityMethod(_Out):
    unit: str
    interval: str
    min_support: int = Field(description="titles: observed or expected, whichever is larger")
    support_rule: str


class CountryAffinityResponse(_Out):
    country: str
    name: str | None = None
    facet: Literal["genre", "tag"]
    country_titles: int | None = Field(description="charting titles there with any value of the facet")
    method: AffinityMethod
    over: list[AffinityEntry] = Field(description="95% interval above 1, highest lift first")
    under: list[AffinityEntry] = Field(description="95% interval below 1, lowest lift first")
    neutral: int = Field(description="values whose interval contains 1 (not listed)")
    warnings: list[ApiWarning] = []


class Neo4jHealth(_Out):
    reachable: bool
    error: str | None = None


class ModelHealth(_Out):
    version: str | None
    path: str | None = None
    loaded_at: str | None = None
    error: str | None = None


class HealthResponse(_Out):
    status: Literal["ok", "degraded", "unavailable"]
    neo4j: Neo4jHealth
    model: ModelHealth
    uptime_seconds: float


class VersionResponse(_Out):
    api_version: str
    model_version: str | None


class ReloadResponse(_Out):
    changed: bool
    model_version: str | None
    previous_version: str | None


class MapPoint(_Out):
    id: str
    title: str
    kind: Kind
    x: float = Field(description="horizontal position, in [-1, 1]")
    y: float = Field(description="vertical position, in [-1, 1] (up is positive)")
    cluster: int = Field(description="id of the title's facet cluster")


class MapCluster(_Out):
    id: int
    name: str = Field(description="its most characteristic tags (or genres where no tag stands out)")
    size: int = Field(description="titles in the cluster")


class MapResponse(_Out):
    model_version: str
    points: list[MapPoint] = Field(description="every catalog title, placed by t-SNE of its content vector")
    clusters: list[MapCluster] = Field(description="KMeans clusters of the content vectors, largest first")


class SlateComp(_Out):
    id: str
    title: str


class SlateMarket(_Out):
    country: str
    name: str | None = None
    p_chart: float = Field(ge=0, le=1)
    expected_hours: float | None = Field(None, ge=0)
    audience_index: float | None = Field(None, ge=0)


class SlateLanguage(_Out):
    language: str
    name: str
    treatment: Literal["original", "dub", "subtitles"]
    cumulative_share: float = Field(ge=0, le=1)


class SlateRow(_Out):
    title: str
    type: Kind
    comps: list[SlateComp] = Field(description="top content comps")
    markets: list[SlateMarket] = Field(description="countries with the highest expected hours (else p_chart)")
    viewing: Viewing | None
    original_languages: list[str]
    first_languages: list[SlateLanguage] = Field(description="the first languages to dub or subtitle into")
    warnings: list[str] = Field(description="warning codes of the full prediction")


class BatchResponse(_Out):
    model_version: str
    rows: list[SlateRow] = Field(description="one row per title, in the order sent")
