"""Localization plan: the languages to dub or subtitle a title into first, from its expected
audience by country. Pure: audience entries and market weights in, a plan out (no Flask, no Neo4j).

Expected audience of a country
    The entry's `expected_hours` (the title's hours there over its first 4 weeks) when every
    entry has one; otherwise `expected_weeks` x the country's market weight (graph/market_weights.py):
    weeks in the top 10, scaled by how much viewing that country's top 10 stands for. A country
    without a weight gets the mean weight; with no weights at all every country counts alike.
How much of a country a language reaches
    From CLDR's territory data (Babel): each language's population share (people who speak it,
    as a first or second language) and official status. A language reaches its population share
    of the country's audience when it is official there (official, de facto or regional), and
    NON_OFFICIAL_WEIGHT of it when not: those are mostly second languages (English in Spain) or
    immigrant languages, whose speakers mostly watch in an official language when they can.
    Speakers of different languages are treated as independent: languages S together reach
    1 - prod(1 - reach_l) of a country, so German then French add up in Switzerland while
    Swiss German adds little after German.
Order
    The title's own languages first (the most spoken official language of each production
    country; they need no work), then, greedily, the language that adds the most audience reached
    over all countries, until one adds less than MIN_ADDED_SHARE of the total or MAX_LANGUAGES
    are listed. Each step gives the audience it adds and the cumulative share reached.
Dub or subtitles
    `dub` when most of a language's added audience is in countries where it is official (heard
    as a first language), `subtitles` when most is where it is not (read as a second language,
    e.g. English in the Nordics).
"""

from __future__ import annotations

import functools
import heapq
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from babel import Locale, UnknownLocaleError
from babel.languages import get_territory_language_info

OFFICIAL = frozenset({"official", "de_facto_official", "official_regional"})
NON_OFFICIAL_WEIGHT = 0.5
MAX_LANGUAGES = 12
MIN_ADDED_SHARE = 0.005
MAX_COUNTRIES_PER_LANGUAGE = 10
# A country's languages listed in the plan (all of them count for the reach).
LISTED_MIN_REACH = 0.05


@dataclass(frozen=True)
class TerritoryLanguage:
    """A language of a country: CLDR population share (0..1), official status, reach (0..1)."""

    code: str
    name: str
    population_share: float
    official_status: str | None

    # Cached: a plan reads them for every language of ~94 countries, several times over.
    @functools.cached_property
    def official(self) -> bool:
        return self.official_status in OFFICIAL

    @functools.cached_property
    def reach(self) -> float:
        """Share of the country's audience a version in this language reaches (module docstring)."""
        return min(1.0, self.population_share) * (1.0 if self.official else NON_OFFICIAL_WEIGHT)


@functools.lru_cache(maxsize=1024)
def _listed_languages(languages_of: Callable[[str], Sequence[TerritoryLanguage]], iso2: str
                      ) -> tuple[dict, ...]:
    """The plan's rows of a country's languages reaching at least LISTED_MIN_REACH. Built once per
    country and shared by every plan, so nothing may change them (the JSON encoder only reads)."""
    return tuple({"language": language.code, "name": language.name,
                  "population_share": language.population_share,
                  "official_status": language.official_status, "reach": language.reach}
                 for language in languages_of(iso2) if language.reach >= LISTED_MIN_REACH)


@functools.lru_cache(maxsize=1024)
def language_name(code: str) -> str:
    """The English name of a CLDR language code ("zh_Hant" -> "Chinese (Traditional)")."""
    try:
        return Locale.parse(code).get_display_name("en") or code
    except (ValueError, UnknownLocaleError):
        return Locale("en").languages.get(code.split("_")[0], code)


@functools.lru_cache(maxsize=512)
def territory_languages(iso2: str) -> tuple[TerritoryLanguage, ...]:
    """A country's languages from CLDR (Babel), most spoken first; () for an unknown territory."""
    info = get_territory_language_info(iso2)
    languages = [TerritoryLanguage(code, language_name(code), data["population_percent"] / 100.0,
                                   data["official_status"]) for code, data in info.items()]
    return tuple(sorted(languages, key=lambda language: (-language.population_share, language.code)))


def original_languages(countries: Iterable[str],
                       languages_of: Callable[[str], Sequence[TerritoryLanguage]] = territory_languages
                       ) -> list[str]:
    """The assumed languages of a title made in `countries`: each one's most spoken official language."""
    found = []
    for iso2 in countries:
        languages = list(languages_of(iso2))
        official = [language for language in languages if language.official] or languages
        if official and official[0].code not in found:
            found.append(official[0].code)
    return found


def country_audiences(entries: Sequence[Mapping], market_weights: Mapping[str, float]
                      ) -> tuple[str, dict[str, float]]:
    """(basis, expected audience by country) of audience entries (module docstring)."""
    if entries and all(entry.get("expected_hours") is not None for entry in entries):
        return "expected_hours", {entry["country"]: max(float(entry["expected_hours"]), 0.0)
                                  for entry in entries}
    weeks = {entry["country"]: max(float(entry["expected_weeks"]), 0.0) for entry in entries}
    if not market_weights:
        return "expected_weeks", weeks
    mean_weight = sum(market_weights.values()) / len(market_weights)
    return "expected_weeks_x_market_weight", {
        iso2: expected * market_weights.get(iso2, mean_weight) for iso2, expected in weeks.items()}


def add_expected_hours(entries: Sequence[dict], hours: float, market_weights: Mapping[str, float]) -> None:
    """Give each audience entry `expected_hours`: the title's worldwide hours (the viewing
    forecast's median) split over countries in proportion to expected weeks x market weight, the
    same audience `country_audiences` ranks by. In place; nothing when no country has any."""
    _, audiences = country_audiences(
        [{"country": entry["country"], "expected_weeks": entry["expected_weeks"]} for entry in entries],
        market_weights)
    total = sum(audiences.values())
    if total <= 0:
        return
    for entry in entries:
        entry["expected_hours"] = round(hours * audiences[entry["country"]] / total, -2)


class _Greedy:
    """The languages chosen so far and the share of each country they reach together."""

    def __init__(self, audiences: Mapping[str, float], reaches: Mapping[str, Mapping[str, float]]) -> None:
        self.audiences = audiences
        # language -> {country: reach}, so scoring a language looks only at its own countries.
        self.by_language: dict[str, dict[str, float]] = {}
        for iso2, found in reaches.items():
            for code, reach in found.items():
                if reach > 0 and audiences[iso2] > 0:
                    self.by_language.setdefault(code, {})[iso2] = reach
        self.reached = dict.fromkeys(audiences, 0.0)

    def gains(self, code: str) -> dict[str, float]:
        """Audience the language would add in each country it reaches (speakers independent)."""
        return {iso2: self.audiences[iso2] * (1.0 - self.reached[iso2]) * reach
                for iso2, reach in self.by_language.get(code, {}).items()}

    def add(self, code: str) -> dict[str, float]:
        gains = self.gains(code)
        for iso2, reach in self.by_language.get(code, {}).items():
            self.reached[iso2] = 1.0 - (1.0 - self.reached[iso2]) * (1.0 - reach)
        return gains


def _best_language(greedy: _Greedy, heap: list) -> tuple[float, str] | None:
    """Pop the language adding the most audience now (ties: the first code), or None when none is left."""
    while heap:
        _, code = heapq.heappop(heap)
        fresh = sum(greedy.gains(code).values())
        # Still at least every other upper bound (ties broken by code, as the tuple order does).
        if not heap or (-fresh, code) <= heap[0]:
            return fresh, code
        heapq.heappush(heap, (-fresh, code))
    return None


def _language_step(code: str, gains: Mapping[str, float], treatment: str, total: float, cumulative: float,
                   names: Mapping[str, str | None]) -> dict:
    added = sum(gains.values())
    ranked = sorted(gains.items(), key=lambda item: (-item[1], item[0]))
    return {
        "language": code, "name": language_name(code), "treatment": treatment,
        # Rounding must not push a share past 1 (the schema's bound).
        "audience": added, "share": min(1.0, added / total), "cumulative_share": min(1.0, cumulative / total),
        "countries": [{"country": iso2, "name": names.get(iso2), "audience": gain}
                      for iso2, gain in ranked[:MAX_COUNTRIES_PER_LANGUAGE]],
        "more_countries": max(0, len(ranked) - MAX_COUNTRIES_PER_LANGUAGE),
    }


def _treatment(code: str, gains: Mapping[str, float],
               languages: Mapping[str, Mapping[str, TerritoryLanguage]]) -> str:
    official = sum(gain for iso2, gain in gains.items() if languages[iso2][code].official)
    return "dub" if official >= 0.5 * sum(gains.values()) else "subtitles"


def _country_row(entry: Mapping, audience: float, total: float, weight: float | None,
                 languages: tuple[dict, ...]) -> dict:
    return {
        "country": entry["country"], "name": entry.get("name"), "audience": audience,
        "share": min(1.0, audience / total) if total else 0.0, "p_chart": entry.get("p_chart"),
        "expected_weeks": entry.get("expected_weeks"), "expected_hours": entry.get("expected_hours"),
        "market_weight": weight,
        "languages": list(languages),
        "comps": list(entry.get("comps") or []),
    }


def build_plan(entries: Sequence[Mapping], market_weights: Mapping[str, float], *,
               production_countries: Iterable[str] = (), max_languages: int = MAX_LANGUAGES,
               languages_of: Callable[[str], Sequence[TerritoryLanguage]] = territory_languages) -> dict:
    """The localization plan of a title from its audience entries (module docstring).

    Args:
        entries: audience entries ({country, name, p_chart, expected_weeks, expected_hours?, comps?}).
        market_weights: market weight by country (sum 1; may be empty).
        production_countries: where the title is made (its own languages need no work).
        max_languages: languages to list besides the title's own (default MAX_LANGUAGES).
        languages_of: a country's languages (default: CLDR through Babel).
    """
    basis, audiences = country_audiences(entries, market_weights)
    total = sum(audiences.values())
    languages = {iso2: {language.code: language for language in languages_of(iso2)} for iso2 in audiences}
    names = {entry["country"]: entry.get("name") for entry in entries}
    countries = sorted(entries, key=lambda entry: (-audiences[entry["country"]], entry["country"]))
    plan = {
        "audience_basis": basis, "total_audience": total, "original_languages": [], "languages": [],
        "countries": [_country_row(entry, audiences[entry["country"]], total,
                                   market_weights.get(entry["country"]),
                                   _listed_languages(languages_of, entry["country"]))
                      for entry in countries],
        "unreached_share": 1.0 if total else 0.0,
    }
    if total <= 0:
        return plan
    greedy = _Greedy(audiences, {iso2: {code: language.reach for code, language in found.items()}
                                 for iso2, found in languages.items()})
    cumulative = 0.0
    own = original_languages(production_countries, languages_of)
    plan["original_languages"] = own
    for code in own:
        gains = greedy.add(code)
        cumulative += sum(gains.values())
        plan["languages"].append(_language_step(code, gains, "original", total, cumulative, names))
    # Lazy greedy: a language's gain only shrinks as others are added (reach is submodular), so a
    # stale gain is an upper bound; only the heap's top is recomputed (about 10x fewer gains).
    heap = [(-sum(greedy.gains(code).values()), code) for code in set(greedy.by_language) - set(own)]
    heapq.heapify(heap)
    for _ in range(max_languages):
        picked = _best_language(greedy, heap)
        if picked is None or picked[0] < MIN_ADDED_SHARE * total:
            break
        added, code = picked
        gains = greedy.add(code)
        cumulative += added
        plan["languages"].append(_language_step(code, gains, _treatment(code, gains, languages), total,
                                                cumulative, names))
    plan["unreached_share"] = max(0.0, 1.0 - cumulative / total)
    return plan
