"""The audience model: the head module, its predictor (inference) and save/load.

The audience head: per-country p(chart) and expected weeks in the top 10 for a new title.

Transfer learning: the head sits on pretrained title embeddings (GraphSAGE, issue 3) and on
country vectors from the same graph (the mean embedding of the titles produced in a country,
so countries live in the title space), plus the metadata every new title has (production
countries, kind, recency, genres). For title t and country c:

    h_t        = MLP([embedding_t, metadata_t])
    u_c        = free_c + A . country_vector_c          (countries share strength via the graph)
    logit(t,c) = bias_c + reach . h_t + h_t . u_c + home_c * produced_in(t, c)
                 + sum_p affinity(p, c) * produced_in(t, p)
    weeks(t,c) = p(t,c) * (1 + 7 sigmoid(...same form...))   (expected weeks in the top 10)
    hours(t)   = w . h_t                                 (log global hours, where observed)

The bundle (`AudiencePredictor`) lives in `models/<version>/audience/` next to the embedding
model and carries its own id maps (countries, labelled comps), so it explains every prediction
with the comps that charted in the country.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from training.baselines import TitleTable, produced_matrix, side_features
from training.labels import HORIZON_WEEKS, AudienceLabels
from training.new_title import NewTitle
from training.vectors import top_k, unit_rows

COMPS_PER_COUNTRY = 3


@dataclass
class HeadConfig:
    """Hyperparameters of the head.

    Args:
        hidden: width of the title representation h_t. Default 16.
        dropout: dropout on h_t. Default 0.5.
        epochs: maximum full-batch epochs. Default 400.
        lr: Adam learning rate. Default 0.003.
        weight_decay: L2 on all weights. Default 0.01.
        weeks_weight: weight of the weeks loss next to the chart loss. Default 0.5.
        hours_weight: weight of the global-hours loss. Default 0.2.
        rank_weight: weight of a listwise (ListNet) loss ranking countries within a title. Default
            0.3 (validation, GraphSAGE space: 0 -> 0.646, 0.3 -> 0.662, 1.0 -> 0.594).
        affinity: learn production-country -> chart-country affinities. Default True.
        calibrate: Platt-scale the chart logits on the validation rows. Default False: at
            `titlegraph train` time the validation titles, the latest launches, are nearly all
            charting, which would inflate p (docs/evaluation.md, "How the choices were made").
        eval_every: epochs between validation checks. Default 5.
        patience: epochs without validation gain before stopping. Default 60.
        use_metadata: feed the metadata features (else the embedding alone). Default True.
        seed: torch seed. Default 7.
    """

    # Small and strongly regularised: ~500 labelled titles, ~40 positives per country
    # (validation grid over hidden 8-64, dropout 0.3-0.6, weight decay 1e-3..0.1, lr 3e-3/1e-2).
    hidden: int = 16
    dropout: float = 0.5
    epochs: int = 400
    lr: float = 0.003
    weight_decay: float = 0.01
    weeks_weight: float = 0.5
    hours_weight: float = 0.2
    rank_weight: float = 0.3
    affinity: bool = True
    calibrate: bool = False
    eval_every: int = 5
    patience: int = 60
    use_metadata: bool = True
    seed: int = 7


class AudienceHead(nn.Module):
    """Per-country chart logits, weeks if charting, and title-level log hours.

    Args:
        title_dim: size of the (standardized) title embedding.
        side_dim: size of the metadata features (0 when unused).
        country_dim: size of the country vectors.
        n_countries: number of chart countries.
        hidden: width of h_t. Default 16.
        dropout: dropout on h_t. Default 0.5.
        affinity: add the production -> chart country affinity matrix. Default True.
    """

    def __init__(
        self,
        title_dim: int,
        side_dim: int,
        country_dim: int,
        n_countries: int,
        hidden: int = 16,
        dropout: float = 0.5,
        affinity: bool = True,
    ):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(title_dim + side_dim, hidden), nn.ReLU(), nn.Dropout(dropout))
        self.chart_free = nn.Parameter(torch.zeros(n_countries, hidden))
        self.chart_from_country = nn.Linear(country_dim, hidden, bias=False)
        self.chart_bias = nn.Parameter(torch.zeros(n_countries))
        self.chart_home = nn.Parameter(torch.ones(n_countries))
        # Production country -> chart country affinities (Indian titles chart in PK, BD, LK...),
        # a direct path that the narrow h_t would otherwise have to squeeze through.
        self.affinity = nn.Linear(n_countries, n_countries, bias=False) if affinity else None
        if self.affinity is not None:
            nn.init.zeros_(self.affinity.weight)
        # How widely a title charts at all (its "reach") is shared by every country.
        self.reach = nn.Linear(hidden, 1)
        self.weeks_free = nn.Parameter(torch.zeros(n_countries, hidden))
        self.weeks_bias = nn.Parameter(torch.zeros(n_countries))
        self.weeks_home = nn.Parameter(torch.zeros(n_countries))
        self.hours = nn.Linear(hidden, 1)

    def forward(
        self,
        title_vectors: torch.Tensor,
        side: torch.Tensor,
        produced: torch.Tensor,
        country_vectors: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        h = self.encoder(torch.cat([title_vectors, side], dim=1))
        country_weights = self.chart_free + self.chart_from_country(country_vectors)
        logits = self.chart_bias + self.reach(h) + h @ country_weights.T + self.chart_home * produced
        if self.affinity is not None:
            logits = logits + self.affinity(produced)
        # A charting title spends 1..8 of its first 8 weeks in the top 10.
        weeks_if_chart = 1 + (HORIZON_WEEKS - 1) * torch.sigmoid(
            self.weeks_bias + h @ self.weeks_free.T + self.weeks_home * produced
        )
        return logits, weeks_if_chart, self.hours(h).squeeze(1)


@dataclass
class HeadInputs:
    """Everything the head reads for a set of titles (numpy, float32).

    Args:
        title_vectors: [titles, dim] embeddings (raw; standardized inside the predictor).
        table: the titles' metadata.
    """

    title_vectors: np.ndarray
    table: TitleTable


@dataclass
class Scaler:
    """Column mean and std fitted on training rows (std floored so constant columns stay finite)."""

    mean: np.ndarray
    std: np.ndarray

    @classmethod
    def fit(cls, matrix: np.ndarray) -> Scaler:
        return cls(matrix.mean(axis=0), np.maximum(matrix.std(axis=0), 1e-6))

    def __call__(self, matrix: np.ndarray) -> np.ndarray:
        return ((matrix - self.mean) / self.std).astype(np.float32)


@dataclass
class Comps:
    """Labelled titles that explain predictions: their embeddings and chart outcomes.

    Args:
        title_ids: labelled titles.
        names: display title of each.
        unit_vectors: [titles, dim] L2-normalized embeddings.
        weeks: [titles, countries] weeks in the top 10 in their first 8 weeks.
    """

    title_ids: list[str]
    names: list[str]
    unit_vectors: np.ndarray
    weeks: np.ndarray

    def nearest(self, vector: np.ndarray, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """Row indices and cosines of the k nearest labelled titles."""
        unit = vector / max(float(np.linalg.norm(vector)), 1e-12)
        cosine = self.unit_vectors @ unit
        order = top_k(cosine, k)
        return order, cosine[order]


@dataclass
class AudiencePredictor:
    """A fitted head with its scalers, country vectors and comps; predicts for any title.

    Args:
        head: the trained `AudienceHead`.
        config: its `HeadConfig`.
        countries: chart countries (ISO2), the output order.
        title_scaler: standardization of title embeddings.
        country_vectors: [countries, dim] standardized country vectors.
        hours_scale: (mean, std) of log1p global hours on training titles.
        comps: labelled titles for explanations (may be None in experiments).
        version: model version this head belongs to.
        metrics: validation and training figures.
        calibration: Platt scaling (slope, intercept) of the chart logits, fitted on validation
            (default (1, 0): none). Monotone, so rankings and AUC are unchanged.
        launch_mean_weeks: per country, the mean weeks in the top 10 of a launched title (zeros
            included) over the labelled titles: the 1.0 of `audience_index`. None in experiments.
    """

    head: AudienceHead
    config: HeadConfig
    countries: list[str]
    title_scaler: Scaler
    country_vectors: np.ndarray
    hours_scale: tuple[float, float]
    comps: Comps | None = None
    version: str = ""
    metrics: dict = field(default_factory=dict)
    calibration: tuple[float, float] = (1.0, 0.0)
    launch_mean_weeks: np.ndarray | None = None

    def audience_index(self, country: str, expected_weeks: float) -> float | None:
        """Expected weeks relative to an average launched title in that country (1.0 = average)."""
        if self.launch_mean_weeks is None or country not in self.countries:
            return None
        mean = float(self.launch_mean_weeks[self.countries.index(country)])
        return round(expected_weeks / mean, 3) if mean > 0 else None

    def head_tensors(self, inputs: HeadInputs) -> tuple[torch.Tensor, ...]:
        side = side_features(inputs.table, self.countries)
        if not self.config.use_metadata:
            side = np.zeros((len(inputs.table), 0), dtype=np.float32)
        return (
            torch.from_numpy(self.title_scaler(inputs.title_vectors)),
            torch.from_numpy(side),
            torch.from_numpy(
                produced_matrix(inputs.table, self.countries)
                if self.config.use_metadata
                else np.zeros((len(inputs.table), len(self.countries)), dtype=np.float32)
            ),
            torch.from_numpy(self.country_vectors),
        )

    def predict(self, inputs: HeadInputs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """p(chart) and expected weeks [titles, countries], and expected global hours [titles]."""
        self.head.eval()
        with torch.no_grad():
            logits, weeks_if_chart, log_hours = self.head(*self.head_tensors(inputs))
        slope, intercept = self.calibration
        p_chart = torch.sigmoid(slope * logits + intercept).numpy()
        mean, std = self.hours_scale
        hours = np.expm1(np.clip(log_hours.numpy() * std + mean, 0, 30))
        return p_chart, p_chart * weeks_if_chart.numpy(), hours

    def audience(self, embedding: np.ndarray, title=None) -> list[dict]:
        """One entry per country, highest p_chart first, each with the comps that support it.

        `title` is the `NewTitle` (or a metadata dict) the embedding came from: its production
        countries, kind, year and genres feed the head. Without it the head sees an unknown title
        and ranks countries by the embedding alone, which is much weaker (see docs/evaluation.md).
        """
        metadata = title.head_metadata() if isinstance(title, NewTitle) else (title or {})
        table = TitleTable.from_metadata([{"id": "new", **metadata}])
        p_chart, weeks, _ = self.predict(HeadInputs(np.asarray(embedding, dtype=np.float32)[None, :], table))
        supporting = self.supporting_comps(np.asarray(embedding, dtype=np.float32))
        entries = [
            {
                "country": country,
                "p_chart": float(p_chart[0, column]),
                "expected_weeks": float(weeks[0, column]),
                "audience_index": self.audience_index(country, float(weeks[0, column])),
                "comps": supporting.get(country, []),
            }
            for column, country in enumerate(self.countries)
        ]
        entries.sort(key=lambda entry: (-entry["p_chart"], entry["country"]))
        return entries

    def supporting_comps(self, embedding: np.ndarray, k: int = 10) -> dict[str, list[dict]]:
        """Per country, the nearest labelled comps that charted there (title, cosine, weeks)."""
        if self.comps is None:
            return {}
        rows, cosines = self.comps.nearest(embedding, k)
        supporting: dict[str, list[dict]] = {}
        for row, cosine in zip(rows, cosines, strict=True):
            for column in np.flatnonzero(self.comps.weeks[row] > 0):
                entries = supporting.setdefault(self.countries[column], [])
                if len(entries) < COMPS_PER_COUNTRY:
                    entries.append(
                        {
                            "id": self.comps.title_ids[row],
                            "title": self.comps.names[row],
                            "score": round(float(cosine), 4),
                            "weeks": int(self.comps.weeks[row, column]),
                        }
                    )
        return supporting

    def save(self, folder: Path) -> Path:
        """Write weights, arrays and config.json into `folder`; returns it."""
        folder.mkdir(parents=True, exist_ok=True)
        torch.save(self.head.state_dict(), folder / "head.pt")
        arrays = {
            "title_mean": self.title_scaler.mean,
            "title_std": self.title_scaler.std,
            "country_vectors": self.country_vectors,
        }
        if self.comps is not None:
            arrays |= {"comps_vectors": self.comps.unit_vectors, "comps_weeks": self.comps.weeks}
        if self.launch_mean_weeks is not None:
            arrays["launch_mean_weeks"] = self.launch_mean_weeks
        np.savez(folder / "arrays.npz", **arrays)
        document = {
            "version": self.version,
            "config": asdict(self.config),
            "countries": self.countries,
            "hours_scale": list(self.hours_scale),
            "calibration": list(self.calibration),
            "dims": {
                "title": int(self.title_scaler.mean.shape[0]),
                "side": int(self.head.encoder[0].in_features - self.title_scaler.mean.shape[0]),
                "country": int(self.country_vectors.shape[1]),
            },
            "comps": None
            if self.comps is None
            else {"title_ids": self.comps.title_ids, "names": self.comps.names},
            "metrics": self.metrics,
        }
        (folder / "config.json").write_text(json.dumps(document, indent=1, default=_json_default))
        return folder

    @classmethod
    def load(cls, folder: Path) -> AudiencePredictor:
        """Read a predictor written by `save`."""
        if not (folder / "config.json").is_file():
            raise FileNotFoundError(
                f"{folder} holds no audience head (config.json missing); run `titlegraph train` to create one"
            )
        document = json.loads((folder / "config.json").read_text())
        config = HeadConfig(**document["config"])
        dims = document["dims"]
        head = AudienceHead(
            dims["title"],
            dims["side"],
            dims["country"],
            len(document["countries"]),
            config.hidden,
            config.dropout,
            config.affinity,
        )
        head.load_state_dict(torch.load(folder / "head.pt", weights_only=True))
        head.eval()
        arrays = np.load(folder / "arrays.npz")
        comps = None
        if document["comps"] is not None:
            comps = Comps(
                document["comps"]["title_ids"],
                document["comps"]["names"],
                arrays["comps_vectors"],
                arrays["comps_weeks"],
            )
        return cls(
            head=head,
            config=config,
            countries=document["countries"],
            title_scaler=Scaler(arrays["title_mean"], arrays["title_std"]),
            country_vectors=arrays["country_vectors"],
            hours_scale=tuple(document["hours_scale"]),
            comps=comps,
            version=document["version"],
            calibration=tuple(document.get("calibration", (1.0, 0.0))),
            metrics=document["metrics"],
            launch_mean_weeks=arrays["launch_mean_weeks"] if "launch_mean_weeks" in arrays else None,
        )


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def make_comps(
    title_ids: Sequence[str], names: Sequence[str], title_vectors: np.ndarray, labels: AudienceLabels
) -> Comps:
    """Comps store from labelled titles (rows aligned with `labels`)."""
    if list(title_ids) != list(labels.title_ids):
        raise ValueError("comps title_ids must be in the order of the labels")
    return Comps(list(title_ids), list(names), unit_rows(title_vectors), labels.weeks.astype(np.float32))
