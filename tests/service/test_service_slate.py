"""A release slate: POST /v1/predict/batch and `titlegraph predict SLATE.csv --out REPORT.csv`."""

from __future__ import annotations

import argparse
import csv
import shutil

import pytest

from service.slate_command import cmd_predict
from tests.service.test_service_viewing import _viewing_head
from training.bundle import load_bundle, viewing_dir
from training.registry import current_model_dir

pytestmark = pytest.mark.neo4j

KOREAN = {"title": "Seoul Night Shift", "type": "show", "countries": ["KR"], "genres": ["Crime TV Shows"],
          "summary": "A detective hunts a serial killer through the police stations of Seoul."}
SPANISH = {"title": "Las chicas del puerto", "type": "show", "countries": ["ES"],
           "summary": "Four friends run a fish market in a Galician port town.", "season": 2}
FILM = {"title": "Texas Night", "type": "movie", "countries": ["US"], "summary": "A ghost curses a ranch."}


@pytest.fixture
def slate_settings(app_settings, headed_models, tmp_path):
    """Settings serving the tiny model with an audience head and a viewing forecast."""
    models = tmp_path / "slate-models"
    shutil.copytree(headed_models, models, symlinks=True)
    bundle = current_model_dir(models)
    _viewing_head(load_bundle(bundle).title_embeddings.shape[1], viewing_dir(bundle))
    return app_settings.with_overrides(models_dir=models)


@pytest.fixture
def slate_client(slate_settings):
    from service.app import close_app, create_app

    application = create_app({"SETTINGS": slate_settings, "TESTING": True})
    yield application.test_client()
    close_app(application)


def test_batch_gives_one_row_per_title_in_order(slate_client, conforms):
    response = slate_client.post("/v1/predict/batch?top=3", json={"titles": [KOREAN, SPANISH, FILM]})
    body = conforms(response, "/v1/predict/batch", "post")
    assert response.status_code == 200, body
    rows = body["rows"]
    assert [row["title"] for row in rows] == [KOREAN["title"], SPANISH["title"], FILM["title"]]
    for row, sent in zip(rows, (KOREAN, SPANISH, FILM), strict=True):
        single = slate_client.post("/v1/predict?plan=true", json=sent).get_json()
        # The row is the single prediction, shortened: same comps, same viewing, same languages.
        assert [comp["id"] for comp in row["comps"]] == [comp["id"] for comp in single["similar"][:3]]
        assert row["viewing"] == single["viewing"] and row["viewing"]["hours"]["p50"] > 0
        assert 0 < len(row["markets"]) <= 3
        hours = [market["expected_hours"] for market in row["markets"]]
        assert hours == sorted(hours, reverse=True)
        assert row["original_languages"] == single["plan"]["original_languages"]
        shares = [language["cumulative_share"] for language in row["first_languages"]]
        assert shares == sorted(shares)
    assert rows[0]["original_languages"] == ["ko"] and rows[1]["original_languages"] == ["es"]


def test_batch_names_the_bad_field_of_the_bad_title(slate_client):
    response = slate_client.post("/v1/predict/batch", json={"titles": [KOREAN, FILM | {"year": "1999"}]})
    assert response.status_code == 422
    assert "titles.1.year" in response.get_json()["error"]["field"]
    assert slate_client.post("/v1/predict/batch", json={"titles": []}).status_code == 422
    assert slate_client.post("/v1/predict/batch", json={"titles": [FILM] * 101}).status_code == 422


def test_the_slate_command_predicts_good_rows_and_reports_bad_ones_by_line(slate_settings, tmp_path, capsys):
    slate = tmp_path / "slate.csv"
    with slate.open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["title", "type", "summary", "genres", "countries", "year", "season"])
        writer.writerow([KOREAN["title"], "show", KOREAN["summary"], "Crime TV Shows;thriller", "KR", "", ""])
        writer.writerow(["No Summary", "movie", "", "", "US", "2022", ""])           # line 3: summary missing
        writer.writerow(["Bad Year", "movie", "A ghost.", "", "US", "next year", ""])  # line 4
        writer.writerow([SPANISH["title"], "show", SPANISH["summary"], "", "ES", "2022", "2"])
    report = tmp_path / "out" / "report.csv"
    args = argparse.Namespace(slate=str(slate), out=str(report), top=5, quiet=True)
    assert cmd_predict(slate_settings, args) == 2
    captured = capsys.readouterr()
    assert "line 3: summary" in captured.err and "line 4: year" in captured.err
    assert "slate done: 2 titles predicted, 2 bad rows" in captured.out
    with report.open(newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert [(row["line"], row["title"]) for row in rows] == [("2", KOREAN["title"]), ("5", SPANISH["title"])]
    for row in rows:
        assert float(row["hours_p10"]) < float(row["hours_p50"]) < float(row["hours_p90"])
        assert row["comps"] and row["markets"]


def test_the_slate_command_refuses_unknown_columns_in_one_line(slate_settings, tmp_path):
    slate = tmp_path / "slate.csv"
    slate.write_text("title,type,summary,genre\nX,movie,A film.,Drama\n")
    with pytest.raises(SystemExit, match="unknown columns \\['genre'\\]"):
        cmd_predict(slate_settings, argparse.Namespace(slate=str(slate), out=str(tmp_path / "r.csv"), top=5,
                                                       quiet=True))


def test_a_full_slate_may_exceed_the_single_request_body_limit(slate_client, slate_settings):
    long_film = FILM | {"summary": "A ghost curses a ranch on the Texas plains. " * 40}
    body = {"titles": [long_film] * 40}
    assert len(str(body)) > slate_settings.max_body_bytes
    assert slate_client.post("/v1/predict/batch?top=1", json=body).status_code == 200
    too_big = "x" * (slate_settings.max_body_bytes + 1)
    assert slate_client.post("/v1/predict", data=too_big, content_type="application/json").status_code == 413
