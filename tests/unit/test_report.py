"""training/report.py: the one splicer writes each section of docs/evaluation.md between its own
markers and leaves the others as they are."""

from __future__ import annotations

from types import SimpleNamespace

from training.jobs.audience_report import DOC_END, DOC_START, write_audience_section
from training.report import MARK_END, MARK_START, render_section, write_report


def test_sections_are_written_in_place_and_keep_each_other(tmp_path):
    path = tmp_path / "evaluation.md"
    write_audience_section(path, "audience one")
    text = path.read_text()
    # A new document gets the embeddings markers above the audience section.
    assert text.startswith("# Evaluation\n") and text.index(MARK_START) < text.index(DOC_START)
    write_report(path, "embeddings one")
    write_audience_section(path, "audience two")
    write_report(path, "embeddings two")
    text = path.read_text()
    assert f"{MARK_START}\nembeddings two\n{MARK_END}" in text
    assert f"{DOC_START}\naudience two\n{DOC_END}" in text
    assert "one" not in text and text.count(MARK_START) == text.count(DOC_START) == 1


def test_a_document_without_the_markers_gets_the_section_appended(tmp_path):
    path = tmp_path / "evaluation.md"
    path.write_text("# Evaluation\n\nWritten by hand.\n")
    write_report(path, "section", "<!-- x:start -->", "<!-- x:end -->")
    expected = "# Evaluation\n\nWritten by hand.\n\n<!-- x:start -->\nsection\n<!-- x:end -->\n"
    assert path.read_text() == expected


def _embeddings_section(tags: int, fraction: float, text_dimensions: int, out: int) -> str:
    row = {"auc": 0.7, "hits@10": 0.1, "positives": 12}
    link = {edge: {m: row for m in ("graphsage", "tfidf_cosine", "random")} for edge in ("tags", "genres")}
    comps = {"titles": 30, "graphsage": 0.2, "tfidf_knn": 0.1, "genre_only": 0.1, "random": 0.05}
    results = {"tfidf-svd": {"link": link, "comps": comps, "train_seconds": 3.0, "feature_seconds": 1.0,
                             "tags": tags, "held_out_fraction": fraction}}
    inductive = {"titles": 5, "k": 3, "overlap_mean": 0.4, "overlap_median": 0.3, "control_overlap_mean": 0.5,
                 "embed_ms_median": 2.0, "warnings": 1}
    config = SimpleNamespace(seed=1, epochs=2, hidden=8, out=out, person_dropout=0.5,
                             text_dimensions=text_dimensions, comps_k=4)
    return render_section(results, "tfidf-svd", inductive, config, "titlegraph evaluate")


def test_the_embeddings_prose_takes_its_figures_from_the_run():
    section = _embeddings_section(tags=1234, fraction=0.2, text_dimensions=32, out=16)
    assert "place 1,234 tags in a 16-wide space" in section and "32-wide SVD projection" in section
    assert section.count("20% of title-tag and title-genre edges") == 1
    assert "its top-4 comps among the other charted titles" in section
    assert "**tfidf-svd**, the higher chart-country Jaccard" in section
    assert "6,629" not in section and "128-wide" not in section and "minutes" not in section
