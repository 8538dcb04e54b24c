"""Arguments of the training sub-commands (`titlegraph train`, `evaluate`, `evaluate-comps`,
`evaluate-viewing`, `audience-maps`). The parser imports this module for every command, so it
imports no training code: each command names its handler in training/commands.py, imported only
when that command runs (titlegraph/cli.py).
"""

from __future__ import annotations

import argparse

COMMANDS = "training.commands"
# Titles `titlegraph audience-maps` draws when none are named: four well-known series from four
# regions of the charts.
DEFAULT_TITLES = ("Squid Game", "Money Heist", "The Crown", "Narcos")


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
    train.set_defaults(handler=f"{COMMANDS}:cmd_train")

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
    evaluate.set_defaults(handler=f"{COMMANDS}:cmd_evaluate")

    comps = commands.add_parser("evaluate-comps", help="content comps against baselines (docs/evaluation.md)")
    comps.add_argument("--docs", help="folder of evaluation.md and content_map.png (default docs/)")
    comps.set_defaults(handler=f"{COMMANDS}:cmd_evaluate_comps")

    viewing = commands.add_parser("evaluate-viewing",
                                  help="viewing forecast against baselines (docs/evaluation.md)")
    viewing.add_argument("--docs", help="folder of evaluation.md (default docs/)")
    viewing.add_argument("--fresh", action="store_true", help="pretrain without the test titles again")
    viewing.add_argument("--quiet", action="store_true", help="no progress bars")
    viewing.set_defaults(handler=f"{COMMANDS}:cmd_evaluate_viewing")

    maps = commands.add_parser(
        "audience-maps", help="world maps of the expected audience (docs/audience_maps.png)")
    maps.add_argument("--docs", help="folder of the pictures (default docs/)")
    maps.add_argument("--titles", nargs="+", default=list(DEFAULT_TITLES),
                      help=f"titles to draw, found by name (default: {', '.join(DEFAULT_TITLES)})")
    maps.add_argument("--regions-from", metavar="REPORT",
                      help="also draw docs/audience_regions.png from this saved evaluation "
                           "(var/reports/audience_evaluation.json of `titlegraph evaluate`)")
    maps.set_defaults(handler=f"{COMMANDS}:cmd_audience_maps")
