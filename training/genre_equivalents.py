"""A new title's genres as a catalog title carries them: each label with its equivalent in the other
catalog's vocabulary.

A catalog title known to both catalogs carries Netflix's labels ("Crime TV Shows", "TV Dramas")
and JustWatch's ("crime", "drama"); a caller of `POST /v1/predict` sends one or two labels of one
vocabulary. The content vector's genre block is a cosine, so a request with "Crime TV Shows" alone
matched the titles that carry that one label (Netflix-only entries) better than the well-known
titles that carry both vocabularies: for a DEA-and-cartel pitch, Narcos ranked 34th. Adding the
equivalents makes the request look like a title of both catalogs. Measured on 250 catalog titles
of both catalogs, each described as a new title from its summary and its Netflix labels only:
overlap of the top 10 with the catalog's own comps of the title 0.457, with the equivalents added
0.587 (all of the title's labels: 0.676).

Labels that set a title's audience age or format keep their meaning: "Kids' TV" adds "family", and
a children's title stays one (kids come first); no equivalent turns a documentary into anything else.
"""

from __future__ import annotations

from collections.abc import Sequence

# Netflix label (lower case) -> JustWatch labels; the audience head's features read titles in
# JustWatch's vocabulary through it too (training/baselines.py).
NETFLIX_TO_JUSTWATCH: dict[str, tuple[str, ...]] = {
    "action & adventure": ("action",),
    "tv action & adventure": ("action",),
    "anime features": ("animation",),
    "anime series": ("animation",),
    "children & family movies": ("family",),
    "kids' tv": ("family",),
    "comedies": ("comedy",),
    "tv comedies": ("comedy",),
    "stand-up comedy": ("comedy",),
    "stand-up comedy & talk shows": ("comedy",),
    "crime tv shows": ("crime",),
    "documentaries": ("documentation",),
    "docuseries": ("documentation",),
    "science & nature tv": ("documentation",),
    "dramas": ("drama",),
    "tv dramas": ("drama",),
    "horror movies": ("horror",),
    "tv horror": ("horror",),
    "music & musicals": ("music",),
    "reality tv": ("reality",),
    "romantic movies": ("romance",),
    "romantic tv shows": ("romance",),
    "sci-fi & fantasy": ("scifi", "fantasy"),
    "tv sci-fi & fantasy": ("scifi", "fantasy"),
    "sports movies": ("sport",),
    "thrillers": ("thriller",),
    "tv thrillers": ("thriller",),
    "tv mysteries": ("thriller",),
}

# JustWatch label -> Netflix label for a film, for a series (None: Netflix has none).
JUSTWATCH_TO_NETFLIX: dict[str, tuple[str | None, str | None]] = {
    "crime": (None, "Crime TV Shows"),
    "drama": ("Dramas", "TV Dramas"),
    "comedy": ("Comedies", "TV Comedies"),
    "thriller": ("Thrillers", "TV Thrillers"),
    "horror": ("Horror Movies", "TV Horror"),
    "scifi": ("Sci-Fi & Fantasy", "TV Sci-Fi & Fantasy"),
    "fantasy": ("Sci-Fi & Fantasy", "TV Sci-Fi & Fantasy"),
    "action": ("Action & Adventure", "TV Action & Adventure"),
    "romance": ("Romantic Movies", "Romantic TV Shows"),
    "documentation": ("Documentaries", "Docuseries"),
    "music": ("Music & Musicals", None),
    "sport": ("Sports Movies", None),
    "reality": (None, "Reality TV"),
}


def in_justwatch_words(genre: str) -> tuple[str, ...]:
    """A genre label in JustWatch's vocabulary: a Netflix label becomes its equivalents ("TV Horror"
    and "Horror Movies" are "horror"); any other label stays itself, in lower case."""
    name = genre.strip().lower()
    return NETFLIX_TO_JUSTWATCH.get(name, (name,))


def with_equivalents(genres: Sequence[str], kind: str) -> list[str]:
    """`genres` followed by their equivalents in the other vocabulary, each label once."""
    added: list[str] = []
    for genre in genres:
        lowered = genre.lower()
        added += NETFLIX_TO_JUSTWATCH.get(lowered, ())
        film, series = JUSTWATCH_TO_NETFLIX.get(lowered, (None, None))
        equivalent = series if kind == "show" else film
        if equivalent is not None:
            added.append(equivalent)
    seen = {genre.lower() for genre in genres}
    extra = [genre for genre in dict.fromkeys(added) if genre.lower() not in seen]
    return [*genres, *extra]
