"""Shared values as groups of accounts: how many share each value, how coherent they are, and
what the value weighs at each level (cluster, campaign)."""

from __future__ import annotations

from collections import Counter

import networkx as nx
import numpy as np
import pandas as pd

from pipelines.resolve.coherence import group_coherence
from pipelines.resolve.weights import KindRule, LinkWeights

GROUP_COLUMNS = ["kind", "value", "accounts", "coherence", "chance"]
# Profile traits a shared value decides by itself: the accounts on one user agent all run that
# agent, a card's accounts all have its funding type, a mail domain's all have its kind of mail.
# Their likeness says nothing about the group, so a group's coherence is measured without them.
SELF_TRAITS: dict[str, tuple[str, ...]] = {
    "user_agent": ("user_agent",), "prepaid_bin": ("funding_type",),
    "payment": ("funding_type",), "phone": ("phone_type",),
    "email": ("email_kind",), "email_domain": ("email_kind",),
}
# Personal names: two people may carry one by chance, the more so the commoner its words.
NAME_KINDS = ("billing_name",)


def name_cultures(tokens: pd.Series) -> pd.Series:
    """Per word of the names, its culture: a community (Louvain, weighted by how many names hold
    both) of the graph of words that appear in one name together. Chinese given names and
    surnames form one, Russian ones another: a name's words are drawn from its culture's
    words, not from every word of the population."""
    pairs = [(a, b) for words in tokens for i, a in enumerate(words) for b in words[i + 1:]]
    graph = nx.Graph()
    graph.add_nodes_from(sorted({word for words in tokens for word in words}))  # one result
    for (a, b), n in Counter(pairs).items():
        graph.add_edge(a, b, weight=n)
    communities = nx.community.louvain_communities(graph, weight="weight", seed=0)
    return pd.Series({word: number for number, words in enumerate(communities)
                      for word in words}, dtype="int64")


def chance_carriers(identifiers: pd.DataFrame, kind: str) -> pd.Series:
    """Per value of ``kind`` (a name key of words), how many of its carriers chance alone
    would give: among the M names of its culture (``name_cultures``), M times the share of
    them holding each of its words, multiplied (words drawn independently), the name's own
    carriers left out of both (they are what is being explained). 'huang jun' among a few
    hundred Chinese names is expected about once even in a population of millions;
    'fremont gaelle', whose words nobody else carries, not at all. A one-word name is
    expected as often as its word occurs: a surname alone or a placeholder says little. Names
    no two accounts share are left out (no group to weigh)."""
    values = identifiers.loc[identifiers["kind"] == kind, ["account_id", "value"]]
    values = values.drop_duplicates()
    if values.empty:
        return pd.Series(dtype="float64")
    tokens = values["value"].str.split().map(lambda t: sorted(set(t)))
    words = tokens.explode()
    counts = words.value_counts()
    culture = name_cultures(tokens)
    cultures = pd.DataFrame({"name": words.index, "culture": words.map(culture).to_numpy()})
    culture_size = cultures.drop_duplicates()["culture"].value_counts()
    carriers = values["value"].value_counts()
    distinct = pd.Series(tokens.to_numpy(), index=values["value"].to_numpy())
    distinct = distinct[~distinct.index.duplicated()]
    distinct = distinct[distinct.index.map(carriers) >= 2]  # only names shared are groups

    def expected(name: str, words: list[str]) -> float:
        if len(words) == 1:
            return float(counts[words[0]])
        own = float(carriers[name])
        others = max(float(culture_size[culture[w]]) for w in words) - own
        if others <= 0:
            return 0.0
        return others * float(np.prod([(counts[w] - own) / others for w in words]))

    return pd.Series({name: expected(name, words) for name, words in distinct.items()},
                     dtype="float64")


def value_groups(identifiers: pd.DataFrame, profiles: pd.DataFrame,
                 weights: LinkWeights) -> pd.DataFrame:
    """One row per (kind, value) shared by two accounts or more, with its coherence (0 for
    groups too small to judge)."""
    sizes = identifiers.groupby(["kind", "value"], sort=False).size().rename("accounts")
    sizes = sizes[sizes >= 2].reset_index()
    if sizes.empty:
        return pd.DataFrame(columns=GROUP_COLUMNS)
    judged = sizes[sizes["accounts"] >= weights.coherence.min_group]
    members = identifiers.merge(judged[["kind", "value"]], on=["kind", "value"])
    members = members.assign(group=members["kind"] + "\x1f" + members["value"])
    scores = _coherence_without_self_traits(members, profiles, weights)
    keys = sizes["kind"] + "\x1f" + sizes["value"]
    sizes["coherence"] = keys.map(scores).fillna(0.0).to_numpy()
    sizes["chance"] = 0.0
    for kind in NAME_KINDS:
        rows = sizes["kind"] == kind
        if rows.any():
            sizes.loc[rows, "chance"] = sizes.loc[rows, "value"].map(
                chance_carriers(identifiers, kind)).astype("float64").fillna(0.0).round(4)
    return sizes[GROUP_COLUMNS]


def _coherence_without_self_traits(members: pd.DataFrame, profiles: pd.DataFrame,
                                   weights: LinkWeights) -> pd.Series:
    """Coherence per group (``members``: kind, group, account_id), each kind's groups measured
    without the traits its value decides (``SELF_TRAITS``)."""
    excluded = members["kind"].map(lambda kind: SELF_TRAITS.get(kind, ()))
    scores = [group_coherence(part[["group", "account_id"]], profiles, weights.coherence,
                              exclude)
              for exclude, part in members.groupby(excluded, sort=False)]
    return pd.concat(scores) if scores else pd.Series(dtype="float64")


def weigh(groups: pd.DataFrame, rules: dict[str, KindRule], weights: LinkWeights
          ) -> pd.DataFrame:
    """Groups of the kinds in ``rules`` with their weight at that level (zero-weight dropped)."""
    usable = groups[groups["kind"].isin(rules)].copy()
    rules_c = weights.coherence
    chance = usable["chance"] if "chance" in usable else pd.Series(0.0, index=usable.index)
    usable["weight"] = [
        rules[k].weight_for(int(n), rules_c.gate(c), rules_c.trust(c, n >= rules_c.min_group),
                            surprise=max(0.0, 1.0 - float(e) / n))
        for k, n, c, e in zip(usable["kind"], usable["accounts"], usable["coherence"],
                              chance.fillna(0.0), strict=True)]
    return usable[usable["weight"] > 0].reset_index(drop=True)
