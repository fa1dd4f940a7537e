"""Account-to-account links: candidate pairs, the evidence on each, a noisy-OR score."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from pipelines.resolve import coactivity
from pipelines.resolve.weights import LinkWeights

PAIR_CAP = 60  # shared values with more accounts give evidence, but do not propose pairs


def identity_pairs(
    identifiers: pd.DataFrame, sizes: pd.DataFrame, weights: LinkWeights
) -> pd.DataFrame:
    """Pairs of accounts proposed by small groups sharing an identity identifier."""
    small = sizes[(sizes["accounts"] >= 2) & (sizes["accounts"] <= PAIR_CAP)]
    small = small[small["kind"].isin(weights.identity)]
    members = identifiers.merge(small[["kind", "value"]], on=["kind", "value"])
    pairs = members.merge(members, on=["kind", "value"], suffixes=("_a", "_b"))
    pairs = pairs[pairs["account_id_a"] < pairs["account_id_b"]]
    pairs = pairs.rename(columns={"account_id_a": "a", "account_id_b": "b"})
    return pairs[["a", "b"]].drop_duplicates().reset_index(drop=True)


def identity_evidence(
    pairs: pd.DataFrame, identifiers: pd.DataFrame, sizes: pd.DataFrame, weights: LinkWeights
) -> pd.DataFrame:
    """For each pair and kind, the strongest shared value and its weight (by group size)."""
    sizes = sizes.copy()
    rules = weights.identity
    sizes["weight"] = [rules[k].weight_for(n) if k in rules else 0.0
                       for k, n in zip(sizes["kind"], sizes["accounts"], strict=True)]
    weighted = identifiers.merge(sizes[sizes["weight"] > 0], on=["kind", "value"])
    left = pairs.merge(weighted.rename(columns={"account_id": "a"}), on="a")
    shared = left.merge(weighted[["account_id", "kind", "value"]].rename(
        columns={"account_id": "b"}), on=["b", "kind", "value"])
    shared = shared.sort_values("weight", ascending=False).drop_duplicates(["a", "b", "kind"])
    return shared[["a", "b", "kind", "value", "accounts", "weight"]]


def attribute_evidence(
    pairs: pd.DataFrame, attributes: pd.DataFrame, kind: str, weight: float, max_accounts: int
) -> pd.DataFrame:
    """Weak evidence of one kind (user agent, prepaid BIN) scored on given pairs only."""
    counts = attributes.groupby("value")["account_id"].nunique()
    usable = attributes[attributes["value"].map(counts).le(max_accounts)]
    left = pairs.merge(usable.rename(columns={"account_id": "a"}), on="a")
    shared = left.merge(usable.rename(columns={"account_id": "b"}), on=["b", "value"])
    shared = shared.drop_duplicates(["a", "b"]).assign(kind=kind, weight=weight)
    shared["accounts"] = shared["value"].map(counts)
    return shared[["a", "b", "kind", "value", "accounts", "weight"]]


def coactivity_evidence(
    buckets: pd.DataFrame, weights: LinkWeights
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Candidate pairs from synchronised activity, with their evidence rows."""
    signature = coactivity.signatures(buckets, weights.coactivity_min_buckets)
    pairs = coactivity.candidate_pairs(signature)
    if pairs.empty:
        return pairs, pd.DataFrame(columns=["a", "b", "kind", "value", "accounts", "weight"])
    jaccard = coactivity.estimated_jaccard(signature, pairs)
    low = weights.coactivity_min_jaccard
    scale = ((jaccard - low) / (0.7 - low)).clip(0, 1)
    evidence = pairs.assign(kind="coactivity", value=jaccard.round(3).astype(str),
                            accounts=2, weight=(weights.coactivity_max * scale).round(4))
    return pairs, evidence[evidence["weight"] > 0]


def score_links(evidence: pd.DataFrame) -> pd.DataFrame:
    """One row per pair: noisy-OR score over kinds, and the evidence as JSON for explanations."""
    if evidence.empty:
        return pd.DataFrame(columns=["a", "b", "score", "kinds", "evidence"])
    evidence = evidence[evidence["weight"].astype("float64") > 0].astype(
        {"weight": "float64", "accounts": "int64", "value": str})
    if evidence.empty:
        return pd.DataFrame(columns=["a", "b", "score", "kinds", "evidence"])
    evidence = evidence.sort_values(["a", "b", "weight"], ascending=[True, True, False])
    evidence = evidence.assign(miss=np.log1p(-evidence["weight"].clip(upper=0.999)))
    scores = 1 - np.exp(evidence.groupby(["a", "b"], sort=True)["miss"].sum())
    # Rows are sorted by pair, so each pair's evidence is one contiguous slice: its JSON and
    # kinds are joined from per-row strings in one pass (a groupby.apply is far slower).
    items = [json.dumps({"kind": k, "value": v, "accounts": int(n), "weight": float(w)},
                        ensure_ascii=False)
             for k, v, n, w in zip(evidence["kind"].tolist(), evidence["value"].tolist(),
                                   evidence["accounts"].tolist(), evidence["weight"].tolist(),
                                   strict=True)]
    pair = evidence["a"].to_numpy() + "\x1f" + evidence["b"].to_numpy()
    starts = np.flatnonzero(np.r_[True, pair[1:] != pair[:-1]])
    ends = np.r_[starts[1:], len(pair)]
    kind = evidence["kind"].tolist()
    out = pd.DataFrame({
        "score": scores.round(4).to_numpy(),
        "kinds": [",".join(sorted(kind[s:e])) for s, e in zip(starts, ends, strict=True)],
        "evidence": ["[" + ", ".join(items[s:e]) + "]" for s, e in zip(starts, ends,
                                                                        strict=True)],
    }, index=scores.index)
    return out.reset_index()
