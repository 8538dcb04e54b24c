"""Catalog merging and chart title matching."""

import json

from graph.catalog import (
    MatchReport,
    add_chart_aliases,
    chart_only_titles,
    match_chart_titles,
    merge_catalogs,
)
from graph.sources import CatalogTitle


def entry(source_id, title, *, kind="movie", year=2020, **fields):
    """A catalog entry with empty metadata; the source follows from the id."""
    values = dict(
        source_id=source_id,
        source="netflix" if source_id.startswith("s") else "justwatch",
        title=title,
        kind=kind,
        year=year,
        summary="",
        genres=[],
        countries=[],
        directors=[],
        cast=[],
        rating=None,
        duration_minutes=None,
        seasons=None,
        date_added=None,
        imdb_id=None,
        imdb_score=None,
        imdb_votes=None,
        tmdb_popularity=None,
        tmdb_score=None,
        line=2,
    )
    values.update(fields)
    return CatalogTitle(**values)


def pairs(titles):
    return {(title.netflix_id, title.justwatch_id) for title in titles}


def test_same_normalized_title_and_kind_pair():
    titles = merge_catalogs([entry("s1", "Amélie!")], [entry("tm1", "amelie")])
    assert pairs(titles) == {("s1", "tm1")}


def test_different_kind_does_not_pair():
    titles = merge_catalogs([entry("s1", "Dogs", kind="show")], [entry("tm1", "Dogs")])
    assert pairs(titles) == {("s1", None), (None, "tm1")}


def test_single_movie_candidates_need_years_within_two():
    netflix = [entry("s1", "Total Recall", year=1990)]
    assert pairs(merge_catalogs(netflix, [entry("tm1", "Total Recall", year=1992)])) == {("s1", "tm1")}
    assert len(merge_catalogs(netflix, [entry("tm1", "Total Recall", year=1993)])) == 2


def test_show_pairs_when_netflix_year_is_its_latest_season():
    netflix = [entry("s1", "Atypical", kind="show", year=2021)]
    justwatch = [entry("ts1", "Atypical", kind="show", year=2017)]
    assert pairs(merge_catalogs(netflix, justwatch)) == {("s1", "ts1")}


def test_show_does_not_pair_when_netflix_year_is_much_earlier():
    netflix = [entry("s1", "Rebelde", kind="show", year=2004)]
    justwatch = [entry("ts1", "Rebelde", kind="show", year=2022)]
    assert len(merge_catalogs(netflix, justwatch)) == 2


def test_several_candidates_pair_by_closest_year():
    netflix = [entry("s1", "Cargo", year=2020)]
    justwatch = [entry("tm1", "Cargo", year=2017), entry("tm2", "Cargo", year=2019)]
    assert ("s1", "tm2") in pairs(merge_catalogs(netflix, justwatch))


def test_several_candidates_need_years_within_one():
    netflix = [entry("s1", "Cargo", year=2020), entry("s2", "Cargo", year=2010)]
    justwatch = [entry("tm1", "Cargo", year=2018), entry("tm2", "Cargo", year=2012)]
    assert all(None in pair for pair in pairs(merge_catalogs(netflix, justwatch)))


def test_entries_with_five_shared_people_pair_despite_different_names():
    cast = ["Úrsula Corberó", "Álvaro Morte", "Itziar Ituño", "Pedro Alonso", "Miguel Herrán"]
    netflix = [entry("s1", "La casa de papel", kind="show", year=2021, cast=cast)]
    justwatch = [entry("ts1", "Money Heist", kind="show", year=2017, cast=cast)]
    (title,) = merge_catalogs(netflix, justwatch)
    assert title.aliases == ["La casa de papel", "Money Heist"]


def test_credits_pairing_can_be_switched_off():
    cast = ["A", "B", "C", "D", "E"]
    netflix = [entry("s1", "Alpha", cast=cast)]
    justwatch = [entry("tm1", "Beta", cast=cast)]
    assert len(merge_catalogs(netflix, justwatch, pair_by_credits=False)) == 2


def test_four_shared_people_are_not_enough():
    netflix = [entry("s1", "Alpha", cast=["A", "B", "C", "D"])]
    justwatch = [entry("tm1", "Beta", cast=["A", "B", "C", "D"])]
    assert len(merge_catalogs(netflix, justwatch)) == 2


TIGER_KING = ("An exploration of big cat breeding and its bizarre underworld, populated by eccentric "
              "characters, feuds and a plot for murder.")


def test_entries_with_one_summary_pair_despite_different_names():
    netflix = [entry("s2796", "Tiger King: Murder, Mayhem and Madness", kind="show", summary=TIGER_KING)]
    justwatch = [entry("ts227305", "Tiger King", kind="show", summary=TIGER_KING.upper())]
    (title,) = merge_catalogs(netflix, justwatch)
    assert (title.id, title.aliases) == ("s2796", ["Tiger King: Murder, Mayhem and Madness", "Tiger King"])


def test_a_summary_pairs_nothing_when_short_shared_in_one_catalog_or_years_apart():
    short = "A stand-up special."
    assert len(merge_catalogs([entry("s1", "A", summary=short)], [entry("tm1", "B", summary=short)])) == 2
    # Two specials of one series with one summary: which of them JustWatch's entry is, is not known.
    netflix = [entry("s1", "Octonauts & the Reef", summary=TIGER_KING),
               entry("s2", "Octonauts & the Caves", summary=TIGER_KING)]
    assert len(merge_catalogs(netflix, [entry("tm1", "Octonauts", summary=TIGER_KING)])) == 3
    assert len(merge_catalogs([entry("s1", "A", year=2020, summary=TIGER_KING)],
                              [entry("tm1", "B", year=2016, summary=TIGER_KING)])) == 2
    assert len(merge_catalogs([entry("s1", "A", summary=TIGER_KING)],
                              [entry("tm1", "B", kind="show", summary=TIGER_KING)])) == 2
    assert len(merge_catalogs([entry("s1", "A", summary=TIGER_KING)], [entry("tm1", "B", summary=TIGER_KING)],
                              pair_by_credits=False)) == 2


def test_merged_title_takes_netflix_id_and_name_and_longer_summary():
    netflix = [entry("s9", "La Haine", summary="Short.", rating="R", date_added="2021-01-01")]
    justwatch = [entry("tm1", "La haine", summary="A much longer summary.", imdb_score=8.1)]
    (title,) = merge_catalogs(netflix, justwatch)
    assert (title.id, title.title, title.summary) == ("s9", "La Haine", "A much longer summary.")
    assert (title.summary_netflix, title.imdb_score, title.date_added) == ("Short.", 8.1, "2021-01-01")


def test_merged_people_union_by_normalized_name_keeps_person_ids():
    netflix = [entry("s1", "X", cast=["Penelope Cruz", "Javier Bardem"])]
    justwatch = [
        entry(
            "tm1",
            "X",
            cast=["Penélope Cruz", "Luis Tosar"],
            person_ids={"Penélope Cruz": "7", "Luis Tosar": "8"},
        )
    ]
    (title,) = merge_catalogs(netflix, justwatch)
    assert title.cast == ["Penelope Cruz", "Javier Bardem", "Luis Tosar"]
    assert title.person_ids == {"Penelope Cruz": "7", "Luis Tosar": "8"}


def test_merged_genres_and_countries_are_unions():
    netflix = [entry("s1", "X", genres=["Dramas"], countries=["US", "FR"])]
    justwatch = [entry("tm1", "X", genres=["drama"], countries=["FR", "BE"])]
    (title,) = merge_catalogs(netflix, justwatch)
    assert (title.genres, title.countries) == (["Dramas", "drama"], ["US", "FR", "BE"])


def test_merge_output_is_sorted_by_id():
    netflix = [entry("s2", "B"), entry("s10", "A")]
    justwatch = [entry("tm5", "C")]
    assert [title.id for title in merge_catalogs(netflix, justwatch)] == ["s10", "s2", "tm5"]


def catalog():
    return merge_catalogs(
        [
            entry("s1", "La casa de papel", kind="show", year=2021),
            entry("s2", "Squid Game", kind="show", year=2021),
            entry("s3", "Guilty", year=2020),
            entry("s4", "Security", year=2021),
            entry("s5", "Lupin", year=2020),
        ],
        [
            entry("ts1", "Money Heist", kind="show", year=2021),
            entry("tm1", "Security", year=2017, tmdb_popularity=99.0),
        ],
        pair_by_credits=False,
    )


def test_chart_name_matches_catalog_alias_of_same_kind():
    report = match_chart_titles(catalog(), [("show", "SQUID GAME")])
    assert report.matched == {("show", "SQUID GAME"): "s2"}


def test_no_cross_kind_match():
    report = match_chart_titles(catalog(), [("show", "Lupin")])
    assert report.unmatched == [("show", "Lupin")]


def test_season_marker_is_stripped_for_shows():
    report = match_chart_titles(catalog(), [("show", "Squid Game: Season 2")])
    assert report.matched[("show", "Squid Game: Season 2")] == "s2"
    assert report.rules[("show", "Squid Game: Season 2")] == "season"


def test_season_marker_is_not_stripped_for_movies():
    titles = merge_catalogs([entry("s1", "Navarasa")], [])
    report = match_chart_titles(titles, [("movie", "Navarasa: Volume 1")])
    assert report.unmatched == [("movie", "Navarasa: Volume 1")]


def test_leading_article_is_an_opt_in_last_resort():
    report = match_chart_titles(catalog(), [("movie", "The Guilty")], try_article=True)
    assert report.matched == {("movie", "The Guilty"): "s3"}
    assert report.rules == {("movie", "The Guilty"): "article"}


def test_article_rule_is_off_by_default():
    # On the real charts it mostly pairs different films ("The Guilty" with "Guilty").
    report = match_chart_titles(catalog(), [("movie", "The Guilty")])
    assert report.unmatched == [("movie", "The Guilty")]


def test_ambiguous_key_prefers_most_recent_year():
    report = match_chart_titles(catalog(), [("movie", "Security")])
    assert report.matched[("movie", "Security")] == "s4"
    assert report.ambiguous[("movie", "Security")] == ["s4", "tm1"]


def test_ambiguous_tie_on_year_goes_to_more_popular():
    titles = merge_catalogs([], [entry("tm1", "Twin"), entry("tm2", "Twin", tmdb_popularity=5.0)])
    report = match_chart_titles(titles, [("movie", "Twin")])
    assert report.matched[("movie", "Twin")] == "tm2"


def test_report_summary_counts_and_json_is_stable():
    keys = [("show", "Squid Game"), ("show", "Lupin"), ("movie", "Security")]
    report = match_chart_titles(catalog(), keys)
    assert report.summary()["matched"] == 2 and report.summary()["unmatched"] == 1
    assert report.to_json() == match_chart_titles(catalog(), reversed(keys)).to_json()
    assert json.loads(report.to_json())["ambiguous"][0]["title_ids"] == ["s4", "tm1"]


def test_chart_aliases_are_added_to_matched_titles():
    titles = catalog()
    report = match_chart_titles(titles, [("show", "Squid Game: Season 1")])
    squid_game = next(title for title in add_chart_aliases(titles, report) if title.id == "s2")
    assert squid_game.aliases == ["Squid Game", "Squid Game: Season 1"]


def test_chart_only_titles_get_slug_ids_and_no_metadata():
    report = MatchReport(unmatched=[("show", "The Good Doctor!"), ("movie", "Don't Look Up")])
    titles = chart_only_titles(report, {("movie", "Don't Look Up"): 2021})
    assert [title.id for title in titles] == ["chart-movie-don-t-look-up", "chart-show-the-good-doctor"]
    assert titles[0].chart_only and titles[0].year == 2021 and titles[0].aliases == ["Don't Look Up"]
    assert titles[1].year is None and titles[1].cast == []


def test_chart_only_keys_with_one_slug_share_a_title():
    report = MatchReport(unmatched=[("movie", "Jaws"), ("movie", "JAWS!")])
    (title,) = chart_only_titles(report)
    assert sorted(title.aliases) == ["JAWS!", "Jaws"]


def test_other_services_join_the_same_work_and_add_the_rest():
    from graph.catalog import merge_other_services

    netflix = merge_catalogs(
        [entry("s1", "Dogs", kind="show", year=2018), entry("s2", "Cats", year=2001)], []
    )
    others = {
        "Prime Video": [
            entry("prime-s1", "DOGS", kind="show", year=2019),
            entry("prime-s2", "Cats", year=2019),
            entry("prime-s3", "Birds", year=2010),
        ],
        "Hulu": [entry("hulu-s9", "Birds", year=2011), entry("hulu-s8", "Dogs", year=2018)],
    }
    titles = {title.id: title for title in merge_other_services(netflix, others)}
    assert titles["s1"].services == ["Netflix", "Prime Video"]  # same kind, name, year one apart
    assert titles["s2"].services == ["Netflix"]  # a remake 18 years later is another work
    assert titles["prime-s2"].services == ["Prime Video"]
    assert titles["prime-s3"].services == ["Prime Video", "Hulu"]  # one work on two other services
    assert "hulu-s9" not in titles and titles["hulu-s8"].kind == "movie"  # a film, not the show
    assert titles["prime-s3"].date_added is None and titles["prime-s3"].netflix_id is None
