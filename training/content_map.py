"""The content map as a picture (docs/content_map.png): a model version's layout coloured by facet
cluster, each cluster's name printed beside its densest part."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from training.content import ContentIndex
from training.layout import Layout
from training.plots import LABEL_FONT_SIZE, boxed_label, place_labels

# Tableau 10, then six darker or stronger tones for clusters 11-16; service/static/map.js uses the same.
CLUSTER_COLOURS = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf", "#393b79", "#e6ab02", "#c51b7d", "#00796b", "#a6761d", "#6b6ecf",
]


def label_anchor(points: np.ndarray) -> np.ndarray:
    """The member point with the most members near it (a split cluster's centroid can be empty space)."""
    spread = np.median(np.abs(points - np.median(points, axis=0)), axis=0).mean()
    sample = points[:: max(1, len(points) // 400)]
    near = (np.linalg.norm(sample[:, None, :] - sample[None, :, :], axis=2) < spread).sum(axis=1)
    return sample[int(np.argmax(near))]


def render_map(layout: Layout, index: ContentIndex, path: Path) -> None:
    """Draw `layout` (of `index`'s titles) coloured by cluster, with the cluster names as labels."""

    if list(layout.ids) != list(index.ids):
        raise ValueError("the layout is not of this content index; build it again with build_layout(index)")
    points = np.column_stack([layout.x, layout.y])
    figure = Figure(figsize=(13, 11), dpi=110)
    axes = figure.subplots()
    for cluster in layout.clusters:
        mask = layout.cluster == cluster.id
        colour = CLUSTER_COLOURS[cluster.id % len(CLUSTER_COLOURS)]
        axes.scatter(points[mask, 0], points[mask, 1], s=5, alpha=0.65, color=colour, linewidths=0,
                     label=f"{cluster.name} ({cluster.size:,})")
    figure.tight_layout()  # fixes the data-to-pixel transform the label placement measures in
    anchors = np.array([label_anchor(points[layout.cluster == c.id]) for c in layout.clusters])
    anchor_points = axes.transData.transform(anchors) / figure.dpi * 72
    sizes = [(LABEL_FONT_SIZE * 0.6 * len(c.name) + 8, LABEL_FONT_SIZE * 1.6) for c in layout.clusters]
    for cluster, anchor, offset in zip(layout.clusters, anchors, place_labels(anchor_points, sizes, step=10),
                                       strict=True):
        boxed_label(axes, cluster.name, anchor, offset, bbox={
            "boxstyle": "round,pad=0.25", "fc": "white", "alpha": 0.9,
            "ec": CLUSTER_COLOURS[cluster.id % len(CLUSTER_COLOURS)], "lw": 1.5})
    kinds = {kind: sum(t.kind == kind for t in index.titles) for kind in ("movie", "show")}
    axes.set_title(f"titlegraph content map: {len(layout.ids):,} titles ({kinds['movie']:,} films, "
                   f"{kinds['show']:,} series); t-SNE of content vectors, colour = facet cluster")
    axes.set_xticks([])
    axes.set_yticks([])
    axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), markerscale=3, fontsize=9, framealpha=0.9,
                title="facet cluster (titles)")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
