"""Sub-commands of the training area: `titlegraph train` and `titlegraph evaluate`.

The parser imports this module for every command, so each handler imports its training modules
itself: `titlegraph neo4j status` or `serve` must not pay for torch.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from titlegraph.cli import ensure_neo4j, open_driver
from titlegraph.config import PROJECT_ROOT, Settings
from training.audience_map import DEFAULT_TITLES


def _config(settings: Settings, args: argparse.Namespace):
    from training.train import TrainConfig

    overrides = {
        name: getattr(args, name)
        for name in ("epochs", "encoder", "hidden", "out", "batch_size")
        if getattr(args, name, None) is not None
    }
    return TrainConfig(seed=args.seed if args.seed is not None else settings.seed, **overrides)


def cmd_train(settings: Settings, args: argparse.Namespace) -> int:
    """Read the graph, train, write and publish the bundle, write embeddings back."""
    from training.jobs.retrain import run_training

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
    from training.evaluate import run_evaluation

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
        from training.jobs.evaluate_audience import evaluate_audience

        evaluate_audience(settings, driver, docs_dir=docs, progress=not args.quiet)
    return 0


def _current_model(settings: Settings, part: str, name: str):
    """The current model version, loaded; exits saying what to run when there is none or it has
    no `part` (an attribute of the loaded TitleModel, called `name` in the message)."""
    from training.bundle import load_bundle
    from training.registry import current_model_dir

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
    from training.content_map import render_map
    from training.data import read_snapshot
    from training.evaluate_comps import run_comps_evaluation
    from training.layout import build_layout

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
    from graph import audience as graph_audience
    from training.audience_spaces import space_from_model
    from training.bundle import is_bundle, load_bundle
    from training.jobs.evaluate_audience import graph_space_factory
    from training.split import DEFAULT_CUTOFF, time_split
    from training.viewing_report import run_viewing_evaluation

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
    from training.audience_map import render_title_maps
    from training.plots import plot_regions_from_report

    docs = Path(args.docs) if args.docs else PROJECT_ROOT / "docs"
    if args.regions_from:
        print(f"wrote {plot_regions_from_report(Path(args.regions_from), docs / 'audience_regions.png')}")
    model = _current_model(settings, "audience_head", "audience head")
    ensure_neo4j(settings)
    with open_driver(settings) as driver:
        path = render_title_maps(settings, driver, model, docs / "audience_maps.png", args.titles)
    print(f"wrote {path}")
    return 0


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int, help="random seed (default: TITLEGRAPH_SEED or 7)")
    parser.add_argument("--epochs", type=int, help="training epochs (default 100)")
    parser.add_argument("--encoder", choices=["tfidf-svd", "minilm-l6-v2"], help="text encoder")
    parser.add_argument("--hidden", type=int, help="GraphSAGE hidden width")
    parser.add_argument("--out", type=int, help="embedding width")
    parser.add_argument(
        "--batch-size", type=int,
        help="mini-batch training with this many target edges per batch; only where pyg-lib or "
             "torch-sparse is installed, else it says so and trains full-batch (default: full-batch)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def register(commands) -> None:
    """Add this area's sub-commands to the `titlegraph` parser."""
    train = commands.add_parser("train", help="train title embeddings, publish them, write them to Neo4j")
    _common(train)
    train.add_argument("--no-write-back", action="store_true", help="do not write embeddings to Neo4j")
    train.set_defaults(handler=cmd_train)

    evaluate = commands.add_parser("evaluate", help="evaluation report and similarity map (docs/)")
    _common(evaluate)
    evaluate.add_argument("--docs", help="folder of evaluation.md and similarity_map.png (default docs/)")
    evaluate.add_argument(
        "--compare-encoders",
        nargs="+",
        default=["tfidf-svd", "minilm-l6-v2"],
        choices=["tfidf-svd", "minilm-l6-v2"],
        help="text encoders to compare",
    )
    evaluate.set_defaults(handler=cmd_evaluate)

    comps = commands.add_parser("evaluate-comps", help="content comps against baselines (docs/evaluation.md)")
    comps.add_argument("--docs", help="folder of evaluation.md and content_map.png (default docs/)")
    comps.set_defaults(handler=cmd_evaluate_comps)

    viewing = commands.add_parser("evaluate-viewing",
                                  help="viewing forecast against baselines (docs/evaluation.md)")
    viewing.add_argument("--docs", help="folder of evaluation.md (default docs/)")
    viewing.add_argument("--fresh", action="store_true", help="pretrain without the test titles again")
    viewing.add_argument("--quiet", action="store_true", help="no progress bars")
    viewing.set_defaults(handler=cmd_evaluate_viewing)

    maps = commands.add_parser(
        "audience-maps", help="world maps of the expected audience (docs/audience_maps.png)")
    maps.add_argument("--docs", help="folder of the pictures (default docs/)")
    maps.add_argument("--titles", nargs="+", default=list(DEFAULT_TITLES),
                      help=f"titles to draw, found by name (default: {', '.join(DEFAULT_TITLES)})")
    maps.add_argument("--regions-from", metavar="REPORT",
                      help="also draw docs/audience_regions.png from this saved evaluation "
                           "(var/reports/audience_evaluation.json of `titlegraph evaluate`)")
    maps.set_defaults(handler=cmd_audience_maps)
