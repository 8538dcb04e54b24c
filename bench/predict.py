"""Benchmark: audience of one new title from metadata, inductive embedding included.

    python bench/predict.py [--model models/<version>] [--runs 100]

Loads the bundle `models/current` (or --model), takes the 2021 titles of the JustWatch catalog
(`titles.csv`, the kind of metadata `POST /v1/predict` receives: summary, genres, production
countries, cast, directors, year, type), and times `embed_new` + the audience head for each run,
one title at a time. Prints the median and p90 in milliseconds and one summary line.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from graph.sources import read_justwatch  # noqa: E402
from titlegraph.config import load_settings  # noqa: E402
from training.bundle import load_bundle  # noqa: E402
from training.new_title import NewTitle, new_title_from  # noqa: E402
from training.registry import current_model_dir  # noqa: E402


def sample_titles(data_dir: Path, count: int) -> list[NewTitle]:
    """Recent titles of the JustWatch catalog as `NewTitle`s (metadata only)."""
    catalog, _ = read_justwatch(data_dir / "titles.csv", data_dir / "credits.csv")
    recent = sorted((t for t in catalog if t.year and t.year >= 2020), key=lambda t: t.source_id)[:count]
    return [
        new_title_from(t, derive_tags=True, cast=list(t.cast[:10]), rating=None)
        for t in recent
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", type=Path, help="bundle folder (default: models/current)")
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args(argv)
    settings = load_settings()
    model_dir = args.model or current_model_dir(settings.models_path)
    if model_dir is None:
        print(f"no model in {settings.models_path}; run `titlegraph train` first", file=sys.stderr)
        return 2
    model = load_bundle(model_dir)
    if not hasattr(model, "audience"):
        print(f"{model_dir} has no audience head (heads/audience/); run `titlegraph train`", file=sys.stderr)
        return 2
    titles = sample_titles(settings.data_dir, args.runs)
    model.audience(model.embed_new(titles[0])[0], titles[0])  # warm-up: first call pays for lazy imports
    embed_ms, total_ms = [], []
    for title in titles:
        started = time.perf_counter()
        embedding, _ = model.embed_new(title)
        embedded = time.perf_counter()
        entries = model.audience(embedding, title)
        finished = time.perf_counter()
        embed_ms.append((embedded - started) * 1000)
        total_ms.append((finished - started) * 1000)
        assert len(entries) == len(model.audience_head.countries)

    def p90(values: list[float]) -> float:
        return statistics.quantiles(values, n=10)[-1]

    print(f"embed_new: median {statistics.median(embed_ms):.1f} ms, p90 {p90(embed_ms):.1f} ms")
    print(
        f"embed_new + audience ({len(model.audience_head.countries)} countries, with comps): "
        f"median {statistics.median(total_ms):.1f} ms, p90 {p90(total_ms):.1f} ms"
    )
    print(
        f"bench/predict done: {len(titles)} new titles, model {model.version}, median "
        f"{statistics.median(total_ms):.1f} ms per title (target < 60 ms)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
