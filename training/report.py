"""The markdown of docs/evaluation.md: the one splicer that writes a section between its markers,
and the embeddings section's renderer. Every figure in a rendered sentence comes from the run's
results passed in."""

from __future__ import annotations

import re
from pathlib import Path

MARK_START = "<!-- embeddings:start -->"


MARK_END = "<!-- embeddings:end -->"


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


CACHE_NOTE = "$TITLEGRAPH_CACHE/text-vectors"


def link_note(result: dict, config) -> str:
    """Why TF-IDF wins on tags: the run's own tag count and widths."""
    return (
        "Tags are unigrams and bigrams of the summaries (`graph/tags.py`), so a held-out tag is a word "
        "of the title's own summary: TF-IDF, which reads that summary, recovers it almost by construction, "
        f"while GraphSAGE sees the summary only through a {config.text_dimensions}-wide SVD projection "
        f"(tfidf-svd) and has to place {result['tags']:,} tags in a {config.out}-wide space. Genres, which "
        "the text does not spell out, are where the graph can help (compare the AUC and hits@10 columns). "
        "The comps measure below is the one this issue is about."
    )


def _fmt(value: float) -> str:
    return f"{value:.3f}"


def render_section(results: dict, best: str, inductive: dict, config, commands: str) -> str:
    """The markdown of the embeddings part of docs/evaluation.md."""
    lines = (_link_lines(results, best, config, commands) + _comps_lines(results, best, config)
             + _inductive_lines(inductive))
    return "\n".join(lines)


def _link_lines(results: dict, best: str, config, commands: str) -> list[str]:
    """How the report was made, and the held-out link prediction table."""
    lines = [
        "## Embeddings",
        "",
        f"Produced by `{commands}` (seed {config.seed}, {config.epochs} epochs, hidden {config.hidden}, "
        f"embedding width {config.out}, person dropout {config.person_dropout}). Default text encoder: "
        f"**{best}**, the higher chart-country Jaccard of comps below. That section has no held-out split "
        "of its own: the encoder is chosen and reported on the same charted titles, and the audience "
        "test titles play no part. The training hyper-parameters (person dropout included) are "
        "`TrainConfig` defaults kept for this section's measures (inductive overlap, comps Jaccard); a "
        "run does not repeat that search. Timings are from a shared 2-core machine and are noisy.",
        "",
        "### Held-out link prediction",
        "",
        f"{results[best]['held_out_fraction']:.0%} of title-tag and title-genre edges are removed from the "
        "graph before training; each is scored against one random non-edge of the same title (ROC-AUC) "
        "and ranked among all tags or "
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


def _comps_lines(results: dict, best: str, config) -> list[str]:
    """The table of comps scored by chart-country Jaccard."""
    lines = [
        "",
        link_note(results[best], config),
        "",
        "### Comps that agree with audiences",
        "",
        "For every title with chart history (and metadata), its "
        f"top-{config.comps_k} comps among the other charted "
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
        f"hash in `{CACHE_NOTE}`, so a rerun reads them from disk; a run without the cache encodes the "
        "whole catalog first.",
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
