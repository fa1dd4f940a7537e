"""Candidate links from shared values: every pair inside a small group (so that several pieces
of evidence on one pair can add up), and for a group too large to compare pair by pair, a link
from each member to the group's first account, as strong as the group's own weight."""

from __future__ import annotations

import json

import pandas as pd

from pipelines.resolve.scoring import typed_links


def pairs_within(identifiers: pd.DataFrame, groups: pd.DataFrame, limit: int) -> pd.DataFrame:
    """Pairs (a < b) of accounts sharing a value of a group with at most ``limit`` accounts."""
    small = groups[groups["accounts"] <= limit][["kind", "value"]]
    members = identifiers.merge(small, on=["kind", "value"])
    pairs = members.merge(members, on=["kind", "value"], suffixes=("_a", "_b"))
    pairs = pairs[pairs["account_id_a"] < pairs["account_id_b"]]
    pairs = pairs.rename(columns={"account_id_a": "a", "account_id_b": "b"})
    return pairs[["a", "b"]].drop_duplicates().reset_index(drop=True)


def group_stars(identifiers: pd.DataFrame, groups: pd.DataFrame, limit: int,
                threshold: float) -> pd.DataFrame:
    """Links member → first member for every group above ``limit`` accounts whose weight alone
    reaches ``threshold`` (a coherent group: an operation, not a crowd)."""
    large = groups[(groups["accounts"] > limit) & (groups["weight"] >= threshold)]
    if large.empty:
        return typed_links()
    members = identifiers.merge(large, on=["kind", "value"])
    hub = members.groupby(["kind", "value"])["account_id"].transform("min")
    stars = members[members["account_id"] != hub].assign(a=hub)
    stars = stars.rename(columns={"account_id": "b"})
    stars["evidence"] = [
        json.dumps([{"kind": k, "value": v, "accounts": int(n), "weight": float(w),
                     "coherence": float(c), "via": "group"}], ensure_ascii=False)
        for k, v, n, w, c in zip(stars["kind"], stars["value"], stars["accounts"],
                                 stars["weight"], stars["coherence"], strict=True)]
    stars = stars.assign(score=stars["weight"], kinds=stars["kind"])
    best = stars.sort_values("score", ascending=False).drop_duplicates(["a", "b"])
    return typed_links(best.reset_index(drop=True))
