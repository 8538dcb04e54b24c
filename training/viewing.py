"""Viewing forecast: hours viewed worldwide in a title's first 4 weeks, as a median and 80% interval.

Target. Netflix's global weekly top 10 has four lists (films / TV x English / non-English) with
the hours viewed of the ten titles on each list in each week; nothing for the rest. A launched
title's 4-week hours H is the sum over its launch week and the three after it. In a week it is
on its list, that week's hours are known. In a week it is not, it had fewer hours than that
week's number 10 on its list (the week's floor): a *censored* value somewhere in [0, floor], not
a zero and not missing. So every title's H is an interval [L, U]: L = the hours of its weeks on
the list, U = L + the floors of its other weeks (U = L when all four weeks are on the list).
A title never on the global list has no known list (English or not): its floor is the larger of
its kind's two lists, a looser bound but never a wrong one. Weeks after the data ends add
nothing to U's certainty: they make the interval open above (U = infinity).

Model. log H ~ Normal(mu, sigma) with mu linear in a few standardized features and log sigma
linear in the kind: a log-normal regression fitted by maximum likelihood with interval
censoring (a Tobit model with two-sided bounds). An exact H contributes its density; an
interval contributes Phi((log U - mu) / sigma) - Phi((log L - mu) / sigma). A ridge penalty on
the slopes is chosen on the validation titles (latest launches). The 80% interval and median
are the normal quantiles of log H. Views are hours / runtime (Netflix's own measure).

Features: kind, English-language production (a production country whose first official
language in CLDR is English), a new release (year within a year of launch), a returning season
(a request's season >= 2; for a graph show, on Netflix 8+ weeks before its first chart week,
graph.queries.RETURNING_SEASON), and two comps features: the share
of the 10 nearest labelled titles (title embedding cosine) that reached the global list and
their mean log hours (0 for those that did not); for a training title its own row is left out.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from babel.languages import get_official_languages
from scipy import optimize, stats

from training.labels import TitleChartRecord
from training.vectors import top_k_rows, unit_rows

HORIZON_WEEKS = 4
QUANTILES = {"p10": 0.10, "p50": 0.50, "p90": 0.90}
COMPS_K = 10
RIDGE_GRID = (0.3, 3.0, 30.0)
SPREAD_GRID = (1.0, 1.25, 1.5, 2.0)
FEATURES = ("show", "english", "new_release", "returning", "comps_reach", "comps_log_hours")
# A season's runtime when the title gives none: 8 episodes (an assumption, stated in the docs)
# of the median episode length of the catalog's shows.
EPISODES_PER_SEASON = 8


@dataclass(frozen=True)
class ViewingTargets:
    """4-week hours of labelled titles as intervals [lower, upper] (upper may be inf)."""

    title_ids: list[str]
    lower: np.ndarray
    upper: np.ndarray

    @property
    def exact(self) -> np.ndarray:
        return self.lower == self.upper

    @property
    def reached(self) -> np.ndarray:
        """Titles on the global list in at least one of their first 4 weeks."""
        return self.lower > 0

    def subset(self, keep: np.ndarray) -> ViewingTargets:
        keep = np.asarray(keep, dtype=bool)
        return ViewingTargets([t for t, k in zip(self.title_ids, keep, strict=True) if k],
                              self.lower[keep], self.upper[keep])


def weekly_floors(records: Sequence[TitleChartRecord]) -> dict[tuple[str, dt.date], float]:
    """Per (global list, week): the hours of that week's number 10 (the lowest hours on the list)."""
    floors: dict[tuple[str, dt.date], float] = {}
    for record in records:
        if not record.global_list:
            continue
        for week, hours in record.global_weeks:
            if hours:
                key = (record.global_list, week)
                floors[key] = min(floors.get(key, math.inf), float(hours))
    return floors


def _floor(floors: Mapping, lists: Sequence[str], week: dt.date) -> float:
    values = [floors[(name, week)] for name in lists if (name, week) in floors]
    return max(values) if values else math.inf


def viewing_targets(
    records: Sequence[TitleChartRecord], title_ids: Sequence[str], launch_weeks: Sequence[dt.date],
    floors: Mapping, as_of: dt.date, horizon_weeks: int = HORIZON_WEEKS,
) -> ViewingTargets:
    """The [lower, upper] 4-week hours of each title, seeing only weeks up to `as_of`."""
    by_id = {record.title_id: record for record in records}
    lower = np.zeros(len(title_ids))
    upper = np.zeros(len(title_ids))
    for row, (title_id, launch) in enumerate(zip(title_ids, launch_weeks, strict=True)):
        record = by_id[title_id]
        known = {week: float(hours or 0) for week, hours in record.global_weeks}
        lists = [record.global_list] if record.global_list else _kind_lists(record.kind)
        for offset in range(horizon_weeks):
            week = launch + dt.timedelta(weeks=offset)
            if week > as_of:
                upper[row] = math.inf
            elif week in known:
                lower[row] += known[week]
                upper[row] += known[week]
            else:
                upper[row] += _floor(floors, lists, week)
    return ViewingTargets(list(title_ids), lower, upper)


def _kind_lists(kind: str) -> list[str]:
    prefix = "Films" if kind == "movie" else "TV"
    return [f"{prefix} (English)", f"{prefix} (Non-English)"]


def english_production(countries: Sequence[str]) -> bool:
    """Whether a production country's first official language (CLDR, via Babel) is English."""
    for iso2 in countries:
        try:
            official = get_official_languages(iso2, de_facto=True)
        except (ValueError, KeyError):
            continue
        if official and official[0] == "en":
            return True
    return False


@dataclass(frozen=True)
class LaunchFacts:
    """What a title says about its launch: the metadata the viewing features read."""

    kind: str
    countries: tuple[str, ...] = ()
    year: int | None = None
    launch_year: int | None = None
    season: int | None = None
    duration_minutes: int | None = None

    @property
    def returning(self) -> bool:
        if self.kind != "show":
            return False
        return (self.season or 0) >= 2

    @property
    def new_release(self) -> bool:
        if self.year is None or self.launch_year is None:
            return self.year is None  # no year: a launch now (the API's rule for new titles)
        return self.year >= self.launch_year - 1

    @classmethod
    def of_graph_title(cls, metadata: Mapping, launch_year: int | None) -> LaunchFacts:
        """The facts of a graph title (metadata as graph.queries reads it) launched in `launch_year`."""
        return cls(kind=metadata.get("kind") or "movie", countries=tuple(metadata.get("countries") or ()),
                   year=metadata.get("year"), launch_year=launch_year,
                   season=2 if metadata.get("returning") else 1,
                   duration_minutes=metadata.get("duration_minutes"))


@dataclass
class CompsMemory:
    """Labelled titles' unit embeddings, kinds and observed 4-week hours (lower bounds)."""

    vectors: np.ndarray
    lower: np.ndarray
    shows: np.ndarray

    def nearest_hours(self, vectors: np.ndarray, shows: np.ndarray | None = None, *,
                      leave_out: np.ndarray | None = None, k: int = COMPS_K) -> tuple[np.ndarray, np.ndarray]:
        """([titles, k] observed hours of the k nearest labelled titles by cosine, [titles, k] which of
        those exist): only titles of the same kind when `shows` is given, never row i's `leave_out[i]`."""
        cosines = unit_rows(vectors) @ self.vectors.T
        if shows is not None:
            cosines[np.asarray(shows, dtype=bool)[:, None] != self.shows[None, :]] = -np.inf
        if leave_out is not None:
            cosines[np.arange(len(leave_out)), leave_out] = -np.inf
        k = min(k, self.vectors.shape[0] - 1)
        nearest, found = top_k_rows(cosines, k)
        return np.where(found, self.lower[nearest], 0.0), found

    def features(self, vectors: np.ndarray, shows: np.ndarray, *, leave_out: np.ndarray | None = None
                 ) -> np.ndarray:
        """[titles, 2]: of the k nearest titles of the same kind, the share that reached the global
        list and their mean log1p hours (a show's hours are not a film's: seasons run longer)."""
        hours, found = self.nearest_hours(vectors, shows, leave_out=leave_out)
        count = np.maximum(found.sum(axis=1), 1)
        return np.stack([(hours > 0).sum(axis=1) / count, np.log1p(hours).sum(axis=1) / count], axis=1)


def raw_features(facts: Sequence[LaunchFacts], comps: np.ndarray) -> np.ndarray:
    """[titles, len(FEATURES)] unscaled feature matrix."""
    flags = np.array([[fact.kind == "show", english_production(fact.countries), fact.new_release,
                       fact.returning] for fact in facts], dtype=np.float64).reshape(len(facts), 4)
    return np.concatenate([flags, comps], axis=1)


def censored_log_likelihood(mu, sigma, log_lower, log_upper, exact) -> np.ndarray:
    """Per title: log density of an exact log H, or log P(log L <= log H <= log U) of an interval."""
    with np.errstate(divide="ignore", invalid="ignore"):
        high = stats.norm.logcdf((log_upper - mu) / sigma)
        low = stats.norm.logcdf((log_lower - mu) / sigma)
        # log(Phi(b) - Phi(a)) from the two log-CDFs, stable when both are close to 0.
        interval = high + np.log1p(-np.exp(np.minimum(low - high, -1e-12)))
        density = stats.norm.logpdf((log_upper - mu) / sigma) - np.log(sigma)
        return np.where(exact, density, interval)


def _log_bounds(targets: ViewingTargets) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(divide="ignore"):
        return np.log(targets.lower), np.log(targets.upper)


def _negative_log_likelihood(params, x, show, log_lower, log_upper, exact, ridge):
    beta, gamma = params[: x.shape[1] + 1], params[x.shape[1] + 1:]
    mu = beta[0] + x @ beta[1:]
    sigma = np.exp(gamma[0] + gamma[1] * show)
    loglik = censored_log_likelihood(mu, sigma, log_lower, log_upper, exact)
    return -loglik.sum() + ridge * float(beta[1:] @ beta[1:])


@dataclass
class ViewingModel:
    """Interval-censored log-normal regression of 4-week global hours (see the module doc)."""

    mean: np.ndarray
    std: np.ndarray
    beta: np.ndarray
    gamma: np.ndarray
    comps: CompsMemory
    runtime_minutes: dict[str, float] = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)
    features: tuple[str, ...] = FEATURES

    @classmethod
    def fit(cls, x: np.ndarray, targets: ViewingTargets, comps: CompsMemory, *, ridge: float,
            columns: Sequence[int] | None = None, runtime_minutes: Mapping[str, float] | None = None,
            ) -> ViewingModel:
        """Maximum likelihood on the rows of `x` (raw features; `columns` picks a subset)."""
        columns = list(range(x.shape[1])) if columns is None else list(columns)
        x = x[:, columns]
        mean, std = x.mean(axis=0), np.maximum(x.std(axis=0), 1e-6)
        scaled = (x - mean) / std
        show = x[:, 0] if columns and columns[0] == 0 else np.zeros(len(x))
        log_lower, log_upper = _log_bounds(targets)
        start = np.zeros(x.shape[1] + 3)
        reached = targets.lower[targets.reached]
        start[0] = float(np.median(np.log1p(reached))) if len(reached) else 10.0
        start[-2] = 1.0
        result = optimize.minimize(
            _negative_log_likelihood, start, method="L-BFGS-B",
            args=(scaled, show, log_lower, log_upper, targets.exact, ridge))
        beta, gamma = result.x[: x.shape[1] + 1], result.x[x.shape[1] + 1:]
        return cls(mean=mean, std=std, beta=beta, gamma=gamma, comps=comps,
                   runtime_minutes=dict(runtime_minutes or {}),
                   features=tuple(FEATURES[c] for c in columns),
                   metrics={"ridge": ridge, "converged": bool(result.success),
                            "neg_log_likelihood": float(result.fun), "titles": len(x)})

    def widened(self, spread: float) -> ViewingModel:
        """The same model with sigma multiplied by `spread`."""
        gamma = self.gamma.copy()
        gamma[0] += np.log(spread)
        return ViewingModel(mean=self.mean, std=self.std, beta=self.beta, gamma=gamma, comps=self.comps,
                            runtime_minutes=self.runtime_minutes, metrics=dict(self.metrics),
                            features=self.features)

    def _columns(self) -> list[int]:
        return [FEATURES.index(name) for name in self.features]

    def log_params(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(mu, sigma) of log hours for raw feature rows."""
        x = x[:, self._columns()]
        mu = self.beta[0] + ((x - self.mean) / self.std) @ self.beta[1:]
        show = x[:, 0] if self.features and self.features[0] == "show" else np.zeros(len(x))
        return mu, np.exp(self.gamma[0] + self.gamma[1] * show)

    def quantiles(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """Hours at p10, p50 and p90 for raw feature rows."""
        mu, sigma = self.log_params(x)
        return {name: np.exp(mu + stats.norm.ppf(q) * sigma) for name, q in QUANTILES.items()}

    def cdf(self, x: np.ndarray):
        """`cdf(hours)`: the forecast's CDF at one hours value per row of `x`."""
        mu, sigma = self.log_params(x)

        def at(hours: np.ndarray) -> np.ndarray:
            with np.errstate(divide="ignore"):
                return stats.norm.cdf((np.log(hours) - mu) / sigma)
        return at

    def log_likelihood(self, x: np.ndarray, targets: ViewingTargets) -> float:
        """Mean censored log-likelihood of `targets` (the validation score)."""
        mu, sigma = self.log_params(x)
        return float(censored_log_likelihood(mu, sigma, *_log_bounds(targets), targets.exact).mean())

    def runtime_hours(self, fact: LaunchFacts) -> float:
        """Runtime that one view stands for: a film's length, or a season of a show."""
        if fact.kind == "movie":
            return (fact.duration_minutes or self.runtime_minutes.get("movie", 100.0)) / 60
        episode = fact.duration_minutes or self.runtime_minutes.get("episode", 45.0)
        return EPISODES_PER_SEASON * episode / 60

    def forecast(self, fact: LaunchFacts, vector: np.ndarray) -> dict:
        """The API's `viewing` object for one title."""
        vectors = np.asarray(vector, dtype=np.float32)[None, :]
        x = raw_features([fact], self.comps.features(vectors, np.array([fact.kind == "show"])))
        hours = {name: float(values[0]) for name, values in self.quantiles(x).items()}
        runtime = self.runtime_hours(fact)
        return {
            "horizon_weeks": HORIZON_WEEKS,
            "hours": {name: round(value, -3) for name, value in hours.items()},
            "views": {name: round(value / runtime, -2) for name, value in hours.items()},
        }

    def save(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        np.savez(folder / "arrays.npz", comps_vectors=self.comps.vectors, comps_lower=self.comps.lower,
                 comps_shows=self.comps.shows)
        document = {"features": list(self.features), "mean": self.mean.tolist(), "std": self.std.tolist(),
                    "beta": self.beta.tolist(), "gamma": self.gamma.tolist(),
                    "runtime_minutes": self.runtime_minutes, "metrics": self.metrics}
        (folder / "viewing.json").write_text(json.dumps(document, indent=1))
        return folder

    @classmethod
    def load(cls, folder: Path) -> ViewingModel:
        document = json.loads((folder / "viewing.json").read_text())
        arrays = np.load(folder / "arrays.npz")
        return cls(mean=np.array(document["mean"]), std=np.array(document["std"]),
                   beta=np.array(document["beta"]), gamma=np.array(document["gamma"]),
                   comps=CompsMemory(arrays["comps_vectors"], arrays["comps_lower"], arrays["comps_shows"]),
                   runtime_minutes=document["runtime_minutes"], metrics=document["metrics"],
                   features=tuple(document["features"]))
