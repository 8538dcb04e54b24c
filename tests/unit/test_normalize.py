"""Title and name normalization, and country resolution."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graph.normalize import CountryResolver, normalize_name, normalize_title


@pytest.fixture(scope="module")
def resolver():
    return CountryResolver()


def test_punctuation_becomes_space_and_case_folds():
    assert normalize_title("La Casa de Papel!") == "la casa de papel"


def test_accents_are_dropped():
    assert normalize_title("Amélie") == "amelie"


def test_whitespace_collapses_including_line_breaks():
    assert normalize_title("  The Memphis Belle:\nA  Story ") == "the memphis belle a story"


def test_apostrophe_variants_normalize_alike():
    assert normalize_title("Don't Look Up") == normalize_title("Don’t Look Up")


def test_non_latin_letters_are_kept():
    assert normalize_title("糖糖Online") == "糖糖online"


def test_underscore_counts_as_punctuation():
    assert normalize_title("hello_world") == "hello world"


def test_name_normalization_matches_accented_spelling():
    assert normalize_name("Penélope Cruz") == normalize_name("Penelope  CRUZ")


@given(st.text())
def test_normalization_is_idempotent(text):
    once = normalize_title(text)
    assert normalize_title(once) == once


@given(st.text())
def test_normalized_text_has_no_edge_or_double_spaces(text):
    normalized = normalize_title(text)
    assert normalized == normalized.strip() and "  " not in normalized


@pytest.mark.parametrize(
    ("name_or_code", "iso2"),
    [
        ("United States", "US"),
        ("US", "US"),
        ("us", "US"),
        ("United States,", "US"),
        (" France ", "FR"),
        ("West Germany", "DE"),
        ("East Germany", "DE"),
        ("Soviet Union", "RU"),
        ("SU", "RU"),
        ("Vatican City", "VA"),
        ("South Korea", "KR"),
        ("Russia", "RU"),
        ("Turkey", "TR"),
        ("Palestine", "PS"),
        ("Lebanon", "LB"),
    ],
)
def test_names_and_codes_resolve(resolver, name_or_code, iso2):
    assert resolver.iso2(name_or_code) == iso2


@pytest.mark.parametrize("code", ["GP", "MQ", "NC", "RE"])
def test_chart_territories_are_valid_codes(resolver, code):
    assert resolver.iso2(code) == code


@pytest.mark.parametrize("value", ["XX", "", " , ", "Atlantis"])
def test_unknown_values_resolve_to_none(resolver, value):
    assert resolver.iso2(value) is None


def test_name_gives_english_short_name(resolver):
    assert resolver.name("KR") == "South Korea"


def test_name_of_unknown_code_says_what_to_do(resolver):
    with pytest.raises(KeyError, match="iso2"):
        resolver.name("XX")
