"""Readers of the data files: parsed fields, and bad rows reported with their line."""

import datetime

import pytest

from graph.sources import (
    BadRow,
    read_country_charts,
    read_global_chart,
    read_justwatch,
    read_netflix_titles,
)

NETFLIX_HEADER = (
    "show_id,type,title,director,cast,country,date_added,release_year,rating,duration,listed_in,description\n"
)
JUSTWATCH_HEADER = (
    "id,title,type,description,release_year,age_certification,runtime,genres,"
    "production_countries,seasons,imdb_id,imdb_score,imdb_votes,tmdb_popularity,tmdb_score\r\n"
)
CREDITS_HEADER = "person_id,id,name,character,role\r\n"
COUNTRY_HEADER = (
    "country_name\tcountry_iso2\tweek\tcategory\tweekly_rank\tshow_title\tseason_title\t"
    "cumulative_weeks_in_top_10\n"
)
GLOBAL_HEADER = (
    "week\tcategory\tweekly_rank\tshow_title\tseason_title\tweekly_hours_viewed\truntime\t"
    "weekly_views\tcumulative_weeks_in_top_10\n"
)

NETFLIX_MOVIE = (
    's1,Movie,Dick Johnson Is Dead,Kirsten Johnson,,"United States,",'
    '"September 25, 2021",2020,PG-13,90 min,Documentaries,"A father, a film."\n'
)
NETFLIX_SHOW = (
    's2,TV Show,Blood & Water,,"Ama Qamata, Khosi Ngema",South Africa," September 24, 2021",'
    '2021,TV-MA,2 Seasons,"International TV Shows, TV Dramas",Teens at a party.\n'
)
JUSTWATCH_MOVIE = (
    "tm84618,Taxi Driver,MOVIE,\"A veteran\ndrives a taxi.\",1976,R,114,\"['drama', 'crime']\","
    "\"['US', 'US']\",,tt0075314,8.2,808582.0,40.965,8.179\r\n"
)
JUSTWATCH_SHOW = "ts1,Money Heist,SHOW,A heist.,2017,TV-MA,50,['crime'],['ES'],5.0,,,,12.5,\r\n"


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def read_netflix(tmp_path, *rows):
    return read_netflix_titles(write(tmp_path, "netflix_titles.csv", NETFLIX_HEADER + "".join(rows)))


def read_jw(tmp_path, *rows, credits=""):
    titles = write(tmp_path, "titles.csv", JUSTWATCH_HEADER + "".join(rows))
    credits_path = write(tmp_path, "credits.csv", CREDITS_HEADER + credits)
    return read_justwatch(titles, credits_path)


def test_netflix_movie_fields(tmp_path):
    (movie,), bad_rows = read_netflix(tmp_path, NETFLIX_MOVIE)
    assert bad_rows == []
    assert (movie.source_id, movie.source, movie.kind, movie.year) == ("s1", "netflix", "movie", 2020)
    assert (movie.duration_minutes, movie.seasons, movie.rating) == (90, None, "PG-13")
    assert movie.directors == ["Kirsten Johnson"] and movie.cast == []
    assert movie.line == 2


def test_netflix_trailing_comma_in_country_is_ignored(tmp_path):
    (movie,), _ = read_netflix(tmp_path, NETFLIX_MOVIE)
    assert movie.countries == ["US"]


def test_netflix_date_added_loses_leading_space(tmp_path):
    (show,), _ = read_netflix(tmp_path, NETFLIX_SHOW)
    assert show.date_added == "2021-09-24"


def test_netflix_show_has_seasons_and_no_minutes(tmp_path):
    (show,), _ = read_netflix(tmp_path, NETFLIX_SHOW)
    assert (show.kind, show.seasons, show.duration_minutes) == ("show", 2, None)


def test_netflix_list_columns_split_on_commas(tmp_path):
    (show,), _ = read_netflix(tmp_path, NETFLIX_SHOW)
    assert show.cast == ["Ama Qamata", "Khosi Ngema"]
    assert show.genres == ["International TV Shows", "TV Dramas"]


def test_netflix_minutes_in_rating_column_become_duration(tmp_path):
    row = (
        "s5542,Movie,Louis C.K. 2017,Louis C.K.,Louis C.K.,United States,"
        '"April 4, 2017",2017,74 min,,Movies,Jokes.\n'
    )
    (special,), bad_rows = read_netflix(tmp_path, row)
    assert bad_rows == []
    assert (special.rating, special.duration_minutes) == (None, 74)


def test_netflix_historic_country_names_resolve(tmp_path):
    row = NETFLIX_MOVIE.replace('"United States,"', '"West Germany, Soviet Union"')
    (movie,), _ = read_netflix(tmp_path, row)
    assert movie.countries == ["DE", "RU"]


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (NETFLIX_MOVIE.replace("s1,", ",", 1), "missing id"),
        (NETFLIX_MOVIE.replace("Dick Johnson Is Dead", ""), "missing title"),
        (NETFLIX_MOVIE.replace(",2020,", ",20x0,"), "malformed year"),
        (NETFLIX_MOVIE.replace(",2020,", ",1870,"), "outside"),
        (NETFLIX_MOVIE.replace('"United States,"', "Atlantis"), "unknown country"),
        (NETFLIX_MOVIE.replace(",Documentaries,", ","), "columns"),
    ],
)
def test_netflix_bad_rows_are_reported_and_skipped(tmp_path, row, reason):
    titles, bad_rows = read_netflix(tmp_path, NETFLIX_SHOW, row)
    assert [title.source_id for title in titles] == ["s2"]
    assert len(bad_rows) == 1 and reason in bad_rows[0].reason


def test_bad_row_line_counts_physical_lines(tmp_path):
    multiline_title = NETFLIX_SHOW.replace("Blood & Water", '"Blood\n& Water"')
    bad_row = NETFLIX_MOVIE.replace(",2020,", ",never,")
    _, bad_rows = read_netflix(tmp_path, multiline_title, bad_row)
    assert bad_rows == [BadRow("netflix_titles.csv", 4, bad_rows[0].reason)]


def test_unreadable_row_is_reported_and_reading_goes_on(tmp_path):
    oversized = NETFLIX_MOVIE.replace("A father, a film.", "x" * 200_000)
    titles, bad_rows = read_netflix(tmp_path, oversized, NETFLIX_SHOW)
    assert [title.source_id for title in titles] == ["s2"]
    assert bad_rows[0].line == 2 and "unreadable" in bad_rows[0].reason


def test_unexpected_header_is_one_bad_row(tmp_path):
    path = write(tmp_path, "netflix_titles.csv", "id,name\n" + NETFLIX_MOVIE)
    titles, bad_rows = read_netflix_titles(path)
    assert titles == [] and [bad_row.line for bad_row in bad_rows] == [1]


def test_justwatch_fields_and_crlf_with_lf_inside_description(tmp_path):
    (movie, show), bad_rows = read_jw(tmp_path, JUSTWATCH_MOVIE, JUSTWATCH_SHOW)
    assert bad_rows == []
    assert movie.summary == "A veteran\ndrives a taxi."
    assert (movie.genres, movie.countries, movie.imdb_votes) == (["drama", "crime"], ["US"], 808582.0)
    assert (show.line, show.seasons, show.duration_minutes, show.tmdb_score) == (4, 5, 50, None)


def test_justwatch_credits_in_file_order_with_person_ids(tmp_path):
    credits = (
        "3748,tm84618,Robert De Niro,Travis Bickle,ACTOR\r\n"
        "3308,tm84618,Martin Scorsese,,DIRECTOR\r\n"
        "14658,tm84618,Jodie Foster,Iris,ACTOR\r\n"
        "3748,tm84618,Robert De Niro,Travis (voice),ACTOR\r\n"
    )
    (movie,), _ = read_jw(tmp_path, JUSTWATCH_MOVIE, credits=credits)
    assert movie.cast == ["Robert De Niro", "Jodie Foster"]
    assert movie.directors == ["Martin Scorsese"]
    assert movie.person_ids["Jodie Foster"] == "14658"


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (JUSTWATCH_SHOW.replace("['ES']", "['ZQ']"), "unknown country"),
        (JUSTWATCH_SHOW.replace("['crime']", "['crime'"), "malformed genres"),
        (JUSTWATCH_SHOW.replace("['crime']", "__import__('os')"), "malformed genres"),
        (JUSTWATCH_SHOW.replace("Money Heist", ""), "missing title"),
        (JUSTWATCH_SHOW.replace("12.5", "popular"), "malformed tmdb_popularity"),
    ],
)
def test_justwatch_bad_rows_are_reported(tmp_path, row, reason):
    titles, bad_rows = read_jw(tmp_path, row)
    assert titles == [] and reason in bad_rows[0].reason and bad_rows[0].file == "titles.csv"


def test_justwatch_zero_runtime_means_unknown(tmp_path):
    (show,), _ = read_jw(tmp_path, JUSTWATCH_SHOW.replace(",50,", ",0,"))
    assert show.duration_minutes is None


COUNTRY_ROW = "Argentina\tAR\t2021-12-26\tTV\t3\tSquid Game\tSquid Game: Season 1\t12\n"


def test_country_chart_row_fields(tmp_path):
    path = write(tmp_path, "charts.tsv", COUNTRY_HEADER + COUNTRY_ROW)
    (row,), bad_rows = read_country_charts(path)
    assert bad_rows == []
    assert (row.country_iso2, row.week, row.kind, row.rank) == (
        "AR",
        datetime.date(2021, 12, 26),
        "show",
        3,
    )
    assert (row.season_title, row.cumulative_weeks, row.line) == ("Squid Game: Season 1", 12, 2)


def test_country_chart_na_season_is_none_and_quotes_are_literal(tmp_path):
    row = "Argentina\tAR\t2021-12-26\tFilms\t1\t\"Don't Look Up\tN/A\t1\n"
    (chart_row,), _ = read_country_charts(write(tmp_path, "charts.tsv", COUNTRY_HEADER + row))
    assert (chart_row.kind, chart_row.show_title, chart_row.season_title) == (
        "movie",
        "\"Don't Look Up",
        None,
    )


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (COUNTRY_ROW.replace("\tAR\t", "\tXX\t"), "unknown country"),
        (COUNTRY_ROW.replace("2021-12-26", "2021-13-26"), "malformed week"),
        (COUNTRY_ROW.replace("2021-12-26", "2021-12-25"), "not a Sunday"),
        (COUNTRY_ROW.replace("\t3\t", "\t11\t"), "rank"),
        (COUNTRY_ROW.replace("\tTV\t", "\tShorts\t"), "unknown type"),
        (COUNTRY_ROW.replace("\t12\n", "\n"), "columns"),
    ],
)
def test_country_chart_bad_rows_are_reported(tmp_path, row, reason):
    path = write(tmp_path, "charts.tsv", COUNTRY_HEADER + COUNTRY_ROW + row)
    rows, bad_rows = read_country_charts(path)
    assert len(rows) == 1 and bad_rows[0].line == 3 and reason in bad_rows[0].reason


GLOBAL_ROW = "2021-12-26\tFilms (Non-English)\t2\tThe Unforgivable\tN/A\t26600000\t\t\t3\n"


def test_global_chart_row_fields(tmp_path):
    (row,), bad_rows = read_global_chart(write(tmp_path, "global.tsv", GLOBAL_HEADER + GLOBAL_ROW))
    assert bad_rows == []
    assert (row.kind, row.language, row.rank, row.hours_viewed) == ("movie", "Non-English", 2, 26600000)


def test_global_chart_empty_hours_are_none(tmp_path):
    row = GLOBAL_ROW.replace("26600000", "")
    (chart_row,), _ = read_global_chart(write(tmp_path, "global.tsv", GLOBAL_HEADER + row))
    assert chart_row.hours_viewed is None


def test_global_chart_unknown_category_is_bad(tmp_path):
    row = GLOBAL_ROW.replace("Films (Non-English)", "Films (Klingon)")
    rows, bad_rows = read_global_chart(write(tmp_path, "global.tsv", GLOBAL_HEADER + row))
    assert rows == [] and "category" in bad_rows[0].reason


def test_justwatch_unknown_country_placeholder_is_no_country(tmp_path):
    (show,), bad = read_jw(tmp_path, JUSTWATCH_SHOW.replace("['ES']", "\"['XX', 'ES']\""))
    assert bad == []
    assert show.countries == ["ES"]


def test_other_service_rows_read_like_netflix_rows(tmp_path):
    from graph.sources import read_other_service

    path = tmp_path / "hulu_titles.csv"
    path.write_text(
        "show_id,type,title,director,cast,country,date_added,release_year,rating,duration,listed_in,description\n"
        's1,Movie,Ice Road,,,"United States, Kosovo",22-Oct-21,2021,PG-13,109 min,"Action",Trucks.\n'
        "s2,TV Show,Home Again,,,United Kingdom,,2019,1 Season,,Drama,A family moves.\n"
        "s3,Movie,Little Ones,,,,,2020,7+,80 min,Kids,Puppets sing.\n"
        "s4,Podcast,Oops,,,,,2020,,,,Not a title.\n",
        encoding="utf-8",
    )
    titles, bad = read_other_service(path, "hulu")
    assert [t.source_id for t in titles] == ["hulu-s2", "hulu-s3"]
    assert [(b.line, b.reason) for b in bad] == [
        (2, "unknown country 'Kosovo'"),
        (5, "unknown type 'Podcast'"),
    ]
    home, little = titles
    assert (home.kind, home.seasons, home.rating, home.countries) == ("show", 1, None, ["GB"])
    assert home.date_added is None
    assert (little.rating, little.duration_minutes, little.genres) == ("TV-Y7", 80, ["Kids"])
