"""Shared values as groups of accounts: how many share each value, how coherent they are, and
what the value weighs at each level (cluster, campaign)."""

from __future__ import annotations

import pandas as pd

from pipelines.resolve.coherence import group_coherence
from pipelines.resolve.weights import KindRule, LinkWeights

GROUP_COLUMNS = ["kind", "value", "accounts", "coherence"]


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
    scores = group_coherence(members[["group", "account_id"]], profiles, weights.coherence)
    keys = sizes["kind"] + "\x1f" + sizes["value"]
    sizes["coherence"] = keys.map(scores).fillna(0.0).to_numpy()
    return sizes[GROUP_COLUMNS]


def weigh(groups: pd.DataFrame, rules: dict[str, KindRule], weights: LinkWeights
          ) -> pd.DataFrame:
    """Groups of the kinds in ``rules`` with their weight at that level (zero-weight dropped)."""
    usable = groups[groups["kind"].isin(rules)].copy()
    rules_c = weights.coherence
    usable["weight"] = [
        rules[k].weight_for(int(n), rules_c.gate(c), rules_c.trust(c, n >= rules_c.min_group))
        for k, n, c in zip(usable["kind"], usable["accounts"], usable["coherence"],
                           strict=True)]
    return usable[usable["weight"] > 0].reset_index(drop=True)
