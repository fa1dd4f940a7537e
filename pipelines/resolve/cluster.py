"""Groups of accounts from strong links: connected components, cut where an analyst judged two
of their accounts different, and split when a component is both huge and incoherent (a hub
merging unrelated people, which a large but coherent operation is not)."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from json.encoder import encode_basestring, encode_basestring_ascii

import networkx as nx
import numpy as np
import pandas as pd

from pipelines.resolve.judgements import AccountJudgements

GROUP_COLUMNS = ["account_id", "anchor", "size"]


def link_graph(links: pd.DataFrame, judgements: AccountJudgements, threshold: float
               ) -> nx.Graph:
    """Strong links as a weighted graph; "same" judgements add links, "different" remove them."""
    strong = links[links["score"].astype("float64") >= threshold]
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


def _cut_weak_bridges(graph: nx.Graph, strong: float, min_side: int) -> None:
    """Remove every link weaker than ``strong`` that is the only tie between two parts of at
    least ``min_side`` accounts each: one doubtful match must not merge two operations (a real
    operation's accounts are tied many times over).

    Worked on the graph of strong components (accounts joined by strong links), where the weak
    links are the edges: much smaller than the account graph."""
    edges = list(graph.edges(data="weight"))
    weak = [(u, v) for u, v, w in edges if w < strong]
    if not weak:
        return
    core = nx.Graph()
    core.add_nodes_from(graph)
    core.add_edges_from((u, v) for u, v, w in edges if w >= strong)
    part = {}
    for number, members in enumerate(nx.connected_components(core)):
        part.update(dict.fromkeys(members, number))
    ties: dict[tuple[int, int], list[tuple[str, str]]] = {}
    for u, v in weak:
        key = (min(part[u], part[v]), max(part[u], part[v]))
        if key[0] != key[1]:
            ties.setdefault(key, []).append((u, v))
    parts = nx.Graph()
    parts.add_nodes_from(set(part.values()))
    parts.add_edges_from(ties)
    single = [key for key in nx.bridges(parts) if len(ties[tuple(sorted(key))]) == 1]
    if not single:
        return
    parts.remove_edges_from(single)
    sizes = Counter(part.values())
    side = {}
    for members in nx.connected_components(parts):
        total = sum(sizes[m] for m in members)
        side.update(dict.fromkeys(members, total))
    graph.remove_edges_from(ties[tuple(sorted(key))][0] for key in single
                            if min(side[key[0]], side[key[1]]) >= min_side)


def _split_crowds(graph: nx.Graph, max_size: int,
                  is_crowd: Callable[[set[str]], bool]) -> list[set[str]]:
    """Components; one larger than ``max_size`` whose accounts look like a crowd is divided by
    Louvain community detection."""
    groups: list[set[str]] = []
    for component in nx.connected_components(graph):
        if len(component) <= max_size or not is_crowd(component):
            groups.append(set(component))
            continue
        communities = nx.community.louvain_communities(
            graph.subgraph(component), weight="weight", seed=0)
        groups.extend(set(c) for c in communities)
    return groups


def giant_limit(total_accounts: int, share: float, min_accounts: int) -> int:
    """Largest component accepted without asking whether it is a crowd."""
    return max(min_accounts, int(share * total_accounts))


BRIDGE_STRONG = 0.9  # a single tie at least this strong may join two groups on its own
BRIDGE_MIN_SIDE = 3


@dataclass(frozen=True)
class OperationRule:
    """Campaign level: two parts of at least ``min_accounts`` accounts tied only through one
    value stay apart, when that value is of the ``identity_kinds`` (account-level identifiers:
    a recycled phone number) or one of the ``ambiguous`` names (``kind=value``: a name the
    registry gives to companies of different owners)."""
    min_accounts: int
    identity_kinds: frozenset[str]
    ambiguous: frozenset[str] = frozenset()

    def passes(self) -> list[OperationRule]:
        """Identifiers and ambiguous names are judged apart: an operation's own pieces, tied
        to it through its recycled numbers, still count as part of it when a name is."""
        names = OperationRule(self.min_accounts, frozenset(), self.ambiguous)
        return [OperationRule(self.min_accounts, self.identity_kinds), names]

    def counts(self, item: dict) -> bool:
        value = f"{item.get('kind')}={item.get('value')}"
        return item.get("kind") in self.identity_kinds or value in self.ambiguous

    def may_count(self, evidence: pd.Series) -> pd.Series:
        """Per link's evidence JSON, whether one of its items may be the rule's, read from the
        text: only those links are parsed (at a million accounts, parsing every link's
        evidence held tens of gigabytes of dicts). Text that passes may still not count."""
        needles = {f'"kind": {encode_basestring(kind)}' for kind in self.identity_kinds}
        # Written by json.dumps with or without ensure_ascii, depending on who made the link.
        needles |= {f'"value": {encode(name.split("=", 1)[1])}' for name in self.ambiguous
                    for encode in (encode_basestring, encode_basestring_ascii)}
        if not needles:
            return pd.Series(False, index=evidence.index)
        return evidence.str.contains("|".join(map(re.escape, sorted(needles))), regex=True)


def _resting_value(items: list[dict], rule: OperationRule, threshold: float) -> str | None:
    """The one value a link rests on (``kind=value``), when it is the rule's and the link's
    other evidence together stays under ``threshold``; else None."""
    weights = [float(item.get("weight", 0.0)) for item in items]
    for i, item in enumerate(items):
        others = 1.0 - float(np.prod([1.0 - w for j, w in enumerate(weights) if j != i]))
        if others < threshold:
            return f"{item['kind']}={item['value']}" if rule.counts(item) else None
    return None


def _lone_rows(graph: nx.Graph, links: pd.DataFrame, rule: OperationRule, threshold: float,
               judged_same: set[tuple[str, str]]) -> pd.DataFrame:
    """(a, b, value) for the links still in the graph whose pair rests on one value of the
    rule's alone (``_resting_value``): every link row of the pair is lone, and no analyst
    judged the pair the same."""
    kept = [graph.has_edge(a, b) and (a, b) not in judged_same
            for a, b in zip(links["a"], links["b"], strict=True)]
    links = links.loc[pd.Series(kept, index=links.index, dtype=bool)]
    values = pd.Series(None, index=links.index, dtype=object)
    maybe = rule.may_count(links["evidence"])
    values[maybe] = [_resting_value(json.loads(text), rule, threshold)
                     for text in links.loc[maybe, "evidence"]]
    rows = pd.DataFrame({"a": links["a"], "b": links["b"], "value": values})
    other = rows["value"].isna().groupby([rows["a"], rows["b"]]).transform("any")
    return rows[~other.astype(bool)]


def _cut_lone_identity_ties(graph: nx.Graph, links: pd.DataFrame, rule: OperationRule,
                            threshold: float, judged_same: set[tuple[str, str]]) -> None:
    """Remove the links that tie two operations of at least ``rule.min_accounts`` accounts each
    through one identifier alone. Two accounts on one phone are one person; two operations of
    thousands of accounts are not one operation because of it (a recycled number, a reused
    card): an operation's parts are tied many times over, through different values.

    The lone links are taken out, the parts left measured, and every lone link put back but
    those between two large parts that one value alone ties."""
    lone = _lone_rows(graph, links, rule, threshold, judged_same)
    if lone.empty:
        return
    saved = {(a, b): graph.edges[a, b] for a, b in zip(lone["a"], lone["b"], strict=True)}
    graph.remove_edges_from(saved)
    part, sizes = {}, {}
    for number, members in enumerate(nx.connected_components(graph)):
        part.update(dict.fromkeys(members, number))
        sizes[number] = len(members)

    def parts(pair: tuple[str, str]) -> tuple[int, int]:
        return tuple(sorted((part[pair[0]], part[pair[1]])))

    ties: dict[tuple[int, int], set[str]] = {}
    for a, b, value in lone.itertuples(index=False):
        if part[a] != part[b]:
            ties.setdefault(parts((a, b)), set()).add(value)
    lonely = {key for key, values in ties.items()
              if len(values) == 1 and min(sizes[key[0]], sizes[key[1]]) >= rule.min_accounts}
    graph.add_edges_from((a, b, data) for (a, b), data in saved.items()
                         if parts((a, b)) not in lonely)


def form_groups(links: pd.DataFrame, judgements: AccountJudgements, threshold: float,
                max_size: int, is_crowd: Callable[[set[str]], bool],
                operations: OperationRule | None = None) -> pd.DataFrame:
    """account_id → anchor (smallest member id) and size, for every group of ≥ 2 accounts.
    With ``operations`` (campaign level), two large parts tied through one identifier alone
    stay apart."""
    graph = link_graph(links, judgements, threshold)
    _split_judged_apart(graph, judgements.different)
    if operations is not None:
        strong = links[links["score"].astype("float64") >= threshold]
        for rule in operations.passes():
            _cut_lone_identity_ties(graph, strong, rule, threshold, set(judgements.same))
    _cut_weak_bridges(graph, BRIDGE_STRONG, BRIDGE_MIN_SIDE)
    rows = []
    for members in _split_crowds(graph, max_size, is_crowd):
        if len(members) < 2:
            continue
        anchor = min(members)
        rows.extend((account, anchor, len(members)) for account in members)
    frame = pd.DataFrame(rows, columns=GROUP_COLUMNS)
    return frame.sort_values(["anchor", "account_id"]).reset_index(drop=True)
