"""Quality of the account clustering against ground truth: pairwise and B-cubed precision,
recall and F1 for campaign accounts, per campaign and overall, and the share of legitimate
accounts placed in a campaign's cluster. Computed from contingency counts, never pair lists."""

from __future__ import annotations

import pandas as pd


def _pairs(n: pd.Series) -> float:
    return float((n * (n - 1) / 2).sum())


def _prf(precision: float, recall: float) -> dict[str, float]:
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 5), "recall": round(recall, 5), "f1": round(f1, 5)}


def evaluate(assignments: pd.DataFrame, truth: pd.DataFrame) -> dict:
    """``assignments``: account_id, cluster_id (clustered accounts only). ``truth``:
    account_id, campaign_id (null for legitimate accounts)."""
    frame = truth[["account_id", "campaign_id"]].merge(
        assignments[["account_id", "cluster_id"]], on="account_id", how="left")
    # Unclustered accounts are singletons: give each its own cluster label.
    frame["cluster_id"] = frame["cluster_id"].fillna("single:" + frame["account_id"])
    campaign = frame[frame["campaign_id"].notna()]
    table = campaign.groupby(["cluster_id", "campaign_id"]).size().rename("n").reset_index()
    cluster_sizes = frame.groupby("cluster_id").size()
    legit_sizes = frame[frame["campaign_id"].isna()].groupby("cluster_id").size()
    involved = table["cluster_id"].unique()
    predicted = _pairs(cluster_sizes.reindex(involved)) - _pairs(
        legit_sizes.reindex(involved).fillna(0))
    true_positive = _pairs(table["n"])
    actual = _pairs(campaign.groupby("campaign_id").size())
    overall = {
        "pairwise": _prf(true_positive / predicted if predicted else 1.0,
                         true_positive / actual if actual else 1.0),
        "bcubed": _bcubed(frame, campaign),
    }
    majority = table.sort_values("n", ascending=False).drop_duplicates("cluster_id")
    campaign_clusters = set(majority[majority["n"] >= 2]["cluster_id"])
    legit = frame[frame["campaign_id"].isna()]
    legit_in_campaign = int(legit["cluster_id"].isin(campaign_clusters).sum())
    return {
        "overall": overall,
        "per_campaign": _per_campaign(table, cluster_sizes),
        "legit_accounts": len(legit),
        "legit_in_campaign_clusters": legit_in_campaign,
        "legit_in_campaign_share": round(legit_in_campaign / max(len(legit), 1), 6),
        "campaign_accounts": len(campaign),
        "clusters": int(assignments["cluster_id"].nunique()) if len(assignments) else 0,
    }


def _bcubed(frame: pd.DataFrame, campaign: pd.DataFrame) -> dict[str, float]:
    """B-cubed over campaign accounts: per-account share of its cluster (precision) and of its
    campaign (recall) that is correct, averaged."""
    cluster_size = frame.groupby("cluster_id").size()
    campaign_size = campaign.groupby("campaign_id").size()
    both = campaign.groupby(["cluster_id", "campaign_id"]).size()
    keys = list(zip(campaign["cluster_id"], campaign["campaign_id"], strict=True))
    correct = both.reindex(keys).to_numpy()
    precision = (correct / cluster_size.reindex(campaign["cluster_id"]).to_numpy()).mean()
    recall = (correct / campaign_size.reindex(campaign["campaign_id"]).to_numpy()).mean()
    return _prf(float(precision), float(recall))


def _per_campaign(table: pd.DataFrame, cluster_sizes: pd.Series) -> dict[str, dict]:
    out = {}
    for campaign_id, group in table.groupby("campaign_id"):
        best = group.sort_values("n", ascending=False).iloc[0]
        size = int(group["n"].sum())
        out[str(campaign_id)] = {
            "accounts": size,
            "largest_cluster": str(best["cluster_id"]),
            "largest_cluster_share": round(int(best["n"]) / size, 5),
            "largest_cluster_purity": round(int(best["n"]) / int(cluster_sizes[best["cluster_id"]]),
                                            5),
            "pairwise_recall": round(_pairs(group["n"]) / max(_pairs(pd.Series([size])), 1), 5),
        }
    return out
