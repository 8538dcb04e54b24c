"""training/report.py: the one splicer writes each section of docs/evaluation.md between its own
markers and leaves the others as they are."""

from __future__ import annotations

from training.jobs.audience_report import DOC_END, DOC_START, write_audience_section
from training.report import MARK_END, MARK_START, write_report


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
