"""Tag extraction from summaries."""

from graph.tags import extract_tags

# Keeps every term that occurs in at least one title and in at most all titles.
KEEP_ALL = dict(min_titles=1, max_fraction=1.0)


def test_stop_words_and_domain_words_are_not_tags():
    tags = extract_tags({"a": "The film is about a heist"}, **KEEP_ALL)
    assert tags == {"a": ["heist"]}


def test_bigram_of_adjacent_kept_words_is_a_tag():
    tags = extract_tags({"a": "A serial killer."}, **KEEP_ALL)
    assert "serial killer" in tags["a"]


def test_bigram_does_not_skip_a_dropped_word():
    tags = extract_tags({"a": "Pirates of Caribbean"}, **KEEP_ALL)
    assert tags["a"] == ["caribbean", "pirates"]


def test_bigram_does_not_cross_punctuation():
    tags = extract_tags({"a": "A detective, killer instincts"}, **KEEP_ALL)
    assert "detective killer" not in tags["a"]


def test_plural_folds_when_singular_occurs_in_corpus():
    tags = extract_tags({"a": "Two killers", "b": "One killer"}, **KEEP_ALL)
    assert tags["a"] == ["killer"]


def test_plural_stays_when_singular_is_absent():
    tags = extract_tags({"a": "Strange aliens"}, **KEEP_ALL)
    assert "aliens" in tags["a"]


def test_news_is_not_folded_to_new():
    tags = extract_tags({"a": "Fake news", "b": "A new anchor"}, **KEEP_ALL)
    assert "news" in tags["a"]


def test_rare_terms_are_dropped():
    summaries = {"a": "heist robbery", "b": "heist", "c": "other"}
    tags = extract_tags(summaries, min_titles=2, max_fraction=1.0)
    assert tags["a"] == ["heist"]


def test_too_common_terms_are_dropped():
    summaries = {str(i): "heist" + (" robbery" if i < 2 else "") for i in range(10)}
    tags = extract_tags(summaries, min_titles=1, max_fraction=0.5)
    assert "heist" not in tags["0"] and "robbery" in tags["0"]


def test_rarer_term_ranks_first_by_tf_idf():
    summaries = {"a": "heist; robbery", "b": "heist", "c": "heist", "d": "nothing"}
    tags = extract_tags(summaries, **KEEP_ALL)
    assert tags["a"] == ["robbery", "heist"]


def test_equal_scores_break_ties_alphabetically():
    tags = extract_tags({"a": "zebra mango", "b": "other"}, min_titles=1, max_fraction=0.5)
    assert tags["a"] == ["mango", "zebra", "zebra mango"]


def test_per_title_limits_the_number_of_tags():
    tags = extract_tags({"a": "heist robbery vault alarm"}, **KEEP_ALL, per_title=2)
    assert len(tags["a"]) == 2


def test_every_title_gets_a_key_even_without_tags():
    assert extract_tags({"a": "", "b": "the of and"}, **KEEP_ALL) == {"a": [], "b": []}


def test_output_is_deterministic():
    summaries = {str(i): f"heist number{i % 3} vault robbery crew" for i in range(30)}
    assert extract_tags(summaries, min_titles=2, max_fraction=0.5) == extract_tags(
        dict(reversed(list(summaries.items()))), min_titles=2, max_fraction=0.5
    )
