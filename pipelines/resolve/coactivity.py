"""Behavioural evidence: accounts active in the same 10-minute buckets day after day.

MinHash signatures of each account's set of active buckets, banded (LSH): accounts whose band
of signature values is identical land in one band group. Small band groups propose pairs, scored
by the Jaccard similarity estimated from the signatures; a band group of any size is also a
shared value (kind ``coactivity``), weighed at campaign level by how coherent its accounts are,
so 800 accounts with one schedule are one group, however many they are, while a schedule
artefact that unrelated accounts share (jobs on the hour) counts for little.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from pipelines.resolve.runs import label_codes, run_bounds
from pipelines.resolve.scoring import EVIDENCE_COLUMNS, typed_links

SIGNATURE_SIZE = 64
BANDS = 16  # 16 bands of 4 rows: pairs with Jaccard >= ~0.5 are found with high probability


COACTIVITY_KIND = "coactivity"  # identifiers: one band of an account's activity signature


def _salts(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 2**63, SIGNATURE_SIZE, dtype=np.uint64)


def _mix(values: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: a well-mixed 64-bit hash (a linear hash would make the minimum
    just the earliest bucket, and every signature alike)."""
    x = values ^ (values >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def signatures(buckets: pd.DataFrame, min_buckets: int, seed: int = 17) -> pd.DataFrame:
    """MinHash signature (one column per hash) of each account's active-bucket set."""
    # Account ids as codes: a NumPy array of tens of millions of Python strings would cost
    # gigabytes (27.8M rows at the seed preset).
    codes, accounts, _, kept = label_codes(buckets["account_id"], min_buckets)
    if not kept.any():
        return pd.DataFrame(columns=[f"h{i}" for i in range(SIGNATURE_SIZE)])
    # Whole minutes since the epoch, whatever the column's time unit.
    minutes = pd.to_datetime(buckets["bucket"], utc=True).dt.as_unit("s").astype("int64") // 60
    # Rows ordered by account once, so each hash's minimum per account is one reduceat
    # (a groupby per hash would sort the account ids 64 times).
    codes = codes[kept]
    order = np.argsort(codes, kind="stable")
    values = minutes.to_numpy(dtype=np.uint64)[kept][order]
    starts, _ = run_bounds(codes[order])
    columns = {f"h{i}": np.minimum.reduceat(_mix(values ^ salt), starts)
               for i, salt in enumerate(_salts(seed))}
    return pd.DataFrame(columns, index=accounts[codes[order][starts]])


def band_memberships(signature: pd.DataFrame) -> pd.DataFrame:
    """(account_id, kind="coactivity", value=band key) for every band value two or more
    accounts share."""
    rows_per_band = SIGNATURE_SIZE // BANDS
    found = []
    for band in range(min(BANDS, len(signature.columns) // rows_per_band)):
        cols = signature.columns[band * rows_per_band:(band + 1) * rows_per_band]
        keys = pd.util.hash_pandas_object(signature[cols], index=False).to_numpy()
        frame = pd.DataFrame({"account_id": signature.index.to_numpy(),
                              "value": [f"b{band}:{k:016x}" for k in keys.tolist()]})
        found.append(frame[frame.groupby("value")["account_id"].transform("size") >= 2])
    if not found:
        return pd.DataFrame(columns=["account_id", "kind", "value"])
    return pd.concat(found, ignore_index=True).assign(kind=COACTIVITY_KIND)[
        ["account_id", "kind", "value"]]


def estimated_jaccard(signature: pd.DataFrame, pairs: pd.DataFrame) -> pd.Series:
    """Share of equal signature components: an unbiased estimate of the Jaccard similarity."""
    if pairs.empty:
        return pd.Series(dtype="float64")
    left = signature.loc[pairs["a"]].to_numpy()
    right = signature.loc[pairs["b"]].to_numpy()
    return pd.Series((left == right).mean(axis=1), index=pairs.index)


def jaccard_evidence(signature: pd.DataFrame, pairs: pd.DataFrame, rule: dict) -> pd.DataFrame:
    """Evidence rows for pairs found in small band groups, weighted by their Jaccard similarity
    (0 at ``min_jaccard``, ``max_weight`` from ``full_jaccard`` up)."""
    if pairs.empty:
        return pd.DataFrame(columns=EVIDENCE_COLUMNS)
    jaccard = estimated_jaccard(signature, pairs)
    low, full = rule["min_jaccard"], rule["full_jaccard"]
    scale = ((jaccard - low) / (full - low)).clip(0, 1)
    evidence = pairs.assign(kind="coactivity", value="jaccard " + jaccard.round(3).astype(str),
                            accounts=2, weight=(rule["max_weight"] * scale).round(4),
                            coherence=0.0)
    return evidence[evidence["weight"] > 0][EVIDENCE_COLUMNS].reset_index(drop=True)


def synchronised_stars(signature: pd.DataFrame, memberships: pd.DataFrame,
                       weighted: pd.DataFrame, threshold: float, full_jaccard: float
                       ) -> pd.DataFrame:
    """Campaign-level links for band groups (of any size) whose weight reaches ``threshold``:
    each member to the group's most common signature, when the two are near-identical (Jaccard
    at least ``full_jaccard``). One shared band alone is a hint, not a schedule: members that
    merely collided in one band are left out."""
    strong = weighted[weighted["weight"] >= threshold]
    if strong.empty:
        return typed_links()
    members = memberships.merge(strong, on=["kind", "value"])
    full = pd.util.hash_pandas_object(signature, index=False)
    full = pd.Series(full.to_numpy(), index=signature.index)
    members = members.assign(full=members["account_id"].map(full))
    mode = members.groupby(["value", "full"]).size().rename("n").reset_index()
    mode = mode.sort_values(["value", "n", "full"], ascending=[True, False, True])
    mode = mode.drop_duplicates("value").set_index("value")["full"]
    rep = members[members["full"] == members["value"].map(mode)]
    rep = rep.groupby("value")["account_id"].min()
    pairs = members.assign(a=members["value"].map(rep)).rename(columns={"account_id": "b"})
    pairs = pairs[pairs["a"] != pairs["b"]].reset_index(drop=True)
    pairs["jaccard"] = estimated_jaccard(signature, pairs[["a", "b"]]).to_numpy()
    pairs = pairs[pairs["jaccard"] >= full_jaccard]
    evidence = [json.dumps([{"kind": "coactivity", "value": f"{j:.2f} of activity buckets shared "
                             f"with a synchronised group", "accounts": int(n),
                             "weight": float(w), "coherence": float(c), "via": "group"}])
                for j, n, w, c in zip(pairs["jaccard"], pairs["accounts"], pairs["weight"],
                                      pairs["coherence"], strict=True)]
    out = pd.DataFrame({"a": pairs["a"], "b": pairs["b"], "score": pairs["weight"],
                        "kinds": "coactivity", "evidence": evidence})
    out[["a", "b"]] = np.sort(out[["a", "b"]].to_numpy(), axis=1) if len(out) else out[["a", "b"]]
    return typed_links(out.sort_values("score", ascending=False).drop_duplicates(["a", "b"]))
