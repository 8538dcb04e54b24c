"""Heterogeneous GraphSAGE encoder, an edge decoder and the link-prediction wrapper.

Titles enter through a linear projection of their metadata features (so a title that is not in
the graph can be embedded); tags, genres, countries and people are fixed vocabularies and enter
through learnt `nn.Embedding` rows. Every size is an argument; nothing reads global state.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch_geometric.nn import HeteroConv, SAGEConv

EdgeType = tuple[str, str, str]


class HeteroSageEncoder(nn.Module):
    """GraphSAGE over all edge types (`HeteroConv` of `SAGEConv`, summed per destination type).

    Args:
        edge_types: the (src, relation, dst) types of the undirected graph.
        num_nodes: node type -> count, for the learnt inputs of every type except "title".
        title_features: width of the title feature rows.
        hidden: width of the inputs and hidden layers (default 128).
        out: embedding width (default 64).
        layers: number of SAGE layers (default 2).
        dropout: dropout between layers while training (default 0.1).
    """

    def __init__(
        self,
        edge_types: list[EdgeType],
        num_nodes: dict[str, int],
        title_features: int,
        hidden: int = 128,
        out: int = 64,
        layers: int = 2,
        dropout: float = 0.1,
    ) -> None:
        super().__init__()
        self.edge_types = [tuple(edge_type) for edge_type in edge_types]
        self.dropout = dropout
        self.title_input = nn.Linear(title_features, hidden)
        # At least one row so an empty vocabulary (tiny graphs) still builds.
        self.node_inputs = nn.ModuleDict(
            {
                node_type: nn.Embedding(max(count, 1), hidden)
                for node_type, count in sorted(num_nodes.items())
                if node_type != "title"
            }
        )
        for embedding in self.node_inputs.values():
            nn.init.normal_(embedding.weight, std=0.1)
        sizes = [hidden] * layers + [out]
        self.convs = nn.ModuleList(
            HeteroConv(
                {edge_type: SAGEConv((sizes[i], sizes[i]), sizes[i + 1]) for edge_type in self.edge_types},
                aggr="sum",
            )
            for i in range(layers)
        )

    def input_states(
        self, title_x: Tensor, num_nodes: dict[str, int], node_ids: dict[str, Tensor] | None = None
    ) -> dict[str, Tensor]:
        """Layer-0 states: projected title features and the learnt rows of the other types.

        `node_ids` (a sampled subgraph's global ids per type) picks rows; without it, all rows.
        """
        states = {"title": self.title_input(title_x)}
        for node_type, embedding in self.node_inputs.items():
            if node_ids is None:
                states[node_type] = embedding.weight[: num_nodes[node_type]]
            elif node_type in node_ids:
                states[node_type] = embedding(node_ids[node_type])
        return states

    def layer(
        self, index: int, states: dict[str, Tensor], edge_index_dict: dict[EdgeType, Tensor]
    ) -> dict[str, Tensor]:
        """Apply SAGE layer `index` (with activation and dropout unless it is the last)."""
        updated = self.convs[index](states, edge_index_dict)
        if index < len(self.convs) - 1:
            updated = {
                key: nn.functional.dropout(value.relu(), self.dropout, self.training)
                for key, value in updated.items()
            }
        return updated

    def forward(
        self,
        title_x: Tensor,
        edge_index_dict: dict[EdgeType, Tensor],
        num_nodes: dict[str, int],
        return_layers: bool = False,
        node_ids: dict[str, Tensor] | None = None,
    ):
        """Final states per node type (and every layer's states if `return_layers`)."""
        states = self.input_states(title_x, num_nodes, node_ids)
        layers = [states]
        for index in range(len(self.convs)):
            states = self.layer(index, states, edge_index_dict)
            layers.append(states)
        return (states, layers) if return_layers else states


class DotDecoder(nn.Module):
    """Edge score = dot product of the two end embeddings (a shared space for comps by cosine)."""

    def forward(self, source: Tensor, target: Tensor) -> Tensor:
        return (source * target).sum(dim=-1)


class LinkPredictor(nn.Module):
    """Encoder + decoder, held together for training and saving: the loops call `encoder` for node
    states and `decoder` for (src, dst) scores per edge type.

    Args:
        encoder: a `HeteroSageEncoder`.
        decoder: an edge decoder (default `DotDecoder()`).
    """

    def __init__(self, encoder: HeteroSageEncoder, decoder: nn.Module | None = None) -> None:
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder or DotDecoder()



def link_loss(logits_positive: Tensor, logits_negative: Tensor) -> Tensor:
    """Binary cross-entropy of positive edges against sampled negatives."""
    bce = nn.functional.binary_cross_entropy_with_logits
    return bce(logits_positive, torch.ones_like(logits_positive)) + bce(
        logits_negative, torch.zeros_like(logits_negative)
    )
