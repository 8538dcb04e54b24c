"""The in-memory title search of degraded mode (service/title_search.py), without a database."""

from graph.reads import EXACT_SCORE, PREFIX_SCORE
from service.title_search import TitleSearch, TitleSearches

TITLES = [{"id": "a", "title": "Money Heist", "kind": "show", "year": 2017},
          {"id": "b", "title": "Money Heist: The Phenomenon", "kind": "movie", "year": 2020},
          {"id": "c", "title": "The Heist of the Century", "kind": "movie", "year": None},
          {"id": "d", "title": "Pokémon: The Movie!", "kind": "movie", "year": 1998}]


def test_equal_then_prefix_then_every_word_as_a_word_prefix():
    hits = TitleSearch(TITLES).search("money heist")
    assert [(hit["id"], hit["score"]) for hit in hits] == [("a", EXACT_SCORE), ("b", PREFIX_SCORE)]
    words = TitleSearch(TITLES).search("heis cent")
    assert [hit["id"] for hit in words] == ["c"] and 0 < words[0]["score"] < 1


def test_accents_case_punctuation_kind_and_limit():
    search = TitleSearch(TITLES)
    assert search.search("POKEMON the movie")[0] == {
        "id": "d", "title": "Pokémon: The Movie!", "kind": "movie", "year": 1998, "score": EXACT_SCORE}
    # Neither starts with the word: the title with fewer words (4 against 5) ranks first.
    assert [hit["id"] for hit in search.search("heist", kind="movie")] == ["b", "c"]
    assert len(search.search("heist", limit=1)) == 1
    assert search.search("!!!") == [] and search.search("zebra") == []


def test_one_search_per_model_object():
    class Model:
        titles = TITLES

    searches, model = TitleSearches(), Model()
    assert searches.of(model) is searches.of(model) and searches.of(Model()) is not searches.of(model)
