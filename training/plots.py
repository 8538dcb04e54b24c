"""The evaluation's pictures: the similarity map of the embeddings, the calibration diagram and
the per-region ROC-AUC chart of the audience head, and the label placement the maps share.

Every function draws from figures it is given (computed in training/metrics.py or by a job); none
computes a metric.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from sklearn.manifold import TSNE

from titlegraph.world import draw_countries, world_shapes
from training.metrics import REGION_OF, calibration_bins, expected_calibration_error


def plot_calibration(curves: dict[str, tuple[np.ndarray, np.ndarray]], path: Path, bins: int = 10) -> Path:
    """Reliability diagram (one line per method, marker area ~ cells per bin) over a histogram, as PNG."""

    figure = Figure(figsize=(6.5, 7), dpi=110)
    axis, counts = figure.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    axis.plot([0, 1], [0, 1], color="grey", linestyle=":", label="perfect calibration")
    edges = np.linspace(0.0, 1.0, bins + 1)
    for name, (p_chart, charted) in curves.items():
        rows = calibration_bins(p_chart, charted, bins)
        ece = expected_calibration_error(p_chart, charted, bins)
        sizes = [8 + 60 * np.sqrt(row["count"] / p_chart.size) for row in rows]
        line = axis.plot(
            [row["predicted"] for row in rows],
            [row["observed"] for row in rows],
            label=f"{name} (ECE {ece:.3f})",
        )[0]
        axis.scatter(
            [row["predicted"] for row in rows],
            [row["observed"] for row in rows],
            s=sizes,
            color=line.get_color(),
            zorder=3,
        )
        counts.hist(p_chart.ravel(), bins=edges, histtype="step", color=line.get_color(), log=True)
    axis.set_ylabel("observed chart rate")
    axis.set_title("Calibration of p(chart), time-split test titles x countries", fontsize=10)
    axis.set_xlim(0, 1)
    axis.set_ylim(0, 1)
    axis.legend(loc="upper left", fontsize=7)
    counts.set_xlabel("predicted p(chart)")
    counts.set_ylabel("cells (log)")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    return path


def plot_regions(rows: list[dict], path: Path, model_name: str, baseline_name: str,
                 region_of: dict[str, str] | None = None) -> Path:
    """Per-region ROC-AUC as a picture: the chart countries on a world map coloured by their region's
    model AUC, and per region the model against the baseline (0.5 = chance), best region on top."""

    scored = sorted((row for row in rows if np.isfinite(row["model_auc"])), key=lambda row: row["model_auc"])
    figure = Figure(figsize=(10.5, 9.4), dpi=110)
    _region_map(figure, figure.add_axes((0.01, 0.47, 0.98, 0.47)), scored,
                dict(REGION_OF) if region_of is None else region_of)
    _region_chart(figure.add_axes((0.3, 0.11, 0.52, 0.31)), scored, model_name, baseline_name)
    figure.suptitle("Where the audience model ranks countries well: ROC-AUC of p(chart) by region",
                    fontsize=12)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    return path


def _region_map(figure, axis, scored: list[dict], region_of: dict[str, str]) -> None:
    """The chart countries coloured by their region's model AUC, with the colour bar."""

    values = [row["model_auc"] for row in scored] or [0.5]
    # The regions' range in steps of 0.05: on a scale from 0.5, 0.66 and 0.74 would look alike.
    low = np.floor(min(values) * 20) / 20
    norm = Normalize(low, max(np.ceil(max(values) * 20) / 20, low + 0.05), clip=True)
    ramp = matplotlib.colormaps["YlGnBu"]
    auc_of = {row["region"]: row["model_auc"] for row in scored}
    colours = {iso2: matplotlib.colors.to_hex(ramp(norm(auc_of[region])))
               for iso2, region in region_of.items() if region in auc_of}
    draw_countries(axis, world_shapes(), colours, dot_radius=5.0)
    legend = figure.colorbar(ScalarMappable(norm=norm, cmap=ramp), ax=axis, orientation="horizontal",
                             fraction=0.04, pad=0.01, aspect=45, shrink=0.5)
    legend.set_label("model's mean per-country ROC-AUC in the country's region (grey: no chart)", fontsize=9)
    legend.ax.tick_params(labelsize=8)


def _region_chart(axis, scored: list[dict], model_name: str, baseline_name: str) -> None:
    """A dot per region for the model and the baseline, joined, with the chance line at 0.5."""
    positions = np.arange(len(scored))
    model_values = [row["model_auc"] for row in scored]
    baseline_values = [row["baseline_auc"] for row in scored]
    axis.hlines(positions, baseline_values, model_values, color="#b9c0cf", linewidth=3, zorder=1)
    axis.scatter(baseline_values, positions, s=46, color="white", edgecolors="#d08a2c", linewidths=2,
                 zorder=2, label=f"baseline: {baseline_name}")
    axis.scatter(model_values, positions, s=52, color="#225ea8", zorder=3, label=f"model: {model_name}")
    axis.axvline(0.5, color="#5b6475", linestyle="--", linewidth=1)
    axis.set_yticks(positions, [row["region"] for row in scored], fontsize=9)
    counts = [f"{row['countries']} countries, {row['positives']} positives" for row in scored]
    right = axis.secondary_yaxis("right")
    right.set_yticks(positions, counts, fontsize=8, color="#5b6475")
    right.tick_params(length=0)
    axis.set_xlim(0.45, max([0.8, *[value + 0.03 for value in model_values]]))
    axis.set_xlabel("mean per-country ROC-AUC of p(chart), time-split test titles (0.5 = chance)", fontsize=9)
    axis.grid(axis="x", color="#dde1ea")
    axis.set_axisbelow(True)
    axis.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, fontsize=8, frameon=False)


def plot_regions_from_report(report: Path, path: Path) -> Path:
    """Draw `plot_regions` again from a saved `var/reports/audience_evaluation.json` (no rerun)."""
    summary = json.loads(report.read_text())
    return plot_regions(summary["regions"], path, summary["selected"], regions_baseline(summary))


def regions_baseline(summary: dict) -> str:
    """The baseline the regions were scored against: saved since the region chart, else (older
    reports) the baseline with the best mean ROC-AUC, as the evaluation chose it."""
    return summary.get("regions_baseline") or max(
        (name for name, method in summary["methods"].items() if method.get("notes") == "baseline"),
        key=lambda name: summary["methods"][name]["mean_auc"]["value"],
    )


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


def similarity_map(
    path: Path, title_ids: Sequence[str], embeddings: np.ndarray, titles: Sequence, seed: int = 0
) -> None:
    """A t-SNE map of the title embeddings coloured by genre group, with well-known titles labelled."""

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
    figure = Figure(figsize=(13, 11), dpi=110)
    axes = figure.subplots()
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
