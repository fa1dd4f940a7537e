"""Attribution measured against ground truth: is every campaign's true parent ranked first, and
is any legitimate organisation named for a campaign?"""

from __future__ import annotations

import pandas as pd


def evaluate_attribution(groups: pd.DataFrame, attributions: pd.DataFrame,
                         truth_accounts: pd.DataFrame, campaigns: list[dict],
                         legit_orgs: set[str]) -> dict:
    """``groups``: account_id, cluster_id (the predicted campaign each account is in);
    ``attributions``: ranked parents keyed by that id (``campaign_id``)."""
    truth = truth_accounts[["account_id", "campaign_id"]].rename(
        columns={"campaign_id": "true_campaign"})
    frame = groups.merge(truth, on="account_id")
    majority = (frame.dropna(subset=["true_campaign"]).groupby(["true_campaign", "cluster_id"])
                .size().rename("n").reset_index().sort_values("n", ascending=False)
                .drop_duplicates("true_campaign").rename(columns={"true_campaign": "campaign_id"}))
    top = attributions[attributions["rank"] == 1].set_index("campaign_id")
    per_campaign = {}
    for campaign in campaigns:
        row = majority[majority["campaign_id"] == campaign["campaign_id"]]
        cluster_id = row["cluster_id"].iloc[0] if len(row) else None
        named = top["org_id"].get(cluster_id) if cluster_id is not None else None
        per_campaign[campaign["campaign_id"]] = {
            "cluster_id": cluster_id, "true_parent": campaign["parent_org_id"],
            "ranked_first": named, "correct": named == campaign["parent_org_id"],
            "confidence": float(top["confidence"].get(cluster_id, 0.0)) if named else 0.0,
        }
    wrongly_named = sorted(set(attributions["org_id"]) & legit_orgs)
    correct = sum(v["correct"] for v in per_campaign.values())
    return {
        "campaigns": len(campaigns), "true_parent_ranked_first": correct,
        "attribution_accuracy": round(correct / max(len(campaigns), 1), 4),
        "legitimate_orgs_named": wrongly_named, "per_campaign": per_campaign,
    }
