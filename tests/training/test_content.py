"""Content comps: franchise and work keys, the marketer's rules, explanations, tagging, the
vocabulary files, and the save/load round trip. Tiny synthetic catalogs, no database."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from graph.embeddings import TitleRow
from graph.normalize import normalize_title
from training.content import (
    ContentIndex,
    ContentTitle,
    ContentWeights,
    audience_class,
    audiences_mix,
    content_genres,
    format_row,
    why_sentence,
)
from training.content_fit import tagging_text
from training.content_model import ContentModel
from training.franchise import (
    franchise_key,
    franchise_members,
    franchise_pairs,
    is_companion,
    names_franchise,
    same_works,
    text_key,
    work_key,
)
from training.genre_equivalents import with_equivalents
from training.tagging import (
    KEYWORD_BONUS,
    RULED_OUT,
    TagAssigner,
    TitleText,
    fit_keyword_bonus,
    fit_thresholds,
    genre_groups,
    precision_recall_at,
)
from training.vocabulary import (
    FACETS,
    TagDefinition,
    Vocabulary,
    fact_option,
    load_tag_labels,
    load_vocabulary,
)


@pytest.mark.parametrize(
    "title, key",
    [
        ("Narcos: Mexico", "narcos"),
        ("Narcos", "narcos"),
        ("The Kissing Booth 2", "the kissing booth"),
        ("Pokémon the Movie: I Choose You!", "pokemon"),
        ("Tremors 4: The Legend Begins", "tremors"),
        ("Love", None),
        ("Sacred Games (Season 2)", "sacred games"),
    ],
)
def test_franchise_key_is_the_name_before_subtitles_and_sequel_marks(title, key):
    assert franchise_key(title) == key


@pytest.mark.parametrize(
    "version, original",
    [
        ("Baahubali: The Beginning (Hindi Version)", "Baahubali: The Beginning (Tamil Version)"),
        ("Boomika (Malayalam)", "Boomika"),  # Malayalam, Kannada: versions the first rule missed
        ("K.G.F: Chapter 1 (Kannada)", "K.G.F: Chapter 1"),
        ("The Hateful Eight: Extended Version", "The Hateful Eight"),
        ("Silence (Malayalam) (4K UHD)", "Silence"),
        ("T-34 (Director's Cut)", "T-34"),
        ("KenIchi: The Mightiest Disciple (English Dub)", "KenIchi: The Mightiest Disciple"),
        ("Me Time - Unrated", "Me Time"),
    ],
)
def test_language_versions_cuts_and_editions_are_one_work(version, original):
    assert work_key(version, "movie") == work_key(original, "movie")


@pytest.mark.parametrize(
    "title, other",
    [
        ("Narcos: Mexico", "Narcos"),
        ("The Final Cut", "The Final"),
        ("Japan: Version 2", "Japan"),
        ("Tamil", "Tamil Nadu"),
    ],
)
def test_a_subtitle_that_names_no_version_keeps_the_work_apart(title, other):
    assert work_key(title, "movie") != work_key(other, "movie")


def test_a_work_listed_in_several_versions_takes_part_in_the_franchise_measure_once():
    pairs = franchise_pairs(
        ["a", "b", "c", "d"],
        [
            "Baahubali: The Beginning (Hindi Version)",
            "Baahubali: The Beginning (Tamil Version)",
            "Baahubali 2: The Conclusion",
            "Baahubali 2: The Conclusion (Malayalam)",
        ],
        ["movie", "movie", "movie", "movie"],
    )
    # One pair of works, by their shortest entries: a list keeps one entry per work, so the pairs
    # of the other versions could never be found.
    assert pairs == [("a", "c")]


def _vector(*weights: float) -> np.ndarray:
    vector = np.zeros(8, dtype=np.float32)
    vector[: len(weights)] = weights
    return vector


def _catalog():
    """An adult crime drama, look-alikes of every kind the rules must handle."""
    titles = [
        ContentTitle(
            "t0", "Cartel Story", "show", "TV-MA", ["Crime TV Shows"], [("drug cartel", 1.0)], ["ana"]
        ),
        ContentTitle("t1", "Little Cartel Pals", "show", "TV-Y7", ["Kids' TV"], [("drug cartel", 0.5)]),
        ContentTitle("t2", "Cartel Wars", "show", "TV-MA", ["Crime TV Shows"], [("drug cartel", 1.0)]),
        ContentTitle(
            "t3", "Cartel Wars: Part 2", "show", "TV-MA", ["Crime TV Shows"], [("drug cartel", 1.0)]
        ),
        ContentTitle(
            "t4", "Cartel Wars: Origins", "show", "TV-MA", ["Crime TV Shows"], [("drug cartel", 1.0)]
        ),
        ContentTitle("t5", "Cartel Story", "show", "TV-MA", ["Crime TV Shows"], [("drug cartel", 1.0)]),
        ContentTitle(
            "t6", "Border Town", "show", "TV-MA", ["Crime TV Shows"], [("drug cartel", 0.8)], ["ana"]
        ),
        ContentTitle("t7", "Baking Friends", "show", "TV-G", ["Reality TV"], [("baking", 1.0)]),
    ]
    vectors = np.stack(
        [
            _vector(1, 0.1),
            _vector(1, 0.12),
            _vector(1, 0.2),
            _vector(1, 0.21),
            _vector(1, 0.22),
            _vector(1, 0.1),
            _vector(1, 0.5),
            _vector(0, 0, 1),
        ]
    )
    facets = {"drug cartel": "subject", "baking": "subject"}
    # Without the graph step and the prior, so each rule and the people bonus are seen alone.
    return ContentIndex(titles, vectors, facets, ContentWeights(neighbours=0.0, prominence=0.0, hub=0.0))


def test_rules_keep_kids_titles_duplicates_and_a_third_franchise_entry_out():
    index = _catalog()
    comps = [index.ids[j] for j, _ in index.comps_of("t0", k=6)]
    assert "t1" not in comps, "a children's title among an adult drama's comps"
    assert "t5" not in comps, "the same work listed twice"
    assert sum(c in comps for c in ("t2", "t3", "t4")) == 2, "at most two titles of one franchise"
    assert comps[:2] == ["t6", "t2"] or comps[0] in ("t2", "t6")


SARPATTA = ("In 1970s Madras, a young labourer steps into the boxing ring to defend the honour of "
            "his clan against a rival clan.")


def test_one_summary_under_two_names_is_one_work_and_a_short_summary_is_no_evidence():
    assert text_key(SARPATTA) == text_key(SARPATTA.upper() + "  ") is not None
    assert text_key("A stand-up special.") is None
    ids, of_key = same_works([("movie:sarpatta parampara", text_key(SARPATTA)),
                              ("movie:sarpatta parambarai", text_key(SARPATTA)),
                              ("movie:sarpatta parampara", None),
                              ("movie:rocky", None)])
    assert ids == ["movie:sarpatta parampara"] * 3 + ["movie:rocky"]
    assert of_key[text_key(SARPATTA)] == of_key["movie:sarpatta parambarai"] == ids[0]


def test_a_work_listed_under_two_names_takes_one_place_among_comps():
    boxing = [("boxing", 1.0)]
    def film(title_id, name, summary=None):
        return ContentTitle(title_id, name, "movie", "R", ["Dramas"], boxing, text_key=text_key(summary))

    titles = [film("a", "Raging Fists", "Fists " * 12), film("b", "Sarpatta Parampara", SARPATTA),
              film("c", "Sarpatta Parambarai", SARPATTA), film("d", "Ring Kings")]
    vectors = np.stack([_vector(1, 0.1), _vector(1, 0.11), _vector(1, 0.12), _vector(1, 0.3)])
    index = ContentIndex(titles, vectors, {"boxing": "subject"},
                         ContentWeights(neighbours=0.0, prominence=0.0, hub=0.0))
    assert [index.ids[j] for j, _ in index.comps_of("a", k=3)] == ["b", "d"]
    assert [index.ids[j] for j, _ in index.comps_of("c", k=3)] == ["a", "d"]
    # A pitch whose summary is a catalog work's text is that work: the list leaves it out.
    pitch = ContentTitle("", "Madras Ring", "movie", "R", ["Dramas"], boxing, text_key=text_key(SARPATTA))
    assert [index.ids[j] for j, _ in index.comps(index.matrix[1], pitch, 3)] == ["a", "d"]
    # Lists ranked by another score (audience comps) keep one entry per work the same way.
    assert index.by_list_rules([("b", 0.9), ("c", 0.8), ("x", 0.7), ("d", 0.6)], 3, seen=["a"]) == [
        ("b", 0.9), ("x", 0.7), ("d", 0.6)]
    assert index.by_list_rules([("b", 0.9), ("c", 0.8), ("d", 0.6)], 3, seen=["c"]) == [("d", 0.6)]
    names = ["Sarpatta: Parampara", "Sarpatta: Parambarai", "Sarpatta 2"]
    works, _ = same_works([(work_key(name, "movie"), key)
                           for name, key in zip(names, [text_key(SARPATTA)] * 2 + [None], strict=True)])
    assert len(franchise_pairs(["b", "c", "e"], names, ["movie"] * 3)) == 3
    assert franchise_pairs(["b", "c", "e"], names, ["movie"] * 3, works) == [("b", "e")]


@pytest.mark.parametrize(("rating", "listed"), [("TV-PG", True), ("TV-G", True), ("TV-14", False),
                                                 ("PG-13", False), ("TV-MA", False)])
def test_a_childrens_show_lists_no_teen_or_adult_title(rating, listed):
    # Zero Chill (TV-Y7) listed The Umbrella Academy (TV-14): no comp a children's marketer can use.
    titles = [
        ContentTitle("k", "Ice Kids", "show", "TV-Y7", ["Kids' TV"], [("sports", 1.0)]),
        ContentTitle("o", "Other Show", "show", rating, ["TV Dramas"], [("sports", 1.0)]),
    ]
    vectors = np.stack([_vector(1, 0.1), _vector(1, 0.12)])
    index = ContentIndex(titles, vectors, {"sports": "subject"},
                         ContentWeights(neighbours=0.0, prominence=0.0, hub=0.0))
    assert bool(index.comps_of("k", k=5)) is listed
    # Lists ranked by another score (audience comps) keep the same rule.
    assert bool(index.by_list_rules([("o", 0.9)], 5, seen=["k"], audience=index.audience_of("k"))) is listed
    assert index.by_list_rules([("o", 0.9)], 5, seen=["k"]) == [("o", 0.9)]
    assert audience_class("TV-14", ["TV Dramas"]) == "teen"
    assert audiences_mix("teen", "teen") and audiences_mix("adult", "teen")


def test_companion_pieces_are_not_comps_and_spin_offs_are():
    # "Making The Witcher", "The Witcher Bestiary" and "The Witcher: A Look Inside the Episodes"
    # took places in The Witcher's list: marketing pieces about it, not other titles like it.
    names = ["Monster Hunt", "Monster Hunt: Nightmare", "Making Monster Hunt",
             "Monster Hunt Bestiary Season 1", "Monster Hunt: A Look Inside", "Blood Moon", "Dark Crystal",
             "Monster Hunt 2"]
    titles = [ContentTitle(f"w{i}", name, "show", "TV-MA", ["TV Dramas"], [("monsters", 1.0)])
              for i, name in enumerate(names)]
    vectors = np.stack([_vector(1, 0.01 * i) for i in range(len(names))])
    index = ContentIndex(titles, vectors, {"monsters": "subject"}, ContentWeights(neighbours=0.0))
    comps = [index.titles[j].title for j, _ in index.comps_of("w0", k=5)]
    # The franchise bonus puts its spin-off and sequel first; its companion pieces stay out.
    assert comps[:2] == ["Monster Hunt: Nightmare", "Monster Hunt 2"], comps
    assert set(comps) == {"Monster Hunt: Nightmare", "Blood Moon", "Dark Crystal", "Monster Hunt 2"}
    # The making-of's own comps may come from the franchise it is about.
    making = [index.titles[j].title for j, _ in index.comps_of("w2", k=5)]
    assert "Monster Hunt: Nightmare" in making
    # One-word stems claim nothing: "Cats" is a word of many unrelated titles.
    assert names_franchise("monster hunt", "Making Monster Hunt")
    assert not names_franchise("cats", "Cat People and Cats")
    assert not names_franchise("monster hunt", "Monsters Hunting")


def _angle(degrees: float) -> np.ndarray:
    """A summary vector at this angle from the first axis (cosine with `_angle(0)` is cos(degrees))."""
    return _vector(np.cos(np.radians(degrees)), np.sin(np.radians(degrees)))


def test_titles_of_the_franchise_are_lifted_from_far_down_and_a_shared_name_alone_is_not():
    # The Dark Crystal's spin-off series sat 431st in the film's list (another kind, another cast);
    # the horror film Countdown and the space documentary Countdown: Inspiration4 share a name only.
    others = ["Nebula", "Orbit", "Comet", "Pulsar", "Quasar", "Meteor", "Eclipse", "Zenith", "Aurora",
              "Vortex"]
    fillers = [(f"f{i}", f"{name} Rising", 35 + i) for i, name in enumerate(others)]
    entries = [("a", "Star Quest", 0), ("s", "Star Quest: The Series", 68),
               ("c", "The Star Quest Chronicles", 70), ("n", "Star Quest: Countdown", 89)] + fillers
    titles = [ContentTitle(i, name, "movie", "PG", ["Sci-Fi Movies"], []) for i, name, _ in entries]
    vectors = np.stack([_angle(degrees) for _, _, degrees in entries])
    weights = ContentWeights(neighbours=0.0, prominence=0.0, hub=0.0, summary=1.0, tags=0.0, genres=0.0,
                             kind=0.0, format=0.0)
    index = ContentIndex(titles, vectors, {}, weights)
    score = {title_id: float(index.matrix[index.position[title_id]] @ index.matrix[0]) for title_id in "scn"}
    assert score["s"] > score["c"] >= weights.franchise_floor > score["n"]
    comps = dict((index.ids[j], value) for j, value in index.comps_of("a", k=10))
    assert list(comps)[:2] == ["s", "c"] and "n" not in comps
    assert comps["s"] == pytest.approx(score["s"] + weights.franchise, abs=1e-5)
    assert index.explain(index.titles[0], index.position["s"])["why"].startswith("Same franchise")
    # Without the bonus both sit below every filler, out of the top 10.
    plain = index.reweighted(replace(weights, franchise=0.0))
    assert {index.ids[j] for j, _ in plain.comps_of("a", k=10)} == {i for i, _, _ in fillers}
    # A pitch with the franchise's name gets the same lift.
    pitch = ContentTitle("", "Star Quest 3", "movie", "PG", ["Sci-Fi Movies"], [])
    assert [index.ids[j] for j, _ in index.comps(index.matrix[0], pitch, 3)][:2] == ["a", "s"]


def test_franchise_members_are_the_titles_of_its_key_and_those_naming_it():
    names = ["Star Quest", "Star Quest: The Series", "Making The Star Quest Chronicles", "Starquest",
             "Cats", "Cats & Dogs", "Black Cats"]
    members = franchise_members(names)
    assert members["star quest"] == [0, 1, 2]
    # One-word keys claim only the titles whose key they are.
    assert members["cats"] == [4]


@pytest.mark.parametrize(
    "stem, title, companion",
    [
        ("the witcher", "Making The Witcher", True),
        ("the witcher", "The Witcher: A Look Inside the Episodes", True),
        ("stranger things", "Beyond Stranger Things", True),
        ("13 reasons why", "13 Reasons Why: Beyond the Reasons", True),
        ("narcos", "Narcos: Mexico", False),
        ("the witcher", "The Witcher: Nightmare of the Wolf", False),
        ("evil", "Beyond Evil", False),  # a drama of its own, not about "Evil"
        ("making a murderer", "Making a Murderer: Part 2", False),
        (None, "Making The Witcher", False),
    ],
)
def test_a_companion_piece_names_the_franchise_and_says_what_it_is(stem, title, companion):
    assert is_companion(stem, title) is companion


def test_two_works_that_only_share_a_plain_name_are_no_franchise_pair():
    pairs = franchise_pairs(["a", "b", "c"], ["The Terminal", "The Terminal", "The Terminal 2"],
                            ["movie", "show", "movie"])
    # The film and the series called "The Terminal" share a name; a sequel names its franchise.
    assert pairs == [("a", "c"), ("b", "c")]


def test_a_companion_piece_pairs_with_no_sequel_in_the_franchise_measure():
    pairs = franchise_pairs(["a", "b", "c", "d"],
                            ["Thirteen Reasons", "Thirteen Reasons: Beyond the Reasons",
                             "Thirteen Reasons 2", "Thirteen Reasons: The Reunion"],
                            ["show", "show", "show", "show"])
    assert pairs == [("a", "c"), ("b", "d")]


def test_a_series_and_a_film_of_one_genre_share_it_in_their_why():
    # Netflix labels series and films apart ("TV Horror", "Horror Movies"); JustWatch says "horror".
    titles = [
        ContentTitle("h0", "Slasher Town", "show", "TV-MA", ["TV Horror", "Crime TV Shows"], []),
        ContentTitle("h1", "Slasher Town 3", "movie", "R", ["Horror Movies"], []),
        ContentTitle("h2", "Slasher Night", "movie", "R", ["Horror Movies", "horror", "crime"], []),
    ]
    index = ContentIndex(titles, np.stack([_vector(1, 0.0), _vector(1, 0.1), _vector(1, 0.2)]), {},
                         ContentWeights(neighbours=0.0))
    why = index.explain(index.titles[0], index.position["h1"])
    assert why["shared_genres"] == ["horror"]
    assert why["why"] == "Same franchise; both listed as horror."
    # A genre shared by label is not named twice by its equivalent.
    assert index.explain(index.titles[2], index.position["h1"])["shared_genres"] == ["Horror Movies"]
    assert index.explain(index.titles[0], index.position["h2"])["shared_genres"] == ["horror", "crime"]


def test_where_a_title_was_made_shapes_no_content_comp_nor_its_explanation():
    # Two British dramas and a Korean one about the same story: with the place labels read, the
    # British comp of a British title won on "British TV Shows" alone.
    titles = [
        ContentTitle("p0", "Crown Affairs", "show", "TV-MA", ["British TV Shows", "TV Dramas"],
                     [("royalty", 1.0)]),
        ContentTitle("p1", "Palace Games", "show", "TV-MA",
                     ["International TV Shows", "Korean TV Shows", "TV Dramas"], [("royalty", 1.0)]),
        ContentTitle("p2", "Estate Life", "show", "TV-MA",
                     ["British TV Shows", "International TV Shows", "TV Dramas"],
                     [("royalty", 1.0), ("spanish-language", 1.0)]),
    ]
    vectors = np.stack([_vector(1, 0.0), _vector(1, 0.1), _vector(1, 0.1)])
    index = ContentIndex(titles, vectors, {"royalty": "subject", "spanish-language": "format"},
                         ContentWeights(neighbours=0.0))
    assert index.matrix[0] @ index.matrix[1] == pytest.approx(index.matrix[0] @ index.matrix[2])
    why = index.explain(index.titles[0], index.position["p2"])
    assert why["shared_genres"] == ["TV Dramas"]
    assert "British" not in why["why"]
    assert content_genres(["European", "drama", "International Movies"]) == ["drama"]


def test_comps_are_scored_by_the_whole_content_vector():
    # The index scores its summary block dense and the rest sparse: the same as the dense product.
    index = _catalog()
    anchor = index.position["t7"]  # nobody shares a person with it: no bonus in its scores
    vector = index.matrix[anchor]
    for scope in ("all", "netflix"):
        comps = index.comps(vector, index.titles[anchor], k=6, self_index=anchor, scope=scope)
        assert comps
        for position, score in comps:
            assert score == pytest.approx(float(index.matrix[position] @ vector), abs=1e-6)


def test_shared_people_raise_a_comp_and_are_explained():
    index = _catalog()
    without = index.reweighted(ContentWeights(people=0.0, neighbours=0.0, prominence=0.0, hub=0.0))
    rank_with = [index.ids[j] for j, _ in index.comps_of("t0", k=6)].index("t6")
    rank_without = [without.ids[j] for j, _ in without.comps_of("t0", k=6)].index("t6")
    assert rank_with < rank_without
    why = index.explain(index.titles[0], index.position["t6"])
    assert why["shared_tags_by_facet"] == {"subject": ["drug cartel"]}
    assert why["shared_people"] == ["Ana"]
    assert why["why"] == "Both about drug cartel; both listed as Crime TV Shows; shared cast or crew: Ana."


def test_why_sentence_names_each_facet_in_words():
    sentence = why_sentence({"mood": ["gritty"], "setting": ["colombia"]}, [], [])
    assert sentence == "Gritty in tone; both set in colombia."
    assert why_sentence({}, [], []) == "Similar summary."


def test_a_saved_index_loads_with_the_same_comps(tmp_path):
    index = _catalog()
    index.save(tmp_path)
    loaded = ContentIndex.load(tmp_path)
    for title_id in index.ids:
        assert [j for j, _ in loaded.comps_of(title_id, k=5)] == [j for j, _ in index.comps_of(title_id, k=5)]


def _tiny_vocabulary() -> Vocabulary:
    tags = (
        TagDefinition("heist", "subject", "thieves rob a bank", ("heist", "robbery"), ()),
        TagDefinition("docuseries", "format", "a documentary series", (), ("Docuseries",)),
        TagDefinition("kids", "audience", "for young children", (), ()),
        TagDefinition("romance", "subject", "two people fall in love", (), ()),
    )
    return Vocabulary(tags, "test")


def test_tagging_uses_similarity_keywords_genres_and_ratings():
    vocabulary = _tiny_vocabulary()
    definitions = np.eye(4, dtype=np.float32)
    assigner = TagAssigner(vocabulary, definitions, dict.fromkeys(FACETS, 0.5))
    summaries = np.array([[0.3, 0, 0, 0.9], [0, 0, 0, 0.1]], dtype=np.float32)
    titles = [
        TitleText("The Big Heist", "A robbery goes wrong.", ["Dramas"], "TV-MA"),
        TitleText("Tiny Tales", "Stories.", ["Docuseries"], "TV-Y"),
    ]
    scores = assigner.scores(summaries, titles)
    assert scores[0, 0] == pytest.approx(0.3 + 0.15)  # cosine plus the keyword bonus
    assert scores[1, 1] == 1.0 and scores[1, 2] == 1.0  # genre and rating are decisive
    tags = assigner.select(scores)
    assert [name for name, _ in tags[0]][0] == "romance"
    assert len(tags[0]) == 3, "titles keep at least three tags"
    assert {"docuseries", "kids"} <= {name for name, _ in tags[1]}


def _gated_vocabulary() -> Vocabulary:
    tags = (
        TagDefinition("game show", "format", "contestants play for prizes", ("game show",), ("Game Shows",),
                      ("unscripted",)),
        TagDefinition("cats", "subject", "life with a pet cat", ("cat", "kitten"), (), ("keyword",),
                      ("big cat",)),
        TagDefinition("docuseries", "format", "a documentary series", (), ("Docuseries", "Documentary"),
                      ("documentary", "show")),
        TagDefinition("travel show", "format", "a host travels", (), (), ("unscripted/documentary",)),
    )
    return Vocabulary(tags, "test")


def _gated_scores(titles: list[TitleText], similarity: float = 0.9) -> tuple[TagAssigner, np.ndarray]:
    """The assigner and its titles x tags scores when every summary is `similarity` close to every
    definition."""
    assigner = TagAssigner(_gated_vocabulary(), np.eye(4, dtype=np.float32), dict.fromkeys(FACETS, 0.5))
    return assigner, assigner.scores(np.full((len(titles), 4), similarity, dtype=np.float32), titles)


def test_a_scripted_drama_never_gets_a_format_tag_of_unscripted_tv():
    drama = TitleText("Squid Game", "Players compete in deadly children's games.",
                      ["TV Dramas", "TV Thrillers"], "TV-MA", "show")
    quiz = TitleText("Quiz Night", "Contestants answer trivia.", ["Reality TV"], "TV-G", "show")
    assigner, scores = _gated_scores([drama, quiz])
    assert scores[:, 0].tolist() == [RULED_OUT, pytest.approx(0.9)]  # game show
    assert scores[0, 3] == RULED_OUT  # travel show: neither reality nor documentary
    tags = assigner.select(scores)
    assert "game show" not in {name for name, _ in tags[0]}, "a ruled-out tag never fills up to three"
    assert "game show" in {name for name, _ in tags[1]}
    assert genre_groups(drama.genres) == {"scripted"}
    assert genre_groups(["Stand-Up Comedy", "documentation"]) == {"stand-up", "documentary"}


def test_a_named_animal_needs_its_keyword_and_big_cats_are_no_cats():
    zoo = TitleText("Tiger King", "A zoo owner in the underworld of big cat breeding.", ["Docuseries"],
                    "TV-MA", "show")
    pet = TitleText("Kitten Diaries", "A lonely woman adopts a stray kitten.", ["Dramas"], "PG", "movie")
    vague = TitleText("Whiskers", "A curious, mischievous companion.", ["Comedies"], "PG", "movie")
    _, scores = _gated_scores([zoo, pet, vague])
    assert scores[:, 1].tolist() == [RULED_OUT, pytest.approx(0.9 + 0.15), RULED_OUT]


def test_a_film_industrys_tag_needs_a_country_that_makes_it_when_the_countries_are_known():
    tags = (TagDefinition("turkish drama", "format", "a sweeping Turkish family saga", (),
                          ("Turkish TV Shows",), ("scripted", "show", "made in TR")),
            TagDefinition("family saga", "subject", "a family's power struggles", (), ()))
    assigner = TagAssigner(Vocabulary(tags, "test"), np.eye(2, dtype=np.float32), dict.fromkeys(FACETS, 0.5))
    saga = "Three generations of a powerful family fight over the business."
    titles = [
        TitleText("Brothers", saga, ["TV Dramas"], "TV-14", "show", ["US"]),
        TitleText("Kardesler", saga, ["TV Dramas"], "TV-14", "show", ["TR", "DE"]),
        TitleText("A Pitch", saga, ["TV Dramas"], "TV-14", "show"),  # countries not given
        TitleText("Filed As Turkish", saga, ["Turkish TV Shows"], "TV-14", "show", ["US"]),
    ]
    scores = assigner.scores(np.full((4, 2), 0.9, dtype=np.float32), titles)
    assert scores[:, 0].tolist() == [RULED_OUT, pytest.approx(0.9), pytest.approx(0.9), 1.0]
    assert scores[:, 1] == pytest.approx(0.9), "tags without the requirement are untouched"


def test_the_committed_vocabulary_ties_film_industries_to_their_countries(tmp_path):
    requires = {tag.name: tag.requires for tag in load_vocabulary().tags}
    for name, country in (("k-drama", "KR"), ("turkish drama", "TR"), ("bollywood", "IN"),
                          ("south indian cinema", "IN"), ("nollywood", "NG")):
        assert any(f"made in {country}" in requirement.split("/") for requirement in requires[name]), name
    assert "made in TW" in next(r for r in requires["c-drama"] if r.startswith("made in")).split("/")
    bad = tmp_path / "vocabulary.csv"
    bad.write_text('name,facet,definition,keywords,genres,requires\n'
                   'turkish drama,format,"A Turkish drama.",,,made in Turkey\n')
    with pytest.raises(ValueError, match="made in XX"):
        load_vocabulary(bad)


@pytest.mark.parametrize(("option", "fact"), [
    ("made in KR", ("made in ", "KR")), ("released before 2000", ("released before ", "2000")),
    ("made in Turkey", None), ("made in kr", None), ("made in 2000", None), ("released before KR", None),
    ("released before 99", None), ("kids", None)])
def test_a_fact_option_is_read_in_one_place(option, fact):
    assert fact_option(option) == fact


def test_classic_tags_need_an_old_release_year_and_industry_dramas_live_action():
    tags = (TagDefinition("classic", "format", "a classic film", (), ("Classic Movies",),
                          ("released before 2000",)),
            TagDefinition("k-drama", "format", "a Korean drama", (), (), ("scripted", "live action")),
            TagDefinition("science fiction", "subject", "a futuristic story", (), (), ("scripted",)))
    assigner = TagAssigner(Vocabulary(tags, "test"), np.eye(3, dtype=np.float32), dict.fromkeys(FACETS, 0.5))
    titles = [
        TitleText("Old Film", "x", ["Dramas"], "PG", "movie", year=1975),
        TitleText("Film of 2000", "x", ["Dramas"], "PG", "movie", year=2000),
        TitleText("Year Not Known", "x", ["Dramas"], "PG", "movie"),  # and every pitch
        TitleText("Filed As Classic", "x", ["Classic Movies"], "PG", "movie", year=2005),
        TitleText("Cartoon Bus", "x", ["Kids' TV", "animation"], "TV-Y", "show", year=2010),
        TitleText("Space Docs", "x", ["Docuseries"], "TV-PG", "show", year=2019),
    ]
    scores = assigner.scores(np.full((6, 3), 0.9, dtype=np.float32), titles)
    assert scores[:4, 0].tolist() == [pytest.approx(0.9), RULED_OUT, RULED_OUT, 1.0]
    assert scores[4, 1] == RULED_OUT and scores[0, 1] == pytest.approx(0.9), "cartoons are no k-drama"
    assert scores[5, 2] == RULED_OUT and scores[4, 2] == pytest.approx(0.9), "a documentary is no sci-fi"


def test_the_committed_vocabulary_dates_classics_and_keeps_fiction_tags_off_nonfiction(tmp_path):
    requires = {tag.name: tag.requires for tag in load_vocabulary().tags}
    assert "released before 2000" in requires["classic"]
    assert "released before 2010" in requires["cult classic"]
    for name in ("science fiction", "near future", "fantasy", "epic fantasy", "time travel", "zombies",
                 "post-apocalyptic", "space opera"):
        assert "scripted" in requires[name], name
    for name in ("k-drama", "c-drama", "turkish drama", "bollywood", "telenovela", "nollywood"):
        assert "live action" in requires[name], name
    bad = tmp_path / "vocabulary.csv"
    bad.write_text('name,facet,definition,keywords,genres,requires\n'
                   'classic,format,"A classic.",,,released before the 90s\n')
    with pytest.raises(ValueError, match="released before YYYY"):
        load_vocabulary(bad)


def test_format_tags_follow_the_kind_and_either_genre_group():
    series = TitleText("Wild Places", "A look at nature.", ["Docuseries"], "TV-G", "show")
    film = TitleText("One Wild Place", "A look at nature.", ["Documentary"], "TV-G", "movie")
    reality = TitleText("Road Food", "A host eats his way round.", ["Reality TV"], "TV-G", "show")
    _, scores = _gated_scores([series, film, reality], similarity=0.2)
    assert scores[:2, 2].tolist() == [1.0, RULED_OUT], "a documentary film is no docuseries"
    assert scores[[0, 2], 3].tolist() == [pytest.approx(0.2)] * 2, "travel shows: documentary or reality"


def test_the_keyword_bonus_is_fitted_on_labelled_titles():
    assigner = TagAssigner(_gated_vocabulary(), np.eye(4, dtype=np.float32))
    # Every reality show is as close to "game show" as the next; the labelled ones name it.
    titles = [TitleText(f"t{i}", "a game show" if i % 2 else "a quiz", ["Reality TV"], None, "show")
              for i in range(20)]
    vectors = np.zeros((20, 4), dtype=np.float32)
    vectors[:, 0] = 0.3
    labels = [{"game show"} if i % 2 else set() for i in range(20)]
    bonus, thresholds = fit_keyword_bonus(assigner, vectors, titles, labels, grid=(0.0, 0.3))
    assert bonus == 0.3 and assigner.keyword_bonus == 0.3
    assert 0.3 < thresholds["format"] <= 0.6
    cleared = assigner.scores(vectors, titles)[:, 0] >= thresholds["format"]
    assert cleared.tolist() == [bool(i % 2) for i in range(20)], "only the titles naming it clear"


def test_the_committed_vocabulary_gates_unscripted_formats_and_named_places():
    vocabulary = load_vocabulary()
    requires = {tag.name: tag.requires for tag in vocabulary.tags}
    for name in ("reality series", "reality competition", "game show", "dating show", "cooking competition",
                 "talent show"):
        assert requires[name] == ("unscripted",), name
    assert requires["stand-up"] == ("stand-up",)
    assert "documentary" in requires["docuseries"] and "show" in requires["docuseries"]
    named = ("new york", "texas", "cats", "dogs", "soccer", "yakuza", "1980s")
    assert all("keyword" in requires[name] for name in named)
    cats = next(tag for tag in vocabulary.tags if tag.name == "cats")
    assert "big cat" in cats.not_keywords and "big cat" not in cats.keywords
    # With every definition as close as can be, a drama still gets none of the unscripted formats.
    assigner = TagAssigner(vocabulary, np.eye(len(vocabulary.tags), dtype=np.float32))
    drama = TitleText("Deadly Games", "Contestants play children's games for a cash prize.", ["TV Dramas"],
                      "TV-MA", "show")
    scores = assigner.scores(np.ones((1, len(vocabulary.tags)), dtype=np.float32), [drama])[0]
    for column, tag in enumerate(vocabulary.tags):
        if any("unscripted" in requirement.split("/") for requirement in tag.requires) or tag.name in (
            "docuseries", "documentary", "stand-up"
        ):
            assert scores[column] == RULED_OUT, tag.name


def test_thresholds_fitted_on_labels_improve_precision():
    vocabulary = _tiny_vocabulary()
    assigner = TagAssigner(vocabulary, np.eye(4, dtype=np.float32), dict.fromkeys(FACETS, 0.0))
    rng = np.random.default_rng(0)
    truth = rng.random((60, 4)) < 0.3
    scores = np.where(truth, 0.55, 0.25) + rng.normal(0, 0.03, truth.shape)
    labels = [{vocabulary.names[c] for c in np.flatnonzero(row)} for row in truth]
    before = precision_recall_at(assigner.select(scores.astype(np.float32)), labels)
    assigner.thresholds = fit_thresholds(assigner, scores, labels)
    after = precision_recall_at(assigner.select(scores.astype(np.float32)), labels)
    assert 0.3 < assigner.thresholds["subject"] < 0.55
    assert after["precision_at_5"] > before["precision_at_5"]


def test_the_committed_vocabulary_and_labels_are_usable():
    vocabulary = load_vocabulary()
    assert 300 <= len(vocabulary.tags) <= 800
    assert {tag.facet for tag in vocabulary.tags} == set(FACETS)
    assert all(tag.definition for tag in vocabulary.tags)
    labels = load_tag_labels()
    assert len(labels) >= 150
    unknown = {name for tags in labels.values() for name in tags} - set(vocabulary.names)
    assert not unknown, f"labels use tags outside the vocabulary: {sorted(unknown)[:5]}"


def test_the_graph_step_moves_a_title_towards_those_it_shares_people_with():
    titles = [
        ContentTitle("a", "Alpha", "show", "TV-MA", ["Dramas"], [], ["ana", "bo"]),
        ContentTitle("b", "Beta", "show", "TV-MA", ["Dramas"], [], ["ana"]),
        ContentTitle("c", "Gamma", "show", "TV-MA", ["Dramas"], [], ["bo"]),
        ContentTitle("d", "Delta", "show", "TV-MA", ["Dramas"], [], []),
    ]
    vectors = np.stack([_vector(1, 0), _vector(0, 1), _vector(0, 1), _vector(1, 1)])
    plain = ContentIndex(titles, vectors, {}, ContentWeights(people=0.0, neighbours=0.0))
    smoothed = plain.reweighted(ContentWeights(people=0.0, neighbours=0.5))
    assert np.array_equal(plain.matrix, plain.own)
    assert smoothed.matrix[0] @ smoothed.matrix[1] > plain.matrix[0] @ plain.matrix[1]
    assert np.allclose(smoothed.matrix[3], plain.matrix[3])  # nobody shared: unchanged
    assert np.allclose(np.linalg.norm(smoothed.matrix, axis=1), np.linalg.norm(plain.matrix, axis=1))
    # A new title with Ana's name is pulled the same way; without people it is its own vector.
    new = ContentTitle("", "New", "show", "TV-MA", ["Dramas"], [], ["ana"])
    alone = ContentTitle("", "New", "show", "TV-MA", ["Dramas"], [], [])
    pulled = smoothed.embed([new], vectors[:1])[0]
    assert pulled @ smoothed.matrix[1] > smoothed.embed([alone], vectors[:1])[0] @ smoothed.matrix[1]


def test_a_saved_content_model_keeps_its_fitted_bonus_and_thresholds(tmp_path):
    vocabulary = load_vocabulary()
    assigner = TagAssigner(vocabulary, np.eye(len(vocabulary.tags), 8, dtype=np.float32),
                           dict.fromkeys(FACETS, 0.42), keyword_bonus=0.35)
    ContentModel(_catalog(), assigner, encoder=None).save(tmp_path)
    loaded = ContentModel.load(tmp_path)
    assert loaded.assigner.keyword_bonus == 0.35 and loaded.assigner.thresholds == assigner.thresholds
    # A bundle written before the bonus was fitted loads with the old fixed bonus.
    stored = json.loads((tmp_path / "tagging.json").read_text())
    del stored["keyword_bonus"]
    (tmp_path / "tagging.json").write_text(json.dumps(stored))
    assert ContentModel.load(tmp_path).assigner.keyword_bonus == KEYWORD_BONUS


def test_a_title_has_one_format_and_may_be_animated():
    # FORMATS: stand-up, documentary, unscripted, scripted, animation
    assert format_row(["Stand-Up Comedy", "documentation"]) == [1, 0, 0, 0, 0]
    assert format_row(["Docuseries", "Reality TV"]) == [0, 1, 0, 0, 0]
    assert format_row(["Reality TV"]) == [0, 0, 1, 0, 0]
    assert format_row(["Anime Series", "TV Dramas"]) == [0, 0, 0, 1, 1]
    assert format_row([]) == [0, 0, 0, 1, 0]


def test_the_format_block_puts_a_dramas_comps_before_a_game_show():
    drama = ContentTitle("d", "Deadly Games", "show", "TV-MA", ["TV Dramas"], [])
    other_drama = ContentTitle("o", "Survivors", "show", "TV-MA", ["TV Thrillers"], [])
    game_show = ContentTitle("g", "Prize Night", "show", "TV-MA", ["Reality TV"], [])
    # The game show's summary is closer to the drama's than the other drama's is.
    vectors = np.stack([_vector(1, 0), _vector(0.9, 0.44), _vector(0.95, 0.31)])
    without = ContentIndex([drama, other_drama, game_show], vectors, {},
                           ContentWeights(format=0.0, neighbours=0.0, people=0.0))
    assert [without.ids[j] for j, _ in without.comps_of("d", k=2)] == ["g", "o"]
    with_format = without.reweighted(ContentWeights(format=0.2, neighbours=0.0, people=0.0))
    assert [with_format.ids[j] for j, _ in with_format.comps_of("d", k=2)] == ["o", "g"]


@pytest.mark.parametrize(("summary", "tag"), [
    # Alice in Borderland: the survival-game show that Squid Game's comps were missing.
    ("An aimless gamer and his two friends find themselves in a parallel Tokyo, where they're forced "
     "to compete in a series of sadistic games to survive.", "survival game"),
    ("While searching for her missing mother, intrepid teen Enola Holmes uses her sleuthing skills to "
     "outsmart big brother Sherlock and help a runaway lord.", "detective"),
    ("The eight close-knit siblings of the Bridgerton family look for love and happiness in London "
     "high society. Inspired by Julia Quinn's bestselling novels.", "based on a book"),
])
def test_the_committed_vocabulary_finds_its_keywords_in_real_summaries(summary, tag):
    vocabulary = load_vocabulary()
    assigner = TagAssigner(vocabulary, np.eye(len(vocabulary.tags), dtype=np.float32))
    found = {vocabulary.tags[column].name for column in assigner._keyword_columns(normalize_title(summary))}
    assert tag in found


def test_keyword_search_skipping_absent_first_words_finds_what_searching_every_pattern_finds():
    vocabulary = load_vocabulary()
    assigner = TagAssigner(vocabulary, np.eye(len(vocabulary.tags), dtype=np.float32))

    def every_pattern(text: str) -> set[int]:
        found = set()
        for column, pattern in enumerate(assigner._keyword_patterns):
            exceptions = assigner._not_keyword_patterns[column]
            if pattern is not None and pattern.search(exceptions.sub(" ", text) if exceptions else text):
                found.add(column)
        return found

    # Every keyword and every exception of the committed vocabulary, inside a sentence and at its ends.
    phrases = [phrase for tag in vocabulary.tags for phrase in (*tag.keywords, *tag.not_keywords)]
    texts = [normalize_title(f"{phrase} meets a story about {phrase}s and {phrase}") for phrase in phrases]
    assert len(texts) > 1000
    assert all(assigner._keyword_columns(text) == every_pattern(text) for text in texts)
    assert sum(bool(every_pattern(text)) for text in texts) > 0.9 * len(texts)


def test_tagging_reads_every_catalogs_summary_once():
    def row(summary, summaries):
        return TitleRow(id="s1", title="Black Mirror", kind="show", year=2011, summary=summary,
                        rating="TV-MA", duration_minutes=None, tags=[], genres=[], countries=[],
                        directors=[], cast=[], summaries=summaries)

    netflix = "This sci-fi anthology series explores a twisted, high-tech near-future."
    justwatch = "A contemporary British re-working of The Twilight Zone, and a much longer summary."
    both = row(justwatch, [netflix, justwatch])
    assert tagging_text(both) == f"{netflix} {justwatch}"
    vocabulary = load_vocabulary()
    anthology = vocabulary.names.index("anthology")
    assigner = TagAssigner(vocabulary, np.zeros((len(vocabulary.tags), 4), dtype=np.float32))
    keywords = [TitleText("Black Mirror", text, ["TV Dramas"], "TV-MA", "show")
                for text in (justwatch, tagging_text(both))]
    scores = assigner.scores(np.zeros((2, 4), dtype=np.float32), keywords)
    assert scores[1, anthology] > scores[0, anthology]
    assert tagging_text(row(netflix, [netflix, netflix])) == netflix
    assert tagging_text(row(netflix, [])) == netflix


@pytest.mark.parametrize(
    "genres, kind, expected",
    [
        (["Crime TV Shows"], "show", ["Crime TV Shows", "crime"]),
        (["thriller", "Crime TV Shows"], "show", ["thriller", "Crime TV Shows", "TV Thrillers", "crime"]),
        (["thriller"], "movie", ["thriller", "Thrillers"]),
        (["crime"], "movie", ["crime"]),  # Netflix files no film as "Crime Movies"
        (["Kids' TV"], "show", ["Kids' TV", "family"]),  # still a children's title: kids come first
        (["drama", "Dramas"], "movie", ["drama", "Dramas"]),
    ],
)
def test_a_new_titles_genres_gain_the_other_catalogs_equivalents(genres, kind, expected):
    assert with_equivalents(genres, kind) == expected


class _SummaryEncoder:
    """Every summary the same vector: the genres alone tell titles apart."""

    def transform(self, texts):
        vectors = np.zeros((len(texts), 8), dtype=np.float32)
        vectors[:, 0] = 1.0
        return vectors


def test_a_new_title_with_one_vocabulary_meets_titles_of_both_as_the_catalog_does():
    # "Big Cartel" carries both catalogs' labels, "Small Cartel" Netflix's alone. Sent with Netflix's
    # label only, the pitch matched the one-label title best; read with the equivalents, it meets
    # the title of both catalogs as a catalog title of both would.
    titles = [
        ContentTitle("b", "Big Cartel", "show", "TV-MA", ["Crime TV Shows", "crime"], [("drug cartel", 1.0)]),
        ContentTitle("s", "Small Cartel", "show", "TV-MA", ["Crime TV Shows"], [("drug cartel", 1.0)]),
    ]
    index = ContentIndex(titles, np.stack([_vector(1.0), _vector(1.0)]), {"drug cartel": "subject"},
                         ContentWeights(neighbours=0.0))
    vocabulary = Vocabulary((TagDefinition("drug cartel", "subject", "Cartels.", ("cartel",), ()),), "v1")
    assigner = TagAssigner(vocabulary, np.ones((1, 8), dtype=np.float32) / np.sqrt(8))
    model = ContentModel(index, assigner, encoder=_SummaryEncoder())
    described, vector = model.describe(title="Cartel Coast", kind="show", summary="A cartel story.",
                                       genres=["Crime TV Shows"])
    big, small = (float(index.matrix[index.position[i]] @ vector) for i in ("b", "s"))
    assert big > small
    assert big == pytest.approx(1.0, abs=1e-5)
    assert described.genres == ["Crime TV Shows"]
    assert model.similar(described, vector, 2)[0]["shared_genres"] == ["Crime TV Shows"]


def test_a_pitch_gets_a_film_industrys_tag_only_from_a_country_that_makes_it():
    titles = [ContentTitle("t", "Kardesler", "show", "TV-14", ["TV Dramas"], [("turkish drama", 1.0)])]
    index = ContentIndex(titles, np.stack([_vector(1.0)]), {"turkish drama": "format"},
                         ContentWeights(neighbours=0.0))
    vocabulary = Vocabulary((TagDefinition("turkish drama", "format", "A Turkish family saga.", (), (),
                                           ("scripted", "show", "made in TR")),), "v1")
    assigner = TagAssigner(vocabulary, np.ones((1, 8), dtype=np.float32) / np.sqrt(8), {"format": 0.5})
    model = ContentModel(index, assigner, encoder=_SummaryEncoder())

    def tags(countries):
        described, _ = model.describe(title="Family Empire", kind="show", genres=["TV Dramas"],
                                      summary="A powerful family fights over its empire.",
                                      countries=countries)
        return [name for name, _ in described.tags]

    assert tags(["TR"]) == ["turkish drama"]
    assert tags([]) == ["turkish drama"], "a pitch that names no country keeps what its summary says"
    assert tags(["US"]) == []


def test_a_pitch_is_no_classic_unless_its_year_is_old():
    titles = [ContentTitle("t", "Casablanca", "movie", "PG", ["Dramas"], [("classic", 1.0)], year=1942)]
    index = ContentIndex(titles, np.stack([_vector(1.0)]), {"classic": "format"},
                         ContentWeights(neighbours=0.0))
    vocabulary = Vocabulary((TagDefinition("classic", "format", "A timeless film.", (), ("Classic Movies",),
                                           ("released before 2000",)),), "v1")
    assigner = TagAssigner(vocabulary, np.ones((1, 8), dtype=np.float32) / np.sqrt(8), {"format": 0.5})
    model = ContentModel(index, assigner, encoder=_SummaryEncoder())

    def tags(year, genres=("Dramas",)):
        described, _ = model.describe(title="Harbour Lights", kind="movie", genres=list(genres),
                                      summary="Old lovers meet again in a wartime port.", year=year)
        return [name for name, _ in described.tags]

    assert tags(None) == [], "a missing year means a new title"
    assert tags(2026) == []
    assert tags(1985) == ["classic"]
    assert tags(None, ("Classic Movies",)) == ["classic"], "a genre that implies it still decides"
