"""Franchise keys and same-work keys of titles, from their names and summaries.

A marketer's top 10 should not spend eight places on one franchise ("Pokémon the Movie: ..."
eight times), nor list one work twice (the catalog holds ten titles twice). Both are read off
the title: the franchise key is the name before a subtitle, without sequel markers; the work
key is the whole normalized name plus the kind. A work listed under two names ("Sarpatta
Parampara" / "Sarpatta Parambarai", "Escape Plan: The Extractors (4K UHD)" / "Escape Plan: the
Extractors Aka Escape Plan 3") shows by its summary, the same text of at least 12 words
(`text_key`); `same_works` joins entries linked by either key.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Sequence

from graph.normalize import normalize_title, summary_words

# "Narcos: Mexico", "Pokémon the Movie - I Choose You", "Sacred Games (Season 2)".
_SUBTITLE = re.compile(r"\s*(?::|\s[-–—]\s|\(|\|)")
_SEQUEL_TAIL = re.compile(
    r"(\s+(part|chapter|vol|volume|season|series|book|episode)\s+\w+"
    r"|\s+(\d+|ii|iii|iv|v|vi|vii|viii|ix|x)"
    r"|\s+the\s+(movie|series|show|film|musical|special)"
    r"|\s+(returns|reloaded|begins|forever|again|reborn|unleashed|rising|origins|legacy))+$"
)
# Stems this short or this common would join unrelated titles into one "franchise".
_GENERIC_STEMS = frozenset(
    {
        "the",
        "a",
        "an",
        "love",
        "home",
        "life",
        "family",
        "us",
        "it",
        "you",
        "me",
        "we",
        "her",
        "him",
        "my",
        "our",
        "the end",
        "the one",
        "secrets",
        "legend",
        "legends",
        "stories",
        "live",
        "untitled",
        "christmas",
        "hero",
        "heroes",
        "war",
        "the movie",
        "the series",
        "unknown",
        "game",
    }
)


def franchise_key(title: str) -> str | None:
    """The franchise a title belongs to ("Narcos: Mexico" -> "narcos"), or None when too generic."""
    head = _SUBTITLE.split(title, maxsplit=1)[0]
    stem = _SEQUEL_TAIL.sub("", normalize_title(head)).strip()
    if len(stem) < 4 or stem in _GENERIC_STEMS:
        return None
    return stem


def names_franchise(stem: str | None, title: str) -> bool:
    """Whether `title` names the franchise `stem` as whole words anywhere in its name: "Making The
    Witcher" and "The Witcher Bestiary Season 1" belong with "The Witcher" although their own keys
    differ. Only stems of two words or more count, so "Cats" does not claim every title with "cats"."""
    if stem is None or " " not in stem:
        return False
    return f" {stem} " in f" {normalize_title(title)} "


def franchise_members(titles: Sequence[str],
                      keys: Sequence[str | None] | None = None) -> dict[str, list[int]]:
    """Per franchise key, the positions of the titles of that franchise: those whose key it is and,
    for keys of two words or more, those that name it anywhere (`names_franchise`), found through
    an index of every title's word runs (no longer than the longest key) rather than a scan of the
    catalog per key. `keys`: the titles' `franchise_key`s, when the caller has them."""
    keys = [franchise_key(title) for title in titles] if keys is None else keys
    members: dict[str, set[int]] = defaultdict(set)
    for position, key in enumerate(keys):
        if key is not None:
            members[key].add(position)
    wanted = {key for key in members if " " in key}
    longest = max((key.count(" ") + 1 for key in wanted), default=0)
    for position, title in enumerate(titles):
        words = normalize_title(title).split()
        for start in range(len(words) - 1):
            for end in range(start + 2, min(len(words), start + longest) + 1):
                run = " ".join(words[start:end])
                if run in wanted:
                    members[run].add(position)
    return {key: sorted(rows) for key, rows in members.items()}


# Words of a piece about a title rather than another title: a making-of, an aftershow, a
# behind-the-scenes or reunion special ("Making The Witcher", "Beyond Stranger Things",
# "13 Reasons Why: Beyond the Reasons", "The Witcher Bestiary").
_COMPANION_WORDS = re.compile(
    r"\b(making|makings|behind the scenes|creating|a look inside|beyond|aftershow|after show|"
    r"afterparty|in conversation|bestiary|the road to|farewell|brought to screen|the phenomenon|reunion)\b"
)


def is_companion(stem: str | None, title: str) -> bool:
    """Whether `title` is a companion piece of the franchise `stem`: it names the franchise (as its
    key, or anywhere for stems of two words or more) and, outside that name, says it is a making-of,
    aftershow or behind-the-scenes piece. A marketer asking what The Witcher is like wants other
    stories, not "Making The Witcher"; a sequel or spin-off ("Narcos: Mexico") is not a companion."""
    if stem is None or not (franchise_key(title) == stem or names_franchise(stem, title)):
        return False
    rest = f" {normalize_title(title)} ".replace(f" {stem} ", " ", 1)
    return _COMPANION_WORDS.search(rest) is not None


# Languages Netflix and the other catalogs name in a title's dubbed versions: "Boomika (Malayalam)",
# "Baahubali: The Beginning (Hindi Version)", "... (English Subtitled)".
_LANGUAGES = (
    "english|hindi|tamil|telugu|malayalam|kannada|marathi|bengali|punjabi|gujarati|spanish|french|german|"
    "italian|portuguese|japanese|korean|mandarin|cantonese|arabic|turkish"
)
# One work listed again as another cut, edition or language version, in parentheses or after a
# colon or dash: "The Hateful Eight: Extended Version", "... (Director's Cut)", "... (Dubbed)".
_VERSION_OF_WORK = re.compile(
    r"\s*(?:\(|:\s|\s[-–—]\s)\s*(?:"
    rf"(?:{_LANGUAGES})(?:\s+(?:version|ver\.?|dub|dubbed|audio|subtitled|subbed))?"
    r"|dubbed|subbed|subtitled"
    r"|(?:extended|theatrical|unrated|uncut|final|special|director'?s|collector'?s)\s+(?:version|edition|cut)"
    r"|director'?s\s+cut|unrated|uncut|restored|remastered|4k\s+uhd"
    r"|[^()]*\bversion"
    r")\s*\)?\s*$",
    re.IGNORECASE,
)


def work_key(title: str, kind: str) -> str:
    """Two entries with this key are one work listed twice: the same name and kind, or another
    language version, cut or edition of it (stripped from the end of the name, repeatedly)."""
    while True:
        shorter = _VERSION_OF_WORK.sub("", title)
        if shorter == title or not shorter.strip():
            return f"{kind}:{normalize_title(title)}"
        title = shorter


def text_key(summary: str | None) -> str | None:
    """A digest of the summary's words (graph.normalize.summary_words); None for a short summary."""
    words = summary_words(summary)
    return None if words is None else "text:" + hashlib.blake2b(words.encode(), digest_size=8).hexdigest()


def same_works(keys: Sequence[tuple[str, str | None]]) -> tuple[list[str], dict[str, str]]:
    """One work id per entry, given each entry's (work key, text key): entries that share either
    key, directly or through others, get one id (the work key of the first of them). Also returns
    every key's work id, for telling which work a title outside the entries is."""
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for work, text in keys:
        first = root(work)
        if text is not None:
            second = root(text)
            # A root is a work key unless the text is new here: then it joins this entry's work;
            # otherwise this entry's work joins the earlier entry's.
            if second != first:
                if second.startswith("text:"):
                    parent[second] = first
                else:
                    parent[first] = second
    ids = [root(work) for work, _ in keys]
    return ids, {key: root(key) for key in parent}


def _plain_name(key: str, title: str) -> bool:
    """Whether the title is its franchise key and nothing else: no subtitle, number or sequel mark."""
    return normalize_title(title) == key


def franchise_pairs(ids: Sequence[str], titles: Sequence[str], kinds: Sequence[str],
                    works: Sequence[str] | None = None) -> list[tuple[str, str]]:
    """Pairs of different works that share a franchise key, where at least one names a sequel or
    spin-off (a subtitle or a number), so two unrelated films that share a plain name do not count.
    A work listed more than once (language versions, cuts) takes part once, by its shortest
    entry: a list holds one entry per work, so its other entries could never be found. `works`
    gives each entry's work id (`same_works`); without it, the work key of its name.
    A companion piece pairs only with other companion pieces: it is not a sequel or a spin-off.
    """
    groups: dict[str, dict[str, int]] = defaultdict(dict)
    for position, title in enumerate(titles):
        key = franchise_key(title)
        if key is None:
            continue
        work = works[position] if works is not None else work_key(title, kinds[position])
        kept = groups[key].get(work)
        if kept is None or (len(title), ids[position]) < (len(titles[kept]), ids[kept]):
            groups[key][work] = position
    pairs = []
    for key, works in groups.items():
        members = sorted(works.values())
        if len(members) < 2 or len(members) > 12:
            # Very large groups are catalogues of one brand ("Pokémon", "Barbie"): a handful of
            # their pairs would dominate the measure, so they are left out of it.
            continue
        for i, first in enumerate(members):
            for second in members[i + 1 :]:
                if _plain_name(key, titles[first]) and _plain_name(key, titles[second]):
                    continue  # "Black" the series and "Black" the film: a shared name, no more
                if is_companion(key, titles[first]) != is_companion(key, titles[second]):
                    continue
                pairs.append((ids[first], ids[second]))
    return sorted(pairs)
