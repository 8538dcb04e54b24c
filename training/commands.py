"""Handlers of the training sub-commands (`titlegraph train`, `evaluate`, `evaluate-comps`,
`evaluate-viewing`, `audience-maps`); their arguments are in training/cli.py. The top layer of
training/: only this module imports training.jobs.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from graph import audience as graph_audience
from titlegraph.commands import ensure_neo4j, open_driver
from titlegraph.config import PROJECT_ROOT, Settings
from training.audience_map import render_title_maps
from training.audience_spaces import space_from_model
from training.bundle import is_bundle, load_bundle
from training.content_map import render_map
from training.data import read_snapshot
from training.evaluate import run_evaluation
from training.evaluate_comps import run_comps_evaluation
from training.jobs.evaluate_audience import evaluate_audience, graph_space_factory
from training.jobs.retrain import run_training
from training.layout import build_layout
from training.plots import plot_regions_from_report
from training.registry import current_model_dir
from training.split import DEFAULT_CUTOFF, time_split
from training.train import TrainConfig
from training.viewing_report import run_viewing_evaluation


def _config(settings: Settings, args: argparse.Namespace):
    overrides = {
        name: getattr(args, name)
        for name in ("epochs", "encoder", "hidden", "out", "batch_size")
        if getattr(args, name, None) is not None
    }
    return TrainConfig(seed=args.seed if args.seed is not None else settings.seed, **overrides)


def cmd_train(settings: Settings, args: argparse.Namespace) -> int:
    """Read the graph, train, write and publish the bundle, write embeddings back."""
    ensure_neo4j(settings)
    with open_driver(settings) as driver:
        run_training(
            settings,
            driver,
            _config(settings, args),
            write_back=not args.no_write_back,
            progress=not args.quiet,
        )
    return 0


def cmd_evaluate(settings: Settings, args: argparse.Namespace) -> int:
    """Regenerate the embeddings part of docs/evaluation.md and docs/similarity_map.png."""
    ensure_neo4j(settings)
    docs = Path(args.docs) if args.docs else PROJECT_ROOT / "docs"
    with open_driver(settings) as driver:
        run_evaluation(
            settings,
            driver,
            _config(settings, args),
            docs_dir=docs,
            encoders=args.compare_encoders,
            progress=not args.quiet,
        )
        evaluate_audience(settings, driver, docs_dir=docs, progress=not args.quiet)
    return 0


def _current_model(settings: Settings, part: str, name: str):
    """The current model version, loaded; exits saying what to run when there is none or it has
    no `part` (an attribute of the loaded TitleModel, called `name` in the message)."""
    model_dir = current_model_dir(settings.models_path)
    if model_dir is None:
        raise SystemExit("no model version yet: run `titlegraph train` first")
    model = load_bundle(model_dir)
    if getattr(model, part) is None:
        raise SystemExit(f"{model_dir} has no {name}: run `titlegraph train` again")
    return model


def cmd_evaluate_comps(settings: Settings, args: argparse.Namespace) -> int:
    """Measure content comps against baselines (docs/evaluation.md, `comps` section); draw the
    content map (docs/content_map.png)."""
    model = _current_model(settings, "content", "content comps model")
    ensure_neo4j(settings)
    with open_driver(settings) as driver:
        snapshot = read_snapshot(driver, database=settings.neo4j_database)
    summaries = {row.id: row.summary for row in snapshot.titles}
    docs = Path(args.docs) if args.docs else PROJECT_ROOT / "docs"
    run_comps_evaluation(model.content.index, model.title_embeddings, summaries, docs)
    # docs/similarity_map.png is `evaluate`'s map of the audience embeddings; this one is of content.
    render_map(model.content.layout or build_layout(model.content.index, seed=settings.seed),
               model.content.index, docs / "content_map.png")
    return 0


def cmd_evaluate_viewing(settings: Settings, args: argparse.Namespace) -> int:
    """The viewing forecast on the time split (docs/evaluation.md, `viewing` section)."""
    ensure_neo4j(settings)
    docs = Path(args.docs) if args.docs else PROJECT_ROOT / "docs"
    work_dir = settings.home / "audience-eval"
    with open_driver(settings) as driver:
        database = settings.neo4j_database
        records = graph_audience.chart_records(driver, database=database)
        countries = [iso2 for iso2, _ in graph_audience.chart_countries(driver, database=database)]
        metadata = graph_audience.title_metadata(
            driver, graph_audience.metadata_title_ids(driver, database=database), database=database)
        # The bundle `titlegraph evaluate` pretrained without the post-cutoff titles, when it exists
        # and `--fresh` is not given (pretraining takes minutes).
        if is_bundle(work_dir / "pretrained") and not args.fresh:
            space = space_from_model(load_bundle(work_dir / "pretrained"), metadata, countries,
                                     "GraphSAGE (frozen encoder)")
        else:
            split = time_split(records, countries, DEFAULT_CUTOFF)
            factory = graph_space_factory(driver, settings, work_dir, fine_tune=False,
                                          progress=not args.quiet)
            space = factory(split, metadata, countries)[0]
        run_viewing_evaluation(records, countries, metadata, space, docs, settings.reports_dir)
    return 0


def cmd_audience_maps(settings: Settings, args: argparse.Namespace) -> int:
    """Draw docs/audience_maps.png: the current model's expected audience of well-known titles on
    world maps; with --regions-from, also docs/audience_regions.png from a saved evaluation."""
    docs = Path(args.docs) if args.docs else PROJECT_ROOT / "docs"
    if args.regions_from:
        print(f"wrote {plot_regions_from_report(Path(args.regions_from), docs / 'audience_regions.png')}")
    model = _current_model(settings, "audience_head", "audience head")
    ensure_neo4j(settings)
    with open_driver(settings) as driver:
        path = render_title_maps(settings, driver, model, docs / "audience_maps.png", args.titles)
    print(f"wrote {path}")
    return 0
