"""Title-embedding metrics and baselines, the embeddings run of `titlegraph evaluate`, its report.

Metrics: ROC-AUC and filtered hits@k of held-out links; mean Jaccard of chart-country sets
between a title and its comps; overlap of two top-k lists. Baselines: TF-IDF cosine, genre-only
similarity, random embeddings. `write_report` puts the "Embeddings" part of docs/evaluation.md
between its markers and leaves the rest of the file alone.
"""

from __future__ import annotations

import json
import re
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from graph.embeddings import read_chart_countries
from training import registry
from training.bundle import load_bundle, stage_bundle
from training.data import build_graph, read_snapshot
from training.features import title_text
from training.new_title import new_title_from
from training.train import fit_features, full_edge_index, num_nodes_of, train_model
from training.vectors import top_k

MARK_START = "<!-- embeddings:start -->"
MARK_END = "<!-- embeddings:end -->"


# --- metrics ----------------------------------------------------------------------------------
def roc_auc(positive_scores: Sequence[float], negative_scores: Sequence[float]) -> float:
    """Probability that a random positive outscores a random negative (ties count half)."""
    positive = np.asarray(positive_scores, dtype=np.float64)
    negative = np.asarray(negative_scores, dtype=np.float64)
    if len(positive) == 0 or len(negative) == 0:
        raise ValueError("roc_auc needs at least one positive and one negative score")
    scores = np.concatenate([positive, negative])
    order = scores.argsort(kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    # Average ranks over ties (Mann-Whitney U).
    unique, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    average = first + (counts + 1) / 2.0
    ranks[order] = np.repeat(average, counts)
    u = ranks[: len(positive)].sum() - len(positive) * (len(positive) + 1) / 2.0
    return float(u / (len(positive) * len(negative)))


def filtered_rank(scores: np.ndarray, target: int, known: Sequence[int] = ()) -> int:
    """1-based rank of `target` among all candidates, ignoring other known true candidates."""
    mask = np.ones(len(scores), dtype=bool)
    mask[list(known)] = False
    mask[target] = True
    return int((scores[mask] > scores[target]).sum()) + 1


def hits_at_k(ranks: Sequence[int], k: int = 10) -> float:
    """Share of ranks that are at most k."""
    ranks = np.asarray(ranks)
    if len(ranks) == 0:
        raise ValueError("hits_at_k needs at least one rank")
    return float((ranks <= k).mean())


def jaccard(first: set, second: set) -> float:
    """|A & B| / |A | B| (0 when both are empty)."""
    union = first | second
    return len(first & second) / len(union) if union else 0.0


def comps_jaccard(comps: Mapping[str, Sequence[str]], labels: Mapping[str, set]) -> float:
    """Mean over query titles of the mean Jaccard between its label set and each comp's."""
    per_title = [
        np.mean([jaccard(labels[query], labels.get(comp, set())) for comp in comp_ids])
        for query, comp_ids in comps.items()
        if comp_ids
    ]
    if not per_title:
        raise ValueError("comps_jaccard needs at least one title with comps")
    return float(np.mean(per_title))


def topk_overlap(first: Sequence[str], second: Sequence[str]) -> float:
    """|A & B| / k for two top-k lists of the same length k."""
    if len(first) != len(second) or not first:
        raise ValueError("topk_overlap needs two non-empty lists of the same length")
    return len(set(first) & set(second)) / len(first)


# --- neighbours and baselines -----------------------------------------------------------------
def knn_comps(
    vectors: np.ndarray,
    ids: Sequence[str],
    query_ids: Sequence[str],
    candidate_ids: Sequence[str],
    k: int = 10,
) -> dict[str, list[str]]:
    """Top-k comps by cosine of L2-normalised `vectors`, among `candidate_ids`, self excluded."""
    position = {tid: i for i, tid in enumerate(ids)}
    candidates = [position[c] for c in candidate_ids]
    matrix = vectors[candidates]
    comps = {}
    for query in query_ids:
        scores = matrix @ vectors[position[query]]
        scores[[j for j, c in enumerate(candidate_ids) if c == query]] = -np.inf
        comps[query] = [candidate_ids[j] for j in top_k(scores, k)]
    return comps


def tfidf_vectors(texts: Sequence[str]) -> np.ndarray:
    """L2-normalised TF-IDF rows (sparse kept dense-free: returned as a scipy CSR matrix)."""
    return TfidfVectorizer(
        min_df=1, ngram_range=(1, 2), sublinear_tf=True, stop_words="english"
    ).fit_transform(texts)


def sparse_knn_comps(
    matrix, ids: Sequence[str], query_ids: Sequence[str], candidate_ids: Sequence[str], k: int = 10
) -> dict[str, list[str]]:
    """Top-k comps by cosine of sparse L2-normalised rows (TF-IDF-kNN baseline)."""
    position = {tid: i for i, tid in enumerate(ids)}
    candidate_rows = matrix[[position[c] for c in candidate_ids]]
    query_rows = matrix[[position[q] for q in query_ids]]
    similarity = np.asarray((query_rows @ candidate_rows.T).todense())
    comps = {}
    candidate_index = {c: j for j, c in enumerate(candidate_ids)}
    for row, query in enumerate(query_ids):
        exclude = [candidate_index[query]] if query in candidate_index else []
        scores = similarity[row]
        scores[exclude] = -np.inf
        comps[query] = [candidate_ids[j] for j in top_k(scores, k)]
    return comps


def genre_comps(
    genres: Mapping[str, set],
    query_ids: Sequence[str],
    candidate_ids: Sequence[str],
    k: int = 10,
    seed: int = 0,
) -> dict[str, list[str]]:
    """Top-k comps by Jaccard of genre sets, ties broken at random (seeded)."""
    rng = np.random.default_rng(seed)
    comps = {}
    for query in query_ids:
        others = [c for c in candidate_ids if c != query]
        scores = np.array([jaccard(genres.get(query, set()), genres.get(c, set())) for c in others])
        tie_break = rng.random(len(others))
        top = np.lexsort((tie_break, -scores))[:k]
        comps[query] = [others[j] for j in top]
    return comps


def random_comps(
    query_ids: Sequence[str], candidate_ids: Sequence[str], k: int = 10, seed: int = 0
) -> dict[str, list[str]]:
    """k random other candidates per query (seeded)."""
    rng = np.random.default_rng(seed)
    comps = {}
    for query in query_ids:
        others = [c for c in candidate_ids if c != query]
        comps[query] = [others[j] for j in rng.choice(len(others), size=min(k, len(others)), replace=False)]
    return comps


def random_embeddings(count: int, dimensions: int, seed: int = 0) -> np.ndarray:
    """L2-normalised Gaussian rows (the random-embedding baseline)."""
    rows = np.random.default_rng(seed).standard_normal((count, dimensions))
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def link_metrics(
    scores_for: Callable[[np.ndarray], np.ndarray],
    positives: Sequence[tuple[int, int]],
    negatives: Sequence[tuple[int, int]],
    known: Mapping[int, Sequence[int]],
    k: int = 10,
    chunk: int = 512,
) -> dict[str, float]:
    """ROC-AUC (held-out vs random pairs) and filtered hits@k of held-out (title, target) pairs.

    `scores_for(title_indices)` returns each title's scores for every target (one row each).
    `known` maps a title index to the targets it is linked to in the training graph; those are
    left out of the ranking so they do not push a held-out target down.
    """
    pairs = list(positives) + list(negatives)
    titles = np.array(sorted({t for t, _ in pairs}))
    score_of: dict[tuple[int, int], float] = {}
    ranks = []
    wanted: dict[int, list[int]] = {}
    for t, o in positives:
        wanted.setdefault(t, []).append(o)
    scored: dict[int, list[int]] = {}
    for t, o in pairs:
        scored.setdefault(t, []).append(o)
    for start in range(0, len(titles), chunk):
        block = titles[start : start + chunk]
        rows = np.asarray(scores_for(block))
        for row, t in zip(rows, block, strict=True):
            for o in wanted.get(t, []):
                ranks.append(filtered_rank(row, o, known.get(t, ())))
            score_of.update({(t, o): float(row[o]) for o in scored[t]})
    auc = roc_auc([score_of[p] for p in positives], [score_of[n] for n in negatives])
    return {"auc": auc, f"hits@{k}": hits_at_k(ranks, k), "positives": len(positives)}


# --- report -----------------------------------------------------------------------------------
def splice_section(document: str, section: str, start: str = MARK_START, end: str = MARK_END) -> str:
    """Replace the text between a section's markers (append markers + section if absent)."""
    block = f"{start}\n{section.strip()}\n{end}"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(document):
        return pattern.sub(lambda _: block, document, count=1)
    prefix = document.rstrip() + "\n\n" if document.strip() else "# Evaluation\n\n"
    return prefix + block + "\n"


def write_report(path: Path, section: str, start: str = MARK_START, end: str = MARK_END) -> None:
    """Write a section into `path` between its markers, keeping everything else."""
    document = path.read_text() if path.exists() else ""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".md.tmp")
    temporary.write_text(splice_section(document, section, start, end))
    temporary.replace(path)


# --- the `titlegraph evaluate` pipeline -------------------------------------------------------
HELD_OUT_TYPES = {("title", "has_tag", "tag"): "tags", ("title", "in_genre", "genre"): "genres"}
GENRE_GROUPS = [  # first match wins: specific formats before broad moods
    ("Stand-up", ("stand-up",)),
    ("Documentary", ("documentar", "docuseries")),
    ("Kids & family", ("kids", "children", "family")),
    ("Anime & animation", ("anime", "animation")),
    ("Horror", ("horror",)),
    ("Reality", ("reality",)),
    ("Romance", ("romantic", "romance")),
    ("Comedy", ("comed",)),
    ("Crime & thriller", ("crime", "thriller")),
    ("Action & sci-fi", ("action", "sci-fi", "scifi")),
    ("Drama", ("drama",)),
]
LANDMARKS = [
    "Stranger Things",
    "Squid Game",
    "Money Heist",
    "La casa de papel",
    "The Crown",
    "Narcos",
    "Ozark",
    "Black Mirror",
    "Tiger King",
    "The Irishman",
    "Bridgerton",
    "Kingdom",
    "Dark",
    "The Witcher",
    "BoJack Horseman",
    "Lupin",
    "Sex Education",
    "Our Planet",
    "Cobra Kai",
    "Extraction",
    "The Queen's Gambit",
    "Peaky Blinders",
]


def genre_group(genres: Sequence[str]) -> str:
    """A coarse colour group for the similarity map."""
    lowered = " | ".join(genres).lower()
    for group, needles in GENRE_GROUPS:
        if any(needle in lowered for needle in needles):
            return group
    return "Other"


# Saturated and distinct (matplotlib's tab10 plus two): pale tab20 shades vanished on white.
MAP_COLOURS = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
    "#e377c2", "#bcbd22", "#17becf", "#393b79", "#637939", "#7f7f7f",
]
LABEL_FONT_SIZE = 10
CACHE_NOTE = "$TITLEGRAPH_CACHE/text-vectors"
LINK_NOTE = (
    "Tags are unigrams and bigrams of the summaries (`graph/tags.py`), so a held-out tag is a word "
    "of the title's own summary: TF-IDF, which reads that summary, recovers it almost by construction, "
    "while GraphSAGE sees the summary only through a 128-wide SVD projection and has to place "
    "6,629 tags in a 64-wide space. Genres, which the text does not spell out, are where the graph "
    "helps (AUC and hits@10 above TF-IDF). The comps measure below is the one this issue is about."
)


def boxed_label(axes, text: str, anchor, offset, *, bbox: dict, shrink: float = 0) -> None:
    """A bold label in a box at `offset` points from `anchor`, with a leader line to it."""
    axes.annotate(text, anchor, xytext=offset, textcoords="offset points", fontsize=LABEL_FONT_SIZE,
                  weight="bold", ha="center", va="center", bbox=bbox, zorder=4,
                  arrowprops={"arrowstyle": "-", "color": "0.3", "lw": 0.6, "shrinkA": 0, "shrinkB": shrink})


def place_labels(
    anchors: np.ndarray, sizes: Sequence[tuple[float, float]], step: float = 14.0, rings: int = 12
) -> list[tuple[float, float]]:
    """Offsets (in points) that keep every label box clear of the others and of every anchor.

    Greedy: each label, taken top to bottom, gets the nearest free spot on rings of growing radius
    around its anchor (a leader line joins them). Well-known titles sit in one dense cluster of the
    map, where labels at a fixed offset printed on top of each other.
    """
    placed: list[tuple[float, float, float, float]] = []  # boxes as (x0, y0, x1, y1), in points

    def clear(box):
        x0, y0, x1, y1 = box
        if any(x0 < b[2] and b[0] < x1 and y0 < b[3] and b[1] < y1 for b in placed):
            return False
        return not any(x0 - 3 < ax < x1 + 3 and y0 - 3 < ay < y1 + 3 for ax, ay in anchors)

    offsets: list[tuple[float, float] | None] = [None] * len(anchors)
    for index in sorted(range(len(anchors)), key=lambda i: -anchors[i][1]):
        (ax, ay), (width, height) = anchors[index], sizes[index]
        candidates = [
            (radius * np.cos(angle), radius * np.sin(angle))
            for ring in range(1, rings + 1)
            for radius in [ring * step]
            for angle in np.linspace(np.pi / 4, np.pi / 4 + 2 * np.pi, 8 * ring, endpoint=False)
        ]
        choice = candidates[-1]
        for dx, dy in candidates:
            # The box is centred on the offset, pushed out so it never covers its own anchor.
            cx = dx + np.sign(dx) * width / 2 * (abs(dx) > 1e-6)
            cy = dy + np.sign(dy) * height / 2 * (abs(dy) > 1e-6)
            box = (ax + cx - width / 2, ay + cy - height / 2, ax + cx + width / 2, ay + cy + height / 2)
            if clear(box):
                choice = (cx, cy)
                break
        else:
            cx, cy = choice
            box = (ax + cx - width / 2, ay + cy - height / 2, ax + cx + width / 2, ay + cy + height / 2)
        placed.append(box)
        offsets[index] = (float(choice[0]), float(choice[1]))
    return offsets  # type: ignore[return-value]


def comps_metrics(
    title_ids: list[str], embeddings: np.ndarray, titles, charts: dict[str, set], k: int = 10, seed: int = 0
) -> dict:
    """Chart-country Jaccard of top-k comps among charted titles: model vs TF-IDF, genre, random."""
    queries = [tid for tid in title_ids if tid in charts]
    if len(queries) <= k:
        return {}
    tfidf = tfidf_vectors([title_text(t.title, t.summary) for t in titles])
    genres = {t.id: set(t.genres) for t in titles}
    return {
        "titles": len(queries),
        "k": k,
        "graphsage": comps_jaccard(
            knn_comps(embeddings, title_ids, queries, queries, k), charts
        ),
        "tfidf_knn": comps_jaccard(
            sparse_knn_comps(tfidf, title_ids, queries, queries, k), charts
        ),
        "genre_only": comps_jaccard(genre_comps(genres, queries, queries, k, seed), charts),
        "random": comps_jaccard(random_comps(queries, queries, k, seed), charts),
    }


def split_held_out(snapshot, fraction: float, seed: int) -> dict[tuple, set[tuple[str, str]]]:
    """A seeded `fraction` of title-tag and title-genre edges, as (title id, key) pairs."""
    rng = np.random.default_rng(seed)
    held_out = {}
    for edge_type, attribute in HELD_OUT_TYPES.items():
        pairs = sorted((row.id, key) for row in snapshot.titles for key in getattr(row, attribute))
        chosen = rng.choice(len(pairs), size=int(fraction * len(pairs)), replace=False)
        held_out[edge_type] = {pairs[i] for i in chosen}
    return held_out


def _link_eval(
    graph, snapshot, held_out, final_states: dict[str, np.ndarray], seed: int, k: int = 10
) -> dict:
    """Link metrics of the model, TF-IDF cosine (target = centroid of its titles) and random vectors."""
    rng = np.random.default_rng(seed)
    tfidf = tfidf_vectors([title_text(t.title, t.summary) for t in graph.titles])
    rows = {}
    for edge_type, attribute in HELD_OUT_TYPES.items():
        target_type = edge_type[2]
        target_index = graph.index[target_type]
        n_targets = len(graph.keys[target_type])
        train_edges = graph.data[edge_type].edge_index.numpy()
        known: dict[int, list[int]] = {}
        for t, o in train_edges.T:
            known.setdefault(int(t), []).append(int(o))
        linked = {(row.id, key) for row in graph.titles for key in getattr(row, attribute)}
        positives = [
            (graph.index["title"][tid], target_index[key])
            for tid, key in sorted(held_out[edge_type])
            if tid in graph.index["title"] and key in target_index
        ]
        negatives = []
        for t, _ in positives:
            while True:
                o = int(rng.integers(n_targets))
                if (graph.title_ids[t], graph.keys[target_type][o]) not in linked:
                    negatives.append((t, o))
                    break
        incidence = sparse.csr_matrix(
            (np.ones(train_edges.shape[1]), (train_edges[1], train_edges[0])),
            shape=(n_targets, len(graph.title_ids)),
        )
        centroids = incidence @ tfidf
        norms = np.sqrt(np.asarray(centroids.multiply(centroids).sum(axis=1))).ravel()
        centroids = sparse.diags(1 / np.maximum(norms, 1e-12)) @ centroids
        random_titles = random_embeddings(len(graph.title_ids), 64, seed)
        random_targets = random_embeddings(n_targets, 64, seed + 1)
        model_titles, model_targets = final_states["title"], final_states[target_type]
        scorers = {
            "graphsage": lambda idx, a=model_titles, b=model_targets: a[idx] @ b.T,
            "tfidf_cosine": lambda idx, c=centroids: (tfidf[idx] @ c.T).toarray(),
            "random": lambda idx, a=random_titles, b=random_targets: a[idx] @ b.T,
        }
        rows[attribute] = {
            name: link_metrics(scorer, positives, negatives, known, k) for name, scorer in scorers.items()
        }
    return rows


def _inductive_eval(
    snapshot,
    config,
    cache_dir,
    full_ids,
    full_embeddings,
    work_dir: Path,
    count: int = 50,
    k: int = 10,
    progress: bool = True,
) -> dict:
    """Leave `count` titles out, train without them, embed them inductively, compare top-k lists."""
    rng = np.random.default_rng(config.seed)
    ids = [row.id for row in snapshot.titles]
    chosen = sorted(ids[i] for i in rng.choice(len(ids), size=count, replace=False))
    graph = build_graph(snapshot, exclude_title_ids=chosen, min_person_titles=config.min_person_titles)
    featurizer, title_x = fit_features(graph, config, cache_dir)
    result = train_model(graph, title_x, config, progress=progress)
    version = registry.new_version(graph.data_hash) + "-inductive"
    staging = stage_bundle(work_dir, version, snapshot, graph, config, featurizer, title_x, result, {})
    model = load_bundle(registry.finalize(staging, work_dir, version))
    # In-graph lists: the full model's comps among the titles the reduced model knows.
    full_comps = knn_comps(full_embeddings, full_ids, chosen, graph.title_ids, k)
    rows = {row.id: row for row in snapshot.titles}
    overlaps, seconds, warnings = [], [], 0
    for title_id in chosen:
        started = time.perf_counter()
        # Tags derived from the summary, as the API does for a new title.
        embedding, notes = model.embed_new(new_title_from(rows[title_id], derive_tags=True))
        seconds.append(time.perf_counter() - started)
        warnings += len(notes)
        overlaps.append(topk_overlap([tid for tid, _ in model.nearest(embedding, k)], full_comps[title_id]))
    # Noise floor: two trainings (with and without the 50) disagree on in-graph titles too.
    controls = sorted(graph.title_ids[i] for i in rng.choice(len(graph.title_ids), size=count, replace=False))
    full_control = knn_comps(full_embeddings, full_ids, controls, graph.title_ids, k)
    reduced_control = knn_comps(result.title_embeddings, graph.title_ids, controls, graph.title_ids, k)
    control = [topk_overlap(full_control[t], reduced_control[t]) for t in controls]
    return {
        "titles": count,
        "k": k,
        "overlap_mean": float(np.mean(overlaps)),
        "overlap_median": float(np.median(overlaps)),
        "control_overlap_mean": float(np.mean(control)),
        "embed_ms_median": 1000 * float(np.median(seconds)),
        "warnings": warnings,
    }


def final_node_states(model, graph, title_x) -> dict[str, np.ndarray]:
    """Final (unnormalised) states of every node type on the full training graph."""
    model.eval()
    with torch.no_grad():
        states = model.encoder(torch.from_numpy(title_x), full_edge_index(graph), num_nodes_of(graph))
    return {node_type: value.numpy() for node_type, value in states.items()}


def evaluate_encoder(snapshot, charts, config, cache_dir, *, progress: bool = True) -> dict:
    """Held-out link prediction and chart-country comps for one configuration (one training)."""
    held_out = split_held_out(snapshot, 0.1, config.seed)
    graph = build_graph(snapshot, drop_edges=held_out, min_person_titles=config.min_person_titles)
    started = time.monotonic()
    _, title_x = fit_features(graph, config, cache_dir)
    feature_seconds = time.monotonic() - started
    result = train_model(graph, title_x, config, progress=progress)
    link = _link_eval(graph, snapshot, held_out, final_node_states(result.model, graph, title_x), config.seed)
    # One training serves both measures (2-core budget): comps come from the model that lacks the
    # 10% held-out tag/genre edges; chart edges, the comps labels, are never in training.
    comps = comps_metrics(graph.title_ids, result.title_embeddings, graph.titles, charts, config.comps_k,
                          config.seed)
    return {"link": link, "comps": comps, "train_seconds": result.seconds, "feature_seconds": feature_seconds,
            "graph": graph, "embeddings": result.title_embeddings}


def similarity_map(
    path: Path, title_ids: Sequence[str], embeddings: np.ndarray, titles: Sequence, seed: int = 0
) -> None:
    """A t-SNE map of the title embeddings coloured by genre group, with well-known titles labelled."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.manifold import TSNE

    points = TSNE(
        n_components=2,
        init="pca",
        random_state=seed,
        perplexity=min(40.0, (len(titles) - 1) / 3),
        metric="cosine",
    ).fit_transform(embeddings)
    groups = [genre_group(t.genres) for t in titles]
    names = [g for g, _ in GENRE_GROUPS] + ["Other"]
    colours = MAP_COLOURS
    figure, axes = plt.subplots(figsize=(13, 11), dpi=110)
    for position, group in enumerate(names):
        mask = np.array([g == group for g in groups])
        axes.scatter(
            points[mask, 0],
            points[mask, 1],
            s=4,
            alpha=0.6,
            color=colours[position % len(colours)],
            label=f"{group} ({mask.sum():,})",
            linewidths=0,
        )
    by_title = {}
    for i, t in enumerate(titles):
        by_title.setdefault(t.title, i)
    shown = [(name, by_title[name]) for name in LANDMARKS if name in by_title]
    figure.tight_layout()  # fixes the data-to-pixel transform the label placement measures in
    anchors = axes.transData.transform(points[[i for _, i in shown]]) / figure.dpi * 72
    sizes = [(LABEL_FONT_SIZE * 0.62 * len(name) + 6, LABEL_FONT_SIZE * 1.5) for name, _ in shown]
    for (name, i), offset in zip(shown, place_labels(anchors, sizes), strict=True):
        axes.scatter(*points[i], s=40, color="black", marker="x", zorder=3)
        boxed_label(
            axes, name, points[i], offset,
            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "alpha": 0.85, "lw": 0}, shrink=3,
        )
    axes.set_title(f"titlegraph similarity map: {len(title_ids):,} titles (t-SNE of GraphSAGE embeddings)")
    axes.set_xticks([])
    axes.set_yticks([])
    axes.legend(
        loc="upper right", markerscale=4, fontsize=9, framealpha=0.9, title="first matching genre group"
    )
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)


def _fmt(value: float) -> str:
    return f"{value:.3f}"


def render_section(results: dict, best: str, inductive: dict, config, commands: str) -> str:
    """The markdown of the embeddings part of docs/evaluation.md."""
    lines = _link_lines(results, best, config, commands) + _comps_lines(results) + _inductive_lines(inductive)
    return "\n".join(lines)


def _link_lines(results: dict, best: str, config, commands: str) -> list[str]:
    """How the report was made, and the held-out link prediction table."""
    lines = [
        "## Embeddings",
        "",
        f"Produced by `{commands}` (seed {config.seed}, {config.epochs} epochs, hidden {config.hidden}, "
        f"embedding width {config.out}, person dropout {config.person_dropout}). Default text encoder: "
        f"**{best}** (better chart-country Jaccard "
        "of comps below). Timings are from a shared 2-core machine and are noisy.",
        "",
        "### Held-out link prediction",
        "",
        "10% of title-tag and title-genre edges are removed from the graph before training; each is "
        "scored against one random non-edge of the same title (ROC-AUC) and ranked among all tags or "
        "genres, other known edges of the title filtered out (hits@10). TF-IDF cosine scores a title "
        "against the centroid of the TF-IDF vectors of the target's training titles.",
        "",
        "| encoder | edges | held out | GraphSAGE AUC | hits@10 | TF-IDF AUC | hits@10 "
        "| random AUC | hits@10 |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for encoder, result in results.items():
        for edge, row in result["link"].items():
            lines.append(
                f"| {encoder} | title-{edge[:-1]} | {row['graphsage']['positives']:,} | "
                + " | ".join(
                    f"{_fmt(row[m]['auc'])} | {_fmt(row[m]['hits@10'])}"
                    for m in ("graphsage", "tfidf_cosine", "random")
                )
                + " |"
            )
    return lines


def _comps_lines(results: dict) -> list[str]:
    """The table of comps scored by chart-country Jaccard."""
    lines = [
        "",
        LINK_NOTE,
        "",
        "### Comps that agree with audiences",
        "",
        "For every title with chart history (and metadata), its top-10 comps among the other charted "
        "titles; score = mean Jaccard of the CHARTED_IN country sets of the title and each comp. Chart "
        "edges are never used in training; the embeddings are those of the held-out model above.",
        "",
        "| encoder | titles | GraphSAGE | TF-IDF-kNN | genre-only | random | pretrain s | text features s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for encoder, result in results.items():
        c = result["comps"]
        lines.append(
            f"| {encoder} | {c['titles']:,} | **{_fmt(c['graphsage'])}** | {_fmt(c['tfidf_knn'])} | "
            f"{_fmt(c['genre_only'])} | {_fmt(c['random'])} | {result['train_seconds']:.0f} | "
            f"{result['feature_seconds']:.0f} |"
        )
    return lines


def _inductive_lines(inductive: dict) -> list[str]:
    """New titles embedded from metadata alone, and the similarity map."""
    return [
        "",
        "Text features s is the time to encode every summary; MiniLM's vectors are cached by text "
        f"hash in `{CACHE_NOTE}`, so a rerun reads them in well under a second (the first encoding "
        "of the catalog takes about two minutes on this 2-core CPU).",
        "",
        "### A new title from metadata alone",
        "",
        f"{inductive['titles']} random titles are left out of the graph (and out of the text-encoder "
        f"fit), a model is trained without them, and each is embedded by `TitleModel.embed_new` from "
        f"its metadata (tags derived from its summary). Overlap of its top-{inductive['k']} comps with "
        f"its top-{inductive['k']} when it was in the graph (full model, same candidate titles): "
        f"**mean {_fmt(inductive['overlap_mean'])}**, median {_fmt(inductive['overlap_median'])}. "
        f"Noise floor: the same two models agree on {_fmt(inductive['control_overlap_mean'])} of the "
        f"top-{inductive['k']} of {inductive['titles']} titles that stayed in the graph. Median embed "
        f"time {inductive['embed_ms_median']:.1f} ms; {inductive['warnings']} unknown-name warnings "
        "(people with one title are not in the model).",
        "",
        "### Similarity map",
        "",
        "![similarity map](similarity_map.png)",
        "",
        "t-SNE (cosine) of the title embeddings of the default model, coloured by the first matching "
        "genre group; crosses mark well-known titles.",
    ]


def run_evaluation(
    settings,
    driver,
    config,
    *,
    docs_dir: Path,
    encoders: Sequence[str],
    progress: bool = True,
    echo: Callable[[str], None] = print,
) -> dict:
    """Evaluate each text encoder, the inductive path, draw the map and write the docs section."""
    started = time.monotonic()
    snapshot = read_snapshot(driver, database=settings.neo4j_database, catalog=settings.pretrain_catalog)
    charts = read_chart_countries(driver, database=settings.neo4j_database)
    results = {}
    for encoder in encoders:
        results[encoder] = evaluate_encoder(
            snapshot, charts, replace(config, encoder=encoder), settings.cache_dir, progress=progress
        )
        echo(f"{encoder}: comps Jaccard {results[encoder]['comps']['graphsage']:.3f}")
    best = max(results, key=lambda name: results[name]["comps"]["graphsage"])
    best_config = replace(config, encoder=best)
    with tempfile.TemporaryDirectory() as work_dir:
        inductive = _inductive_eval(
            snapshot,
            best_config,
            settings.cache_dir,
            results[best]["graph"].title_ids,
            results[best]["embeddings"],
            Path(work_dir),
            progress=progress,
        )
    graph = results[best]["graph"]
    similarity_map(
        docs_dir / "similarity_map.png",
        graph.title_ids,
        results[best]["embeddings"],
        graph.titles,
        config.seed,
    )
    section = render_section(
        results, best, inductive, config, "titlegraph evaluate --compare-encoders " + " ".join(encoders)
    )
    write_report(docs_dir / "evaluation.md", section)
    figures = _report_figures(results, best, inductive)
    settings.reports_dir.mkdir(parents=True, exist_ok=True)
    (settings.reports_dir / "embeddings_evaluation.json").write_text(json.dumps(figures, indent=1))
    echo(
        f"evaluate done in {time.monotonic() - started:.0f}s: best encoder {best}, comps Jaccard "
        f"{results[best]['comps']['graphsage']:.3f} (TF-IDF-kNN {results[best]['comps']['tfidf_knn']:.3f}), "
        f"inductive top-10 overlap {inductive['overlap_mean']:.3f}; wrote {docs_dir / 'evaluation.md'}"
    )
    return figures


def _report_figures(results: dict, best: str, inductive: dict) -> dict:
    """embeddings_evaluation.json: every figure of the report, per encoder."""
    return {
        "encoders": {
            name: {
                "link": r["link"],
                "comps": r["comps"],
                "train_seconds": r["train_seconds"],
                "feature_seconds": r["feature_seconds"],
            }
            for name, r in results.items()
        },
        "best": best,
        "inductive": inductive,
    }
