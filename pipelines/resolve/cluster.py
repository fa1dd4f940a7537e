"""Clusters from strong links: connected components, split when too big or when an analyst's
"different" judgement separates two of their accounts."""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import pandas as pd

from pipelines.resolve.weights import LinkWeights


@dataclass(frozen=True)
class Judgements:
    same: list[tuple[str, str]]
    different: list[tuple[str, str]]


def account_judgements(judgements: pd.DataFrame) -> Judgements:
    """Latest verdict per account pair (canonically ordered); org references are ignored here."""
    if judgements.empty:
        return Judgements([], [])
    frame = judgements[judgements["left_ref"].str.startswith("account:")
                       & judgements["right_ref"].str.startswith("account:")].copy()
    frame["a"] = frame[["left_ref", "right_ref"]].min(axis=1).str.removeprefix("account:")
    frame["b"] = frame[["left_ref", "right_ref"]].max(axis=1).str.removeprefix("account:")
    latest = frame.sort_values("decided_at").drop_duplicates(["a", "b"], keep="last")
    pairs = {v: list(zip(g["a"], g["b"], strict=True)) for v, g in latest.groupby("verdict")}
    return Judgements(pairs.get("same", []), pairs.get("different", []))


def link_graph(links: pd.DataFrame, judgements: Judgements, weights: LinkWeights) -> nx.Graph:
    """Strong links as a weighted graph; "same" judgements add links, "different" remove them."""
    strong = links[links["score"] >= weights.link_threshold]
    graph = nx.Graph()
    graph.add_weighted_edges_from(zip(strong["a"], strong["b"], strong["score"], strict=True))
    graph.add_weighted_edges_from((a, b, 1.0) for a, b in judgements.same)
    graph.remove_edges_from(judgements.different)
    return graph


def _split_judged_apart(graph: nx.Graph, different: list[tuple[str, str]]) -> None:
    """Cut the weakest set of links separating each judged-different pair still connected."""
    for a, b in different:
        if a in graph and b in graph and nx.has_path(graph, a, b):
            component = graph.subgraph(nx.node_connected_component(graph, a)).copy()
            nx.set_edge_attributes(component, {e: component.edges[e]["weight"]
                                               for e in component.edges}, "capacity")
            _, (side_a, _) = nx.minimum_cut(component, a, b)
            graph.remove_edges_from([(u, v) for u, v in component.edges
                                     if (u in side_a) != (v in side_a)])


def _split_giants(graph: nx.Graph, max_size: int) -> list[set[str]]:
    """Components; any larger than ``max_size`` is divided by Louvain community detection."""
    clusters: list[set[str]] = []
    for component in nx.connected_components(graph):
        if len(component) <= max_size:
            clusters.append(set(component))
            continue
        communities = nx.community.louvain_communities(
            graph.subgraph(component), weight="weight", seed=0)
        clusters.extend(set(c) for c in communities)
    return clusters


def giant_limit(total_accounts: int, weights: LinkWeights) -> int:
    """Largest plausible cluster: hubs that merge the world make components far bigger."""
    return max(weights.giant_min_accounts, int(weights.giant_share * total_accounts))


def form_clusters(
    links: pd.DataFrame, judgements: Judgements, weights: LinkWeights, total_accounts: int
) -> pd.DataFrame:
    """account_id → anchor (smallest member id) for every account in a cluster of ≥ 2."""
    graph = link_graph(links, judgements, weights)
    _split_judged_apart(graph, judgements.different)
    rows = []
    for members in _split_giants(graph, giant_limit(total_accounts, weights)):
        if len(members) < 2:
            continue
        anchor = min(members)
        rows.extend((account, anchor, len(members)) for account in members)
    frame = pd.DataFrame(rows, columns=["account_id", "anchor", "size"])
    return frame.sort_values(["anchor", "account_id"]).reset_index(drop=True)
