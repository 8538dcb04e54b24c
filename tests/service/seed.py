"""A tiny hand-made graph for the service tests, written through graph.ingest's batched writes.

Three clusters of titles (Korean crime shows, baking shows, space films) share tags, genres,
people and chart countries inside a cluster, so comps and audiences have something to find.
Titles with accents and chart aliases test the search.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import neo4j

from graph.embeddings import current_version, write_embeddings
from graph.ingest import write_rows
from graph.maintenance import clear_graph, graph_counts
from graph.normalize import normalize_name, normalize_title
from graph.schema import apply_schema

COUNTRIES = {"KR": "South Korea", "US": "United States", "GB": "United Kingdom", "FR": "France",
             "JP": "Japan", "BR": "Brazil", "ES": "Spain"}
GENRES = {"Crime TV Shows": "netflix", "Korean TV Shows": "netflix", "Reality TV": "netflix",
          "Sci-Fi & Fantasy": "netflix", "Dramas": "netflix", "crime": "justwatch",
          "reality": "justwatch", "scifi": "justwatch", "drama": "justwatch", "romance": "justwatch"}

# id, title, kind, year, genres, countries, tags, directors, cast, aliases
_TITLES = [
    ("svc-kr1", "Seoul Detectives", "show", 2020, ["Crime TV Shows", "Korean TV Shows", "crime"], ["KR"],
     ["detective", "serial killer", "seoul", "police"], ["Kim Ji-woon"], ["Lee Min-ho", "Park Seo-yeon"], []),
    ("svc-kr2", "Busan Shadows", "show", 2021, ["Crime TV Shows", "Korean TV Shows", "crime"], ["KR"],
     ["detective", "serial killer", "busan", "police"], ["Kim Ji-woon"], ["Lee Min-ho", "Choi Woo-sik"], []),
    ("svc-kr3", "Night Patrol", "show", 2019, ["Crime TV Shows", "Korean TV Shows"], ["KR"],
     ["police", "night", "seoul", "corruption"], ["Bong Soo"], ["Park Seo-yeon", "Choi Woo-sik"], []),
    ("svc-kr4", "The Prosecutor", "show", 2021, ["Crime TV Shows", "Korean TV Shows", "drama"], ["KR"],
     ["prosecutor", "corruption", "seoul", "police"], ["Bong Soo"], ["Lee Min-ho"], []),
    ("svc-kr5", "Hidden Verdict", "movie", 2020, ["Dramas", "crime"], ["KR"],
     ["trial", "corruption", "detective"], ["Kim Ji-woon"], ["Park Seo-yeon"], []),
    ("svc-ck1", "Bake It Big", "show", 2018, ["Reality TV", "reality"], ["GB"],
     ["baking", "competition", "cake", "amateur baker"], ["Sue Perkins"], ["Mary Hollis", "Paul Grant"], []),
    ("svc-ck2", "Cake Masters", "show", 2020, ["Reality TV", "reality"], ["US"],
     ["baking", "cake", "competition", "pastry"], ["Sue Perkins"], ["Paul Grant"], []),
    ("svc-ck3", "Pâtisserie Royale", "show", 2021, ["Reality TV", "reality"], ["FR"],
     ["pastry", "baking", "paris", "competition"], ["Amélie Durand"], ["Mary Hollis"], []),
    ("svc-ck4", "Nailed the Bake", "show", 2019, ["Reality TV"], ["US"],
     ["baking", "amateur baker", "cake", "comedy"], ["Sue Perkins"], ["Nia Booth"], []),
    ("svc-ck5", "Sugar Rush Street", "show", 2021, ["Reality TV", "reality"], ["US", "GB"],
     ["cake", "competition", "street food"], ["Nia Booth"], ["Paul Grant"], []),
    ("svc-sp1", "Orbit Zero", "movie", 2019, ["Sci-Fi & Fantasy", "scifi"], ["US"],
     ["astronaut", "space station", "mars", "survival"], ["Ana Ruiz"], ["Tom Hale", "Ivy Moss"], []),
    ("svc-sp2", "Red Planet Run", "movie", 2021, ["Sci-Fi & Fantasy", "scifi"], ["US"],
     ["mars", "astronaut", "survival", "rescue"], ["Ana Ruiz"], ["Tom Hale"], []),
    ("svc-sp3", "Cosmos Drift", "movie", 2020, ["Sci-Fi & Fantasy", "scifi", "drama"], ["GB"],
     ["space station", "astronaut", "isolation"], ["Lee Park"], ["Ivy Moss", "Omar Vance"], ["Orbit"]),
    ("svc-sp4", "Jupiter Calling", "movie", 2018, ["Sci-Fi & Fantasy", "scifi"], ["JP"],
     ["astronaut", "alien", "signal", "rescue"], ["Lee Park"], ["Omar Vance"], []),
    ("svc-sp5", "The Last Launch", "movie", 2021, ["Sci-Fi & Fantasy", "drama"], ["US"],
     ["rocket", "astronaut", "mars", "family"], ["Ana Ruiz"], ["Ivy Moss"], []),
    ("svc-es1", "La casa de papel", "show", 2017, ["Crime TV Shows", "crime", "drama"], ["ES"],
     ["heist", "robbery", "madrid", "police"], ["Álex Pina"], ["Úrsula Corberó", "Álvaro Morte"],
     ["Money Heist"]),
    ("svc-fr1", "Amélie", "movie", 2001, ["Dramas", "romance"], ["FR"],
     ["paris", "waitress", "romance"], ["Jean-Pierre Jeunet"], ["Audrey Tautou"], []),
    ("svc-fr2", "Amelia's Garden", "movie", 2019, ["Dramas", "drama"], ["GB"],
     ["garden", "family", "grief"], ["Lee Park"], ["Nia Booth"], []),
    ("svc-br1", "Favela Heist", "movie", 2020, ["Dramas", "crime"], ["BR"],
     ["heist", "robbery", "rio"], ["Ana Ruiz"], ["Omar Vance"], []),
    ("svc-co1", "Stranger Signals", "show", 2016, ["Sci-Fi & Fantasy", "scifi"], ["US"],
     ["alien", "signal", "small town", "teen"], ["Lee Park"], ["Tom Hale"], []),
]
TITLE_IDS = [row[0] for row in _TITLES]
CHART_ONLY_ID = "chart-show-the-great-bake"

# (title id, country, ranks by week from the first chart week)
_CHARTS = [
    ("svc-kr1", "KR", [1, 1, 2, 3, 5]), ("svc-kr1", "JP", [4, 6, 9]), ("svc-kr1", "US", [8]),
    ("svc-kr2", "KR", [2, 1, 1, 4]), ("svc-kr2", "JP", [7, 8]),
    ("svc-kr3", "KR", [3, 5, 9]),
    ("svc-kr4", "KR", [6, 7]), ("svc-kr4", "BR", [10]),
    ("svc-ck1", "GB", [2, 3, 3, 5]), ("svc-ck1", "US", [6, 8]),
    ("svc-ck2", "US", [3, 4, 7]), ("svc-ck2", "GB", [9]),
    ("svc-ck3", "FR", [1, 2, 4]),
    ("svc-sp1", "US", [1, 2, 4, 6]), ("svc-sp1", "GB", [2, 5]), ("svc-sp1", "BR", [3, 3, 8]),
    ("svc-sp2", "US", [2, 3]), ("svc-sp2", "BR", [5]),
    ("svc-sp4", "JP", [2, 2, 5]),
    ("svc-es1", "ES", [1, 1, 1, 2, 2, 3]), ("svc-es1", "BR", [1, 2, 2, 4]), ("svc-es1", "FR", [3, 5]),
    ("svc-es1", "US", [4, 6, 9]),
    ("svc-br1", "BR", [2, 6]),
    (CHART_ONLY_ID, "GB", [7, 9]), (CHART_ONLY_ID, "US", [10]),
]
FIRST_WEEK = dt.date(2021, 7, 4)


def _title_props(row: tuple) -> dict:
    title_id, title, kind, year, _, _, tags, _, _, aliases = row
    names = [title] + aliases
    return {
        "title": title, "aliases": names, "search_text": " | ".join(names),
        "norm_title": normalize_title(title), "kind": kind, "year": year,
        "summary": f"{title}: a {kind} about {', '.join(tags)}.", "chart_only": False, "terms": tags,
        "duration_minutes": 50 if kind == "show" else 110,
    }


def seed_rows() -> dict[str, list[dict]]:
    """The rows of each UNWIND write of graph.ingest for the tiny graph."""
    rows: dict[str, list[dict]] = {name: [] for name in (
        "MERGE_TITLES", "MERGE_HAS_TERM", "MERGE_IN_GENRE", "MERGE_PRODUCED_IN", "MERGE_DIRECTED",
        "MERGE_ACTED_IN", "MERGE_CHARTED_IN")}
    people: dict[str, dict] = {}
    tag_counts: dict[str, int] = {}
    for row in _TITLES:
        title_id, _, _, _, genres, countries, tags, directors, cast, _ = row
        rows["MERGE_TITLES"].append({"id": title_id, "props": _title_props(row)})
        rows["MERGE_IN_GENRE"] += [{"title_id": title_id, "genre": genre} for genre in genres]
        rows["MERGE_PRODUCED_IN"] += [{"title_id": title_id, "iso2": iso2} for iso2 in countries]
        for rank, tag in enumerate(tags):
            tag_counts[tag] = tag_counts.get(tag, 0) + 1
            rows["MERGE_HAS_TERM"].append({"title_id": title_id, "term": tag, "weight": 1.0 / (1 + rank)})
        for name in directors:
            people.setdefault(normalize_name(name), {"key": normalize_name(name), "name": name,
                                                     "justwatch_id": None})
            rows["MERGE_DIRECTED"].append({"title_id": title_id, "person_key": normalize_name(name)})
        for order, name in enumerate(cast):
            people.setdefault(normalize_name(name), {"key": normalize_name(name), "name": name,
                                                     "justwatch_id": None})
            rows["MERGE_ACTED_IN"].append({"title_id": title_id, "person_key": normalize_name(name),
                                           "order": order})
    rows["MERGE_TITLES"].append({"id": CHART_ONLY_ID, "props": {
        "title": "The Great Bake", "aliases": ["The Great Bake"], "search_text": "The Great Bake",
        "norm_title": "the great bake", "kind": "show", "chart_only": True, "terms": [],
        "first_chart_week": FIRST_WEEK}})
    for title_id, iso2, ranks in _CHARTS:
        weeks = [FIRST_WEEK + dt.timedelta(weeks=index) for index in range(len(ranks))]
        rows["MERGE_CHARTED_IN"].append({
            "title_id": title_id, "iso2": iso2, "weeks_in_top10": len(ranks), "best_rank": min(ranks),
            "first_week": weeks[0], "last_week": weeks[-1], "points": sum(11 - rank for rank in ranks),
            "weeks": weeks, "ranks": ranks})
    rows["MERGE_COUNTRIES"] = [{"iso2": iso2, "name": name} for iso2, name in sorted(COUNTRIES.items())]
    rows["MERGE_GENRES"] = [{"name": name, "vocabulary": vocab} for name, vocab in sorted(GENRES.items())]
    rows["MERGE_TERMS"] = [{"name": tag, "title_count": count} for tag, count in sorted(tag_counts.items())]
    rows["MERGE_PEOPLE"] = [people[key] for key in sorted(people)]
    return rows


def expected_title_count() -> int:
    """Titles in the seeded graph."""
    return len(_TITLES) + 1


def state(driver: neo4j.Driver) -> str | None:
    """None unless the database holds exactly the seed; else the embeddings version in force or "bare"."""
    nodes, _ = graph_counts(driver)
    if nodes.get("Title") != expected_title_count() or nodes.get("Country") != len(COUNTRIES):
        return None
    labels = {"Title", "Term", "Tag", "Genre", "Country", "Person", "ModelVersion"}
    if not set(nodes) <= labels or "Term" not in nodes:
        return None
    # A graph seeded by an older version of this file has the same counts but other names.
    records, _, _ = driver.execute_query("MATCH (t:Title) RETURN t.id AS id, t.aliases AS aliases")
    if {record["id"]: record["aliases"] for record in records} != {
            row["id"]: row["props"]["aliases"] for row in seed_rows()["MERGE_TITLES"]}:
        return None
    return current_version(driver) or "bare"


def seed_graph(driver: neo4j.Driver) -> None:
    """Wipe the database and write the tiny graph (no embeddings)."""
    clear_graph(driver)
    apply_schema(driver)
    write_rows(driver, seed_rows(), progress=False)


def tiny_train_config():
    """A training configuration that fits the tiny graph in a few seconds."""
    from training.train import TrainConfig

    return TrainConfig(epochs=30, text_dimensions=8, hidden=16, out=8, comps_k=STORED_COMPS,
                       min_person_titles=1)


STORED_COMPS = 3


def train(settings, driver: neo4j.Driver) -> Path:
    """`titlegraph train` on the tiny graph into settings.models_path; returns the bundle folder."""
    from training.jobs.retrain import run_training

    return run_training(settings, driver, tiny_train_config(), progress=False, echo=lambda _: None)


def republish(driver: neo4j.Driver, bundle: Path, settings) -> None:
    """Write a trained bundle's embeddings, comps, vocabulary tags and country stats back again
    (after another test changed them), as `titlegraph train` wrote them."""
    from training.bundle import load_bundle
    from training.jobs.retrain import CONTENT_COMPS_K, explained_audience_comps, write_tags_and_country_stats
    from training.train import top_k_comps

    model = load_bundle(bundle)
    comps = explained_audience_comps(model.content, model.title_ids,
                                     top_k_comps(model.title_ids, model.title_embeddings, STORED_COMPS))
    content = {scope: model.content.comps_of_all(k, scope=scope) for scope, k in CONTENT_COMPS_K.items()}
    write_embeddings(driver, model.version, model.title_ids, model.title_embeddings, comps,
                     content_comps=content)
    write_tags_and_country_stats(driver, model.content, settings, echo=lambda _: None)
