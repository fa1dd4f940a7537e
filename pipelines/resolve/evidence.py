"""The evidence on candidate pairs: for each kind, the strongest value the two accounts share
and its weight at the level being scored."""

from __future__ import annotations

import pandas as pd

from pipelines.resolve.scoring import EVIDENCE_COLUMNS


def shared_evidence(pairs: pd.DataFrame, identifiers: pd.DataFrame,
                    weighted: pd.DataFrame, per_kind: int = 1) -> pd.DataFrame:
    """For each pair and kind of ``weighted`` (groups with a weight), the strongest value both
    accounts carry (the ``per_kind`` strongest distinct values)."""
    if pairs.empty or weighted.empty:
        return pd.DataFrame(columns=EVIDENCE_COLUMNS)
    carried = identifiers.merge(weighted, on=["kind", "value"])
    left = pairs.merge(carried.rename(columns={"account_id": "a"}), on="a")
    shared = left.merge(carried[["account_id", "kind", "value"]].rename(
        columns={"account_id": "b"}), on=["b", "kind", "value"])
    shared = shared.sort_values("weight", ascending=False, kind="stable")
    shared = shared[shared.groupby(["a", "b", "kind"]).cumcount() < per_kind]
    return shared[EVIDENCE_COLUMNS].reset_index(drop=True)


def weak_groups(groups: pd.DataFrame, weak: dict[str, dict]) -> pd.DataFrame:
    """Weak traits (a user agent, a prepaid BIN): a flat weight wherever fewer than
    ``max_accounts`` share the value; they add to pairs, never propose them."""
    parts = []
    for kind, rule in weak.items():
        part = groups[(groups["kind"] == kind) & (groups["accounts"] <= rule["max_accounts"])]
        parts.append(part.assign(weight=float(rule["weight"])))
    return pd.concat(parts, ignore_index=True) if parts else groups.iloc[0:0].assign(weight=0.0)
