"""Groups of accounts from strong links: connected components, cut where an analyst judged two
of their accounts different, and split when a component is both huge and incoherent (a hub
merging unrelated people, which a large but coherent operation is not).

The links are held as arrays (account codes and weights), and components come from
``scipy.sparse.csgraph``: at a million accounts and millions of links, a networkx graph of the
whole held gigabytes of per-edge dicts and took minutes per pass. networkx still does what
only ever touches one component or the small graph of parts (a minimum cut, bridges,
Louvain)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pyarrow as pa
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components

from pipelines.normalise.sql import connect
from pipelines.resolve.judgements import AccountJudgements

GROUP_COLUMNS = ["account_id", "anchor", "size"]


@dataclass
class LinkGraph:
    """Accounts (``nodes``: sorted ids, an account is its position) and undirected links, one
    per pair, as ``key``s (``pair_keys``, ascending) with a ``weight``."""
    nodes: np.ndarray
    key: np.ndarray
    weight: np.ndarray

    def ends(self, keys: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The two positions of each pair key (the graph's links by default)."""
        keys = self.key if keys is None else keys
        return keys // len(self.nodes), keys % len(self.nodes)

    def codes(self, accounts: pd.Series | list[str]) -> np.ndarray:
        """Positions of ``accounts`` among the nodes (-1 for an account not in the graph)."""
        return pd.Index(self.nodes).get_indexer(pd.Index(accounts, dtype=object))

    def pair_keys(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """One integer per unordered pair of positions, ordered as the pairs are."""
        return np.minimum(u, v).astype("int64") * len(self.nodes) + np.maximum(u, v)

    def keys_of(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        """Pair keys of account pairs whose two accounts are both in the graph."""
        left = self.codes([a for a, _ in pairs])
        right = self.codes([b for _, b in pairs])
        known = (left >= 0) & (right >= 0)
        return self.pair_keys(left[known], right[known])

    def has(self, keys: np.ndarray) -> np.ndarray:
        """Whether each pair key is a link of the graph."""
        return _among(keys, self.key)

    def links_among(self, keys: np.ndarray) -> np.ndarray:
        """Whether each link of the graph is one of ``keys``."""
        return _among(self.key, np.unique(keys))

    def keep(self, mask: np.ndarray) -> None:
        self.key, self.weight = self.key[mask], self.weight[mask]

    def components(self, mask: np.ndarray | None = None) -> np.ndarray:
        """Component number per node, over the links ``mask`` selects (all by default)."""
        key = self.key if mask is None else self.key[mask]
        n = len(self.nodes)
        matrix = coo_array((np.ones(len(key), dtype=np.int8), self.ends(key)), shape=(n, n))
        return connected_components(matrix, directed=False)[1]

    def networkx(self, members: np.ndarray, capacity: bool = False) -> nx.Graph:
        """The links among ``members`` (positions) as a networkx graph of account ids, built in
        one order (sorted) whatever order the links came in."""
        inside = np.zeros(len(self.nodes), dtype=bool)
        inside[members] = True
        u, v = self.ends()
        chosen = np.flatnonzero(inside[u] & inside[v])
        graph = nx.Graph()
        graph.add_nodes_from(self.nodes[np.sort(members)])
        attribute = "capacity" if capacity else "weight"
        graph.add_edges_from((self.nodes[u[i]], self.nodes[v[i]],
                              {attribute: float(self.weight[i])}) for i in chosen)
        return graph


def _among(values: np.ndarray, ascending: np.ndarray) -> np.ndarray:
    """Whether each of ``values`` is in ``ascending`` (sorted, so a binary search each: at
    millions of links, far cheaper than hashing both sides)."""
    if not len(ascending):
        return np.zeros(len(values), dtype=bool)
    at = np.searchsorted(ascending, values).clip(max=len(ascending) - 1)
    return ascending[at] == values


def link_graph(strong: list[pd.DataFrame], judgements: AccountJudgements
               ) -> tuple[LinkGraph, np.ndarray]:
    """The ``strong`` links (in parts, taken in order) as a weighted graph, and each link row's
    pair key; "same" judgements add links (weight 1), "different" remove them. A pair linked
    twice keeps its last weight."""
    same = pd.DataFrame(judgements.same, columns=["a", "b"], dtype=object)
    rows = [*strong, same]
    a = pd.concat([part["a"].astype("str") for part in rows], ignore_index=True)
    b = pd.concat([part["b"].astype("str") for part in rows], ignore_index=True)
    weight = np.concatenate([*(part["score"].to_numpy("float64") for part in strong),
                             np.ones(len(same))])
    codes, nodes = pd.factorize(pd.concat([a, b], ignore_index=True), sort=True)
    graph = LinkGraph(np.asarray(nodes, dtype=object), np.empty(0, "int64"), np.empty(0))
    keys = graph.pair_keys(codes[:len(a)], codes[len(a):])
    last = ~pd.Series(keys).duplicated(keep="last").to_numpy() & (codes[:len(a)] != codes[len(a):])
    order = np.flatnonzero(last)[np.argsort(keys[last], kind="stable")]
    graph.key, graph.weight = keys[order], weight[order]
    _remove_pairs(graph, judgements.different)
    return graph, keys[:len(a) - len(same)]


def _remove_pairs(graph: LinkGraph, pairs: list[tuple[str, str]]) -> None:
    if pairs:
        graph.keep(~graph.links_among(graph.keys_of(pairs)))


def _split_judged_apart(graph: LinkGraph, different: list[tuple[str, str]]) -> None:
    """Cut the weakest set of links separating each judged-different pair still connected."""
    for a, b in different:
        ends = graph.codes([a, b])
        if (ends < 0).any():
            continue
        labels = graph.components()
        if labels[ends[0]] != labels[ends[1]]:
            continue
        component = graph.networkx(np.flatnonzero(labels == labels[ends[0]]), capacity=True)
        _, (side_a, _) = nx.minimum_cut(component, a, b)
        on_a = np.zeros(len(graph.nodes), dtype=bool)
        on_a[graph.codes(sorted(side_a))] = True
        u, v = graph.ends()
        graph.keep(on_a[u] == on_a[v])


def _cut_weak_bridges(graph: LinkGraph, strong: float, min_side: int,
                      cliques: np.ndarray | None = None) -> None:
    """Remove every link weaker than ``strong`` that is the only tie between two parts of at
    least ``min_side`` accounts each: one doubtful match must not merge two operations (a real
    operation's accounts are tied many times over).

    Ties are counted pair by pair. A link marked in ``cliques`` is a group's star: one member
    linked to the group's first member stands for its links to every other member (too many
    to write pair by pair), so any cut through a group of three or more crosses at least two
    ties and a star link is never the only one. Without this, a value would tie its accounts
    together when few enough share it to be linked pair by pair, and not when more do.

    Worked on the graph of strong components (accounts joined by strong links), where the weak
    links are the edges: much smaller than the account graph."""
    weak = graph.weight < strong
    if not weak.any():
        return
    part = graph.components(~weak)
    u, v = graph.ends()
    ends_u, ends_v = part[u], part[v]
    edges = np.flatnonzero(weak & (ends_u != ends_v))
    ties = pd.DataFrame({"edge": edges, "p": np.minimum(ends_u[edges], ends_v[edges]),
                         "q": np.maximum(ends_u[edges], ends_v[edges]),
                         "ties": 1 if cliques is None else np.where(cliques[edges], 2, 1)})
    counts = ties.groupby(["p", "q"])["ties"].sum()
    parts = nx.Graph()
    parts.add_edges_from(counts.index)
    single = [key for key in nx.bridges(parts) if counts[tuple(sorted(key))] == 1]
    if not single:
        return
    parts.remove_edges_from(single)
    sizes = np.bincount(part)
    side = {}
    for members in nx.connected_components(parts):
        total = int(sizes[list(members)].sum())
        side.update(dict.fromkeys(members, total))
    cut = {tuple(sorted(key)) for key in single if min(side[key[0]], side[key[1]]) >= min_side}
    lonely = ties[pd.MultiIndex.from_frame(ties[["p", "q"]]).isin(cut)]
    drop = np.zeros(len(graph.key), dtype=bool)
    drop[lonely["edge"].to_numpy()] = True
    graph.keep(~drop)


def _split_crowds(graph: LinkGraph, max_size: int,
                  is_crowd: Callable[[set[str]], bool]) -> pd.DataFrame:
    """Group number per account (``account_id``, ``group``): components; one larger than
    ``max_size`` whose accounts look like a crowd is divided by Louvain community detection."""
    labels = graph.components()
    fresh = labels.max(initial=-1) + 1
    for big in np.flatnonzero(np.bincount(labels) > max_size):
        members = np.flatnonzero(labels == big)
        if not is_crowd(set(graph.nodes[members])):
            continue
        communities = nx.community.louvain_communities(
            graph.networkx(members), weight="weight", seed=0)
        for community in communities[1:]:  # the first keeps the component's number
            labels[graph.codes(sorted(community))] = fresh
            fresh += 1
    return pd.DataFrame({"account_id": graph.nodes, "group": labels})


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
    conflict: ParentConflict | None = None

    def passes(self) -> list[OperationRule]:
        """Identifiers and ambiguous names are judged apart: an operation's own pieces, tied
        to it through its recycled numbers, still count as part of it when a name is."""
        names = OperationRule(self.min_accounts, frozenset(), self.ambiguous)
        return [OperationRule(self.min_accounts, self.identity_kinds), names]

    @property
    def soft_kinds(self) -> list[str]:
        return sorted(self.conflict.soft_kinds) if self.conflict is not None else []

    def counts(self, kinds: pd.Series, values: pd.Series) -> pd.Series:
        """Per evidence item (its kind and value), whether it is the rule's."""
        counted = kinds.isin(self.identity_kinds)
        named = values.isin({name.split("=", 1)[1] for name in self.ambiguous})
        counted[named] |= (kinds[named] + "=" + values[named]).isin(self.ambiguous)
        return counted


@dataclass(frozen=True)
class ParentConflict:
    """Campaign level: one operation answers to one parent. Two parts of at least
    ``OperationRule.min_accounts`` accounts that answer to different parents (of the part's
    accounts that reach a parent in ``parents``, account_id and value, more than ``lead_share``
    reach one) are not made one by links that rest on ``soft_kinds`` (names and weak traits,
    which unrelated operators share by chance: a common cardholder name, a company name two
    owners' fronts carry): their other items, alone, stay under the threshold."""
    parents: pd.DataFrame
    soft_kinds: frozenset[str]
    lead_share: float


# Per link (``row``), the first evidence item whose removal leaves the others (noisy-OR,
# multiplied in the order scoring multiplies them) under the threshold: the one value the link
# rests on; and whether the link is a star of a group (``via``) of three accounts or more
# whose own weight reaches the threshold; and whether it is soft (its items not of the ``soft``
# kinds stay under the threshold together: ``ParentConflict``). List lambdas keep it one pass
# per link (a join of items to items took 4x longer); only the answers are kept, not the parsed
# items.
_JUDGED = """
CREATE TEMP TABLE judged AS
WITH parsed AS (
    SELECT row, json_transform(evidence, '[{"kind": "VARCHAR", "value": "VARCHAR",
                                            "weight": "DOUBLE", "accounts": "BIGINT",
                                            "via": "VARCHAR"}]') AS items
    FROM links
), positioned AS (
    SELECT row, items, list_position(list_transform(items, lambda item, i:
        1.0 - coalesce(list_aggregate(
            list_transform(list_filter(items, lambda other, j: j != i),
                           lambda other: 1.0 - coalesce(other.weight, 0.0)),
            'product'), 1.0) < $threshold), true) AS pos,
    coalesce(list_aggregate(list_transform(items, lambda item:
        coalesce(item.via = 'group' AND item.weight >= $threshold
                 AND item.accounts >= $clique, false)), 'bool_or'), false) AS grouped,
    1.0 - coalesce(list_aggregate(list_transform(
        list_filter(items, lambda item: NOT list_contains($soft, item.kind)),
        lambda item: 1.0 - coalesce(item.weight, 0.0)), 'product'), 1.0) < $threshold AS soft
    FROM parsed
)
SELECT row, pos IS NOT NULL AS rests, list_extract(items, pos).kind AS kind,
       list_extract(items, pos).value AS value, grouped, soft
FROM positioned
"""
_RESTING_VALUES = """
CREATE TEMP TABLE resting_values AS
SELECT (row_number() OVER ()) - 1 AS item, kind, value
FROM (SELECT DISTINCT kind, value FROM judged WHERE rests)
"""
_RESTING_ROWS = """
SELECT row, item FROM judged JOIN resting_values USING (kind, value) WHERE rests
"""
_GROUP_STAR_ROWS = "SELECT row FROM judged WHERE grouped"
_SOFT_ROWS = "SELECT row FROM judged WHERE soft"
# A value shared by this many accounts ties each of them to at least two others.
CLIQUE_ACCOUNTS = 3


@dataclass(frozen=True)
class RestingItems:
    """The one evidence item each link rests on (``resting_items``): per link row, the number
    of its item (-1: it rests on no one item), and the distinct items (kind, value); and per
    link row whether it is a group's star (``grouped``: a strong value of three accounts or
    more, linked member to first member instead of pair by pair), and whether it is soft (it
    rests on the ``soft`` kinds of ``resting_items``)."""
    item: np.ndarray
    values: pd.DataFrame
    grouped: np.ndarray
    soft: np.ndarray

    def counted(self, rule: OperationRule) -> np.ndarray:
        """Per link row, its item's number when the item is the rule's, else -1."""
        counts = rule.counts(self.values["kind"], self.values["value"]).to_numpy()
        counted = np.append(counts, False)[self.item]  # -1 picks the appended False
        return np.where(counted, self.item, -1)


def resting_items(evidence: list[pd.Series], threshold: float,
                  soft: list[str] | None = None) -> RestingItems:
    """Per link's evidence JSON (in parts, taken in order), the one item it rests on: the
    first whose removal leaves the other items under ``threshold``, and whether the link rests
    on the ``soft`` kinds. Parsed in DuckDB, and kept as numbers per link (the values once
    each): at a million accounts, millions of links."""
    texts = pa.chunked_array([pa.Array.from_pandas(part, type=pa.large_string())
                              for part in evidence], type=pa.large_string())
    links = pa.table({"row": np.arange(len(texts)), "evidence": texts})
    with tempfile.TemporaryDirectory(prefix="resting-") as spill, connect(Path(spill)) as db:
        db.register("links", links)
        db.execute(_JUDGED, {"threshold": threshold, "clique": CLIQUE_ACCOUNTS,
                             "soft": soft or []})
        db.execute(_RESTING_VALUES)
        values = db.sql("SELECT kind, value FROM resting_values ORDER BY item").df()
        found = db.sql(_RESTING_ROWS).fetchnumpy()
        stars = db.sql(_GROUP_STAR_ROWS).fetchnumpy()["row"]
        softly = db.sql(_SOFT_ROWS).fetchnumpy()["row"] if soft else []
    item = np.full(len(texts), -1, dtype="int64")
    item[found["row"]] = found["item"]
    return RestingItems(item, values, _marked(len(texts), stars), _marked(len(texts), softly))


def _marked(n: int, rows: np.ndarray) -> np.ndarray:
    marked = np.zeros(n, dtype=bool)
    marked[rows] = True
    return marked


def _open_rows(graph: LinkGraph, keys: np.ndarray, judged_same: list[tuple[str, str]]
               ) -> np.ndarray:
    """Per link row (its pair key in ``keys``), whether a rule may still cut it: its pair is
    in the graph and no analyst judged the pair the same."""
    return graph.has(keys) & ~np.isin(keys, graph.keys_of(judged_same))


def _lone_rows(graph: LinkGraph, keys: np.ndarray, resting: RestingItems, rule: OperationRule,
               judged_same: list[tuple[str, str]]) -> pd.DataFrame:
    """(key, value) for the links (their pair ``keys``) still in the graph whose pair rests on
    one value of the rule's alone (``resting``; the value as its item number): every link row
    of the pair is lone, and no analyst judged the pair the same."""
    kept = _open_rows(graph, keys, judged_same)
    rows = pd.DataFrame({"key": keys[kept], "value": resting.counted(rule)[kept]})
    other = (rows["value"] < 0).groupby(rows["key"]).transform("any")
    return rows[~other.astype(bool)]


def _cut_lone_identity_ties(graph: LinkGraph, keys: np.ndarray, resting: RestingItems,
                            rule: OperationRule, judged_same: list[tuple[str, str]]) -> None:
    """Remove the links that tie two operations of at least ``rule.min_accounts`` accounts each
    through one identifier alone. Two accounts on one phone are one person; two operations of
    thousands of accounts are not one operation because of it (a recycled number, a reused
    card): an operation's parts are tied many times over, through different values.

    The lone links are taken out, the parts left measured, and every lone link put back but
    those between two large parts that one value alone ties."""
    lone = _lone_rows(graph, keys, resting, rule, judged_same)
    if lone.empty:
        return
    lone_keys = lone["key"].to_numpy()
    part = graph.components(~graph.links_among(lone_keys))
    sizes = np.bincount(part)
    ends_u, ends_v = (part[end] for end in graph.ends(lone_keys))
    ties = pd.DataFrame({"p": np.minimum(ends_u, ends_v), "q": np.maximum(ends_u, ends_v),
                         "value": lone["value"].to_numpy(), "key": lone_keys})
    ties = ties[ties["p"] != ties["q"]]
    values = ties.groupby(["p", "q"])["value"].transform("nunique")
    large = np.minimum(sizes[ties["p"]], sizes[ties["q"]]) >= rule.min_accounts
    cut = ties.loc[(values == 1).to_numpy() & large, "key"].to_numpy()
    graph.keep(~graph.links_among(cut))


def _leading_parents(part: np.ndarray, graph: LinkGraph, min_accounts: int,
                     conflict: ParentConflict) -> pd.Series:
    """Per part (its number) of at least ``min_accounts`` accounts, the parent it answers to:
    the one that more than ``conflict.lead_share`` of its accounts reaching a parent reach."""
    codes = graph.codes(conflict.parents["account_id"])
    known = codes >= 0
    reach = pd.DataFrame({"account": codes[known], "part": part[codes[known]],
                          "value": conflict.parents["value"].to_numpy()[known]}
                         ).drop_duplicates(["account", "value"])
    reach = reach[np.bincount(part)[reach["part"]] >= min_accounts]
    reaching = reach.groupby("part")["account"].nunique()
    counts = reach.groupby(["part", "value"]).size().reset_index(name="accounts")
    lead = counts.sort_values(["part", "accounts", "value"], ascending=[True, False, True]
                              ).drop_duplicates("part").set_index("part")
    leads = lead["accounts"] > conflict.lead_share * reaching.reindex(lead.index)
    return lead.loc[leads, "value"]


def _cut_parent_conflicts(graph: LinkGraph, keys: np.ndarray, resting: RestingItems,
                          rule: OperationRule, judged_same: list[tuple[str, str]]) -> None:
    """Remove the soft links (``ParentConflict``) between two parts of at least
    ``rule.min_accounts`` accounts that answer to different parents. The parts are what the
    graph holds without its soft links: an operation's accounts are tied to one another, and
    to its parent, by more than names."""
    if rule.conflict is None or rule.conflict.parents.empty:
        return
    kept = _open_rows(graph, keys, judged_same)
    rows = pd.Series(resting.soft[kept], index=keys[kept])
    soft_pairs = rows.groupby(level=0).all()  # a pair is soft when every link of it is
    soft_keys = soft_pairs.index[soft_pairs.to_numpy()].to_numpy("int64")
    if not len(soft_keys):
        return
    part = graph.components(~graph.links_among(soft_keys))
    lead = _leading_parents(part, graph, rule.min_accounts, rule.conflict)
    ends_u, ends_v = (pd.Series(part[end]).map(lead).to_numpy() for end in graph.ends(soft_keys))
    conflicting = pd.notna(ends_u) & pd.notna(ends_v) & (ends_u != ends_v)
    graph.keep(~graph.links_among(soft_keys[conflicting]))


def _strong(links: pd.DataFrame, threshold: float, columns: list[str]) -> pd.DataFrame:
    """The ``columns`` of the links at or above ``threshold``: only what grouping reads is
    copied (the frame itself when all are strong: no copy of millions of evidence texts)."""
    strong = links["score"].astype("float64") >= threshold
    links = links[columns]
    return links if strong.all() else links[strong.to_numpy()]


def form_groups(links: pd.DataFrame | list[pd.DataFrame], judgements: AccountJudgements,
                threshold: float, max_size: int, is_crowd: Callable[[set[str]], bool],
                operations: OperationRule | None = None) -> pd.DataFrame:
    """account_id → anchor (smallest member id) and size, for every group of ≥ 2 accounts.
    ``links`` may come in parts, read in order as one table (a level that adds links round
    after round need not copy them all each round). With ``operations`` (campaign level), two
    large parts tied through one identifier alone stay apart, and so do two that answer to
    different parents and are tied through names and weak traits alone."""
    # The evidence is read only to judge operations (campaign level).
    columns = ["a", "b", "score", *(["evidence"] if operations is not None else [])]
    strong = [_strong(part, threshold, columns) for part in
              (links if isinstance(links, list) else [links])]
    graph, keys = link_graph(strong, judgements)
    _split_judged_apart(graph, judgements.different)
    cliques = None
    if operations is not None:
        resting = resting_items([part["evidence"] for part in strong], threshold,
                                operations.soft_kinds)
        for rule in operations.passes():
            _cut_lone_identity_ties(graph, keys, resting, rule, judgements.same)
        _cut_parent_conflicts(graph, keys, resting, operations, judgements.same)
        cliques = graph.links_among(keys[resting.grouped])
    _cut_weak_bridges(graph, BRIDGE_STRONG, BRIDGE_MIN_SIDE, cliques)
    groups = _split_crowds(graph, max_size, is_crowd)
    by_group = groups.groupby("group")["account_id"]
    groups = groups.assign(anchor=by_group.transform("min"), size=by_group.transform("size"))
    groups = groups[groups["size"] >= 2]
    frame = groups[GROUP_COLUMNS].astype({"size": "int64"})
    return frame.sort_values(["anchor", "account_id"]).reset_index(drop=True)
