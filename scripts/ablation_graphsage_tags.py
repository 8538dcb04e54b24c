"""Ablation: which tags the GraphSAGE pretraining reads, on the audience time split.

    python scripts/ablation_graphsage_tags.py summary-terms   # as `titlegraph train` does
    python scripts/ablation_graphsage_tags.py vocabulary      # the curated tags instead

`vocabulary` tags every title with the content model's tagger (training/content_fit.py, fitted on
the hand-labelled sample only) and gives GraphSAGE those tags in place of the summary terms of
graph/tags.py; a test title (embedded from its metadata, like a new title) gets its tags the
same way. Both modes pretrain without the post-cutoff titles and score the frozen encoder's heads
like `titlegraph evaluate` (no fine-tuning). Reports go to --out, never to docs/; the dev graph
must be ingested and Neo4j running.
"""

from __future__ import annotations

import argparse
import tempfile
from collections import Counter
from dataclasses import replace
from pathlib import Path

import training.audience_spaces as audience_spaces
import training.encoder_tuning as encoder_tuning
from titlegraph.commands import open_driver
from titlegraph.config import load_settings
from training.content_fit import build_content
from training.data import read_snapshot
from training.jobs.evaluate_audience import graph_space_factory, run_audience_evaluation


def use_vocabulary_tags(driver, settings) -> None:
    """Swap the pretraining snapshot's tags and the test titles' derived tags for vocabulary tags."""
    snapshot = read_snapshot(driver, database=settings.neo4j_database, catalog=settings.pretrain_catalog)
    content = build_content(snapshot.titles, settings.cache_dir)
    tags = {t.id: [name for name, _ in t.tags] for t in content.model.index.titles}
    titles = [replace(t, tags=tags.get(t.id, [])) for t in snapshot.titles]
    counts = Counter(name for t in titles for name in t.tags)
    tagged = replace(snapshot, titles=titles, tag_counts=dict(sorted(counts.items())))
    encoder_tuning.read_snapshot = lambda *args, **kwargs: tagged
    derive = audience_spaces.new_title_from

    def new_title_from(row, *, derive_tags=False, **overrides):
        new_title = derive(row, derive_tags=derive_tags, **overrides)
        return replace(new_title, tags=tags.get(row["id"], [])) if derive_tags else new_title

    audience_spaces.new_title_from = new_title_from


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tags", choices=("summary-terms", "vocabulary"))
    parser.add_argument("--out", type=Path, default=Path(tempfile.mkdtemp(prefix="tag-ablation-")))
    args = parser.parse_args()
    settings = load_settings()
    # The evaluation writes its JSON report under the settings' home: keep it out of var/.
    scoped = replace(settings, home=args.out / "home")
    with open_driver(settings) as driver:
        if args.tags == "vocabulary":
            use_vocabulary_tags(driver, scoped)
        factory = graph_space_factory(driver, scoped, args.out / "work", fine_tune=False, progress=False)
        docs = args.out / "docs"
        docs.mkdir(parents=True, exist_ok=True)
        summary = run_audience_evaluation(driver, scoped, space_factory=factory, docs_dir=docs)
    for name, scores in summary["methods"].items():
        print(f"{args.tags} | {name} | NDCG@10 {scores['ndcg10']['value']:.3f} | "
              f"mean ROC-AUC {scores['mean_auc']['value']:.3f} | {scores['notes']}")
    print(f"ablation done: {args.tags}, selected {summary['selected']}; reports in {args.out}")


if __name__ == "__main__":
    main()
