"""Title-embedding metrics and baselines, the embeddings run of `titlegraph evaluate`, its report.

Metrics: ROC-AUC and filtered hits@k of held-out links; mean Jaccard of chart-country sets
between a title and its comps; overlap of two top-k lists. Baselines: TF-IDF cosine, genre-only
similarity, random embeddings. `write_report` puts the "Embeddings" part of docs/evaluation.md
between its markers and leaves the rest of the file alone.
"""

from __future__ import annotations

import json
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
from training.metrics import comps_jaccard, filtered_rank, hits_at_k, jaccard, roc_auc, topk_overlap
from training.new_title import new_title_from
from training.plots import similarity_map
from training.report import render_section, write_report
from training.train import fit_features, full_edge_index, num_nodes_of, train_model
from training.vectors import top_k


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


# --- the `titlegraph evaluate` pipeline -------------------------------------------------------
HELD_OUT_FRACTION = 0.1  # of title-tag and title-genre edges, per encoder's training
HELD_OUT_TYPES = {("title", "has_tag", "tag"): "tags", ("title", "in_genre", "genre"): "genres"}


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
    held_out = split_held_out(snapshot, HELD_OUT_FRACTION, config.seed)
    graph = build_graph(snapshot, drop_edges=held_out, min_person_titles=config.min_person_titles)
    started = time.monotonic()
    _, title_x = fit_features(graph, config, cache_dir)
    feature_seconds = time.monotonic() - started
    result = train_model(graph, title_x, config, progress=progress)
    link = _link_eval(graph, snapshot, held_out, final_node_states(result.model, graph, title_x), config.seed)
    # One training serves both measures (2-core budget): comps come from the model that lacks the
    # held-out tag/genre edges; chart edges, the comps labels, are never in training.
    comps = comps_metrics(graph.title_ids, result.title_embeddings, graph.titles, charts, config.comps_k,
                          config.seed)
    return {"link": link, "comps": comps, "train_seconds": result.seconds, "feature_seconds": feature_seconds,
            "held_out_fraction": HELD_OUT_FRACTION, "tags": len(graph.keys["tag"]),
            "graph": graph, "embeddings": result.title_embeddings}


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
                "held_out_fraction": r["held_out_fraction"],
                "tags": r["tags"],
            }
            for name, r in results.items()
        },
        "best": best,
        "inductive": inductive,
    }
