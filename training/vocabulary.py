"""The curated tag vocabulary (training/resources/tag_vocabulary.csv) and its labelled sample.

Each tag has a facet (subject, mood, setting, audience, format), a one-line definition written
like a plot summary (the sentence encoder compares summaries with it), decisive keywords, the
genres that imply it, and what a title must be for the tag to apply at all (`requires`, see
`REQUIREMENTS`). A keyword written `-big cat` is a phrase that does not count as the tag's keyword
(a "big cat" is no house cat). The version is a hash of the file, so a changed vocabulary is a new
version wherever tags are written.
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

RESOURCES = Path(__file__).resolve().parent / "resources"
VOCABULARY_PATH = RESOURCES / "tag_vocabulary.csv"
TAG_LABELS_PATH = RESOURCES / "tag_labels.csv"
FACETS = ("subject", "mood", "setting", "audience", "format")
# What a tag can require of a title (every listed requirement must hold; options joined by "/",
# as in "documentary/unscripted", ask for either):
# - "keyword": a keyword occurs in the name or summary, or a genre implies the tag (places,
#   animals, sports, named eras and groups are facts a summary states; sentence similarity
#   confuses one country or sport with another);
# - "show" / "movie": the title's kind;
# - a genre group of training.tagging.GENRE_GROUPS ("unscripted", "documentary", "stand-up",
#   "animation", "kids") that the title's genres must meet, or "scripted" (none of the unscripted,
#   documentary or stand-up genres): a game show is reality TV, never a drama about a game;
# - "made in XX" (ISO 3166-1 alpha-2): a production country, when the title's countries are known,
#   or a genre that implies the tag. A film industry's tag (k-drama, bollywood, turkish drama) is a
#   fact of where a title was made, and sentence similarity gave "turkish drama" to The Simpsons and
#   24 ("sweeping family power struggles"), "c-drama" to Into the Badlands (martial arts);
# - "live action": not in the "animation" group (a film industry's drama is not its cartoons:
#   Tayo the Little Bus and Pororo were "k-drama");
# - "released before YYYY": a release year before YYYY, or a genre that implies the tag. A title
#   whose year is not known, and every pitch (a new title), is not: sentence similarity called
#   documentaries of 2019 about old things "classic", and a pitch would have listed old films.
REQUIREMENTS = ("keyword", "show", "movie", "unscripted", "documentary", "stand-up", "animation", "kids",
                "scripted", "live action")
MADE_IN = "made in "
RELEASED_BEFORE = "released before "
# The one place the two fact options' wording is read: "made in KR", "released before 2000".
_FACT_OPTION = re.compile(rf"(?P<fact>{MADE_IN}|{RELEASED_BEFORE})(?P<value>[A-Z]{{2}}|[12][0-9]{{3}})")


def fact_option(option: str) -> tuple[str, str] | None:
    """A requirement option that names a fact of the title, as (MADE_IN, "KR") or
    (RELEASED_BEFORE, "2000"); None for one of the REQUIREMENTS (or a malformed option)."""
    match = _FACT_OPTION.fullmatch(option)
    if match is None or (match["fact"] == MADE_IN) != match["value"].isalpha():
        return None
    return match["fact"], match["value"]


def is_fact_option(option: str) -> bool:
    """Whether a requirement option names a fact of the title, "made in XX" or "released before
    YYYY", rather than one of the REQUIREMENTS."""
    return fact_option(option) is not None


@dataclass(frozen=True)
class TagDefinition:
    """One tag of the vocabulary."""

    name: str
    facet: str
    definition: str
    keywords: tuple[str, ...]
    genres: tuple[str, ...]
    requires: tuple[str, ...] = ()
    not_keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Vocabulary:
    """The tags in file order and the vocabulary's version (first 12 hex of the file's sha256)."""

    tags: tuple[TagDefinition, ...]
    version: str

    @property
    def names(self) -> list[str]:
        return [tag.name for tag in self.tags]


def _split(cell: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (cell or "").split("|") if part.strip())


def load_vocabulary(path: Path = VOCABULARY_PATH) -> Vocabulary:
    """Read the vocabulary file; a bad facet or a repeated name is an error naming the line."""
    raw = path.read_bytes()
    tags, seen = [], set()
    for line, row in enumerate(csv.DictReader(raw.decode("utf-8").splitlines()), start=2):
        name = row["name"].strip().lower()
        if row["facet"] not in FACETS:
            raise ValueError(f"{path.name}:{line}: facet must be one of {FACETS}, got {row['facet']!r}")
        if name in seen:
            raise ValueError(f"{path.name}:{line}: tag {name!r} is defined twice")
        seen.add(name)
        requires = _split(row.get("requires"))
        options = {option for requirement in requires for option in requirement.split("/")}
        if {option for option in options - set(REQUIREMENTS) if not is_fact_option(option)}:
            raise ValueError(f"{path.name}:{line}: requires must be among {REQUIREMENTS}, 'made in XX' "
                             f"(an ISO country code) or 'released before YYYY', got {requires}")
        keywords = [k.lower() for k in _split(row["keywords"])]
        tags.append(
            TagDefinition(
                name,
                row["facet"],
                row["definition"].strip(),
                tuple(k for k in keywords if not k.startswith("-")),
                _split(row["genres"]),
                requires,
                tuple(k[1:].strip() for k in keywords if k.startswith("-")),
            )
        )
    return Vocabulary(tuple(tags), hashlib.sha256(raw).hexdigest()[:12])


def load_tag_labels(path: Path = TAG_LABELS_PATH) -> dict[str, set[str]]:
    """Hand-labelled tags by catalog show id (`s34` -> {"heist", ...})."""
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["show_id"]: set(_split(row["tags"])) for row in csv.DictReader(handle)}
