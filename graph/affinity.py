"""Country affinity: which genres or tags do better or worse in a country's charts than everywhere.

The unit is a charting title: `n` titles with at least one value of the facet charted in the
country's weekly top 10 (2021-07-04 .. 2021-12-26), `k` of them carry the value (a genre, a
tag). Over all chart countries together there are `N` country-title pairs, `K` of them with
the value. Then

    lift = (k / n) / (K / N)

the value's share of the country's charting titles over its share across all countries (1: as
everywhere, 2: twice as common, 0.5: half). Titles, not chart weeks, are counted because a
title's weeks are not independent draws (a hit that stays 20 weeks is one success, not 20);
the chart weeks are reported beside the lift.

Interval: a 95% Wald interval on log(lift), the textbook one for a ratio of two proportions,
`se = sqrt(1/k - 1/n + 1/K - 1/N)`; `low` and `high` are its ends back on the lift scale. The
country's titles are part of the all-country share, so the interval is a little wider than an
exact one would be. With k = 0, 0.5 is used for k in `log_lift` and the interval
(Haldane-Anscombe), so a value absent from a country's charts gets `lift` 0 but a finite
log-lift and interval.

Minimum support: a value is reported for a country only when it has at least `min_support`
(default MIN_SUPPORT; setting `TITLEGRAPH_AFFINITY_MIN_SUPPORT`) charting titles there or
would be expected to have that many at the all-country share (`max(k, n * K / N) >= min_support`);
each row keeps the support it was computed with. So "under-performs" is said only where the value was
expected often enough for its absence to mean something.

Pure: chart facts in, rows out (graph/country_stats.py reads the graph and writes AFFINITY).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass

MIN_SUPPORT = 5
Z_95 = 1.959964
# Used for k when a value never charted in the country (Haldane-Anscombe correction).
ZERO_COUNT = 0.5


@dataclass(frozen=True)
class Affinity:
    """One (country, value) lift with its counts and 95% interval."""

    country: str
    value: str
    titles: int
    country_titles: int
    expected: float
    share: float
    global_share: float
    lift: float
    log_lift: float
    low: float
    high: float
    weeks: int
    min_support: int

    def properties(self) -> dict:
        """What the AFFINITY relationship stores (the country and value are its ends)."""
        row = asdict(self)
        del row["country"], row["value"]
        return row


def log_lift_interval(k: float, n: float, big_k: float, big_n: float,
                      z: float = Z_95) -> tuple[float, float, float]:
    """(log lift, low, high) on the log scale for k of n against K of N (k = 0 becomes 0.5)."""
    k = k if k > 0 else ZERO_COUNT
    log_lift = math.log(k / n) - math.log(big_k / big_n)
    se = math.sqrt(max(1.0 / k - 1.0 / n + 1.0 / big_k - 1.0 / big_n, 0.0))
    return log_lift, log_lift - z * se, log_lift + z * se


def chart_affinities(charts: Mapping[str, Mapping[str, int]], values: Mapping[str, Iterable[str]],
                     *, min_support: int = MIN_SUPPORT) -> list[Affinity]:
    """Lifts of every (country, value) with enough support, by country then value.

    Args:
        charts: title id -> {country: weeks in its top 10}.
        values: title id -> the title's values of one facet (genres, or tags); titles without
            any value are left out of every count.
        min_support: see the module docstring (default MIN_SUPPORT).
    """
    title_values = {title: set(found) for title, found in values.items() if found}
    country_titles: Counter[str] = Counter()
    with_value: dict[str, Counter[str]] = defaultdict(Counter)
    weeks: dict[str, Counter[str]] = defaultdict(Counter)
    for title, by_country in charts.items():
        for iso2, title_weeks in by_country.items():
            if title not in title_values:
                continue
            country_titles[iso2] += 1
            for value in title_values[title]:
                with_value[iso2][value] += 1
                weeks[iso2][value] += int(title_weeks or 0)
    pairs = sum(country_titles.values())
    totals: Counter[str] = Counter()
    for counts in with_value.values():
        totals.update(counts)
    rows = []
    for iso2 in sorted(country_titles):
        n = country_titles[iso2]
        for value in sorted(totals):
            k, big_k = with_value[iso2][value], totals[value]
            expected = n * big_k / pairs
            if max(k, expected) < min_support:
                continue
            log_lift, low, high = log_lift_interval(k, n, big_k, pairs)
            rows.append(Affinity(
                country=iso2, value=value, titles=k, country_titles=n, expected=round(expected, 3),
                share=k / n, global_share=big_k / pairs, lift=(k / n) / (big_k / pairs),
                log_lift=log_lift, low=math.exp(low), high=math.exp(high), weeks=weeks[iso2][value],
                min_support=min_support))
    return rows
