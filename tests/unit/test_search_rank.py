"""Ranking of title search candidates (graph/reads.py), without a database."""

from graph.reads import EXACT_SCORE, PREFIX_SCORE, lucene_phrase_query, rank_search_hits


def _row(title_id: str, title: str, aliases: list[str], fulltext: float = 0.5) -> dict:
    return {"id": title_id, "title": title, "kind": "show", "year": None, "chart_only": False,
            "aliases": [title, *aliases], "fulltext": fulltext}


def test_an_exact_alias_outranks_a_title_prefix_and_a_better_fulltext_score():
    candidates = [_row("doc", "Money Heist: The Phenomenon", [], 0.9),
                  _row("show", "La casa de papel", ["Money Heist"], 0.4)]
    hits = rank_search_hits("money heist", candidates, limit=10)
    assert [(hit["id"], hit["score"]) for hit in hits] == [("show", EXACT_SCORE), ("doc", PREFIX_SCORE)]


def test_alias_matches_ignore_accents_case_and_punctuation():
    hits = rank_search_hits("pokemon the movie", [_row("m1", "Gekijōban", ["POKÉMON: The Movie!"])], limit=1)
    assert hits[0]["score"] == EXACT_SCORE


def test_an_alias_prefix_ranks_with_title_prefixes():
    hits = rank_search_hits("money he", [_row("show", "La casa de papel", ["Money Heist"], 0.4)], limit=1)
    assert hits[0]["score"] == PREFIX_SCORE


def test_other_candidates_keep_their_fulltext_score_and_ties_go_to_the_shorter_title_then_id():
    candidates = [_row("b", "Heist Crew", [], 0.3), _row("c", "Heist", []), _row("a", "Heist", []),
                  _row("d", "Favela Heist", [], 0.6)]
    hits = rank_search_hits("heist", candidates, limit=3)
    assert [(hit["id"], hit["score"]) for hit in hits] == [("a", EXACT_SCORE), ("c", EXACT_SCORE),
                                                           ("b", PREFIX_SCORE)]
    assert "fulltext" not in hits[0]
    # No name starts with "crew": all four keep their fulltext score.
    assert [hit["id"] for hit in rank_search_hits("crew", candidates, limit=4)] == ["d", "a", "c", "b"]


def test_the_phrase_query_escapes_lucene_syntax():
    assert lucene_phrase_query('Gantz:O "x"') == '"Gantz\\:O \\"x\\""'
