"""Training benchmarks: full-batch epoch time and peak memory at 1x/5x/20x the shared data, full-data
pretraining, and the inductive embedding latency of the current model.

    python bench/train.py scale --scales 1 5 20 --epochs 3     # synthetic graphs, one child process each
    python bench/train.py pretrain                             # the dev graph from Neo4j (settings/env)
    python bench/train.py embed --runs 100                     # median embed_new of the `current` model

Synthetic graphs copy the shape of the shared data: per title 7.9 tags, 3.5 genres, 1.2 countries,
0.43 directors and 6.3 cast links; tag/genre/country vocabularies stay fixed, titles and people
scale. Title features are random rows of the real width (text encoding is not part of an epoch).
Peak memory is the child's max RSS (`resource.getrusage`), so each size is measured alone.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BASE = {"title": 9447, "tag": 6629, "genre": 61, "country": 141, "person": 18376}
PER_TITLE = {"tags": 7.9, "genres": 3.46, "countries": 1.21, "directors": 0.43, "cast": 6.27}
TITLE_FEATURES = 147


def synthetic_snapshot(scale: float, seed: int = 0):
    """A GraphSnapshot shaped like the shared data, `scale` times the titles and people."""
    from graph.embeddings import TitleRow
    from training.data import GraphSnapshot

    rng = np.random.default_rng(seed)
    titles = int(BASE["title"] * scale)
    people = int(BASE["person"] * scale)
    vocab = {
        "tags": [f"tag{i}" for i in range(BASE["tag"])],
        "genres": [f"genre{i}" for i in range(BASE["genre"])],
        "countries": [f"C{i:03d}" for i in range(BASE["country"])],
        "person": [f"person {i}" for i in range(people)],
    }
    # Zipf-like popularity so a few tags, genres and people are common, as in the real graph.
    weights = {name: 1 / np.arange(1, len(values) + 1) ** 0.8 for name, values in vocab.items()}
    weights = {name: w / w.sum() for name, w in weights.items()}
    # All draws at once by inverse CDF: rng.choice(p=...) re-sums the weights on every call, which
    # is hours at 20x (hundreds of thousands of people times hundreds of thousands of titles).
    cumulative = {name: np.cumsum(w) for name, w in weights.items()}
    picks = {}
    for attribute, mean in PER_TITLE.items():
        source = "person" if attribute in ("directors", "cast") else attribute
        counts = rng.poisson(mean, size=titles)
        drawn = np.searchsorted(cumulative[source], rng.random(int(counts.sum())), side="right")
        drawn = np.minimum(drawn, len(vocab[source]) - 1)
        picks[attribute] = (source, np.split(drawn, np.cumsum(counts)[:-1]))
    rows = []
    for i in range(titles):
        picked = {
            attribute: sorted({vocab[source][j] for j in chosen[i]})
            for attribute, (source, chosen) in picks.items()
        }
        rows.append(
            TitleRow(
                id=f"s{i:07d}",
                title=f"t{i}",
                kind="movie",
                year=2000,
                summary=None,
                rating=None,
                duration_minutes=90,
                **picked,
            )
        )
    return GraphSnapshot(
        titles=rows,
        tag_counts=dict.fromkeys(vocab["tags"], 10),
        genres=vocab["genres"],
        countries=vocab["countries"],
    )


def cpu_seconds() -> float:
    """User plus system CPU seconds of this process so far (all its threads)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def one_scale(scale: float, epochs: int) -> dict:
    """Build and train one synthetic graph for `epochs` full-batch epochs; time and memory."""
    from training.data import build_graph
    from training.train import TrainConfig, train_model

    snapshot = synthetic_snapshot(scale)
    started = time.monotonic()
    graph = build_graph(snapshot)
    build_seconds = time.monotonic() - started
    title_x = (
        np.random.default_rng(0).standard_normal((len(graph.title_ids), TITLE_FEATURES)).astype(np.float32)
    )
    # CPU seconds as well as wall seconds: on a shared machine the wall clock also counts the time
    # other processes held the cores; CPU time is what a dedicated host would spend.
    cpu_before = cpu_seconds()
    result = train_model(graph, title_x, TrainConfig(epochs=epochs), progress=False)
    cpu_per_epoch = (cpu_seconds() - cpu_before) / epochs
    edges = sum(int(graph.data[et].edge_index.size(1)) for et in graph.data.edge_types)
    return {
        "scale": scale,
        "titles": len(graph.title_ids),
        "nodes": sum(len(k) for k in graph.keys.values()),
        "directed_edges": edges,
        "epochs": epochs,
        "seconds_per_epoch": result.seconds / epochs,
        "cpu_seconds_per_epoch": cpu_per_epoch,
        "build_seconds": build_seconds,
        "peak_rss_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
    }


def cmd_scale(args) -> None:
    rows = []
    for scale in args.scales:
        print(f"scale {scale:g}x: building and training {args.epochs} epochs in a child process...",
              flush=True)
        out = subprocess.run(
            [sys.executable, __file__, "_one", str(scale), str(args.epochs)], capture_output=True, text=True
        )
        if out.returncode != 0:
            # A child killed by the kernel's OOM killer ends with -9: that size does not fit.
            print(f"scale {scale:g}x: failed (exit {out.returncode}): {out.stderr.strip()[-300:]}",
                  flush=True)
            continue
        row = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(row)
        base = rows[0]
        print(
            f"scale {row['scale']:g}x: {row['titles']:,} titles, {row['nodes']:,} nodes, "
            f"{row['directed_edges']:,} directed edges; {row['seconds_per_epoch']:.2f} s/epoch "
            f"({row['cpu_seconds_per_epoch']:.2f} CPU s/epoch) "
            f"({row['seconds_per_epoch'] / base['seconds_per_epoch']:.1f}x the {base['scale']:g}x run), "
            f"peak RSS {row['peak_rss_gib']:.2f} GiB ({row['peak_rss_gib'] / base['peak_rss_gib']:.1f}x)",
            flush=True,
        )
    if len(rows) >= 2:
        # Peak memory grows about linearly with the edges; extrapolate the largest two runs.
        small, large = rows[-2], rows[-1]
        per_scale = (large["peak_rss_gib"] - small["peak_rss_gib"]) / (large["scale"] - small["scale"])
        budget = args.memory_gib * 0.85  # leave room for the OS, Neo4j's page cache and the service
        room = budget - large["peak_rss_gib"]
        fits = large["scale"] + room / per_scale if per_scale > 0 else float("inf")
        print(
            f"scale done: {len(rows)} sizes; {per_scale:.2f} GiB per 1x of the shared data; full-batch "
            f"training fits about {fits:.0f}x ({fits * BASE['title']:,.0f} titles) in {budget:.1f} GiB "
            f"of a {args.memory_gib:g} GiB machine",
            flush=True,
        )


def cmd_pretrain(args) -> None:
    from graph.driver import create_driver
    from titlegraph.config import load_settings
    from training.data import build_graph, read_snapshot
    from training.train import TrainConfig, fit_features, train_model

    settings = load_settings()
    config = TrainConfig(seed=settings.seed, encoder=args.encoder)
    with create_driver(settings) as driver:
        started = time.monotonic()
        snapshot = read_snapshot(driver, database=settings.neo4j_database)
        read_seconds = time.monotonic() - started
    graph = build_graph(snapshot)
    started = time.monotonic()
    _, title_x = fit_features(graph, config, settings.cache_dir)
    feature_seconds = time.monotonic() - started
    result = train_model(graph, title_x, config, progress=False)
    print(
        f"pretrain on the shared data ({len(graph.title_ids):,} titles, encoder {config.encoder}): read "
        f"{read_seconds:.1f}s, text features {feature_seconds:.1f}s, "
        f"{config.epochs} epochs {result.seconds:.1f}s "
        f"({result.seconds / config.epochs:.2f} s/epoch); peak RSS "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB"
    )


def cmd_embed(args) -> None:
    from titlegraph.config import load_settings
    from training.bundle import load_bundle
    from training.new_title import NewTitle
    from training.registry import current_model_dir

    folder = Path(args.model) if args.model else current_model_dir(load_settings().models_path)
    if folder is None:
        raise SystemExit("no current model; run `titlegraph train` or pass --model")
    model = load_bundle(folder)
    new = NewTitle(
        title="The Last Lighthouse",
        kind="show",
        year=2022,
        duration_minutes=50,
        summary="A grieving detective returns to her remote island village, where a string of "
        "murders revives a decades-old family secret.",
        genres=["Crime TV Shows", "International TV Shows", "crime"],
        countries=["GB", "IE"],
        cast=["Olivia Colman", "Nobody Unknown"],
        directors=["Unknown Director"],
    )
    model.embed_new(new)  # warm-up: first call loads the text model
    times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        model.embed_new(new)
        times.append(time.perf_counter() - started)
    print(
        f"embed_new ({model.config['train']['encoder']}, model {model.version}): median "
        f"{1000 * statistics.median(times):.1f} ms, p90 {1000 * sorted(times)[int(0.9 * len(times))]:.1f} ms "
        f"over {args.runs} runs (text encoding included)"
    )


def main(argv=None) -> None:
    if argv is None and len(sys.argv) > 1 and sys.argv[1] == "_one":
        print(json.dumps(one_scale(float(sys.argv[2]), int(sys.argv[3]))))
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    scale = commands.add_parser("scale")
    scale.add_argument("--scales", type=float, nargs="+", default=[1, 5, 20])
    scale.add_argument("--epochs", type=int, default=3)
    scale.add_argument("--memory-gib", type=float, default=24.0, help="machine memory for the size estimate")
    scale.set_defaults(handler=cmd_scale)
    pretrain = commands.add_parser("pretrain")
    pretrain.add_argument("--encoder", default="tfidf-svd")
    pretrain.set_defaults(handler=cmd_pretrain)
    embed = commands.add_parser("embed")
    embed.add_argument("--runs", type=int, default=100)
    embed.add_argument("--model", help="a models/<version> folder (default: current)")
    embed.set_defaults(handler=cmd_embed)
    args = parser.parse_args(argv)
    args.handler(args)


if __name__ == "__main__":
    main()
