"""Shared values as groups of accounts: how many share each value, how coherent they are, and
what the value weighs at each level (cluster, campaign)."""

from __future__ import annotations

import pandas as pd

from pipelines.resolve.coherence import group_coherence
from pipelines.resolve.weights import KindRule, LinkWeights

GROUP_COLUMNS = ["kind", "value", "accounts", "coherence", "chance"]
# Personal names: two people may carry one by chance, the more so the commoner its words.
NAME_KINDS = ("billing_name",)


def chance_carriers(identifiers: pd.DataFrame, kind: str) -> pd.Series:
    """Per value of ``kind`` (a name key of words), how many of its carriers chance alone
    would give: the number of names times the share of names holding each of its words,
    multiplied (words drawn independently). 'huang jun' among many Chinese names, or a
    one-word name, is expected many times over; 'fremont gaelle' far less than once."""
    values = identifiers.loc[identifiers["kind"] == kind, ["account_id", "value"]]
    values = values.drop_duplicates()
    if values.empty:
        return pd.Series(dtype="float64")
    tokens = values["value"].str.split().map(lambda t: sorted(set(t)))
    share = tokens.explode().value_counts() / len(values)
    distinct = pd.Series(tokens.to_numpy(), index=values["value"].to_numpy())
    distinct = distinct[~distinct.index.duplicated()]
    return distinct.map(lambda t: len(values) * float(share.reindex(t).prod()))


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
    sizes["chance"] = 0.0
    for kind in NAME_KINDS:
        rows = sizes["kind"] == kind
        if rows.any():
            sizes.loc[rows, "chance"] = sizes.loc[rows, "value"].map(
                chance_carriers(identifiers, kind)).astype("float64").fillna(0.0).round(4)
    return sizes[GROUP_COLUMNS]


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
