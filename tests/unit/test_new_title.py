"""training/new_title.py: one converter makes the same NewTitle from a graph row, a metadata dict
and an API request body, and NewTitle gives the featurizer, head and viewing inputs."""

from __future__ import annotations

import datetime as dt

import pytest

from graph.embeddings import TitleRow
from service.schemas import PredictRequest
from training.new_title import NewTitle, new_title_from

FIELDS = {"title": "Seoul Night", "summary": "a detective in seoul", "genres": ["Dramas"],
          "countries": ["KR"], "cast": ["Actor A"], "year": 2021, "duration_minutes": 95}


def test_a_graph_row_a_metadata_dict_and_a_request_body_give_the_same_title():
    row = TitleRow(id="t1", kind="movie", rating=None, tags=["detective"], directors=["Director D"],
                   **FIELDS)
    metadata = {"id": "t1", "kind": "movie", "tags": ["detective"], "directors": ["Director D"],
                "returning": False, **FIELDS}
    body = PredictRequest(type="movie", tags=["detective"], director=["Director D"], **FIELDS)
    expected = NewTitle(kind="movie", tags=["detective"], directors=["Director D"], **FIELDS)
    assert new_title_from(row) == new_title_from(metadata) == new_title_from(body) == expected


def test_derived_tags_overrides_and_defaults():
    metadata = {"id": "t9", "tags": ["ghost"], "duration_minutes": 0, "summary": None}
    title = new_title_from(metadata, derive_tags=True, countries=["US"])
    # No title falls back to the id, no kind to a movie, an impossible runtime to unknown.
    assert title == NewTitle(title="t9", kind="movie", countries=["US"])
    title.validate()


def test_a_request_body_keeps_season_and_launch_date():
    body = PredictRequest(title="S2", type="show", summary="a second season", season=2,
                          launch_date="2022-03-18")
    title = new_title_from(body)
    assert (title.kind, title.season, title.launch_year) == ("show", 2, 2022)
    assert title.launch_facts().returning


def test_the_head_reads_a_launch_now_when_the_year_is_missing():
    title = NewTitle(title="X", kind="show", launch_date=dt.date(2023, 5, 1), genres=["Dramas"])
    assert title.head_metadata() == {"title": "X", "kind": "show", "year": 2023, "genres": ["Dramas"],
                                     "countries": [], "summary": ""}
    assert title.attributes().year is None


@pytest.mark.parametrize("field, value", [("year", 1700), ("duration_minutes", 0), ("kind", "film")])
def test_a_malformed_field_is_named(field, value):
    with pytest.raises(ValueError, match=f"^{field}:"):
        NewTitle(**{"title": "X", "kind": "movie", field: value}).validate()
