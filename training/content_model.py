"""The content comps model of a bundle: the catalog's content index, the tagger, and the sentence
encoder that describes a new title (inference only; `content_fit` builds it)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from training.content import ContentIndex, ContentTitle, audience_class
from training.features import MiniLmEncoder
from training.franchise import text_key
from training.genre_equivalents import with_equivalents
from training.layout import LAYOUT_FILE, Layout
from training.tagging import KEYWORD_BONUS, TagAssigner, TitleText
from training.vocabulary import VOCABULARY_PATH, load_vocabulary


def summary_text(title: str, summary: str | None) -> str:
    """What the content encoder reads: the summary alone (a title's words are not its story)."""
    return summary.strip() if summary and summary.strip() else title


class ContentModel:
    """Content comps for catalog titles and for new ones.

    Args:
        index: the catalog's content index.
        assigner: the fitted tagger.
        encoder: the sentence encoder of summaries.
        layout: the catalog's map (training/layout.py), if built (default None).
    """

    def __init__(self, index: ContentIndex, assigner: TagAssigner, encoder: MiniLmEncoder,
                 layout: Layout | None = None) -> None:
        self.index = index
        self.assigner = assigner
        self.encoder = encoder
        self.layout = layout

    def describe(
        self,
        *,
        title: str,
        kind: str,
        summary: str | None,
        genres: Sequence[str],
        rating: str | None = None,
        people: Sequence[str] = (),
        year: int | None = None,
        countries: Sequence[str] = (),
    ) -> tuple[ContentTitle, np.ndarray]:
        """A new title as the content index sees it: its tags and its content vector. Both read its
        genres with their equivalents in the other catalog's vocabulary, as a catalog title of both
        catalogs carries them (training/genre_equivalents.py); its explanations name only its own."""
        summary_vector = self.encoder.transform([summary_text(title, summary)])
        read_genres = with_equivalents(genres, kind)
        tags = self.assigner.assign(summary_vector,
                                    [TitleText(title, summary, read_genres, rating, kind, countries,
                                               year)])[0]
        described = ContentTitle(
            id="",
            title=title,
            kind=kind,
            rating=rating,
            genres=list(genres),
            tags=tags,
            people=list(people),
            year=year,
            text_key=text_key(summary),
        )
        vector = self.index.embed([replace(described, genres=read_genres)], summary_vector)[0]
        return described, vector

    @staticmethod
    def audience_of_new(rating: str | None, genres: Sequence[str]) -> str:
        """A new title's audience class ('kids', 'adult', ...) as its content comps read it, for the
        list rules of its audience comps (`TitleModel.nearest`)."""
        return audience_class(rating, genres)

    def similar(self, described: ContentTitle, vector: np.ndarray, k: int = 10, *,
                kind: str | None = None, scope: str = "netflix", self_index: int | None = None) -> list[dict]:
        """Comps with their explanation, best first."""
        hits = self.index.comps(vector, described, k, kind=kind, self_index=self_index, scope=scope)
        return [self.comp_entry(described, index, score, rank) for rank, (index, score) in enumerate(hits, 1)]

    def comp_entry(self, described: ContentTitle, index: int, score: float, rank: int, *,
                   place: bool = False) -> dict:
        """One comp as the API and the write-back give it (`place`: an audience comp, explained by
        production place too)."""
        comp = self.index.titles[index]
        return {"id": comp.id, "title": comp.title, "kind": comp.kind, "year": comp.year,
                "score": round(float(score), 6), "rank": rank,
                **self.index.explain(described, index, place=place)}

    def similar_to_title(self, title_id: str, k: int = 10, *, kind: str | None = None,
                         scope: str = "netflix") -> list[dict]:
        """Comps of a catalog title."""
        position = self.index.position[title_id]
        return self.similar(self.index.titles[position], self.index.matrix[position], k, kind=kind,
                            self_index=position, scope=scope)

    def comps_of_all(self, k: int, scope: str = "netflix") -> list[list[dict]]:
        """Explained comps of every catalog title, in index order (the write-back's)."""
        titles = self.index.titles
        return [
            [self.comp_entry(titles[at], index, score, rank) for rank, (index, score) in enumerate(hits, 1)]
            for at, hits in enumerate(self.index.comps_of_all(k, scope=scope))
        ]

    def warm(self) -> None:
        """Load the sentence encoder's weights now (a service does so before serving)."""
        self.encoder.transform(["warm up"])

    def save(self, folder: Path) -> None:
        """content/: the index, the tagger's definition vectors and thresholds, the vocabulary file,
        the map if built."""
        folder.mkdir(parents=True, exist_ok=True)
        self.index.save(folder)
        if self.layout is not None:
            self.layout.save(folder)
        shutil.copyfile(VOCABULARY_PATH, folder / "tag_vocabulary.csv")
        np.save(folder / "tag_definitions.npy", self.assigner.definition_vectors)
        (folder / "tagging.json").write_text(
            json.dumps(
                {"thresholds": self.assigner.thresholds, "keyword_bonus": self.assigner.keyword_bonus,
                 "vocabulary": self.assigner.vocabulary.version}
            )
        )

    @classmethod
    def load(cls, folder: Path, *, onnx_dir: Path | None = None) -> ContentModel:
        """The content model a bundle saved (the encoder's weights come from its package, run by
        ONNX Runtime from `onnx_dir` when given); bundles written before maps were added load
        without one."""
        stored = json.loads((folder / "tagging.json").read_text())
        assigner = TagAssigner(
            load_vocabulary(folder / "tag_vocabulary.csv"),
            np.load(folder / "tag_definitions.npy"),
            stored["thresholds"],
            stored.get("keyword_bonus", KEYWORD_BONUS),  # bundles from before the bonus was fitted
        )
        index = ContentIndex.load(folder)
        layout = Layout.load(folder) if (folder / LAYOUT_FILE).is_file() else None
        if layout is not None and layout.ids != index.ids:
            raise ValueError(f"{folder / LAYOUT_FILE} is not a map of this bundle's titles; delete it, or "
                             "rebuild it with training.layout.build_layout(index).save(folder)")
        return cls(index, assigner, MiniLmEncoder(cache_dir=None, onnx_dir=onnx_dir), layout)
