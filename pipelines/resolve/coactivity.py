"""Behavioural evidence: accounts active in the same 10-minute buckets day after day.

MinHash signatures of each account's set of active buckets, banded (LSH) to find candidate
pairs without comparing every pair; the Jaccard similarity is estimated from the signatures.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SIGNATURE_SIZE = 64
BANDS = 16  # 16 bands of 4 rows: pairs with Jaccard >= ~0.5 are found with high probability
MAX_BAND_GROUP = 300  # a band bucket this crowded is a schedule everyone shares, not a link


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
    counts = buckets.groupby("account_id").size()
    active = counts[counts >= min_buckets].index
    rows = buckets[buckets["account_id"].isin(active)]
    if rows.empty:
        return pd.DataFrame(columns=[f"h{i}" for i in range(SIGNATURE_SIZE)])
    # Whole minutes since the epoch, whatever the column's time unit.
    minutes = pd.to_datetime(rows["bucket"], utc=True).dt.as_unit("s").astype("int64") // 60
    values = minutes.to_numpy(dtype=np.uint64)
    accounts = rows["account_id"].to_numpy()
    columns = {}
    for i, salt in enumerate(_salts(seed)):
        columns[f"h{i}"] = pd.Series(_mix(values ^ salt)).groupby(accounts).min()
    return pd.DataFrame(columns)


def candidate_pairs(signature: pd.DataFrame) -> pd.DataFrame:
    """Pairs of accounts sharing at least one identical band of their signatures."""
    rows_per_band = SIGNATURE_SIZE // BANDS
    found = []
    for band in range(BANDS):
        cols = signature.columns[band * rows_per_band:(band + 1) * rows_per_band]
        keys = pd.util.hash_pandas_object(signature[cols], index=False)
        groups = pd.DataFrame({"account_id": signature.index, "key": keys.to_numpy()})
        sizes = groups.groupby("key")["account_id"].transform("size")
        groups = groups[(sizes >= 2) & (sizes <= MAX_BAND_GROUP)]
        pairs = groups.merge(groups, on="key", suffixes=("_a", "_b"))
        pairs = pairs[pairs["account_id_a"] < pairs["account_id_b"]]
        found.append(pairs[["account_id_a", "account_id_b"]])
    if not found:
        return pd.DataFrame(columns=["a", "b"])
    out = pd.concat(found).drop_duplicates()
    return out.rename(columns={"account_id_a": "a", "account_id_b": "b"}).reset_index(drop=True)


def estimated_jaccard(signature: pd.DataFrame, pairs: pd.DataFrame) -> pd.Series:
    """Share of equal signature components: an unbiased estimate of the Jaccard similarity."""
    if pairs.empty:
        return pd.Series(dtype="float64")
    left = signature.loc[pairs["a"]].to_numpy()
    right = signature.loc[pairs["b"]].to_numpy()
    return pd.Series((left == right).mean(axis=1), index=pairs.index)
