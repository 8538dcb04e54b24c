"""The curated tag vocabulary (training/resources/tag_vocabulary.csv) and its labelled sample.

Each tag has a facet (subject, mood, setting, audience, format), a one-line definition written
like a plot summary (the sentence encoder compares summaries with it), decisive keywords and
the genres that imply it. The version is a hash of the file, so a changed vocabulary is a new
version wherever tags are written.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

RESOURCES = Path(__file__).resolve().parent / "resources"
VOCABULARY_PATH = RESOURCES / "tag_vocabulary.csv"
TAG_LABELS_PATH = RESOURCES / "tag_labels.csv"
FACETS = ("subject", "mood", "setting", "audience", "format")


@dataclass(frozen=True)
class TagDefinition:
    """One tag of the vocabulary."""

    name: str
    facet: str
    definition: str
    keywords: tuple[str, ...]
    genres: tuple[str, ...]


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
        tags.append(
            TagDefinition(
                name,
                row["facet"],
                row["definition"].strip(),
                tuple(k.lower() for k in _split(row["keywords"])),
                _split(row["genres"]),
            )
        )
    return Vocabulary(tuple(tags), hashlib.sha256(raw).hexdigest()[:12])


def load_tag_labels(path: Path = TAG_LABELS_PATH) -> dict[str, set[str]]:
    """Hand-labelled tags by catalog show id (`s34` -> {"heist", ...})."""
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["show_id"]: set(_split(row["tags"])) for row in csv.DictReader(handle)}
