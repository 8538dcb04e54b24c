"""A trained bundle as a `TitleModel`: title embeddings, comps, and inductive embedding of new titles.

A new title is embedded with the encoder modules of training, on a star subgraph: the new node
plus its tags, genres, countries and people. Their per-layer states were computed on the full
graph at save time and are stored in the bundle, so embedding one title costs one text encoding
and a few tiny SAGE layers. (The neighbours' states do not include the new title's own message:
the usual inductive approximation; for a title already in the graph the result is exact.)
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from graph.normalize import normalize_name, normalize_title
from graph.tags import clause_terms, summary_clauses
from training.audience_model import AudiencePredictor
from training.content import SPARE_PLACES, known_format
from training.content_model import ContentModel
from training.features import KINDS, TitleFeaturizer
from training.model import HeteroSageEncoder
from training.new_title import NewTitle
from training.vectors import top_k
from training.viewing import LaunchFacts, ViewingModel

TAGS_PER_TITLE = 8  # as graph.tags.extract_tags(per_title=8) at ingest
# A new title's embedding comes from its metadata alone. Its audience comps rank by that cosine
# plus this weight times its content score (`nearest(content_vector=...)`): over charted titles
# described by their metadata, chart-country Jaccard of the top 10 among the other charted titles,
# 0.074 (cosine alone) -> 0.095 on 346 validation titles (weights 0, 0.25, 0.5, 1, 2, 4 tried; 1
# chosen), 0.078 -> 0.096 on 350 others (content alone 0.074).
NEW_TITLE_CONTENT_WEIGHT = 1.0


def summary_tags(
    summary: str,
    tag_counts: dict[str, int],
    title_count: int,
    per_title: int = TAGS_PER_TITLE,
    words: set[str] | None = None,
) -> list[str]:
    """Tags of the Tag vocabulary found in a summary, ranked like graph.tags (count x idf)."""
    # `words` (every word of every tag) can be passed in precomputed; it is the slow part.
    words = words if words is not None else {word for tag in tag_counts for word in tag.split()}
    clauses = summary_clauses(summary)
    # Plurals fold when the singular is a vocabulary word (ingest used the whole corpus).
    singular_of = {
        token: token[:-1]
        for tokens in clauses
        for token in tokens
        if token.endswith("s") and token[:-1] in words and token not in words
    }
    terms = clause_terms(clauses, singular_of)
    scored = sorted(
        (-count * math.log(max(title_count, 2) / max(tag_counts[term], 1)), term)
        for term, count in terms.items()
        if term in tag_counts
    )
    return [term for _, term in scored[:per_title]]


class TitleModel:
    """A loaded bundle: inference only. Build with `training.bundle.load_bundle(models/<version>)`.

    Args:
        folder: the bundle folder.
        config: its config.json.
        encoder: the GraphSAGE encoder (eval mode).
        featurizer: the fitted title featurizer.
        keys: node type -> keys in index order.
        titles: per title: id, title, kind, year, genres.
        title_embeddings: L2-normalised rows, aligned with `title_ids`.
        layer_states: per layer, node type -> states of the non-title nodes.
        vocabulary: tag counts and the number of titles (for summary tags).
        metrics: its metrics.json.
        audience_head: the audience head (training/audience_model.py) (default None: no head).
        viewing_head: the viewing forecast (training/viewing.py) (default None: no forecast).
        content: the content comps (training/content_model.py) (default None: none).
        title_metadata_path: what the heads read of each catalog title, read on first use (only a
            service answering without Neo4j needs it) (default None: none).
    """

    def __init__(
        self,
        folder: Path,
        config: dict,
        encoder: HeteroSageEncoder,
        featurizer: TitleFeaturizer,
        keys: dict[str, list[str]],
        titles: list[dict],
        title_embeddings: np.ndarray,
        layer_states: list[dict[str, torch.Tensor]],
        vocabulary: dict,
        metrics: dict,
        audience_head: AudiencePredictor | None = None,
        viewing_head: ViewingModel | None = None,
        content: ContentModel | None = None,
        title_metadata_path: Path | None = None,
    ) -> None:
        self.folder = folder
        self.config = config
        self.version: str = config["version"]
        self.encoder = encoder
        self.featurizer = featurizer
        self.keys = keys
        self.titles = titles
        self.title_ids: list[str] = keys["title"]
        self.title_embeddings = title_embeddings
        self.title_kinds = np.array([t["kind"] for t in titles])
        self.title_formats = np.array([known_format(t.get("genres") or []) for t in titles])
        self.layer_states = layer_states
        self.vocabulary = vocabulary
        self.metrics = metrics
        self.index = {
            node_type: {key: i for i, key in enumerate(values)} for node_type, values in keys.items()
        }
        self.tag_by_norm = {normalize_title(tag): tag for tag in keys["tag"]}
        self.genres_by_lower: dict[str, list[str]] = {}
        for genre in keys["genre"]:
            self.genres_by_lower.setdefault(genre.casefold(), []).append(genre)
        self.tag_words = {word for tag in vocabulary["tag_counts"] for word in tag.split()}
        self.audience_head = audience_head
        self.viewing_head = viewing_head
        self.content = content
        self.title_metadata_path = title_metadata_path
        self._title_metadata: dict[str, dict] | None = None
        self._content_rows: np.ndarray | None = None

    # --- inductive embedding ------------------------------------------------------------------
    def neighbours(self, new_title: NewTitle) -> tuple[dict[str, list[int]], list[str]]:
        """Indices of the new title's neighbours per relation, and warnings for unknown names."""
        warnings: list[str] = []
        found: dict[str, list[int]] = {"tags": [], "genres": [], "countries": [], "directors": [], "cast": []}
        for genre in new_title.genres:
            matches = self.genres_by_lower.get(genre.strip().casefold())
            if matches:
                found["genres"] += [self.index["genre"][g] for g in matches]
            else:
                warnings.append(f"unknown genre {genre!r}")
        tags = list(new_title.tags)
        if not tags and new_title.summary:
            tags = summary_tags(
                new_title.summary,
                self.vocabulary["tag_counts"],
                self.vocabulary["title_count"],
                words=self.tag_words,
            )
        for tag in tags:
            name = self.tag_by_norm.get(normalize_title(tag))
            if name is None:
                warnings.append(f"unknown tag {tag!r}")
            else:
                found["tags"].append(self.index["tag"][name])
        for country in new_title.countries:
            code = country.strip().upper()
            if code in self.index["country"]:
                found["countries"].append(self.index["country"][code])
            else:
                warnings.append(f"unknown country {country!r} (expected an ISO2 code such as 'KR')")
        for role in ("directors", "cast"):
            for name in getattr(new_title, role):
                key = normalize_name(name)
                if key in self.index["person"]:
                    found[role].append(self.index["person"][key])
                else:
                    warnings.append(
                        f"unknown person {name!r} ({role}; people with fewer than "
                        f"{self.config['train']['min_person_titles']} titles are not in the model)"
                    )
        # A neighbour counts once, as in the graph.
        return {relation: sorted(set(indices)) for relation, indices in found.items()}, warnings

    def embed_new(self, new_title: NewTitle) -> tuple[np.ndarray, list[str]]:
        """The L2-normalised embedding of a title from its metadata, and warnings."""
        # Tensors of a few rows: thread hand-offs cost more than they save (3x slower on 2 busy cores).
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return self._embed_new(new_title)
        finally:
            torch.set_num_threads(threads)

    @torch.no_grad()
    def _embed_new(self, new_title: NewTitle) -> tuple[np.ndarray, list[str]]:
        new_title.validate()
        neighbours, warnings = self.neighbours(new_title)
        features = torch.from_numpy(self.featurizer.transform([new_title.attributes()]))
        state = self.encoder.title_input(features)
        relations = {
            ("tag", "rev_has_tag", "title"): "tags",
            ("genre", "rev_in_genre", "title"): "genres",
            ("country", "rev_produced_in", "title"): "countries",
            ("person", "directed", "title"): "directors",
            ("person", "acted_in", "title"): "cast",
        }
        for layer in range(len(self.encoder.convs)):
            states = {"title": state}
            edge_index = {}
            for edge_type, relation in relations.items():
                indices = neighbours[relation]
                source = self.layer_states[layer][edge_type[0]][indices]
                # Each relation gets its own source block so persons in two roles stay separate.
                block = f"{edge_type[0]}:{relation}"
                states[block] = source
                edge_index[(block, edge_type[1], "title")] = torch.stack(
                    [torch.arange(len(indices)), torch.zeros(len(indices), dtype=torch.long)]
                )
            state = self._layer(layer, states, edge_index)
        embedding = state[0].numpy()
        return (embedding / max(float(np.linalg.norm(embedding)), 1e-12)).astype(np.float32), warnings

    def _layer(self, layer: int, states: dict, edge_index: dict) -> torch.Tensor:
        """One SAGE layer for the new title only, with the trained per-relation convolutions.

        A plain SAGEConv (mean aggregation, root weight, no projection or normalisation) is
        `lin_l(mean of neighbours) + lin_r(self)`, with a zero mean for no neighbours; for one
        target node that is two small matmuls, where PyG's message passing spends most of a
        prediction's time in bookkeeping. Any other configuration goes through PyG.
        """
        conv = self.encoder.convs[layer]
        total = None
        for (block, relation, _), index in edge_index.items():
            source_type = block.split(":")[0]
            module = conv.convs[(source_type, relation, "title")]
            source, target = states[block], states["title"]
            if _plain_sage(module):
                mean = (source.mean(dim=0, keepdim=True) if len(source)
                        else source.new_zeros((1, source.size(1))))
                out = module.lin_l(mean) + module.lin_r(target)
            else:
                out = module((source, target), index)
            total = out if total is None else total + out
        if layer < len(self.encoder.convs) - 1:
            total = total.relu()
        return total

    # --- comps --------------------------------------------------------------------------------
    def nearest(
        self, embedding: np.ndarray, k: int = 10, kind: str | None = None, exclude_ids: Sequence[str] = (),
        netflix_only: bool = False, genres: Sequence[str] = (), audience: str | None = None,
        content_vector: np.ndarray | None = None,
    ) -> list[tuple[str, float]]:
        """The k titles with the highest cosine to `embedding`, best first, as (title id, cosine);
        with `genres` (the asking title's), only titles of the same format (`known_format`: audience
        comps of a drama are dramas, of a stand-up special stand-up specials); with `audience` (the
        asking title's `audience_class`), only titles whose audience mixes with it; with
        `content_vector` (a new title's, `ContentModel.describe`), scored by the cosine plus
        NEW_TITLE_CONTENT_WEIGHT times the content score."""
        if kind is not None and kind not in KINDS:
            raise ValueError(f"kind: must be one of {KINDS} or None, got {kind!r}")
        if not isinstance(k, int) or k < 1:
            raise ValueError("k: must be a positive integer")
        query = np.asarray(embedding, dtype=np.float32)
        query = query / max(float(np.linalg.norm(query)), 1e-12)
        scores = self.title_embeddings @ query
        if kind is not None:
            scores = np.where(self.title_kinds == kind, scores, -np.inf)
        if netflix_only and self.content is not None:
            scores = np.where(self.content.index.on_netflix, scores, -np.inf)
        if genres:
            scores = np.where(self.title_formats == known_format(genres), scores, -np.inf)
        for title_id in exclude_ids:
            position = self.index["title"].get(title_id)
            if position is not None:
                scores[position] = -np.inf
        if self.content is None:
            return [(self.title_ids[i], float(scores[i])) for i in top_k(scores, k)]
        # The list rules (ContentIndex.by_list_rules), from SPARE_PLACES more: one entry per work,
        # and with `audience` no children's title beside an adult one.
        if content_vector is not None:
            scores = scores + NEW_TITLE_CONTENT_WEIGHT * self._content_scores(content_vector, netflix_only)
        ranked = [(self.title_ids[i], float(scores[i])) for i in top_k(scores, k + SPARE_PLACES)]
        return self.content.index.by_list_rules(ranked, k, seen=exclude_ids, audience=audience)

    def _content_scores(self, content_vector: np.ndarray, netflix_only: bool) -> np.ndarray:
        """Each title's content score against a content vector, in this model's title order (0 for
        a title the content index lacks; with `netflix_only`, for titles not on Netflix)."""
        index = self.content.index
        if self._content_rows is None:
            self._content_rows = np.array([index.position.get(title_id, -1) for title_id in self.title_ids])
        relevance = index.relevance(content_vector, "netflix" if netflix_only else "all")
        return np.where(self._content_rows >= 0, relevance[self._content_rows], 0.0).astype(np.float32)

    # --- audience (issue 4) ------------------------------------------------------------------
    @property
    def audience(self):
        """`audience(embedding, new_title=None) -> [{country, p_chart, expected_weeks, comps}]`,
        every chart country, highest p_chart first. Pass the NewTitle: its production countries,
        kind, year and genres feed the head. AttributeError (so `hasattr` is False) without a head."""
        if self.audience_head is None:
            raise AttributeError(f"model {self.version} has no audience head")
        return self.audience_head.audience

    def viewing(self, embedding: np.ndarray, facts: LaunchFacts) -> dict | None:
        """The first-4-weeks viewing forecast (training/viewing.py), or None without that head."""
        if self.viewing_head is None:
            return None
        return self.viewing_head.forecast(facts, embedding)

    def stored_viewing(self, title_id: str, metadata: dict) -> dict | None:
        """The viewing forecast of a title in the graph (metadata as graph.queries reads it: kind,
        countries, year, launch_year, returning, duration_minutes)."""
        facts = LaunchFacts.of_graph_title(metadata, metadata.get("launch_year"))
        return self.viewing(self.embedding_of(title_id), facts)

    def title_metadata(self, title_id: str) -> dict | None:
        """What the heads read of a catalog title (loaded on first use: only a service answering
        without Neo4j needs it); None for an unknown title or a bundle written before the file
        existed."""
        if self._title_metadata is None:
            path = self.title_metadata_path
            # Two threads may both read it; either result is the same dict.
            readable = path is not None and path.is_file()
            self._title_metadata = json.loads(path.read_text()) if readable else {}
        return self._title_metadata.get(title_id)

    def embedding_of(self, title_id: str) -> np.ndarray:
        """The stored embedding of a title in the graph (KeyError if it is not)."""
        return self.title_embeddings[self.index["title"][title_id]]


def _plain_sage(module) -> bool:
    """Whether a SAGEConv is the default mean-aggregating one that `TitleModel._layer` computes directly."""
    return (
        str(getattr(module, "aggr", "")) == "mean"
        and getattr(module, "root_weight", False)
        and not getattr(module, "project", True)
        and not getattr(module, "normalize", True)
    )
