"""Normalization of titles, person names and country names or codes.

Titles are compared across the two catalogs and the charts after the same normalization:
Unicode NFKD, combining accents dropped, casefolded, every non-alphanumeric character
replaced by a space, whitespace collapsed.
"""

import re
import unicodedata
from types import MappingProxyType

import pycountry

# Any run of characters that is not a letter or digit in any script ("_" counts as punctuation).
_NON_ALNUM_RUN = re.compile(r"[\W_]+")

# Names and codes in the shared data that pycountry does not resolve (or resolves only under a
# newer official name); historic states map to their main successor so rows are not lost.
_COUNTRY_ALIASES = MappingProxyType({
    "bolivia": "BO",
    "burma": "MM",
    "cape verde": "CV",
    "czech republic": "CZ",
    "east germany": "DE",
    "iran": "IR",
    "ivory coast": "CI",
    "laos": "LA",
    "macedonia": "MK",
    "moldova": "MD",
    "north korea": "KP",
    "palestine": "PS",
    "russia": "RU",
    "south korea": "KR",
    "soviet union": "RU",
    "su": "RU",
    "swaziland": "SZ",
    "syria": "SY",
    "taiwan": "TW",
    "tanzania": "TZ",
    "turkey": "TR",
    "uk": "GB",
    "ussr": "RU",
    "vatican city": "VA",
    "venezuela": "VE",
    "vietnam": "VN",
    "west germany": "DE",
})


def _fold(text: str) -> str:
    """Return text decomposed (NFKD) with combining marks removed."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


# A summary this long is one work's own text: JustWatch and the other catalogs copy Netflix's, so
# two entries that share it are one work listed twice (graph/catalog.py, training/franchise.py).
# Shorter ones ("A stand-up special.") are shared by unrelated titles.
SUMMARY_KEY_MIN_WORDS = 12
_WORD = re.compile(r"\w+")


def summary_words(text: str | None) -> str | None:
    """A summary as lower-case words joined by spaces, or None when it has under 12 of them."""
    words = _WORD.findall((text or "").lower())
    return " ".join(words) if len(words) >= SUMMARY_KEY_MIN_WORDS else None


def normalize_title(text: str) -> str:
    """Return the comparison key of a title ("La Casa de Papel!" -> "la casa de papel")."""
    if text.isascii():
        # Fast path for most titles and names: ASCII has no accents to decompose.
        folded = text.lower()
    else:
        # Fold again after casefold: some casefoldings (Turkish dotted I) emit combining marks.
        folded = _fold(_fold(text).casefold())
    return " ".join(_NON_ALNUM_RUN.sub(" ", folded).split())


def normalize_name(text: str) -> str:
    """Return the comparison key of a person name (the person key in the graph)."""
    return normalize_title(text)


class CountryResolver:
    """Resolve country names and codes to ISO 3166-1 alpha-2 codes.

    Built once from pycountry plus an alias table for names found in the shared data that
    pycountry does not know ("West Germany", "Soviet Union", "Russia", ...). Codes that are
    not ISO 3166-1 alpha-2 ("XX", "") resolve to None.
    """

    def __init__(self) -> None:
        self._iso2_by_key: dict[str, str] = {}
        self._name_by_iso2: dict[str, str] = {}
        for country in pycountry.countries:
            iso2 = country.alpha_2
            # Prefer the common short name ("Bolivia") over the formal one ("Bolivia, ...").
            self._name_by_iso2[iso2] = getattr(country, "common_name", None) or country.name
            for attribute in ("alpha_2", "alpha_3", "name", "official_name", "common_name"):
                value = getattr(country, attribute, None)
                if value:
                    self._iso2_by_key.setdefault(normalize_title(value), iso2)
        for alias, iso2 in _COUNTRY_ALIASES.items():
            self._iso2_by_key[alias] = iso2

    def iso2(self, name_or_code: str) -> str | None:
        """Return the alpha-2 code for a country name or code, or None if unknown."""
        key = normalize_title(name_or_code.strip().strip(","))
        if not key:
            return None
        return self._iso2_by_key.get(key)

    def name(self, iso2: str) -> str:
        """Return the English short name of an alpha-2 code ("KR" -> "South Korea")."""
        try:
            return self._name_by_iso2[iso2.strip().upper()]
        except KeyError:
            raise KeyError(
                f"{iso2!r} is not an ISO 3166-1 alpha-2 code; resolve names with iso2() first"
            ) from None
